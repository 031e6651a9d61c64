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
    ("get", "auditlog/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/nieuw/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/{member}/", {}, ADMIN_ONLY, 403),
    ("get", "beheer/medewerkers/{far_member}/", {}, {"ict_coordinator": 404}, 403),
    ("post", "beheer/medewerkers/{member}/uitnodigen/", {}, {"ict_coordinator": 302}, 403),
    ("post", "beheer/medewerkers/{far_member}/tweede-stap/", {}, {"ict_coordinator": 404}, 403),
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
