"""ASVS 6.3: a lockout that cannot be stretched or dodged, and that teachers notice."""

from axes.models import AccessAttempt
from django.test import Client

from homelogin.services import issue_home_code
from tests.helpers import connect


def test_failures_during_a_lock_do_not_extend_it(client, teacher, group, pupil):
    connect(client, teacher, group)
    for n in range(10):
        client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{n:04d}"})
    locked_at = AccessAttempt.objects.get().attempt_time
    for n in range(20):
        assert client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{n:04d}"}).status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.attempt_time == locked_at and attempt.failures_since_start == 10


def test_a_forged_x_forwarded_for_changes_nothing(client, db):
    for n in range(10):
        client.post("/thuis/code/", {"code": "ZZZZ-2222-2222"},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{n}", REMOTE_ADDR="203.0.113.7")
    response = client.post("/thuis/code/", {"code": "ZZZZ-2222-2222"},
                           HTTP_X_FORWARDED_FOR="10.9.9.9", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_wrong_codes_never_count_against_the_pupil(client, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    code = issue_home_code(pupil=pupil)
    for _ in range(9):
        client.post("/thuis/code/", {"code": code[:4] + "-2222-2222"})
    assert not AccessAttempt.objects.filter(username__startswith="pupil:").exists()


def test_teacher_sees_failed_attempts_and_locks(client, teacher, group, pupil):
    classroom = Client()
    connect(classroom, teacher, group)
    for n in range(4):
        classroom.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{n:04d}"})
    client.force_login(teacher.user)
    page = client.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert "Mislukte pogingen" in page and "<strong>4</strong>" in page


def test_behind_one_trusted_proxy_the_client_is_the_address_the_proxy_saw(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):  # the client forges the left part; the proxy appends the real address
        client.post("/thuis/code/", {"code": "ZZZZ-2222-2222"},
                    HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7", REMOTE_ADDR="192.0.2.1")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    other_family = client.post("/thuis/code/", {"code": "ZZZZ-2222-2222"},
                               HTTP_X_FORWARDED_FOR="198.51.100.4", REMOTE_ADDR="192.0.2.1")
    assert other_family.status_code == 403  # not locked: another client behind the same proxy
    blocked = client.post("/thuis/code/", {"code": "ZZZZ-2222-2222"},
                          HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", REMOTE_ADDR="192.0.2.1")
    assert blocked.status_code == 429
