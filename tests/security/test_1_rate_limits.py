"""ASVS 6.1.1 / 6.3.1 / 2.4.1: guessing and mail bombing are throttled per address and site-wide,
with a Dutch 429 page."""

import pytest

from homelogin.services import issue_home_code
from tests.factories import GuardianFactory, PupilFactory


@pytest.fixture(autouse=True)
def _one_window(time_machine):
    # The throttles count in fixed windows: the clock stands still, so no test straddles two.
    time_machine.move_to("2026-03-02 19:05 +01:00", tick=False)


def guess(client, selector, ip="203.0.113.7"):
    return client.post("/thuis/code/", {"code": f"{selector}-2222-2222"}, REMOTE_ADDR=ip)


def test_spraying_codes_across_pupils_from_one_address_is_stopped(client, db):
    selectors = [issue_home_code(pupil=PupilFactory(home_login_enabled=True))[:4] for _ in range(11)]
    # One wrong guess at each of 10 pupils: no pupil is counted at all, the address is, and
    # its tenth failure locks it.
    statuses = [guess(client, selector).status_code for selector in selectors[:9]]
    assert set(statuses) == {403}
    response = guess(client, selectors[9])
    assert response.status_code == 429
    assert "te vaak verkeerde codes" in response.content.decode()
    assert guess(client, selectors[10], ip="198.51.100.9").status_code == 403  # another family


def test_code_entry_from_one_address_is_throttled(client, db, settings):
    settings.THROTTLES = {**settings.THROTTLES, "home_code": ("5/h", "6000/m")}
    statuses = [guess(client, "ZZZZ").status_code for _ in range(5)]
    response = guess(client, "ZZZZ")
    assert set(statuses) == {403} and response.status_code == 429
    assert "te vaak geprobeerd" in response.content.decode()


def test_a_site_wide_limit_stops_a_spray_from_many_addresses(client, db, settings):
    settings.THROTTLES = {**settings.THROTTLES, "home_code": ("60/h", "5/m")}
    statuses = [guess(client, "ZZZZ", ip=f"198.51.100.{n}").status_code for n in range(6)]
    assert statuses[:5] == [403] * 5 and statuses[5] == 429


def test_forgot_password_mail_bombing_is_stopped(client, db, mailoutbox, settings):
    GuardianFactory(username="ouder@example.nl")
    settings.THROTTLES = {**settings.THROTTLES, "password_mail": ("3/h", "2000/h")}
    statuses = [client.post("/thuis/vergeten/", {"email": f"x{n}@example.nl"}).status_code
                for n in range(3)]
    response = client.post("/thuis/vergeten/", {"email": "ouder@example.nl"})
    assert statuses == [200, 200, 200] and response.status_code == 429
    assert "Even wachten" in response.content.decode()


def test_invitation_mails_are_throttled_too(client, teacher, pupil, settings):
    settings.THROTTLES = {**settings.THROTTLES, "invite_mail": ("2/h", "5000/h")}
    client.force_login(teacher.user)
    for n in range(2):
        client.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": f"o{n}@example.nl"})
    response = client.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": "o3@example.nl"})
    assert response.status_code == 429


@pytest.mark.parametrize("name", ["home_code", "password_mail", "invite_mail"])
def test_every_throttle_has_a_per_address_and_a_site_wide_limit(settings, name):
    per_ip, site = settings.THROTTLES[name]
    assert per_ip.split("/")[0].isdigit() and site.split("/")[0].isdigit()
