"""Every role × every staff page: what each role of schools.Teacher.PERMISSIONS may open (200,
or the redirect after a change), what it may not (403), and what lies outside its groups or its
school (404). One persona per role at the school, and the same roles at another school."""

import datetime

import pytest
from django.utils import timezone

from pupils.models import ClassroomDevice
from tests.factories import GroupFactory, GuardianLinkFactory, LicenceFactory, PupilFactory, TeacherFactory
from tests.helpers import log_in_staff

ROLES = ["leerkracht", "ib_rt", "stagiair", "invalkracht", "ict_coordinator"]


@pytest.fixture
def world(school, group, pupil, other_school):
    other_group = GroupFactory(school=school, name="Groep 8")
    far = GroupFactory(school=other_school, name="Groep 1")
    far_pupil = PupilFactory(group=far)
    personas = {}
    for role in ROLES:
        end = timezone.localdate() + datetime.timedelta(days=7) if role == "invalkracht" else None
        personas[role] = TeacherFactory(school=school, role=role, groups=[group], end_date=end,
                                        user__username=f"{role}@school.example")
        personas[f"{role}@elders"] = TeacherFactory(
            school=other_school, role=role, groups=[far], end_date=end,
            user__username=f"{role}@elders.example")
    colleague = personas["leerkracht"]
    device = ClassroomDevice.objects.create(device_id="abc", group=group, teacher=colleague)
    return {
        "personas": personas,
        "ids": {
            "group": group.pk, "other_group": other_group.pk, "far_group": far.pk, "pupil": pupil.pk,
            "far_pupil": far_pupil.pk, "link": GuardianLinkFactory(pupil=pupil).pk,
            "member": colleague.pk, "far_member": personas["leerkracht@elders"].pk,
            "licence": LicenceFactory(school=school).pk,
            "far_licence": LicenceFactory(school=other_school).pk,
            "device": device.pk,
        },
    }


# (method, path, data, {role: expected status}); roles not named get `others`.
ADMIN_ONLY = {"ict_coordinator": 200}
PAGES = [
    ("get", "", {}, {}, 200),
    ("get", "groep/{group}/", {}, {}, 200),
    ("get", "groep/{other_group}/", {}, {"ib_rt": 200, "ict_coordinator": 200}, 404),
    ("get", "groep/{far_group}/", {}, {}, 404),
    ("get", "leerling/{pupil}/", {}, {}, 200),
    ("get", "leerling/{far_pupil}/", {}, {}, 404),
    ("post", "leerling/{pupil}/ontgrendelen/", {}, {}, 302),
    ("post", "leerling/{pupil}/wachtwoord/", {"kind": "pin", "pin": "4826"}, {"ib_rt": 403}, 200),
    ("post", "leerling/{pupil}/naamtegel/", {"tile_picture": "x"}, {"ib_rt": 403}, 400),
    ("post", "leerling/{pupil}/thuis/", {"enabled": "1"}, {"ib_rt": 403}, 302),
    ("post", "leerling/{pupil}/apparaten/intrekken/", {}, {"ib_rt": 403}, 302),
    ("get", "leerling/{pupil}/code/", {}, {"stagiair": 403}, 200),
    ("get", "groep/{group}/codes/", {}, {"stagiair": 403}, 200),
    ("post", "groep/{group}/bulk/", {"action": "print", "pupils": ["{pupil}"]}, {"stagiair": 403}, 200),
    ("post", "groep/{group}/bulk/", {"action": "pins", "pupils": ["{pupil}"]}, {"ib_rt": 403}, 200),
    ("post", "groep/{group}/bulk/", {"action": "home_on", "pupils": ["{pupil}"]}, {"ib_rt": 403}, 302),
    ("post", "leerling/{pupil}/ouders/", {"email": "nieuw@example.nl"},
     {"ib_rt": 403, "stagiair": 403}, 302),
    ("get", "leerling/{pupil}/ouders/{link}/verwijderen/", {}, {"ib_rt": 403, "stagiair": 403}, 200),
    ("get", "groep/{group}/invalkracht/", {}, {"leerkracht": 200, "ict_coordinator": 200}, 403),
    ("get", "import/", {}, ADMIN_ONLY, 403),
    ("post", "import/", {}, {"ict_coordinator": 400}, 403),  # no file: the form says so
    ("get", "auditlog/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/nieuw/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/{member}/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/{far_member}/", {}, {"ict_coordinator": 404}, 403),
    ("post", "beheer/medewerkers/{member}/uitnodigen/", {}, {"ict_coordinator": 302}, 403),
    ("post", "beheer/medewerkers/{far_member}/tweede-stap/", {}, {"ict_coordinator": 404}, 403),
    ("get", "beheer/school/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/licenties/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/licenties/{licence}/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/licenties/{far_licence}/", {}, {"ict_coordinator": 404}, 403),
    ("get", "beheer/klassencomputers/", {}, ADMIN_ONLY, 403),
    ("post", "beheer/klassencomputers/{device}/loskoppelen/", {}, {"ict_coordinator": 302}, 403),
]


