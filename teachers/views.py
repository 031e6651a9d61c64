import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from basispoort.lockout import failures_for, locks_for
from basispoort.middleware import upload_limit
from basispoort.throttle import throttled, throttled_response
from homelogin.cards import code_qr_data_uri
from homelogin.models import (
    MAX_GUARDIANS_PER_PUPIL,
    RESCUE_CODE_MINUTES,
    DeviceGrantPupil,
    GuardianLink,
    HomeLoginCode,
    RescueCode,
)
from homelogin.services import (
    invite_guardian,
    issue_home_code,
    issue_rescue_code,
    mail_home_code,
    remove_guardian_link,
    revoke_device_entry,
    revoke_home_devices,
)
from pupils import classroom as classroom_device
from pupils.forms import SetPicturesForm, SetPinForm, TilePictureForm
from pupils.models import Pupil
from pupils.pictures import PICTURES
from schools.models import AuditEntry, Teacher

from . import services, staff, tasks
from .decorators import teacher_required
from .forms import BulkPupilsForm, GuardianEmailForm, ImportForm, SubstituteForm
from .importing import ImportFileError
from .models import ImportJob

logger = logging.getLogger(__name__)


def _get_group_for_teacher(request, pk):
    return get_object_or_404(request.teacher.visible_groups().select_related("school"), pk=pk)


def _get_pupil_for_teacher(request, pk):
    # A pupil of one of the teacher's groups, or a member of one of their samengestelde groepen.
    groups = request.teacher.visible_groups()
    return get_object_or_404(
        Pupil.objects.select_related("school", "group", "user").filter(
            Q(group__in=groups) | Q(composed_groups__in=groups), school=request.teacher.school,
        ).distinct(),
        pk=pk,
    )


@never_cache
@teacher_required
def my_groups(request):
    return render(request, "teachers/my_groups.html", {
        "groups": request.teacher.visible_groups().select_related("school"),
        # A teacher who is also a parent reaches their children from here, without a second login.
        "is_parent": request.user.guardian_links.exists(),
    })


@never_cache
@teacher_required
def group_detail(request, pk):
    return _group_page(request, _get_group_for_teacher(request, pk))


def _group_page(request, group, *, status=200, bulk_form=None):
    """The group page: every pupil with what a teacher needs for the home-login chores, in a
    fixed number of queries whatever the class size."""
    pupils = list(
        HomeLoginCode.objects.info_for(group.roster().select_related("user"))
        .prefetch_related(Prefetch("guardian_links", GuardianLink.objects.select_related("guardian")))
    )
    locks, failures = locks_for(pupils), failures_for(pupils)
    return render(request, "teachers/group.html", {
        "group": group,
        "rows": [(pupil, locks[pupil.pk], failures[pupil.pk]) for pupil in pupils],
        "locked": [(pupil, locks[pupil.pk]) for pupil in pupils if any(locks[pupil.pk].values())],
        "substitutes": group.teachers.current().filter(role=Teacher.Role.SUBSTITUTE)
        .select_related("user"),
        "bulk_form": bulk_form,
        "actions": {action: label for action, label in BulkPupilsForm.ACTIONS.items()
                    if request.teacher.may(BulkPupilsForm.PERMISSIONS[action])},
    }, status=status)


@never_cache
@require_POST
@teacher_required
def group_bulk(request, pk):
    """Bulk actions on the ticked pupils of a group."""
    group = _get_group_for_teacher(request, pk)
    needs = BulkPupilsForm.PERMISSIONS.get(request.POST.get("action"))
    if needs and not request.teacher.may(needs):
        raise PermissionDenied
    form = BulkPupilsForm(request.POST, group=group)
    if not form.is_valid():
        return _group_page(request, group, status=400, bulk_form=form)
    action, pupils = form.cleaned_data["action"], list(form.cleaned_data["pupils"])
    if action == "print":
        return _codes_confirm(request, group.name, pupils,
                              back_url=reverse("teachers:group_detail", args=[group.pk]),
                              action=reverse("teachers:group_codes", args=[group.pk]))
    if action in ("pins", "pictures"):
        results = [
            {"pupil": pupil, "pin": secret} if action == "pins"
            else {"pupil": pupil, "pictures": [(slug, PICTURES[slug]) for slug in secret]}
            for pupil, secret in services.generate_secrets(pupils=pupils, kind=action, request=request)
        ]
        return render(request, "teachers/secrets_set.html", {"group": group, "results": results})
    enabled = action == "home_on"
    services.set_home_login(pupils=pupils, enabled=enabled, request=request)
    messages.success(request, ngettext(
        "Thuis inloggen staat nu %(state)s voor %(count)s leerling.",
        "Thuis inloggen staat nu %(state)s voor %(count)s leerlingen.", len(pupils),
    ) % {"state": _("aan") if enabled else _("uit"), "count": len(pupils)})
    return redirect("teachers:group_detail", pk=group.pk)


