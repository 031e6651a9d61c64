"""ASVS 16: every login success and failure, lock, unlock, code issue, device revoke, import
and licence change is in the audit log with who, whom, when and from where; never a secret;
input cannot forge a log line."""

from django.urls import reverse
from django.utils import timezone

from schools.models import AuditEntry
from tests.factories import SoftwareFactory, UserFactory
from tests.helpers import connect


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_pin_logins_failures_and_locks_are_logged_without_the_pin(client, teacher, group, pupil):
    connect(client, teacher, group)
    client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "8642"})
    client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert actions()[-2:] == ["login_failed", "login_ok"]
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.pupil == pupil and failed.school == pupil.school
    assert failed.ip_address == "127.0.0.1" and failed.created_at
    assert not AuditEntry.objects.filter(detail__contains="8642").exists()
    assert not AuditEntry.objects.filter(detail__contains="1357").exists()

    client.post("/uitloggen/")
    for n in range(10):
        client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{n:04d}"})
    assert AuditEntry.objects.get(action="locked").pupil == pupil


def test_teacher_login_and_unlock_are_logged(client, teacher, pupil):
    client.post("/leerkracht/inloggen/", {"username": "juf", "password": "correct-horse-battery"})
    client.post(f"/leerkracht/leerling/{pupil.pk}/ontgrendelen/")
    entry = AuditEntry.objects.get(action="unlocked")
    assert (entry.actor, entry.pupil) == (teacher.user, pupil)
    assert "login_ok" in actions()


def test_a_username_with_newlines_cannot_forge_a_log_line(client, db):
    client.post("/leerkracht/inloggen/", {
        "username": "juf\n2026-11-23 08:30 beheerder login_ok\r", "password": "x"})
    detail = AuditEntry.objects.get(action="login_failed").detail
    assert "\n" not in detail and "\r" not in detail and "juf" in detail


def test_licence_changes_in_beheer_are_logged(client, school):
    admin = UserFactory(kind="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    software = SoftwareFactory(name="Taaltuin")
    client.post(reverse("admin:software_licence_add"), {
        "school": school.pk, "software": software.pk, "all_groups": "on", "home_use": "on",
        "valid_from": timezone.localdate().isoformat()})
    entry = AuditEntry.objects.get(action="licence_changed")
    assert entry.school == school and entry.actor == admin and "Taaltuin" in entry.detail
