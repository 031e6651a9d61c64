"""Rescue codes: a parent (or teacher) makes a one-time code for a lost card; it lets one
device show the child's tile, once, for 20 minutes, and leaves the card's code alone."""

import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from homelogin.models import DeviceGrantPupil, HomeLoginCode, RescueCode
from homelogin.services import issue_home_code
from schools.models import AuditEntry
from tests.factories import GuardianFactory, GuardianLinkFactory, PupilFactory

CODE = re.compile(r"data-rescue-code>([A-Z0-9-]+)<")


@pytest.fixture
def parent(client, emma, guardian):
    GuardianLinkFactory(pupil=emma, guardian=guardian)
    client.force_login(guardian)
    return client


def make_code(parent, pupil):
    response = parent.post(f"/thuis/kinderen/{pupil.pk}/reservecode/")
    assert response.status_code == 200
    return CODE.search(response.content.decode()).group(1)


def type_code(code):
    device = Client()
    return device, device.post("/thuis/code/", {"code": code})


def test_parent_gets_a_code_on_screen_and_a_new_device_shows_the_tile(parent, emma):
    code = make_code(parent, emma)
    assert re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code)
    device, response = type_code(code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/thuis/apparaat/"
    page = device.get("/thuis/apparaat/").content.decode()
    assert f'href="/thuis/apparaat/leerling/{emma.pk}/"' in page
    entry = DeviceGrantPupil.objects.get(pupil=emma)
    assert entry.rescue_code is not None and entry.grant.label == ""


def test_the_page_itself_makes_no_code(parent, emma):
    page = parent.get(f"/thuis/kinderen/{emma.pk}/reservecode/").content.decode()
    assert "Reservecode maken" in page and "data-rescue-code" not in page
    assert not RescueCode.objects.exists()


def test_a_second_use_fails_and_counts_against_the_address(parent, emma):
    code = make_code(parent, emma)
    type_code(code)
    _device, response = type_code(code)
    assert response.status_code == 403
    assert "Deze code klopt niet" in response.content.decode()
    assert AccessAttempt.objects.get().username == "code-ip:127.0.0.1"


def test_it_stops_working_after_20_minutes(parent, emma, guardian):
    with time_machine.travel("2026-03-02 19:00 +01:00", tick=False) as clock:
        parent.force_login(guardian)  # a session of this (travelled) evening
        code = make_code(parent, emma)
        clock.shift(20 * 60 + 1)
        _device, response = type_code(code)
    assert response.status_code == 403
    assert not DeviceGrantPupil.objects.exists()


def test_it_works_just_before_20_minutes(parent, emma, guardian):
    with time_machine.travel("2026-03-02 19:00 +01:00", tick=False) as clock:
        parent.force_login(guardian)
        code = make_code(parent, emma)
        clock.shift(20 * 60 - 1)
        _device, response = type_code(code)
    assert response.status_code == 302


def test_the_cards_code_and_its_devices_keep_working(parent, emma):
    card = issue_home_code(pupil=emma)
    card_device, _response = type_code(card)
    type_code(make_code(parent, emma))
    assert HomeLoginCode.objects.current().filter(pupil=emma).count() == 1
    assert card_device.get("/thuis/apparaat/").status_code == 200
    assert type_code(card)[1].status_code == 302


def test_a_new_code_replaces_an_unused_one(parent, emma):
    first = make_code(parent, emma)
    second = make_code(parent, emma)
    assert type_code(first)[1].status_code == 403
    assert type_code(second)[1].status_code == 302


def test_a_new_card_ends_the_rescued_device_too(parent, emma):
    issue_home_code(pupil=emma)
    device, _response = type_code(make_code(parent, emma))
    issue_home_code(pupil=emma)  # the teacher prints a new card
    assert device.get("/thuis/apparaat/")["Location"] == "/thuis/code/"


def test_wrong_rescue_codes_lock_the_address_for_card_codes_too(emma):
    card = issue_home_code(pupil=emma)
    device = Client()
    for _ in range(10):
        device.post("/thuis/code/", {"code": "AAAAA-BBBBB"})
    response = device.post("/thuis/code/", {"code": card})
    assert response.status_code == 429
    assert not DeviceGrantPupil.objects.exists()


def test_it_is_audited_and_never_stored_or_logged_in_clear(parent, emma):
    code = make_code(parent, emma)
    type_code(code)
    actions = set(AuditEntry.objects.filter(pupil=emma).values_list("action", flat=True))
    assert {AuditEntry.Action.RESCUE_ISSUED, AuditEntry.Action.RESCUE_USED} <= actions
    plain = code.replace("-", "")
    assert not any(plain in (e.detail or "") for e in AuditEntry.objects.all())
    assert plain not in RescueCode.objects.get().code_hash


def test_no_code_for_a_child_whose_home_login_is_off(parent, emma):
    emma.home_login_enabled = False
    emma.save()
    assert parent.post(f"/thuis/kinderen/{emma.pk}/reservecode/").status_code == 404


def test_another_familys_child_is_a_404(parent, group):
    stranger = PupilFactory(group=group, home_login_enabled=True)
    GuardianLinkFactory(pupil=stranger, guardian=GuardianFactory())
    assert parent.post(f"/thuis/kinderen/{stranger.pk}/reservecode/").status_code == 404
    assert not RescueCode.objects.exists()


def test_anonymous_goes_to_the_parents_login(client, emma):
    response = client.post(f"/thuis/kinderen/{emma.pk}/reservecode/")
    assert response["Location"] == "/thuis/"


# The teacher makes one too, and sees the next morning that a parent's was used.


def test_teacher_makes_one_and_sees_it_used(client, teacher, emma, guardian):
    GuardianLinkFactory(pupil=emma, guardian=guardian)
    client.force_login(teacher.user)
    page = client.post(f"/leerkracht/leerling/{emma.pk}/reservecode/").content.decode()
    code = CODE.search(page).group(1)
    type_code(code)
    page = client.get(f"/leerkracht/leerling/{emma.pk}/").content.decode()
    assert "Gemaakt door de school" in page and "gebruikt op" in page


def test_teacher_sees_a_parents_code_used(client, teacher, emma, guardian):
    parent = Client()
    GuardianLinkFactory(pupil=emma, guardian=guardian)
    parent.force_login(guardian)
    type_code(make_code(parent, emma))
    client.force_login(teacher.user)
    page = client.get(f"/leerkracht/leerling/{emma.pk}/").content.decode()
    assert f"Gemaakt door ouder/verzorger {guardian.email}" in page and "gebruikt op" in page


def test_outsider_teacher_gets_a_404(client, outsider, emma):
    client.force_login(outsider.user)
    assert client.post(f"/leerkracht/leerling/{emma.pk}/reservecode/").status_code == 404
    assert not RescueCode.objects.exists()


def test_get_is_not_allowed_for_the_teacher(client, teacher, emma):
    client.force_login(teacher.user)
    assert client.get(f"/leerkracht/leerling/{emma.pk}/reservecode/").status_code == 405


def test_a_mistyped_rescue_code_is_told_how_long_a_rescue_code_is(parent, emma):
    code = make_code(parent, emma)
    response = Client().post("/thuis/code/", {"code": code[:-1]})  # one character short
    assert response.status_code == 400
    assert "Een reservecode heeft 10 tekens" in response.content.decode()
    assert RescueCode.objects.get().used_at is None


def test_the_help_page_tells_parents_about_the_rescue_code(client, db):
    page = client.get("/thuis/hulp/").content.decode()
    assert "reservecode" in page and "Reservecode maken" in page
