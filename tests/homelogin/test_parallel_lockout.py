"""40 parallel wrong guesses at one pupil: the lockout lets at most 10 of them be answered.
Only PostgreSQL runs requests truly in parallel with row locks; CI runs this in its PostgreSQL
lane (SQLite serialises every write anyway)."""

import threading

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import connection
from django.test import Client

from homelogin.models import HomeLoginCode
from homelogin.services import issue_home_code
from tests.factories import PupilFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel row locking needs PostgreSQL"
)


def burst(requests, n=40):
    barrier = threading.Barrier(n)
    statuses, lock = [], threading.Lock()

    def one():
        client = Client()
        barrier.wait()
        try:
            status = requests(client).status_code
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def counted(monkeypatch):
    calls, lock = [], threading.Lock()

    def wrap(original):
        def check(self, value):
            with lock:
                calls.append(value)
            return original(self, value)
        return check

    monkeypatch.setattr(HomeLoginCode, "check_verifier", wrap(HomeLoginCode.check_verifier))
    # A pupil's secret is checked where its hash is compared: one comparison per guess.
    import pupils.models
    original = pupils.models.check_secret_hash

    def compare(value, encoded, *, purpose):
        with lock:
            calls.append(value)
        return original(value, encoded, purpose=purpose)

    monkeypatch.setattr(pupils.models, "check_secret_hash", compare)
    return calls


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_check_at_most_ten(counted):
    pupil = PupilFactory(home_login_enabled=True)
    selector = issue_home_code(pupil=pupil).split("-")[0]
    statuses = burst(lambda client: client.post("/thuis/code/", {"code": f"{selector}-2222-2222"}))
    assert len(counted) <= 10
    assert statuses.count(403) <= 10 and statuses.count(429) >= 30
    assert set(statuses) <= {403, 429}


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_pins_check_at_most_ten(counted):
    pupil = PupilFactory(home_login_enabled=True, pin="1357")
    code = issue_home_code(pupil=pupil)
    device = Client()
    device.post("/thuis/code/", {"code": code})
    cookies = device.cookies

    def guess(client):
        client.cookies = cookies
        return client.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": "0000"})

    statuses = burst(guess)
    # + the code's own verifier check above. The burst's first attempt compares its PIN before
    # it lines up (a right one needs no row lock, pupils/gate.py): while it is on its way, the
    # attempts in line have one failure fewer to spend (basispoort/lockout.py).
    assert len(counted) <= 10 + 1
    assert AccessAttempt.objects.get().failures_since_start <= 10
    assert statuses.count(403) <= 10 and set(statuses) <= {403, 429}


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_right_pins_at_a_locked_pupil_gets_nobody_in():
    """The burst's first attempt skips the row lock when its PIN is right; the lock's count
    still refuses it."""
    pupil = PupilFactory(home_login_enabled=True, pin="1357")
    code = issue_home_code(pupil=pupil)
    device = Client()
    device.post("/thuis/code/", {"code": code})
    cookies = device.cookies
    for attempt in range(10):
        device.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    assert AccessAttempt.objects.get().failures_since_start == 10
    cache.clear()  # a new minute: the first attempt's place in line is free again

    def right(client):
        client.cookies = cookies
        return client.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": "1357"})

    assert set(burst(right)) == {429}
