"""The lockout policy (basispoort/lockout.py): whose counter a failure counts against."""

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory

from basispoort import lockout


def test_a_pupil_has_one_counter_per_gate(pupil):
    assert lockout.pupil_key(pupil, "school") == f"pupil:{pupil.pk}:school"
    assert lockout.pupil_key(pupil, "home") == f"pupil:{pupil.pk}:home"
    with pytest.raises(ValueError):
        lockout.pupil_key(pupil, "staff")


@pytest.mark.parametrize("typed", ["pupil:1:school", "leerling-99xx-demo-5a-05", "pupil:1:home"])
@pytest.mark.parametrize("gate", ["staff", "guardian", None])
def test_typed_names_land_under_the_forms_own_prefix(typed, gate):
    key = lockout.lockout_username(RequestFactory().post("/"), {"username": typed, "gate": gate})
    assert key == f"{gate or 'password'}:{typed}"
    assert lockout.pupil_id_from_key(key) is None


def test_the_pupil_id_is_read_back_only_from_a_pupil_key():
    assert lockout.pupil_id_from_key("pupil:12:home") == 12
    assert lockout.pupil_id_from_key("staff:pupil:12:home") is None
    assert lockout.pupil_id_from_key("pupil:x:home") is None


def test_unlock_lifts_both_gates_and_nothing_else(pupil):
    for key in (f"pupil:{pupil.pk}:school", f"pupil:{pupil.pk}:home", "staff:juf"):
        AccessAttempt.objects.create(username=key, failures_since_start=10, ip_address="192.0.2.1",
                                     user_agent="", get_data="", post_data="", http_accept="",
                                     path_info="")
    assert lockout.locks_for([pupil])[pupil.pk]["school"] is not None
    lockout.unlock(pupil)
    assert lockout.locks_for([pupil])[pupil.pk] == {"school": None, "home": None}
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["staff:juf"]


def test_failures_across_pupils_slow_a_device_down(rf, settings, time_machine):
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)  # one fixed window throughout
    settings.PUPIL_FAILURE_THROTTLES = {"device": ["3/5m"], "ip": ["100/10m"]}
    request = rf.post("/", REMOTE_ADDR="192.0.2.7")
    for _ in range(3):
        assert not lockout.pupil_gate_slowed(request, device="klas:1:1:a")
        lockout.pupil_gate_failed(request, device="klas:1:1:a")
    assert lockout.pupil_gate_slowed(request, device="klas:1:1:a")
    assert not lockout.pupil_gate_slowed(request, device="klas:1:1:b")


def test_a_device_without_failures_is_checked_without_reading_the_counters(rf, monkeypatch, time_machine):
    # A correct PIN at 08:30 asks "is this device slowed down?": with no failure from the
    # device or the address within the longest window, one cache read answers it.
    time_machine.move_to("2026-03-02 08:31 +01:00", tick=False)
    request = rf.post("/", REMOTE_ADDR="192.0.2.8")
    counted = []
    real_usage = lockout.get_usage
    monkeypatch.setattr(lockout, "get_usage", lambda *a, **k: counted.append(k) or real_usage(*a, **k))
    assert not lockout.pupil_gate_slowed(request, device="klas:1:1:c")
    assert counted == []
    lockout.pupil_gate_failed(request, device="klas:1:1:c")
    counted.clear()
    assert not lockout.pupil_gate_slowed(request, device="klas:1:1:c")
    assert counted  # a failure was seen: the counters decide
    # ... and still after the shortest window, until the longest one has passed.
    time_machine.move_to("2026-03-02 09:20 +01:00", tick=False)
    counted.clear()
    lockout.pupil_gate_slowed(request, device="klas:1:1:c")
    assert counted


def test_only_the_first_attempt_of_a_minute_on_a_key_skips_the_line(db):
    assert lockout.first_attempt("pupil:7:school")
    assert not lockout.first_attempt("pupil:7:school")  # a second one, in parallel or just after
    assert lockout.first_attempt("pupil:7:home")  # another counter, another line


