"""The outside attacks that worked once, each as the attacker would run it. No lock counter of
a pupil is reachable but through that pupil's own gate; devices, codes, sessions, mails and
cookies behave as docs/security.md says."""

from smtplib import SMTPException

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from basispoort.lockout import locks_for
from homelogin.models import DeviceGrant
from homelogin.services import issue_home_code
from tests.factories import GuardianLinkFactory, PupilFactory
from tests.helpers import connect


def pin_login(device, pupil, pin):
    return device.post(f"/klas/leerling/{pupil.pk}/", {"pin": pin})


@pytest.fixture
def classroom(teacher, group):
    device = Client()
    connect(device, teacher, group)
    return device


@pytest.fixture
def klas(group):
    """A whole class of 26 pupils, each with PIN 1357."""
    return [PupilFactory(group=group, first_name=f"Kind{n:02d}", pin="1357") for n in range(26)]


# 1. The teacher's password form cannot lock a pupil out of school.


def test_the_teacher_form_cannot_lock_a_pupil(client, classroom, pupil):
    for n in range(12):
        client.post("/leerkracht/inloggen/", {"username": pupil.user.username, "password": f"x{n}"})
    assert not AccessAttempt.objects.filter(username__startswith="pupil:").exists()
    assert pin_login(classroom, pupil, "1357").status_code == 302


def test_a_pupils_account_never_logs_in_at_a_password_form(client, pupil):
    pupil.user.set_password("geraden-wachtwoord")
    pupil.user.save()
    for url in ("/leerkracht/inloggen/", "/thuis/"):
        response = client.post(url, {"username": pupil.user.username, "password": "geraden-wachtwoord"})
        assert response.status_code == 400 and "_auth_user_id" not in client.session


# 2. The parents' password form cannot lock a pupil's home account.


def test_the_parent_form_cannot_lock_a_pupils_home_account(client, pupil, guardian):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    for n in range(12):
        client.post("/thuis/", {"username": f"{pupil.user.username}@thuis", "password": f"x{n}"})
    assert not AccessAttempt.objects.filter(username__startswith="pupil:").exists()
    parent = Client()
    parent.force_login(guardian)
    assert parent.post(f"/thuis/kinderen/{pupil.pk}/", {"pin": "1357"}).status_code == 302


# 3. A class cannot be locked out from one address.


def test_a_class_cannot_be_locked_from_one_address(client, klas, time_machine):
    # The slowing down counts in fixed windows: the clock stands still, in one window.
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)
    statuses = []
    for pupil in klas:
        for n in range(10):
            statuses.append(client.post("/leerkracht/inloggen/", {
                "username": pupil.user.username, "password": f"x{n}"}).status_code)
            statuses.append(client.post("/thuis/", {
                "username": f"{pupil.user.username}@thuis", "password": f"x{n}"}).status_code)
    assert all(lock == {"school": None, "home": None} for lock in locks_for(klas).values())
    # The address is slowed down long before 520 tries: far fewer than ten per pupil get through.
    assert statuses.count(400) <= 20 and statuses[-1] == 429


def test_the_slowed_down_address_gets_a_friendly_dutch_message(client, db, time_machine):
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)
    for n in range(25):
        response = client.post("/thuis/", {"username": f"x{n}@example.nl", "password": "fout"})
    assert response.status_code == 429
    assert "Wacht een paar minuten" in response.content.decode()


# 4. A naughty classmate can lock one friend, not the class.


def test_one_classroom_device_cannot_lock_the_class(classroom, klas, time_machine):
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)
    for pupil in klas:
        for n in range(10):
            response = pin_login(classroom, pupil, f"{n:04d}")
    assert response.status_code == 429
    assert "Even wachten" in response.content.decode()
    locked = [pk for pk, lock in locks_for(klas).items() if lock["school"]]
    assert len(locked) <= 1


def test_a_slowed_down_device_checks_no_secret(classroom, klas, monkeypatch, time_machine):
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)
    for pupil in klas[:2]:
        for n in range(10):
            pin_login(classroom, pupil, f"{n:04d}")
    checked = []
    monkeypatch.setattr(type(klas[2]), "check_secret", lambda self, value: checked.append(value))
    assert pin_login(classroom, klas[2], "1357").status_code == 429 and checked == []


def test_another_tablet_of_the_class_keeps_working(teacher, group, classroom, klas):
    for pupil in klas[:2]:
        for n in range(10):
            pin_login(classroom, pupil, f"{n:04d}")
    other_tablet = Client(REMOTE_ADDR="10.1.2.3")
    connect(other_tablet, teacher, group)
    assert pin_login(other_tablet, klas[5], "1357").status_code == 302


# 5. "Thuisapparaten intrekken" really ends them.