def _fill(value, ids):
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected", "others"), PAGES)
def test_each_role_sees_what_it_may(client, world, role, method, path, data, expected, others):
    log_in_staff(client, world["personas"][role].user)
    ids = world["ids"]
    response = getattr(client, method)("/leerkracht/" + path.format(**ids),
                                       {k: _fill(v, ids) for k, v in data.items()})
    assert response.status_code == expected.get(role, others)


# The same roles at another school: nothing of this school, whatever the role.
FOREIGN = [
    ("get", "groep/{group}/", "view"), ("get", "leerling/{pupil}/", "view"),
    ("post", "leerling/{pupil}/ontgrendelen/", "unlock"), ("get", "leerling/{pupil}/code/", "print_codes"),
    ("post", "leerling/{pupil}/thuis/", "home_login"), ("post", "leerling/{pupil}/wachtwoord/", "secrets"),
    ("get", "groep/{group}/invalkracht/", "substitute"),
    ("post", "groep/{group}/invalkracht/", "substitute"), ("post", "groep/{group}/codes/", "print_codes"),
    ("post", "leerling/{pupil}/code/", "print_codes"),
    ("post", "leerling/{pupil}/code/mailen/", "print_codes"),
    ("post", "leerling/{pupil}/reservecode/", "print_codes"),
    ("post", "leerling/{pupil}/apparaten/intrekken/", "home_login"),
    ("post", "beheer/medewerkers/{member}/", "administer"),
    ("post", "beheer/medewerkers/{member}/tweede-stap/", "administer"),
    ("post", "beheer/licenties/{licence}/", "administer"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "permission"), FOREIGN)
def test_a_role_at_another_school_gets_404_here(client, world, role, method, path, permission):
    membership = world["personas"][f"{role}@elders"]
    log_in_staff(client, membership.user)
    response = getattr(client, method)("/leerkracht/" + path.format(**world["ids"]),
                                       {"kind": "pin", "pin": "4826", "enabled": "1"})
    # 404 where the role may do this (but not at this school), 403 where it may not anywhere.
    assert response.status_code == (404 if membership.may(permission) else 403)


@pytest.mark.parametrize(("method", "path", "data"), [
    (method, path, data) for method, path, data, _expected, _others in PAGES
    if "{" in path and "far_" not in path])
def test_the_administrator_of_another_school_gets_404_on_every_page_of_this_schools_rows(
        client, world, method, path, data):
    log_in_staff(client, world["personas"]["ict_coordinator@elders"].user)
    ids = world["ids"]
    response = getattr(client, method)("/leerkracht/" + path.format(**ids),
                                       {k: _fill(v, ids) for k, v in data.items()})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["beheer/medewerkers/{member}/", "beheer/licenties/{licence}/"])
def test_the_administrator_of_another_school_gets_404_for_this_schools_rows(client, world, path):
    log_in_staff(client, world["personas"]["ict_coordinator@elders"].user)
    assert client.get("/leerkracht/" + path.format(**world["ids"])).status_code == 404
    assert client.post(f"/leerkracht/beheer/klassencomputers/{world['ids']['device']}/loskoppelen/"
                       ).status_code == 404


def test_the_group_page_offers_only_the_actions_of_the_role(client, world, group):
    log_in_staff(client, world["personas"]["ib_rt"].user)
    page = client.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert "Thuis login codes afdrukken" in page and "Nieuwe PIN" not in page
    log_in_staff(client, world["personas"]["stagiair"].user)
    page = client.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert "Thuis login codes afdrukken" not in page and "Nieuwe PIN" in page


# Every change a staff page makes, as every role: the status, and that the change happened (an
# allowed POST) or that nothing changed (a refused one). "elders" is the administrator of
# another school (who may do everything, but not here); "ended" an invalkracht whose end date
# has passed (logged out, whatever the page).


