"""A staff member's account: login by e-mail or username, the invitation and "Wachtwoord
vergeten?", the end of access, two schools, the parent who is also a teacher, and the second
step."""

import datetime
import re
import zoneinfo

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import AuditEntry
from tests.factories import GroupFactory, GuardianLinkFactory, SchoolFactory, TeacherFactory
from tests.helpers import log_in_staff, wait_for_mail

PASSWORD = "correct-horse-battery"
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def log_in(client, username, password=PASSWORD):
    return client.post("/leerkracht/inloggen/", {"username": username, "password": password})


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def juf(teacher):
    teacher.user.email = "juf@school.example"
    teacher.user.save()
    return teacher


def test_staff_log_in_with_their_email_address_in_any_case(client, juf):
    assert log_in(client, "  Juf@School.example ").status_code == 302
    assert client.get("/leerkracht/").status_code == 200


def test_the_username_still_works(client, juf):
    assert log_in(client, "juf").status_code == 302


def test_the_login_page_offers_forgot_password(client, db):
    assert 'href="/leerkracht/wachtwoord-vergeten/"' in client.get("/leerkracht/inloggen/").content.decode()


def test_an_invitation_sets_a_password_and_logs_in(client, juf, school, mailoutbox):
    from teachers.staff import invite_staff

    juf.user.set_unusable_password()
    juf.user.save()
    assert invite_staff(membership=juf)
    assert AuditEntry.objects.filter(action="staff_invited", school=school).exists()
    link = re.search(r"http://\S+/leerkracht/wachtwoord/\S+/", mailoutbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200 and "Wachtwoord aanmaken" in response.content.decode()
    response = client.post(response.redirect_chain[-1][0], {"new_password1": "Zomer-2027-appel",
                                                            "new_password2": "Zomer-2027-appel"})
    assert response.status_code == 302 and client.get("/leerkracht/").status_code == 200
    # The link works once.
    client.logout()
    assert client.get("/" + path, follow=True).status_code == 400


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, juf, mailoutbox):
    known = client.post("/leerkracht/wachtwoord-vergeten/", {"email": "juf@school.example"})
    unknown = client.post("/leerkracht/wachtwoord-vergeten/", {"email": "niemand@school.example"})
    wait_for_mail()
    assert known.status_code == unknown.status_code == 200
    def strip(response):
        page = re.sub(r'csrfmiddlewaretoken" value="[^"]+', "", response.content.decode())
        return page.replace("juf@school.example", "").replace("niemand@school.example", "")

    assert strip(known) == strip(unknown)
    assert [m.to for m in mailoutbox] == [["juf@school.example"]]


def test_a_parent_gets_no_staff_link(client, guardian, mailoutbox):
    client.post("/leerkracht/wachtwoord-vergeten/", {"email": guardian.username})
    wait_for_mail()
    assert mailoutbox == []


def test_after_the_end_date_a_substitute_cannot_log_in_and_the_session_ends(
        client, school, group, time_machine):
    rik = TeacherFactory(school=school, role="invalkracht", groups=[group],
                         end_date=datetime.date(2027, 3, 5), user__username="rik")
    time_machine.move_to(datetime.datetime(2027, 3, 5, 23, 50, tzinfo=AMSTERDAM), tick=False)
    assert log_in(client, "rik").status_code == 302
    assert client.get(f"/leerkracht/groep/{group.pk}/").status_code == 200  # the last day counts
    # Ten minutes later (well within the idle limit) it is the next day: the session ends.
    time_machine.move_to(datetime.datetime(2027, 3, 6, 0, 0, 5, tzinfo=AMSTERDAM), tick=False)
    response = client.get(f"/leerkracht/groep/{group.pk}/")
    assert response.status_code == 302 and "/leerkracht/inloggen/" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert log_in(client, "rik").status_code == 400
    rik.refresh_from_db()