def test_a_locked_pupils_right_pin_is_refused_on_the_first_attempt_too(client, teacher, group, pupil):
    from django.core.cache import cache

    from tests.helpers import connect

    connect(client, teacher, group)
    for attempt in range(10):
        client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    cache.clear()  # a minute later (or Redis restarted): the next attempt is a first one
    assert lockout.first_attempt(lockout.pupil_key(pupil, "school"))
    cache.clear()
    response = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 429 and "Je account is even op slot" in response.content.decode()
    assert "_auth_user_id" not in client.session


def _attempt(key, failures, minutes_ago):
    from datetime import timedelta

    AccessAttempt.objects.create(
        username=key, failures_since_start=failures, ip_address="192.0.2.1", user_agent="",
        get_data="", post_data="", http_accept="", path_info="",
    )
    from django.db.models.functions import Now

    AccessAttempt.objects.filter(username=key).update(attempt_time=Now() - timedelta(minutes=minutes_ago))


def _counts(rf, keys):
    from django.utils import timezone

    request = rf.post("/")
    request.axes_attempt_time = timezone.now()
    request.axes_ip_address, request.axes_user_agent = "192.0.2.1", ""
    return {key: lockout.LockoutHandler().get_failures(request, {"username": key, "gate": "school"})
            for key in keys}


def test_the_handlers_count_is_django_axes_own(db, rf):
    """LockoutHandler counts with a query compiled once (the storm): the same number as
    django-axes' AxesDatabaseHandler, only within the cool-off, only the key's own."""
    from axes.handlers.database import AxesDatabaseHandler
    from django.utils import timezone

    _attempt("pupil:1:school", 4, minutes_ago=5)
    _attempt("pupil:1:home", 9, minutes_ago=5)
    _attempt("pupil:2:school", 10, minutes_ago=61)  # past the hour: counts no more
    keys = ["pupil:1:school", "pupil:1:home", "pupil:2:school", "pupil:3:school"]
    assert _counts(rf, keys) == dict(zip(keys, [4, 9, 0, 0], strict=True))
    request = rf.post("/")
    request.axes_attempt_time = timezone.now()  # this server's clock is the database's here
    request.axes_ip_address, request.axes_user_agent = "192.0.2.1", ""
    for key, expected in _counts(rf, keys).items():
        credentials = {"username": key, "gate": "school"}
        assert AxesDatabaseHandler().get_failures(request, credentials) == expected


@pytest.mark.parametrize("step", ["-2h", "+2h"])
def test_the_lockouts_hour_is_the_databases_whatever_the_app_servers_clock(
        client, teacher, group, pupil, rf, time_machine, step):
    """An app server whose clock is hours off (or steps) neither lifts a lock early nor keeps
    one late: failures are stamped and counted on the database's clock."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.helpers import connect

    _attempt("pupil:2:school", 10, minutes_ago=61)  # locked an hour and a minute ago: free
    hours = int(step[:-1])
    time_machine.move_to(timezone.now() + timedelta(hours=hours), tick=False)
    connect(client, teacher, group)
    for attempt in range(10):
        client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    response = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    counts = _counts(rf, [lockout.pupil_key(pupil, "school"), "pupil:2:school"])
    assert list(counts.values()) == [10, 0]


def test_an_attempt_in_line_counts_the_first_attempt_on_its_way(client, teacher, group, pupil):
    """The window's first attempt compares its guess before it lines up. Until it is counted,
    an attempt in line has one failure fewer to spend: nine counted failures and a first
    attempt on its way lock the pupil for everyone in line, so no burst compares an eleventh
    guess. Once the first attempt is counted, the line has the whole limit again."""
    from django.core.cache import cache

    from tests.helpers import connect

    connect(client, teacher, group)
    key = lockout.pupil_key(pupil, "school")
    for attempt in range(9):
        client.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    assert AccessAttempt.objects.get(username=key).failures_since_start == 9
    cache.clear()  # a new minute...
    assert lockout.first_attempt(key)  # ...whose first attempt is on its way, not yet counted

    response = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})  # right, but in line
    assert response.status_code == 429 and "_auth_user_id" not in client.session

    lockout.first_attempt_counted(key)  # it was wrong and counted: 9 + 1 would lock anyway...
    response = client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 302  # ...but it was not, so the line's tenth try is the pupil's
