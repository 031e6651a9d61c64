"""School administration under /leerkracht/beheer/, for the ICT-coördinator of one school:
staff and roles, invitations, the school's licences, classroom devices in use. (The import
and the audit log are in views.py.) Every object is looked up within the administrator's own
school: another school's id is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device

from basispoort.throttle import throttled, throttled_response
from pupils import classroom as classroom_device
from pupils.models import ClassroomDevice
from schools.models import Teacher
from software.models import Licence

from . import staff
from .decorators import teacher_required
from .forms import LicenceForm, SchoolDetailsForm, StaffAddForm, StaffRoleForm


def _get_membership_for_admin(request, pk):
    return get_object_or_404(
        Teacher.objects.select_related("user", "school").filter(school=request.teacher.school), pk=pk)


@never_cache
@teacher_required(may="administer")
def admin_home(request):
    school = request.teacher.school
    return render(request, "teachers/admin/home.html", {
        "school": school, "not_activated": len(staff.not_activated(school)),
        "devices": classroom_device.devices_of(school).count(),
    })


@never_cache
@teacher_required(may="administer")
def staff_list(request):
    """Every membership of the school, with its role, groups, end date and state; who has not
    activated their account yet, with "Opnieuw uitnodigen"."""
    school = request.teacher.school
    memberships = list(Teacher.objects.filter(school=school).select_related("user")
                       .prefetch_related("groups").order_by("user__last_name", "user__first_name"))
    current = set(Teacher.objects.current().filter(school=school).values_list("pk", flat=True))
    rows = [{"membership": m, "current": m.pk in current, "activated": m.user.has_usable_password(),
             "second_step": user_has_device(m.user)} for m in memberships]
    return render(request, "teachers/admin/staff_list.html", {
        "school": school, "rows": rows,
        "not_activated": [r for r in rows if r["current"] and not r["activated"]],
    })


@never_cache
@teacher_required(may="administer")
def staff_add(request):
    school = request.teacher.school
    form = StaffAddForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership, mailed = staff.add_staff(
                school=school, email=data["email"], first_name=data["first_name"],
                last_name=data["last_name"], role=data["role"], groups=data["groups"],
                end_date=data["end_date"], request=request)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            _invited_message(request, membership, mailed)
            return redirect("teachers:staff_list")
    return render(request, "teachers/admin/staff_form.html", {"form": form, "school": school},
                  status=400 if request.method == "POST" else 200)


def _invited_message(request, membership, mailed):
    if mailed:
        messages.success(request, _("%(email)s krijgt een e-mail met een link om een wachtwoord "
                                    "aan te maken.") % {"email": membership.user.email})
    else:
        messages.error(request, _("De uitnodiging aan %(email)s kon niet worden verstuurd. Probeer "
                                  "het later opnieuw met 'Opnieuw uitnodigen'.")
                       % {"email": membership.user.email or membership.user.get_full_name()})


@never_cache
@teacher_required(may="administer")
def staff_edit(request, pk):
    membership = _get_membership_for_admin(request, pk)
    initial = {"role": membership.role, "groups": membership.groups.all(), "end_date": membership.end_date}
    form = StaffRoleForm(request.POST or None, school=membership.school, membership=membership,
                         initial=initial)
    if request.method == "POST" and form.is_valid():
        staff.change_staff(membership=membership, role=form.cleaned_data["role"],
                           groups=form.cleaned_data["groups"], end_date=form.cleaned_data["end_date"],
                           request=request)
        messages.success(request, _("De rol van %(name)s is opgeslagen.") % {"name": membership.user})
        return redirect("teachers:staff_list")
    return _edit_page(request, membership, form, status=400 if request.method == "POST" else 200)


def _edit_page(request, membership, form, *, status=200):
    return render(request, "teachers/admin/staff_form.html", {
        "form": form, "membership": membership, "school": membership.school,
        "second_step": user_has_device(membership.user),
    }, status=status)


@require_POST
@teacher_required(may="administer")
def staff_invite(request, pk):
    """"Opnieuw uitnodigen": a new set-password link (the old ones keep working until one is
    used or they expire)."""
    membership = _get_membership_for_admin(request, pk)
    if throttled(request, "invite_mail"):
        return throttled_response(request)
    _invited_message(request, membership, staff.invite_staff(membership=membership, request=request))
    return redirect("teachers:staff_list")


@require_POST
@teacher_required(may="administer")
def staff_invite_all(request):
    """Invite everyone of the school who has not activated their account yet: one mail each,
    sent by the task queue (teachers/staff.py), so a school of 80 staff never holds a request."""
    if throttled(request, "invite_mail"):
        return throttled_response(request)
    pending = staff.not_activated(request.teacher.school)
    ids = [membership.pk for membership in pending]
    transaction.on_commit(lambda: staff.invite_staff_members.enqueue(ids, by_id=request.user.pk))
    messages.success(request, ngettext("%(count)s uitnodiging wordt verstuurd.",
                                       "%(count)s uitnodigingen worden verstuurd.", len(pending))
                     % {"count": len(pending)})
    return redirect("teachers:staff_list")


@require_POST
@teacher_required(may="administer")
def staff_reset_second_step(request, pk):
    membership = _get_membership_for_admin(request, pk)
    try:
        staff.reset_second_step(membership=membership, request=request)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        form = StaffRoleForm(school=membership.school, membership=membership, initial={
            "role": membership.role, "groups": membership.groups.all(), "end_date": membership.end_date})
        return _edit_page(request, membership, form, status=400)
    messages.success(request, _("De tweede stap van %(name)s is teruggezet. Bij de volgende keer "
                                "inloggen stelt %(name)s een nieuwe app in.") % {"name": membership.user})
    return redirect("teachers:staff_list")


@never_cache
@teacher_required(may="administer")
def licences(request):
    school = request.teacher.school
    return render(request, "teachers/admin/licences.html", {
        "school": school,
        "licences": Licence.objects.filter(school=school).select_related("software__publisher")
        .prefetch_related("groups").order_by("software__name"),
    })


@never_cache
@teacher_required(may="administer")
def licence_edit(request, pk):
    licence = get_object_or_404(Licence.objects.select_related("software__publisher", "school")
                                .filter(school=request.teacher.school), pk=pk)
    form = LicenceForm(request.POST or None, instance=licence)
    if request.method == "POST" and form.is_valid():
        staff.save_licence(form=form, request=request)
        messages.success(request, _("De licentie voor %(name)s is opgeslagen.")
                         % {"name": licence.software.name})
        return redirect("teachers:licences")
    return render(request, "teachers/admin/licence_form.html", {"form": form, "licence": licence},
                  status=400 if request.method == "POST" else 200)


@never_cache
@teacher_required(may="administer")
def school_details(request):
    """The school's own settings: the language of mails to parents, the privacy contact."""
    school = request.teacher.school
    form = SchoolDetailsForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        staff.save_school_details(form=form, request=request)
        messages.success(request, _("De schoolgegevens zijn opgeslagen."))
        return redirect("teachers:admin_home")
    return render(request, "teachers/admin/school_details.html", {"form": form, "school": school},
                  status=400 if request.method == "POST" else 200)


@never_cache
@teacher_required(may="administer")
def devices(request):
    school = request.teacher.school
    return render(request, "teachers/admin/devices.html", {
        "school": school, "devices": classroom_device.devices_of(school),
    })


@require_POST
@teacher_required(may="administer")
def device_disconnect(request, pk):
    device = get_object_or_404(ClassroomDevice.objects.select_related("group__school").filter(
        group__school=request.teacher.school, revoked_at=None), pk=pk)
    staff.disconnect_classroom_device(device=device, request=request)
    messages.success(request, _("De klassencomputer van %(group)s is losgekoppeld. Hij toont de "
                                "naamtegels niet meer.") % {"group": device.group.name})
    return redirect("teachers:devices")