def test_a_staff_member_of_two_schools_picks_one_and_can_switch(client, juf, group):
    other = SchoolFactory(name="CBS De Wissel")
    other_group = GroupFactory(school=other, name="Groep 2")
    TeacherFactory(school=other, user=juf.user, groups=[other_group])
    log_in(client, "juf")
    response = client.get("/leerkracht/")
    assert response.status_code == 302 and response["Location"].startswith("/leerkracht/school/")
    client.post("/leerkracht/school/", {"school": other.pk, "next": "/leerkracht/"})
    page = client.get("/leerkracht/").content.decode()
    assert "Groep 2" in page and "Groep 5a" not in page and "Andere school" in page
    assert client.get(f"/leerkracht/groep/{group.pk}/").status_code == 404
    client.post("/leerkracht/school/", {"school": juf.school_id})
    assert client.get(f"/leerkracht/groep/{group.pk}/").status_code == 200


def test_a_school_one_is_not_staff_of_cannot_be_chosen(client, juf, other_school):
    log_in(client, "juf")
    response = client.post("/leerkracht/school/", {"school": other_school.pk})
    assert response.status_code == 400


def test_a_teacher_who_is_a_parent_reaches_class_and_children_with_one_login(client, juf, pupil):
    GuardianLinkFactory(guardian=juf.user, pupil=pupil)
    assert log_in(client, "juf@school.example").status_code == 302
    assert client.get("/thuis/kinderen/").status_code == 200
    page = client.get("/leerkracht/").content.decode()
    assert "Mijn kinderen" in page
    # ...and at the parents' door as well.
    client.logout()
    assert client.post("/thuis/", {"username": "juf@school.example", "password": PASSWORD}).status_code == 302
    assert client.get("/leerkracht/").status_code == 200


# The second step ------------------------------------------------------------------------------


@pytest.fixture
def ict(school):
    return TeacherFactory(school=school, role="ict_coordinator", user__username="ict")


