"""/leerkracht/beheer/uitgevers/: the school administrator decides which publishers may read
the school's roster through the API (software.SyncPermission), and can replace one pupil's
pseudonym at one publisher. Both audited (software/services.py)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pupils.models import Pupil
from software.models import Publisher, SyncPermission
from software.services import replace_pseudonym, set_sync_permission

from .decorators import teacher_required


def _school_admin(request):
    # The views ask for "administer" (the ICT-coördinator) in their decorator; this says so again
    # where the school is taken, so no view can forget it.
    if not request.teacher.may("administer"):
        raise PermissionDenied
    return request.teacher.school


def _publishers_for(school):
    """Publishers that have an API client, or that this school decided about before."""
    return Publisher.objects.filter(
        Q(api_clients__isnull=False) | Q(sync_permissions__school=school)).distinct().order_by("name")


class SyncPermissionForm(forms.Form):
    granted = forms.BooleanField(required=False)
    shares_staff_email = forms.BooleanField(
        required=False, label=gettext_lazy("Ook e-mailadressen van medewerkers meegeven"))


class ReplacePseudonymForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), label=gettext_lazy("Leerling"),
                                   error_messages={"required": gettext_lazy("Kies een leerling."),
                                                   "invalid_choice": gettext_lazy("Kies een leerling.")})
    publisher = forms.ModelChoiceField(queryset=Publisher.objects.none(), label=gettext_lazy("Uitgever"),
                                       error_messages={"required": gettext_lazy("Kies een uitgever."),
                                                       "invalid_choice": gettext_lazy("Kies een uitgever.")})

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this school's pupils, and publishers with software licensed here: a pk from
        # another school is simply not a choice.
        self.fields["pupil"].queryset = Pupil.objects.active().filter(school=school).select_related(
            "group").order_by("group__name", "first_name", "last_name", "pk")
        self.fields["pupil"].label_from_instance = lambda p: f"{p.full_name} ({p.group.name})"
        self.fields["publisher"].queryset = Publisher.objects.filter(
            software__licences__school=school).distinct().order_by("name")


def _page(request, school, replace_form, status=200):
    permissions = {p.publisher_id: p for p in SyncPermission.objects.filter(school=school)}
    rows = [(publisher, permissions.get(publisher.pk)) for publisher in _publishers_for(school)]
    return render(request, "teachers/publishers.html", {
        "school": school, "rows": rows, "replace_form": replace_form}, status=status)


@teacher_required(may="administer")
def publishers(request):
    school = _school_admin(request)
    return _page(request, school, ReplacePseudonymForm(school=school))


@require_POST
@teacher_required(may="administer")
def publisher_permission(request, pk):
    school = _school_admin(request)
    publisher = get_object_or_404(_publishers_for(school), pk=pk)
    form = SyncPermissionForm(request.POST)
    form.is_valid()  # two checkboxes: nothing can be invalid
    set_sync_permission(school=school, publisher=publisher, granted=form.cleaned_data["granted"],
                        shares_staff_email=form.cleaned_data["shares_staff_email"], request=request)
    if form.cleaned_data["granted"]:
        messages.success(request, _("%(publisher)s mag de gegevens van de school ophalen.")
                         % {"publisher": publisher})
    else:
        messages.success(request, _("De toestemming van %(publisher)s is ingetrokken. De uitgever "
                                    "krijgt niets meer en hoort de gegevens te verwijderen.")
                         % {"publisher": publisher})
    return redirect("teachers:publishers")


@require_POST
@teacher_required(may="administer")
def publisher_pseudonym(request):
    school = _school_admin(request)
    form = ReplacePseudonymForm(request.POST, school=school)
    if not form.is_valid():
        return _page(request, school, form, status=400)
    pupil, publisher = form.cleaned_data["pupil"], form.cleaned_data["publisher"]
    replace_pseudonym(publisher=publisher, pupil=pupil, request=request)
    messages.success(request, _("%(pupil)s heeft bij %(publisher)s een nieuw pseudoniem. Andere "
                                "uitgevers merken niets.")
                     % {"pupil": pupil.full_name, "publisher": publisher})
    return redirect("teachers:publishers")
