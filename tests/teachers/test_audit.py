"""Every teacher action lands in the audit log: who, what, which pupil, when, from where."""

import pytest

from schools.models import AuditEntry
from tests.factories import GuardianLinkFactory, PupilFactory, SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff


@pytest.fixture
def juf(client, teacher, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    client.force_login(teacher.user)
    return client


@pytest.mark.parametrize(("path", "data", "action"), [
    ("wachtwoord/", {"kind": "pin", "pin": "2468"}, "secret_set"),
    ("thuis/", {"enabled": "0"}, "home_off"),
    ("ontgrendelen/", {}, "unlocked"),
    ("code/", {}, "code_issued"),
    ("apparaten/intrekken/", {}, "devices_revoked"),
    ("ouders/", {"email": "nieuw@example.nl"}, "guardian_added"),
])
def test_each_action_is_recorded(juf, teacher, pupil, path, data, action):
    juf.post(f"/leerkracht/leerling/{pupil.pk}/{path}", data)
    entry = AuditEntry.objects.get(action=action)
    assert (entry.actor, entry.pupil, entry.school) == (teacher.user, pupil, pupil.school)
    assert entry.ip_address == "127.0.0.1" and entry.created_at
    assert "2468" not in entry.detail, "never a secret in the log"


def test_mailing_a_code_and_removing_a_parent_are_recorded(juf, pupil):
    link = GuardianLinkFactory(pupil=pupil, guardian__email="ouder@example.nl")
    juf.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    juf.post(f"/leerkracht/leerling/{pupil.pk}/ouders/{link.pk}/verwijderen/", {"confirmed": "1"})
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {"code_mailed", "guardian_removed"}


def test_the_administrator_reads_only_their_own_schools_log(client, school, pupil):
    AuditEntry.objects.create(school=school, action="unlocked", pupil=pupil, detail="hier")
    AuditEntry.objects.create(school=SchoolFactory(), action="unlocked", detail="elders")
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    page = client.get("/leerkracht/auditlog/").content.decode()
    assert "hier" in page and "elders" not in page


@pytest.mark.parametrize("size", [3, 60])
def test_the_log_page_queries_do_not_grow(client, school, size, django_assert_max_num_queries):
    pupils = PupilFactory.create_batch(3, group__school=school)
    for n in range(size):
        AuditEntry.objects.create(school=school, action="unlocked", pupil=pupils[n % 3])
    log_in_staff(client, TeacherFactory(school=school, role="ict_coordinator").user)
    with django_assert_max_num_queries(7):  # 6 and the second step's check
        response = client.get("/leerkracht/auditlog/")
    assert response.status_code == 200
    assert response.content.decode().count("<td>ontgrendeld</td>") == size  # every entry is shown