def test_an_ict_coordinator_sets_up_the_second_step_at_the_first_login(client, ict):
    response = log_in(client, "ict")
    assert response["Location"].startswith("/leerkracht/tweede-stap/instellen/")
    assert client.get("/leerkracht/beheer/").status_code == 302  # nothing before the second step
    page = client.get("/leerkracht/tweede-stap/instellen/")
    assert page.status_code == 200 and "data:image/svg+xml;base64," in page.content.decode()
    device = TOTPDevice.objects.get(user=ict.user, confirmed=False)
    assert client.post("/leerkracht/tweede-stap/instellen/", {"token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes the next try wait a second after a wrong one
    response = client.post("/leerkracht/tweede-stap/instellen/",
                           {"token": code_for(device), "next": "/leerkracht/"})
    codes = re.findall(r"<li>([A-Z0-9]{5}-[A-Z0-9]{5})</li>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/leerkracht/beheer/").status_code == 200
    assert AuditEntry.objects.filter(action="second_step_on").exists()
    # Stored as a keyed hash, not the code itself.
    from django_otp.plugins.otp_static.models import StaticToken
    assert not StaticToken.objects.filter(token__in=[c.replace("-", "") for c in codes]).exists()


def test_once_set_up_the_password_alone_gets_nowhere(client, ict):
    device = TOTPDevice.objects.create(user=ict.user, name="app", confirmed=True)
    response = log_in(client, "ict")
    assert response["Location"].startswith("/leerkracht/tweede-stap/")
    for path in ["/leerkracht/", "/leerkracht/beheer/", "/leerkracht/auditlog/", "/klas/"]:
        response = client.get(path)
        assert response.status_code == 302 or "Dit apparaat gebruiken" not in response.content.decode()
    # No new app without the old one: a stolen password cannot replace it.
    response = client.get("/leerkracht/tweede-stap/instellen/")
    assert response.status_code == 302 and response["Location"].startswith("/leerkracht/tweede-stap/?")
    assert client.post("/leerkracht/tweede-stap/", {"token": "123456"}).status_code == 400
    assert AuditEntry.objects.filter(action="login_failed", detail__contains="tweede-stap").exists()
    device.throttle_reset()
    response = client.post("/leerkracht/tweede-stap/",
                           {"token": code_for(device), "next": "/leerkracht/beheer/"})
    assert response.status_code == 302 and response["Location"] == "/leerkracht/beheer/"
    assert client.get("/leerkracht/beheer/").status_code == 200


def test_a_recovery_code_works_once(client, ict):
    from teachers.second_step import new_recovery_codes

    TOTPDevice.objects.create(user=ict.user, name="app", confirmed=True)
    code = new_recovery_codes(ict.user)[0]
    log_in(client, "ict")
    assert client.post("/leerkracht/tweede-stap/", {"token": code.lower()}).status_code == 302
    client.logout()
    log_in(client, "ict")
    assert client.post("/leerkracht/tweede-stap/", {"token": code}).status_code == 400


def test_recovery_codes_after_a_key_rotation_still_work_and_are_counted_per_key(client, ict, settings):
    from io import StringIO

    from django.core.management import call_command

    from teachers.second_step import new_recovery_codes

    k1 = "k1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    k2 = "k2:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="
    settings.SECRET_HASH_KEYS = k1
    TOTPDevice.objects.create(user=ict.user, name="app", confirmed=True)
    code = new_recovery_codes(ict.user)[0]
    settings.SECRET_HASH_KEYS = f"{k2},{k1}"

    out = StringIO()
    call_command("rehash_secrets", "--report", stdout=out)
    lines = out.getvalue().splitlines()
    assert "recovery code: k1 10" in lines
    assert any(line.startswith("10 recovery codes use an older key and never move to k2") for line in lines)
    assert "10 secrets still use an older key than k2; keep k1 in SECRET_HASH_KEYS." in lines

    log_in(client, "ict")
    assert client.post("/leerkracht/tweede-stap/", {"token": code}).status_code == 302


def test_a_teacher_may_switch_the_second_step_on_and_is_then_asked_for_it(client, juf):
    TOTPDevice.objects.create(user=juf.user, name="app", confirmed=True)
    response = log_in(client, "juf")
    assert response["Location"].startswith("/leerkracht/tweede-stap/")


def test_the_administrator_resets_a_colleagues_second_step(client, ict, juf, school):
    TOTPDevice.objects.create(user=juf.user, name="app", confirmed=True)
    log_in_staff(client, ict.user)
    assert client.post(f"/leerkracht/beheer/medewerkers/{juf.pk}/tweede-stap/").status_code == 302
    assert not TOTPDevice.objects.filter(user=juf.user).exists()
    entry = AuditEntry.objects.get(action="second_step_reset")
    assert entry.actor == ict.user and entry.school == school


# The administrator's staff pages -------------------------------------------------------------


def test_the_administrator_adds_a_colleague_who_is_invited(client, ict, group, mailoutbox, run_tasks,
                                                           django_capture_on_commit_callbacks):
    log_in_staff(client, ict.user)
    response = client.post("/leerkracht/beheer/medewerkers/nieuw/", {
        "email": "Nieuw@School.example", "first_name": "Nina", "last_name": "Nieuw",
        "role": "stagiair", "groups": [group.pk]})
    assert response.status_code == 302
    assert mailoutbox[0].to == ["nieuw@school.example"]
    page = client.get("/leerkracht/beheer/medewerkers/").content.decode()
    assert "Nog niet geactiveerd" in page and "nieuw@school.example" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/leerkracht/beheer/medewerkers/uitnodigen/")
    assert response.status_code == 302 and len(mailoutbox) == 1  # queued, not sent while waiting
    run_tasks()
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["nieuw@school.example"]


def test_a_substitute_needs_an_end_date_and_groups_of_this_school_only(client, ict, other_school):
    log_in_staff(client, ict.user)
    far = GroupFactory(school=other_school)
    response = client.post("/leerkracht/beheer/medewerkers/nieuw/", {
        "email": "rik@school.example", "role": "invalkracht", "groups": [far.pk]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Een invalkracht heeft een einddatum." in page and "Kies alleen groepen van deze school." in page


def test_a_teacher_grants_a_substitute_in_two_clicks(client, juf, group, time_machine, mailoutbox):
    time_machine.move_to(datetime.datetime(2027, 3, 1, 9, 0))
    client.force_login(juf.user)
    page = client.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert f"/leerkracht/groep/{group.pk}/invalkracht/" in page
    response = client.post(f"/leerkracht/groep/{group.pk}/invalkracht/",
                           {"email": "rik@school.example", "end_date": "2027-03-12"})
    assert response.status_code == 302
    rik = juf.school.teachers.get(user__email="rik@school.example")
    assert rik.role == "invalkracht" and rik.end_date == datetime.date(2027, 3, 12)
    assert list(rik.groups.all()) == [group]
    assert mailoutbox[0].to == ["rik@school.example"]
    assert "tot en met 12-3-2027" in client.get(f"/leerkracht/groep/{group.pk}/").content.decode()


def test_a_substitute_end_date_in_the_past_is_refused(client, juf, group, time_machine):
    time_machine.move_to(datetime.datetime(2027, 3, 1, 9, 0))
    client.force_login(juf.user)
    response = client.post(f"/leerkracht/groep/{group.pk}/invalkracht/",
                           {"email": "rik@school.example", "end_date": "2027-02-27"})
    assert response.status_code == 400 and "in het verleden" in response.content.decode()


def test_the_administrator_edits_a_licence_of_the_school(client, ict, group, school):
    from tests.factories import LicenceFactory

    licence = LicenceFactory(school=school)
    log_in_staff(client, ict.user)
    response = client.post(f"/leerkracht/beheer/licenties/{licence.pk}/", {
        "groups": [group.pk], "home_use": "on", "shares_first_name": "on"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert not licence.all_groups and list(licence.groups.all()) == [group]
    assert licence.home_use and licence.shares_first_name and not licence.shares_eckid
    assert AuditEntry.objects.filter(action="licence_changed", school=school).exists()
    response = client.post(f"/leerkracht/beheer/licenties/{licence.pk}/", {})
    assert response.status_code == 400


def test_the_administrator_disconnects_a_classroom_device(client, ict, juf, group, pupil):
    from django.test import Client

    from tests.helpers import connect

    tablet = Client()
    connect(tablet, juf, group)
    assert "Emma" in tablet.get("/klas/").content.decode()
    log_in_staff(client, ict.user)
    page = client.get("/leerkracht/beheer/klassencomputers/").content.decode()
    assert "Groep 5a" in page
    device = group.classroom_devices.get()
    assert client.post(f"/leerkracht/beheer/klassencomputers/{device.pk}/loskoppelen/").status_code == 302
    assert "Emma" not in tablet.get("/klas/").content.decode()
    assert AuditEntry.objects.filter(action="device_off").exists()


def test_the_code_check_records_a_wrong_code_itself(rf, ict):
    from django.contrib.sessions.backends.db import SessionStore

    from teachers import second_step

    TOTPDevice.objects.create(user=ict.user, name="app", confirmed=True)
    request = rf.post("/leerkracht/tweede-stap/")
    request.user, request.teacher, request.session = ict.user, ict, SessionStore()
    assert second_step.verify(request=request, token="000000") is False
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.school == ict.school and "tweede-stap" in entry.detail


# Roles: changing one, and what the school must keep ------------------------------------------


def test_the_administrator_makes_a_teacher_ib_rt_who_must_then_set_up_the_second_step(
        client, ict, juf, group, school):
    from django.test import Client

    colleague = Client()
    colleague.force_login(juf.user)
    assert colleague.get("/leerkracht/").status_code == 200  # a leerkracht needs no second step
    log_in_staff(client, ict.user)
    response = client.post(f"/leerkracht/beheer/medewerkers/{juf.pk}/",
                           {"role": "ib_rt", "groups": [group.pk]})
    assert response.status_code == 302 and response["Location"] == "/leerkracht/beheer/medewerkers/"
    juf.refresh_from_db()
    assert juf.role == "ib_rt"
    entry = AuditEntry.objects.get(action="staff_changed")
    assert entry.actor == ict.user and entry.school == school and "IB'er/RT'er" in entry.detail
    response = colleague.get("/leerkracht/")
    assert response.status_code == 302
    assert response["Location"].startswith("/leerkracht/tweede-stap/instellen/")


ONLY_ADMINISTRATOR = "De school houdt dan geen ICT-coördinator over"


@pytest.mark.parametrize("change", [{"role": "leerkracht"},
                                    {"role": "ict_coordinator", "end_date": "2026-12-31"}])
def test_the_only_ict_coordinator_cannot_demote_themselves_or_set_an_end_date(client, ict, change,
                                                                             time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 30, 12, tzinfo=AMSTERDAM))
    log_in_staff(client, ict.user)
    response = client.post(f"/leerkracht/beheer/medewerkers/{ict.pk}/", change)
    assert response.status_code == 400 and ONLY_ADMINISTRATOR in response.content.decode()
    ict.refresh_from_db()
    assert ict.role == "ict_coordinator" and ict.end_date is None
    assert not AuditEntry.objects.filter(action="staff_changed").exists()


def test_the_only_ict_coordinator_cannot_be_demoted_by_another_route(client, ict, school, time_machine):
    """A second administrator whose end date is set leaves the school without one after that day."""
    time_machine.move_to(datetime.datetime(2026, 11, 30, 12, tzinfo=AMSTERDAM))
    ending = TeacherFactory(school=school, role="ict_coordinator", end_date=datetime.date(2026, 12, 31))
    log_in_staff(client, ending.user)
    response = client.post(f"/leerkracht/beheer/medewerkers/{ict.pk}/", {"role": "leerkracht"})
    assert response.status_code == 400 and ONLY_ADMINISTRATOR in response.content.decode()
    ict.refresh_from_db()
    assert ict.role == "ict_coordinator"


def test_with_a_second_ict_coordinator_one_may_step_down(client, ict, school):
    TeacherFactory(school=school, role="ict_coordinator")
    log_in_staff(client, ict.user)
    assert client.post(f"/leerkracht/beheer/medewerkers/{ict.pk}/", {"role": "leerkracht"}).status_code == 302
    ict.refresh_from_db()
    assert ict.role == "leerkracht"


def test_a_second_step_another_school_requires_is_not_reset_here(client, ict, juf, other_school):
    """The authenticator app belongs to the account, not to one school: the administrator here
    would take away the second step the person's IB'er role at the other school relies on."""
    TeacherFactory(school=other_school, user=juf.user, role="ib_rt")
    device = TOTPDevice.objects.create(user=juf.user, name="app", confirmed=True)
    log_in_staff(client, ict.user)
    response = client.post(f"/leerkracht/beheer/medewerkers/{juf.pk}/tweede-stap/")
    assert response.status_code == 400
    assert "een rol die een tweede stap vereist" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not AuditEntry.objects.filter(action="second_step_reset").exists()


def test_a_second_step_of_someone_who_is_only_a_teacher_elsewhere_is_reset(client, ict, juf, other_school):
    TeacherFactory(school=other_school, user=juf.user, role="leerkracht")
    TOTPDevice.objects.create(user=juf.user, name="app", confirmed=True)
    log_in_staff(client, ict.user)
    assert client.post(f"/leerkracht/beheer/medewerkers/{juf.pk}/tweede-stap/").status_code == 302
    assert not TOTPDevice.objects.filter(user=juf.user).exists()


def test_the_administrator_keeps_the_schools_language_and_privacy_contact(client, ict, school):
    log_in_staff(client, ict.user)
    page = client.get("/leerkracht/beheer/school/")
    assert page.status_code == 200 and "Taal van mails aan ouders" in page.content.decode()
    response = client.post("/leerkracht/beheer/school/",
                           {"family_language": "ar", "privacy_contact": "FG, fg@bestuur.example"})
    assert response.status_code == 302 and response["Location"] == "/leerkracht/beheer/"
    school.refresh_from_db()
    assert (school.family_language, school.privacy_contact) == ("ar", "FG, fg@bestuur.example")
    entry = AuditEntry.objects.get(action="school_changed")
    assert entry.school == school and entry.actor == ict.user
    response = client.post("/leerkracht/beheer/school/", {"family_language": "xx"})
    assert response.status_code == 400 and "is geen beschikbare keuze" in response.content.decode()
    school.refresh_from_db()
    assert school.family_language == "ar"