@pytest.fixture
def changes(world, school, group, pupil, other_school, django_capture_on_commit_callbacks):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from homelogin.models import DeviceGrant, DeviceGrantPupil
    from homelogin.services import issue_home_code
    from software.models import SyncPermission
    from teachers.models import ImportJob

    today = timezone.localdate()
    personas = dict(world["personas"])
    personas["elders"] = personas["ict_coordinator@elders"]
    personas["ended"] = TeacherFactory(school=school, role="invalkracht", groups=[group],
                                       end_date=today - datetime.timedelta(days=1))
    type(pupil).objects.filter(pk=pupil.pk).update(home_login_enabled=True)
    other_pupil = PupilFactory(group=GroupFactory(school=school, name="Groep 2"), home_login_enabled=True)
    grant = DeviceGrant.objects.create(token_hash=DeviceGrant.hash_token("thuis"))
    issue_home_code(pupil=pupil)
    entry = DeviceGrantPupil.objects.create(grant=grant, pupil=pupil, code=pupil.home_codes.get())
    # A colleague who has not set a password yet, with an authenticator app.
    target = TeacherFactory(school=school, role="leerkracht", groups=[group], user__password=None,
                            user__username="nieuw@school.example", user__email="nieuw@school.example")
    target.user.set_unusable_password()
    target.user.save()
    TOTPDevice.objects.create(user=target.user, name="app", confirmed=True)
    licence = LicenceFactory(school=school)
    publisher = licence.software.publisher
    SyncPermission.objects.create(school=school, publisher=publisher)
    job = ImportJob.objects.create(school=school, created_by=personas["ict_coordinator"].user,
                                   filename="school.xml", data=b"<x/>", state=ImportJob.State.DONE,
                                   report={"errors": [], "notes": []})
    ids = {**world["ids"], "other_pupil": other_pupil.pk, "entry": entry.pk, "target": target.pk,
           "licence": licence.pk, "publisher": publisher.pk, "job": job.pk,
           "end": (today + datetime.timedelta(days=7)).isoformat()}
    return {"personas": personas, "ids": ids, "school": school, "pupil": pupil, "other_pupil": other_pupil,
            "target": target, "licence": licence, "publisher": publisher, "job": job}


