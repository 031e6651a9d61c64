import hashlib

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from basispoort.pages import render_cached
from schools.models import Teacher
from software.models import overview_tiles

from . import classroom as classroom_device
from . import session
from .gate import class_tile_page, pupil_login
from .models import Pupil


@never_cache
def classroom(request):
    """/klas/: the group's name tiles on a classroom device; the set-up page for a teacher."""
    group = classroom_device.connected_group(request)
    teacher = Teacher.objects.for_request(request)
    if teacher and teacher.may("view"):
        return render(request, "pupils/classroom_setup.html", {
            "groups": teacher.visible_groups(), "connected_group": group,
        })
    if group is None:
        return render(request, "pupils/classroom_not_connected.html")
    return class_tile_page(request, group)


@never_cache
def classroom_pupil(request, pk):
    group = classroom_device.connected_group(request)
    if group is None:
        return redirect("pupils:classroom")
    # The device's group (with its school, checked active) comes from the cache: only the
    # pupil and their account are read, at the 08:30 storm's busiest step.
    pupil = Pupil.for_login(pk, group)
    if pupil is None:
        raise Http404
    return pupil_login(request, pupil, gate="school", tiles_url=reverse("pupils:classroom"),
                       device_key=classroom_device.device_key(request))


@never_cache
def overview(request):
    """The software overview after a pupil logged in: school licences at school, home-use
    licences only at home; and the products publishers granted the pupil or their group, at
    school and at home (a publisher's grant is personal)."""
    pupil = session.logged_in_pupil(request)
    if pupil is None:
        return redirect("homelogin:home")
    at_home = session.gate(request) != "school"
    tiles = overview_tiles(pupil, at_home=at_home)
    # The same page for every pupil with these tiles but for the name: rendered once.
    fingerprint = hashlib.sha256(repr((at_home, tiles)).encode()).hexdigest()
    return render_cached(request, "pupils/overview.html", {"tiles": tiles, "at_home": at_home},
                         key=fingerprint, fill={"first_name": pupil.first_name}, any_address=True)


@require_POST
def pupil_logout(request):
    """"Uitloggen": the pupil's session ends, and the browser goes back to where the pupil came
    from: the classroom tiles, the home device's tiles, or the parents' login."""
    return redirect(session.end(request) or reverse("homelogin:home"))