def test_revoked_device_session_never_comes_back(client, teacher, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    code = issue_home_code(pupil=pupil)
    device = Client()
    device.post("/thuis/code/", {"code": code})
    assert device.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": "1357"}).status_code == 302
    assert device.get("/overzicht/").status_code == 200

    client.force_login(teacher.user)
    client.post(f"/leerkracht/leerling/{pupil.pk}/apparaten/intrekken/")
    assert device.get("/overzicht/").status_code == 302  # the pupil's session has ended

    # The old code typed again on the same device: the old session stays gone, and the device
    # comes back as a new one that the teacher sees.
    device.post("/thuis/code/", {"code": code})
    assert device.get("/overzicht/").status_code == 302
    assert DeviceGrant.objects.filter(revoked_at__isnull=True).count() == 1
    assert DeviceGrant.objects.count() == 2
    page = client.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()
    assert "1 apparaat" in page


# 6. While an address is locked for code guessing, every code answers the same.


def test_no_selector_oracle_while_the_address_is_locked(client, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    real = issue_home_code(pupil=pupil)[:4]
    for letter in "ABCDEFGHJK":
        client.post("/thuis/code/", {"code": f"ZZZ{letter}-2222-2222"})
    unknown = client.post("/thuis/code/", {"code": "ZZZM-2222-2222"})
    known = client.post("/thuis/code/", {"code": f"{real}-2222-2222"})
    assert unknown.status_code == known.status_code == 429
    assert 'role="alert"' in known.content.decode()
    body = known.content.decode()
    assert body[body.index('role="alert"'):][:300] == unknown.content.decode()[
        unknown.content.decode().index('role="alert"'):][:300]


# 7. Staff and parents' sessions end by themselves.


def log_in(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.fixture
def teacher_with_password(teacher):
    teacher.user.set_password("correct-horse-battery")
    teacher.user.save()
    return teacher


def test_a_teachers_session_ends_after_30_idle_minutes(client, teacher_with_password):
    with time_machine.travel("2026-03-02 08:00 +01:00", tick=False) as clock:
        log_in(client, "/leerkracht/inloggen/", "juf", "correct-horse-battery")
        assert client.get("/leerkracht/").status_code == 200
        clock.shift(29 * 60)
        assert client.get("/leerkracht/").status_code == 200
        clock.shift(31 * 60)
        assert client.get("/leerkracht/").status_code == 302


def test_a_teachers_session_ends_after_12_hours_however_busy(client, teacher_with_password):
    with time_machine.travel("2026-03-02 08:00 +01:00", tick=False) as clock:
        log_in(client, "/leerkracht/inloggen/", "juf", "correct-horse-battery")
        for _ in range(12 * 4 + 1):
            clock.shift(15 * 60)
            response = client.get("/leerkracht/")
        assert response.status_code == 302


def test_a_parents_session_ends_after_a_few_idle_hours(client, guardian):
    guardian.set_password("een-lang-wachtwoord")
    guardian.save()
    with time_machine.travel("2026-03-02 19:00 +01:00", tick=False) as clock:
        log_in(client, "/thuis/", "ouder@example.nl", "een-lang-wachtwoord")
        assert client.get("/thuis/kinderen/").status_code == 200
        clock.shift(2 * 3600)
        assert client.get("/thuis/kinderen/").status_code == 200
        clock.shift(3 * 3600 + 60)
        assert client.get("/thuis/kinderen/").status_code == 302


# 8. A name with a line break, and a mail server that fails: no 500, no lost code.


@pytest.fixture
def family(teacher, group, guardian):
    pupil = PupilFactory(group=group, first_name="Sem\nBcc: iedereen@example.nl", home_login_enabled=True)
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    return pupil


def test_a_name_with_a_line_break_mails_the_code_safely(client, teacher, family, mailoutbox):
    client.force_login(teacher.user)
    response = client.post(f"/leerkracht/leerling/{family.pk}/code/mailen/", follow=True)
    assert response.status_code == 200
    [mail] = mailoutbox
    assert mail.to == ["ouder@example.nl"] and "\n" not in mail.subject and "Sem" not in mail.subject


def test_a_failed_code_mail_keeps_the_old_code_working(client, teacher, family, monkeypatch):
    old = issue_home_code(pupil=family)

    def refuse(self, *args, **kwargs):
        raise SMTPException("451 try again later")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    client.force_login(teacher.user)
    response = client.post(f"/leerkracht/leerling/{family.pk}/code/mailen/", follow=True)
    assert response.status_code == 200
    assert "oude thuis login code werkt nog" in response.content.decode()
    device = Client()
    assert device.post("/thuis/code/", {"code": old}).status_code == 302


# 9. The language cookie is flagged like every other cookie.


def test_the_language_cookie_is_secure_httponly_and_lax(client, db, settings):
    settings.LANGUAGE_COOKIE_SECURE = True  # what DJANGO_SECURE sets in production
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["secure"]


def test_production_settings_flag_the_language_cookie(settings):
    assert settings.LANGUAGE_COOKIE_HTTPONLY and settings.LANGUAGE_COOKIE_SAMESITE == "Lax"
    assert settings.LANGUAGE_COOKIE_SECURE == settings.SESSION_COOKIE_SECURE


# 10. The home-code mail's subject names no child.


def test_the_code_mail_subject_names_no_child(client, teacher, group, guardian, mailoutbox):
    pupil = PupilFactory(group=group, first_name="Fleur", home_login_enabled=True)
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    client.force_login(teacher.user)
    client.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    [mail] = mailoutbox
    assert "Fleur" not in mail.subject and "Fleur" in mail.body