def _state(name, w):
    """What the row's change would change, read fresh from the database."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_tasks_db.models import DBTaskResult

    from homelogin.models import DeviceGrantPupil, RescueCode
    from schools.models import Teacher
    from software.models import PseudonymReplacement, SyncPermission
    from teachers.models import ImportJob

    pupil, other = w["pupil"], w["other_pupil"]
    return {
        "codes": lambda: pupil.home_codes.count(),
        "other_codes": lambda: other.home_codes.count(),
        "link": lambda: pupil.guardian_links.filter(pk=w["ids"]["link"]).exists(),
        "rescue": lambda: RescueCode.objects.filter(pupil=pupil).count(),
        "entry": lambda: DeviceGrantPupil.objects.live().filter(pk=w["ids"]["entry"]).exists(),
        "staff": lambda: sorted(Teacher.objects.filter(school=w["school"])
                                .values_list("user__username", "role")),
        "target_role": lambda: Teacher.objects.get(pk=w["target"].pk).role,
        "queued_invitations": lambda: sorted(
            pk for result in DBTaskResult.objects.filter(task_path__endswith="invite_staff_members")
            for pk in result.args_kwargs["args"][0] if pk == w["target"].pk),
        "target_app": lambda: TOTPDevice.objects.filter(user=w["target"].user).exists(),
        "licence": lambda: type(w["licence"]).objects.get(pk=w["licence"].pk).home_use,
        "job": lambda: ImportJob.objects.get(pk=w["job"].pk).phase,
        "sync": lambda: SyncPermission.objects.get(school=w["school"], publisher=w["publisher"]).granted,
        "pseudonym": lambda: PseudonymReplacement.objects.count(),
        "school": lambda: type(w["school"]).objects.values_list("family_language", "privacy_contact")
        .get(pk=w["school"].pk),
    }[name]()


EVERYONE = ["leerkracht", "ib_rt", "stagiair", "invalkracht", "ict_coordinator", "elders", "ended"]
ADMIN = {"ict_coordinator": 200, "elders": 404}
# (method, path, data, {persona: status}, others, what changes); "elders" and "ended" always name
# their status or take `others` (a 404 or 403 here), "ended" is always sent to the login.
CHANGES = [
    ("post", "leerling/{pupil}/code/mailen/", {}, {"stagiair": 403, "elders": 404}, 302, "codes"),
    ("post", "leerling/{pupil}/reservecode/", {}, {"stagiair": 403, "elders": 404}, 200, "rescue"),
    ("post", "leerling/{pupil}/apparaten/{entry}/verwijderen/", {}, {"ib_rt": 403, "elders": 404}, 302,
     "entry"),
    ("post", "groep/{group}/invalkracht/", {"email": "inval@example.nl", "end_date": "{end}"},
     {"leerkracht": 302, "ict_coordinator": 302, "elders": 404}, 403, "staff"),
    ("post", "leerling/{pupil}/ouders/{link}/verwijderen/", {"confirmed": "1"},
     {"ib_rt": 403, "stagiair": 403, "elders": 404}, 302, "link"),
    ("post", "groep/{group}/codes/", {"confirmed": "1"}, {"stagiair": 403, "elders": 404}, 200, "codes"),
    ("post", "leerling/{pupil}/code/", {}, {"stagiair": 403, "elders": 404}, 200, "codes"),
    # A pupil of another group of the school: the roles that see every group only.
    ("get", "leerling/{other_pupil}/", {}, {"ib_rt": 200, "ict_coordinator": 200}, 404, None),
    ("get", "leerling/{other_pupil}/code/", {}, {"ib_rt": 200, "ict_coordinator": 200, "stagiair": 403},
     404, None),
    ("post", "leerling/{other_pupil}/code/", {}, {"ib_rt": 200, "ict_coordinator": 200, "stagiair": 403},
     404, "other_codes"),
    # The administrator's changes.
    ("post", "beheer/medewerkers/nieuw/", {"email": "stagiair2@example.nl", "role": "stagiair"},
     {"ict_coordinator": 302, "elders": 302}, 403, "staff"),
    ("post", "beheer/medewerkers/{target}/", {"role": "stagiair", "groups": ["{group}"]},
     {"ict_coordinator": 302, "elders": 404}, 403, "target_role"),
    ("post", "beheer/medewerkers/uitnodigen/", {}, {"ict_coordinator": 302, "elders": 302}, 403,
     "queued_invitations"),
    ("post", "beheer/medewerkers/{target}/tweede-stap/", {}, {"ict_coordinator": 302, "elders": 404}, 403,
     "target_app"),
    ("post", "beheer/licenties/{licence}/", {"all_groups": "on", "home_use": "on"},
     {"ict_coordinator": 302, "elders": 404}, 403, "licence"),
    ("post", "beheer/school/", {"family_language": "tr", "privacy_contact": "fg@bestuur.example"},
     {"ict_coordinator": 302, "elders": 302}, 403, "school"),
    # The import: only its administrator's own job.
    ("get", "import/{job}/", {}, ADMIN, 403, None),
    ("get", "import/{job}/voortgang/", {}, ADMIN, 403, None),
    ("post", "import/{job}/importeren/", {}, {"ict_coordinator": 302, "elders": 404}, 403, "job"),
    # Which publishers may read the roster.
    ("get", "beheer/uitgevers/", {}, {"ict_coordinator": 200, "elders": 200}, 403, None),
    ("post", "beheer/uitgevers/{publisher}/", {}, {"ict_coordinator": 302, "elders": 404}, 403, "sync"),
    ("post", "beheer/uitgevers/pseudoniem/", {"pupil": "{pupil}", "publisher": "{publisher}"},
     {"ict_coordinator": 302, "elders": 400}, 403, "pseudonym"),
]


@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize(("method", "path", "data", "expected", "others", "what"), CHANGES)
def test_each_role_changes_only_what_it_may(client, changes, persona, method, path, data, expected, others,
                                            what, django_capture_on_commit_callbacks):
    log_in_staff(client, changes["personas"][persona].user)
    ids = changes["ids"]
    before = _state(what, changes) if what else None
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)("/leerkracht/" + path.format(**ids),
                                           {k: _fill(v, ids) for k, v in data.items()})
    if persona == "ended":
        assert response.status_code == 302 and response["Location"].startswith("/leerkracht/inloggen/")
    else:
        assert response.status_code == expected.get(persona, others)
    if what:
        # Changed here only by a role of this school that may; the other school's administrator
        # may change their own school (the pages without an id) but never this one.
        allowed = persona not in ("elders", "ended") and response.status_code < 400
        assert (_state(what, changes) != before) == allowed