@never_cache
@teacher_required(may="substitute")
def substitute_add(request, pk):
    """"Invalgroep": give a substitute this group until a date. The form is the second click."""
    group = _get_group_for_teacher(request, pk)
    form = SubstituteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership, mailed = staff.grant_substitute(
                group=group, email=data["email"], first_name=data["first_name"],
                last_name=data["last_name"], end_date=data["end_date"], request=request)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("%(email)s heeft toegang tot %(group)s tot en met %(date)s.") % {
                "email": membership.user.email, "group": group.name,
                "date": data["end_date"].strftime("%d-%m-%Y")})
            if not mailed and not membership.user.has_usable_password():
                messages.error(request, _("De uitnodiging kon niet worden verstuurd. De ICT-coördinator "
                                          "kan haar opnieuw versturen."))
            return redirect("teachers:group_detail", pk=group.pk)
    return render(request, "teachers/substitute_form.html", {"form": form, "group": group},
                  status=400 if request.method == "POST" else 200)


@never_cache
@teacher_required
def pupil_detail(request, pk):
    return _pupil_page(request, _get_pupil_for_teacher(request, pk))


def _pupil_page(request, pupil, *, status=200, **refused_forms):
    """The teacher's page for one pupil; a refused form comes in to show its Dutch errors."""
    return render(request, "teachers/pupil.html", {
        "pupil": pupil,
        "pin_form": SetPinForm(pupil=pupil),
        "pictures_form": SetPicturesForm(pupil=pupil),
        "tile_form": TilePictureForm(instance=pupil),
        "guardian_form": GuardianEmailForm(pupil=pupil),
        "guardian_links": list(pupil.guardian_links.select_related("guardian").order_by("slot")),
        "max_guardians": MAX_GUARDIANS_PER_PUPIL,
        "locks": locks_for([pupil])[pupil.pk],
        "home_code": HomeLoginCode.objects.info_for(Pupil.objects.filter(pk=pupil.pk)).get(),
        "devices": DeviceGrantPupil.objects.for_pupil(pupil),
        "rescue_codes": RescueCode.objects.recent_for(pupil),
        **refused_forms,
    }, status=status)


@never_cache
@require_POST
@teacher_required(may="secrets")
def pupil_set_secret(request, pk):
    """Set or generate a pupil's PIN or picture password. The new secret is shown once, on
    this response: it is never stored in clear, not even in a message or a cookie."""
    pupil = _get_pupil_for_teacher(request, pk)
    kind = request.POST.get("kind")
    form_class = {"pin": SetPinForm, "picture": SetPicturesForm}.get(kind)
    if form_class is None:
        return render(request, "400.html", status=400)
    form = form_class(request.POST, pupil=pupil)
    if not form.is_valid():
        return _pupil_page(request, pupil, status=400,
                           **{"pin_form" if kind == "pin" else "pictures_form": form})
    secret = services.set_secret(form=form, request=request)
    return render(request, "teachers/pupil_secret_set.html", {
        "pupil": pupil,
        "pin": secret if kind == "pin" else None,
        "pictures": [(slug, PICTURES[slug]) for slug in secret] if kind == "picture" else None,
    })


# Home login chores: switch it on or off, print or mail codes, unlock.


def _back(request, default):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@require_POST
@teacher_required(may="home_login")
def pupil_home_login(request, pk):
    pupil = _get_pupil_for_teacher(request, pk)
    services.set_home_login(pupils=[pupil], enabled=request.POST.get("enabled") == "1", request=request)
    if pupil.home_login_enabled:
        messages.success(request, _("Thuis inloggen staat aan voor %(name)s.") % {"name": pupil.first_name})
    else:
        messages.success(request, _("Thuis inloggen staat uit voor %(name)s.") % {"name": pupil.first_name})
    return _back(request, reverse("teachers:pupil_detail", args=[pupil.pk]))


