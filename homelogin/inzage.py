"""What the platform holds about a child, for their parent: "Wat weten de uitgevers?" (per
licensed program: what it receives by its licence, what it really received, when it was last
opened) and "Alles downloaden" (the right of access, AVG article 15: everything, as a readable
HTML page and a JSON file in one zip)."""

import io
import json
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from schools.models import AuditEntry
from software.models import Licence, ProductGrant, Release, licence_claim_names

from .models import DeviceGrantPupil, GuardianLink, HomeLoginCode, RescueCode

# What each claim a publisher can receive means, for a parent.
CLAIM_LABELS = {
    "sub": _("Schuilnaam: een code die alleen deze uitgever krijgt, niet de naam van uw kind"),
    "role": _("Dat uw kind leerling is"),
    "school": _("BRIN-nummer van de school"),
    "school_name": _("Naam van de school"),
    "group": _("Groep"),
    "year_level": _("Jaargroep"),
    "given_name": _("Roepnaam"),
    "eckid": _("ECK iD (een landelijk nummer voor leermiddelen)"),
}


# The child's history in the download keeps what happened and when, but nothing about the
# adults involved: no IP address at all (the other parent's, a teacher's), and an entry's detail
# only for the actions whose detail is about the child. Every other detail names an adult: the
# parents' e-mail addresses (a parent added or removed, a card mailed to both, the other
# parent's download). A new action's detail stays out until it is added here.
HISTORY_DETAILS = {
    AuditEntry.Action.SECRET_SET,  # PIN or pictures
    AuditEntry.Action.CODE_ISSUED,  # "afgedrukt"
    AuditEntry.Action.DEVICE_REVOKED,  # the device's label and name, as in "devices"
    AuditEntry.Action.RESCUE_ISSUED,  # made by the school or by a parent, not by whom
    AuditEntry.Action.RESCUE_USED,  # the device's label
    AuditEntry.Action.LOGIN_OK,  # "Leerling" and the gate's path
    AuditEntry.Action.LOGIN_FAILED,  # the gate's path (a pupil's entry never holds a username)
    AuditEntry.Action.LOCKED,  # which of the child's counters: school or home
    AuditEntry.Action.PSEUDONYM_REPLACED,  # the publisher
}


def _claims(names, values=None):
    return [{"name": name, "label": CLAIM_LABELS.get(name, name),
             "value": values.get(name) if values is not None else None} for name in names]


def _licences(pupil):
    return (Licence.objects.valid().for_group(pupil.group)
            .select_related("software__publisher").order_by("software__name").distinct())


def _product_grants(pupil):
    """The pupil's valid product grants (a publisher's licences through the API): they open
    their software at school and at home, like the school's licences."""
    return list(ProductGrant.objects.valid().for_pupil(pupil).distinct()
                .select_related("product__publisher", "product__software__publisher")
                .order_by("product__name", "pk"))


def _granted_licence(pupil, software):
    """The licence single sign-on reads a product-granted software's claims from
    (software/oidc.py): the school's row for it, if any, valid or not; else None."""
    return Licence.objects.filter(school=pupil.school, software=software).first()


