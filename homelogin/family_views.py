"""A parent's own pages about their children (after logging in at /thuis/): the home devices
that show them ("Apparaten"), a rescue code for a lost card ("Reservecode maken"), what every
publisher receives ("Wat weten de uitgevers?") and everything held about a child ("Alles
downloaden"). Every page asks the parent's own links first: another family's child or device
is a 404."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .family_forms import DeviceNameForm
from .guardian_views import _children, _get_child_for_guardian, guardian_required
from .inzage import publishers_overview
from .models import RESCUE_CODE_MINUTES, DeviceGrant
from .services import download_child_data, issue_rescue_code, revoke_family_device


def _get_device_for_guardian(request, pk):
    """A live device that shows one of the parent's children; anything else is a 404."""
    return get_object_or_404(DeviceGrant.objects.showing(_children(request.user)), pk=pk)


def _get_any_child_for_guardian(request, pk):
    """One of the parent's children, whether or not home login is on: what publishers know
    and the download are the parent's right either way."""
    return get_object_or_404(_children(request.user).select_related("group", "user"), pk=pk)


@never_cache
@guardian_required
def guardian_devices(request):
    return _devices_page(request)


def _devices_page(request, *, status=200, refused=None):
    devices = list(DeviceGrant.objects.showing(_children(request.user)))
    return render(request, "homelogin/guardian_devices.html", {
        "devices": [(device, refused if refused and refused.instance.pk == device.pk
                     else DeviceNameForm(instance=device, prefix=f"apparaat-{device.pk}"))
                    for device in devices],
    }, status=status)


@never_cache
@require_POST
@guardian_required
def guardian_device_rename(request, pk):
    device = _get_device_for_guardian(request, pk)
    form = DeviceNameForm(request.POST, instance=device, prefix=f"apparaat-{device.pk}")
    if not form.is_valid():
        return _devices_page(request, status=400, refused=form)
    form.save()
    messages.success(request, _("De naam is opgeslagen."))
    return redirect("homelogin:guardian_devices")


@require_POST
@guardian_required
def guardian_device_revoke(request, pk):
    """"Verwijderen": the device stops showing the parent's children at once; their sessions on
    it end. Typing the card's code on it again makes it a new device."""
    device = _get_device_for_guardian(request, pk)
    revoke_family_device(grant=device, pupils=[entry.pupil for entry in device.family_entries],
                         request=request)
    messages.success(request, _("Het apparaat is verwijderd. Daar is de thuis login code nu weer nodig."))
    return redirect("homelogin:guardian_devices")


@never_cache
@guardian_required
def guardian_rescue_code(request, pk):
    """"Reservecode maken": a one-time code on the parent's screen, for a device of the child
    when the card is lost or not at hand. Made only on the POST, shown only on its answer."""
    pupil = _get_child_for_guardian(request, pk)
    code = issue_rescue_code(pupil=pupil, request=request) if request.method == "POST" else None
    return render(request, "homelogin/guardian_rescue_code.html", {
        "pupil": pupil, "code": code, "minutes": RESCUE_CODE_MINUTES,
    })


@never_cache
@guardian_required
def guardian_publishers(request, pk):
    pupil = _get_any_child_for_guardian(request, pk)
    return render(request, "homelogin/guardian_publishers.html", {
        "pupil": pupil, **publishers_overview(pupil),
    })


@never_cache
@require_POST
@guardian_required
def guardian_download(request, pk):
    """"Alles downloaden": a zip with a readable page and a JSON file."""
    pupil = _get_any_child_for_guardian(request, pk)
    name, content = download_child_data(pupil=pupil, request=request)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