@require_POST
@teacher_required(may="unlock")
def pupil_unlock(request, pk):
    pupil = _get_pupil_for_teacher(request, pk)
    services.unlock_pupil(pupil=pupil, request=request)
    messages.success(request, _("%(name)s kan weer inloggen.") % {"name": pupil.first_name})
    return _back(request, reverse("teachers:pupil_detail", args=[pupil.pk]))


@never_cache
@teacher_required(may="print_codes")
def group_codes(request, pk):
    """"Thuis login codes afdrukken" for a group (or the ticked pupils of it): a confirmation
    first, because printing makes new codes and the old ones (and the devices that entered
    them) stop working."""
    group = _get_group_for_teacher(request, pk)
    pupils = list(group.roster().select_related("school", "group"))
    chosen = set(request.POST.getlist("pupils"))
    if chosen:
        pupils = [p for p in pupils if str(p.pk) in chosen]
    if request.method == "POST" and request.POST.get("confirmed"):
        return _print_cards(request, [p for p in pupils if p.home_login_enabled], title=group.name,
                            back_url=reverse("teachers:group_detail", args=[group.pk]))
    return _codes_confirm(request, group.name, pupils,
                          back_url=reverse("teachers:group_detail", args=[group.pk]), action=request.path)


def _codes_confirm(request, subject, pupils, *, back_url, action):
    enabled = [p for p in pupils if p.home_login_enabled]
    return render(request, "teachers/codes_confirm.html", {
        "subject": subject, "count": len(enabled), "without": len(pupils) - len(enabled),
        "back_url": back_url, "action": action, "pupils": enabled,
    })


@never_cache
@teacher_required(may="print_codes")
def pupil_code(request, pk):
    pupil = _get_pupil_for_teacher(request, pk)
    if request.method == "POST" and pupil.home_login_enabled:
        return _print_cards(request, [pupil], title=pupil.full_name,
                            back_url=reverse("teachers:pupil_detail", args=[pupil.pk]))
    return render(request, "teachers/codes_confirm.html", {
        "subject": pupil.full_name, "count": int(pupil.home_login_enabled),
        "without": int(not pupil.home_login_enabled),
        "back_url": reverse("teachers:pupil_detail", args=[pupil.pk]),
    }, status=200 if request.method == "GET" else 400)


@transaction.atomic
def _print_cards(request, pupils, *, title, back_url):
    """8 cards per A4 sheet. Each card names the pupil as their class's tiles do."""
    labels = {}
    for group_id in {p.group_id for p in pupils}:
        labels.update(Pupil.tile_labels(Pupil.objects.for_group(group_id)))
    cards = []
    for pupil in pupils:
        code = issue_home_code(pupil=pupil, request=request)
        cards.append({"pupil": pupil, "label": labels.get(pupil.pk, pupil.first_name), "code": code,
                      "qr": code_qr_data_uri(code)})
    return render(request, "teachers/code_cards.html", {
        "title": title, "sheets": [cards[i:i + 8] for i in range(0, len(cards), 8)],
        "site": settings.SITE_URL.split("://", 1)[-1], "back_url": back_url,
    })


@require_POST
@teacher_required(may="print_codes")
def pupil_code_mail(request, pk):
    """Mail a new code to the pupil's parents (their linked e-mail addresses)."""
    pupil = _get_pupil_for_teacher(request, pk)
    guardians = [link.guardian for link in pupil.guardian_links.select_related("guardian")
                 if link.guardian.email]
    addresses = [guardian.email for guardian in guardians]
    if not pupil.home_login_enabled or not addresses:
        messages.error(request, _("Zet eerst thuis inloggen aan en vul een e-mailadres van een "
                                  "ouder/verzorger in."))
        return redirect("teachers:pupil_detail", pk=pupil.pk)
    try:
        mail_home_code(pupil=pupil, guardians=guardians, request=request)
    except Exception:
        logger.exception("A home login code mail could not be sent")
        messages.error(request, _("De e-mail kon niet worden verstuurd. Er is niets veranderd: de "
                                  "oude thuis login code werkt nog. Probeer het later opnieuw, of "
                                  "druk een nieuw kaartje af."))
        return redirect("teachers:pupil_detail", pk=pupil.pk)
    messages.success(request, _("De nieuwe thuis login code is gemaild naar %(to)s. De oude code "
                                "werkt niet meer.") % {"to": ", ".join(addresses)})
    return redirect("teachers:pupil_detail", pk=pupil.pk)