def publishers_overview(pupil):
    """Per program the child's licences allow now: the licence, what it may receive, the
    latest release and its claims; then any other program that received data earlier; then per
    publisher the latest class list it fetched through the roster API."""
    releases = list(Release.objects.filter(user=pupil.user).select_related("software", "publisher"))
    latest, fetched = {}, {}
    for release in releases:  # newest first
        if release.channel == Release.Channel.API:  # a roster sync: per publisher, not per program
            fetched.setdefault(release.publisher_id, release)
        else:
            latest.setdefault(release.software_id, release)
    granted = {grant.product.software_id: grant.product.software for grant in _product_grants(pupil)}
    programs = []

    def program(software, licence, home_use):
        release = latest.pop(software.pk, None)
        programs.append({
            "software": software, "publisher": software.publisher, "home_use": home_use,
            "allowed": _claims(licence_claim_names(licence, pupil)),
            "last_release": release,
            "received": _claims(list(release.claims), release.claims) if release else [],
        })

    for licence in _licences(pupil):
        program(licence.software, licence, licence.home_use or licence.software_id in granted)
        granted.pop(licence.software_id, None)
    # Software only a publisher's product grant opens: launchable, so listed as a program.
    for software in sorted(granted.values(), key=lambda s: s.name):
        program(software, _granted_licence(pupil, software), True)
    earlier = sorted(latest.values(), key=lambda r: r.created_at, reverse=True)
    fetched = [{"release": release, "received": _claims(list(release.claims), release.claims)}
               for release in sorted(fetched.values(), key=lambda r: str(r.publisher or r.client_id))]
    return {"programs": programs, "earlier": earlier, "fetched": fetched}


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def child_data(pupil, guardian):
    """Everything held about ``pupil``, as plain data (the JSON file and the HTML page)."""
    school = pupil.school
    licences = _licences(pupil)
    entries = (DeviceGrantPupil.objects.filter(pupil=pupil).select_related("grant")
               .order_by("added_at"))
    others = GuardianLink.objects.filter(pupil=pupil).exclude(guardian=guardian).count()
    return {
        "made_at": _when(timezone.now()),
        "child": {
            "first_name": pupil.first_name, "last_name_prefix": pupil.last_name_prefix,
            "last_name": pupil.last_name, "birth_date": pupil.birth_date,
            "year_level": pupil.jaargroep, "group": pupil.group.name,
            "other_groups": [g.name for g in pupil.composed_groups.order_by("name")],
            "school": {"name": school.name, "brin": school.brin, "vestiging": school.vestiging,
                       "privacy_contact": school.privacy_contact},
            "login_with": pupil.get_secret_kind_display(),
            "home_login_enabled": pupil.home_login_enabled,
            "last_login_school": _when(pupil.last_login_school),
            "last_login_home": _when(pupil.last_login_home),
            "administration_key": pupil.external_id, "eckid": pupil.eckid,
            "tile_picture": pupil.tile_picture_name,
        },
        # The other parent's address is theirs, not the child's: only that there is one.
        "guardians": {"you": guardian.email, "other_guardians": others},
        "licences": [{
            "software": licence.software.name, "publisher": licence.software.publisher.name,
            "home_use": licence.home_use, "valid_from": licence.valid_from,
            "valid_until": licence.valid_until,
            "receives": licence_claim_names(licence, pupil),
        } for licence in licences] + [{
            "software": grant.product.software.name, "product": grant.product.name,
            "publisher": grant.product.publisher.name, "home_use": True,
            "valid_from": grant.valid_from, "valid_until": grant.valid_until,
            "receives": licence_claim_names(_granted_licence(pupil, grant.product.software), pupil),
        } for grant in _product_grants(pupil)],
        "devices": [{
            "device": entry.grant.label_display, "name": entry.grant.name,
            "added": _when(entry.added_at), "last_login": _when(entry.last_used_at),
            "with_rescue_code": entry.rescue_code_id is not None,
            "removed": _when(entry.grant.revoked_at),
        } for entry in entries],
        "home_login_codes": [{"made": _when(code.created_at), "stopped": _when(code.revoked_at)}
                             for code in HomeLoginCode.objects.filter(pupil=pupil).order_by("created_at")],
        "rescue_codes": [{
            "made": _when(code.created_at), "by_parent": code.made_by_guardian,
            "used": _when(code.used_at), "device": code.used_on.label_display if code.used_on else None,
        } for code in RescueCode.objects.filter(pupil=pupil).select_related("created_by", "used_on")
            .order_by("created_at")],
        "history": [{
            "at": _when(entry.created_at), "what": entry.get_action_display(),
            "detail": entry.detail if entry.action in HISTORY_DETAILS else "",
        } for entry in AuditEntry.objects.filter(pupil=pupil).order_by("created_at")],
        "releases": [{
            "at": _when(release.created_at),
            "publisher": release.publisher.name if release.publisher else None,
            "software": release.software.name if release.software else None,
            "client_id": release.client_id, "how": release.get_channel_display(),
            "data": release.claims,
        } for release in Release.objects.filter(user=pupil.user).select_related("publisher", "software")
            .order_by("created_at")],
    }


def child_data_zip(pupil, guardian):
    """(file name, zip bytes) holding inzage.html and inzage.json."""
    data = child_data(pupil, guardian)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    page = render_to_string("homelogin/inzage_download.html", {
        "data": json.loads(text), "claim_labels": CLAIM_LABELS, "pupil": pupil,
    })
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("inzage.html", page)
        archive.writestr("inzage.json", text)
    name = f"basispoort-inzage-{slugify(pupil.first_name) or pupil.pk}-{timezone.localdate():%Y-%m-%d}.zip"
    return name, buffer.getvalue()
