"""Slowing down failures across pupils (docs/security.md, section 1): the numbers of
settings.PUPIL_FAILURE_THROTTLES, per client IP and per classroom device over an hour."""

import datetime
import zlib

import pytest
from django.http import HttpRequest
from django.test import Client

from basispoort.lockout import locks_for
from pupils import classroom as classroom_device
from tests.factories import PupilFactory
from tests.helpers import connect

SCHOOL_IP = "192.0.2.10"  # one school, one address to the internet
MORNING = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))


def tablet(teacher, group, ip=SCHOOL_IP):
    device = Client(REMOTE_ADDR=ip)
    connect(device, teacher, group)
    return device


def pin_login(device, pupil, pin):
    return device.post(f"/klas/leerling/{pupil.pk}/", {"pin": pin})


def wrong_pins(device, pupils, per_pupil):
    """``per_pupil`` wrong PINs at each of ``pupils`` (fewer than 10: nobody gets locked)."""
    return [pin_login(device, pupil, f"{n:04d}").status_code for pupil in pupils for n in range(per_pupil)]


@pytest.fixture
def klas(group):
    return [PupilFactory(group=group, first_name=f"Kind{n:02d}", pin="1357") for n in range(26)]


def test_the_documented_numbers_are_the_defaults(settings):
    assert settings.PUPIL_FAILURE_THROTTLES == {"device": ["15/5m", "40/h"], "ip": ["100/10m", "300/h"]}


def test_two_tablets_behind_one_address_add_up_to_the_addresses_limit(teacher, group, klas, settings,
                                                                         time_machine):
    # The address's limit below what two tablets may each do, so they reach it together while
    # each stays under its own (15 in 5 minutes).
    settings.PUPIL_FAILURE_THROTTLES = {**settings.PUPIL_FAILURE_THROTTLES, "ip": ["20/10m", "300/h"]}
    first, second = tablet(teacher, group), tablet(teacher, group)
    time_machine.move_to(MORNING, tick=False)
    statuses = wrong_pins(first, klas[0:2], 5) + wrong_pins(second, klas[2:4], 5)
    assert statuses == [403] * 20
    for device, pupil in ((first, klas[10]), (second, klas[11])):
        response = pin_login(device, pupil, "1357")  # the right PIN, not even checked
        assert response.status_code == 429
        assert "Even wachten" in response.content.decode()
    assert not any(lock["school"] for lock in locks_for(klas).values())
    # A tablet of another school (another address) is not slowed down.
    elsewhere = tablet(teacher, group, ip="198.51.100.20")
    assert pin_login(elsewhere, klas[12], "1357").status_code == 302
    # After the address's window: on again.
    time_machine.move_to(MORNING + datetime.timedelta(minutes=11), tick=False)
    assert pin_login(first, klas[10], "1357").status_code == 302


def _start_of_hour_window(device):
    """A moment just after this tablet's hourly window began. django-ratelimit's fixed windows
    start at an offset per counted name (crc32 of it), so spreading tries over 15 minutes could
    otherwise straddle two windows."""
    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in device.cookies.items()}
    offset = zlib.crc32(classroom_device.device_key(request).encode()) % 3600
    return MORNING + datetime.timedelta(seconds=offset + 1)


def test_one_tablet_gets_40_failures_an_hour_across_its_five_minute_windows(teacher, group, klas,
                                                                          time_machine):
    device = tablet(teacher, group)
    start = _start_of_hour_window(device)
    statuses = []
    # 14 a time, under the 15 of five minutes, in three windows of five minutes: 40 in all.
    for minutes, pupils, per_pupil in ((0, klas[0:2], 7), (5, klas[2:4], 7), (10, klas[4:6], 6)):
        time_machine.move_to(start + datetime.timedelta(minutes=minutes), tick=False)
        statuses += wrong_pins(device, pupils, per_pupil)
    assert statuses == [403] * 40
    # A fresh five-minute window, but the hour's 40 are used up.
    time_machine.move_to(start + datetime.timedelta(minutes=15), tick=False)
    response = pin_login(device, klas[10], "1357")
    assert response.status_code == 429
    assert "Even wachten" in response.content.decode()
    assert not any(lock["school"] for lock in locks_for(klas).values())
    # The hour over: the tablet works again.
    time_machine.move_to(start + datetime.timedelta(minutes=61), tick=False)
    assert pin_login(device, klas[10], "1357").status_code == 302