@never_cache
@require_POST
@teacher_required(may="secrets")
def pupil_set_tile(request, pk):
    """The teacher picks the picture on the pupil's name tile (from the tiles' own set)."""
    pupil = _get_pupil_for_teacher(request, pk)
    form = TilePictureForm(request.POST, instance=pupil)
    if not form.is_valid():
        return _pupil_page(request, pupil, status=400, tile_form=form)
    form.save()
    messages.success(request, _("De naamtegel van %(name)s heeft een nieuw plaatje.") % {
        "name": pupil.first_name,
    })
    return redirect("teachers:pupil_detail", pk=pupil.pk)


# Parents' e-mail addresses (at most two per pupil); saving one mails a set-password link.


@never_cache
@require_POST
@teacher_required(may="guardians")
def pupil_add_guardian(request, pk):
    pupil = _get_pupil_for_teacher(request, pk)
    if throttled(request, "invite_mail"):
        return throttled_response(request)
    form = GuardianEmailForm(request.POST, pupil=pupil)
    if form.is_valid():
        try:
            _link, mailed = invite_guardian(pupil=pupil, email=form.cleaned_data["email"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            email = form.cleaned_data["email"]
            if mailed:
                messages.success(request, _("%(email)s is toegevoegd en krijgt een e-mail met een link om "
                                            "een wachtwoord aan te maken.") % {"email": email})
            else:
                messages.error(request, _("%(email)s is toegevoegd, maar de e-mail kon niet worden "
                                          "verstuurd. De ouder kan op de inlogpagina via 'Gebruikersnaam "
                                          "of wachtwoord vergeten' een link aanvragen.") % {"email": email})
            return redirect("teachers:pupil_detail", pk=pupil.pk)
    return _pupil_page(request, pupil, status=400, guardian_form=form)


@never_cache
@teacher_required(may="guardians")
def pupil_remove_guardian(request, pk, link_pk):
    """Remove one address from this pupil only; the parent keeps their other children. A
    confirmation page comes first: removing cannot be undone (the parent would need a new
    invitation, and loses this child's tile at once)."""
    pupil = _get_pupil_for_teacher(request, pk)
    link = get_object_or_404(pupil.guardian_links.select_related("guardian"), pk=link_pk)
    if request.method != "POST" or request.POST.get("confirmed") != "1":
        return render(request, "teachers/guardian_remove_confirm.html", {
            "pupil": pupil, "link": link,
            "last_child": not link.guardian.guardian_links.exclude(pk=link.pk).exists(),
        })
    remove_guardian_link(link=link, request=request)
    messages.success(request, _("%(email)s is verwijderd bij %(name)s.") % {
        "email": link.guardian.email, "name": pupil.first_name,
    })
    return redirect("teachers:pupil_detail", pk=pupil.pk)


@require_POST
@teacher_required(may="home_login")
def pupil_revoke_devices(request, pk):
    """Every home device that remembers this pupil forgets them (their siblings stay)."""
    pupil = _get_pupil_for_teacher(request, pk)
    removed = revoke_home_devices(pupil=pupil, request=request)
    messages.success(request, ngettext(
        "%(count)s thuisapparaat toont %(name)s niet meer.",
        "%(count)s thuisapparaten tonen %(name)s niet meer.", removed,
    ) % {"count": removed, "name": pupil.first_name})
    return redirect("teachers:pupil_detail", pk=pupil.pk)


@never_cache
@teacher_required(may="administer")
@upload_limit(settings.IMPORT_UPLOAD_MAX_MB)
def school_import(request):
    """The school administrator uploads an EDEX-XML or CSV file. The answer comes at once: the
    file is kept and its preview (a dry run that shows every change) runs as a background task,
    on the job's page (school_import_job)."""
    school = request.teacher.school
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "teachers/import.html", {"form": form, "school": school}, status=400)
        upload = form.cleaned_data["file"]
        job = tasks.queue_preview(school=school, by=request.user, filename=upload.name,
                                  data=upload.read(), language=request.LANGUAGE_CODE)
        return redirect("teachers:school_import_job", pk=job.pk)
    return render(request, "teachers/import.html", {
        "form": form, "school": school, "open_jobs": ImportJob.objects.open_for(request.teacher),
    })


def _get_import_job(request, pk):
    """An import job, for the administrator who uploaded it, of their own school; else 404."""
    return get_object_or_404(ImportJob.objects.defer("data").select_related("school"),
                             pk=pk, school=request.teacher.school, created_by=request.user)


@never_cache
@teacher_required(may="administer")
def school_import_job(request, pk):
    """The job's page: progress while it runs (the script asks school_import_status; without
    script the page reloads itself), then the preview with its one button, or the result."""
    job = _get_import_job(request, pk)
    context = {"job": job, "school": job.school, "report": job.report, "progress": job.progress()}
    if job.finished and not job.can_apply and not job.applied:
        context["form"] = ImportForm()  # try again with a corrected file
    return render(request, "teachers/import.html", context, status=400 if job.has_errors else 200)


@never_cache
@teacher_required(may="administer")
def school_import_status(request, pk):
    """How far the job is, as JSON, for the progress bar's script."""
    status = _get_import_job(request, pk).status()
    # A poll is not the administrator at work: it does not stretch the session's idle limit, and
    # writes nothing (on SQLite a write would wait for the running import's transaction).
    request.session.modified = False
    return JsonResponse(status)


@require_POST
@teacher_required(may="administer")
def school_import_apply(request, pk):
    """The one click after the preview: import the file that was previewed."""
    job = _get_import_job(request, pk)
    try:
        tasks.queue_apply(job=job)
    except ImportFileError as error:
        messages.error(request, str(error))
        job.refresh_from_db()
        return render(request, "teachers/import.html",
                      {"job": job, "school": job.school, "report": job.report, "form": ImportForm()},
                      status=400)
    return redirect("teachers:school_import_job", pk=job.pk)


@never_cache
@teacher_required(may="administer")
def audit_log(request):
    """The school administrator reads their own school's audit log, newest first."""
    entries = AuditEntry.objects.filter(school=request.teacher.school).select_related("actor", "pupil")
    page = Paginator(entries, 100).get_page(request.GET.get("pagina"))
    return render(request, "teachers/audit_log.html", {"page": page, "school": request.teacher.school})


# A classroom device: the teacher picks a group on /klas/, and the browser shows that group's
# name tiles from then on (pupils/classroom.py).


@require_POST
@teacher_required
def classroom_connect(request):
    group_id = request.POST.get("group", "")
    if not group_id.isdigit():
        raise Http404
    group = get_object_or_404(request.teacher.visible_groups(), pk=group_id)
    teacher = request.teacher
    # The teacher's own session ends here: from now on the device shows the tiles to anyone.
    logout(request)
    return classroom_device.connect(redirect("pupils:classroom"), group=group, teacher=teacher)


@require_POST
@teacher_required
def classroom_disconnect(request):
    return classroom_device.disconnect(request, redirect("pupils:classroom"))


# Home devices one by one, and rescue codes for a lost card (homelogin/services.py).


@require_POST
@teacher_required(may="home_login")
def pupil_revoke_device(request, pk, entry_pk):
    pupil = _get_pupil_for_teacher(request, pk)
    entry = get_object_or_404(DeviceGrantPupil.objects.live().select_related("grant", "pupil__school"),
                              pk=entry_pk, pupil=pupil)
    revoke_device_entry(entry=entry, request=request)
    messages.success(request, _("Het apparaat toont %(name)s niet meer.") % {"name": pupil.first_name})
    return redirect("teachers:pupil_detail", pk=pupil.pk)


@never_cache
@require_POST
@teacher_required(may="print_codes")
def pupil_rescue_code(request, pk):
    """A one-time code for a lost or forgotten card, shown once on this answer."""
    pupil = _get_pupil_for_teacher(request, pk)
    if not pupil.can_log_in_at_home():
        messages.error(request, _("Zet eerst thuis inloggen aan."))
        return redirect("teachers:pupil_detail", pk=pupil.pk)
    return render(request, "teachers/rescue_code.html", {
        "pupil": pupil, "code": issue_rescue_code(pupil=pupil, request=request),
        "minutes": RESCUE_CODE_MINUTES,
    })
