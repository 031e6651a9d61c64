"""Redis is an accelerator, never a single point of failure: with the cache unreachable, every
login keeps working. The cache is pointed at a port where nothing listens (or at a server that
accepts and never answers), through the backend production uses; no Redis is needed."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from basispoort.cache import FailoverRedisCache
from homelogin.services import issue_home_code
from tests.helpers import SilentServer, connect, log_in_pupil

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def failover_cache(location, **options):
    return {**django_settings.CACHES, "default": {
        "BACKEND": "basispoort.cache.FailoverRedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **options},
    }}


@pytest.fixture
def redis_down(settings, db):
    settings.CACHES = failover_cache(DEAD)
    cache.clear()  # whatever another test left in this process's stand-in
    yield
    cache.clear()


@pytest.fixture
def device(client, teacher, group, redis_down):
    response = connect(client, teacher, group)
    assert response.status_code == 302
    return client


def test_a_correct_pin_logs_in(device, pupil):
    response = device.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"
    assert "Hallo Emma!" in device.get("/overzicht/").content.decode()


def test_a_logged_in_pupil_keeps_working(client, pupil, redis_down):
    log_in_pupil(client, pupil)
    for _page in range(3):
        response = client.get("/overzicht/")
        assert response.status_code == 200 and "Hallo Emma!" in response.content.decode()


def test_a_session_ended_on_another_server_ends_here_too(client, pupil, redis_down):
    """While Redis is away each server has only its own stand-in: sessions are read from the
    database, so a logout (or a revoked device) handled by another server counts here too."""
    from django.contrib.sessions.models import Session

    log_in_pupil(client, pupil)
    assert client.get("/overzicht/").status_code == 200
    Session.objects.filter(session_key=client.session.session_key).delete()  # "Uitloggen" elsewhere
    response = client.get("/overzicht/")
    assert response.status_code == 302 and "Hallo Emma!" not in response.content.decode()


def test_wrong_pins_still_lock_the_pupil(device, pupil):
    for attempt in range(10):
        response = device.post(f"/klas/leerling/{pupil.pk}/", {"pin": f"{attempt:04d}"})
    assert response.status_code == 429
    assert "Je account is even op slot" in response.content.decode()
    assert device.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"}).status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 10  # counted in the database


def test_home_code_entry_works(client, pupil, redis_down):
    pupil.home_login_enabled = True
    pupil.save()
    response = client.post("/thuis/code/", {"code": issue_home_code(pupil=pupil)})
    assert response.status_code == 302 and response["Location"] == "/thuis/apparaat/"
    assert "Emma" in client.get("/thuis/apparaat/").content.decode()


def test_a_parent_logs_in(client, guardian, redis_down):
    response = client.post("/thuis/", {"username": "ouder@example.nl", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/thuis/kinderen/"
    assert client.get("/thuis/kinderen/").status_code == 200


def test_throttles_keep_counting_in_the_server_itself(client, redis_down, settings):
    settings.THROTTLES = {**settings.THROTTLES, "home_code": ("3/h", "6000/m")}
    statuses = [client.post("/thuis/code/", {"code": "K7QM-2XPA-9FHT"}).status_code for _ in range(4)]
    assert statuses == [403, 403, 403, 429]


def test_health_stays_200_and_says_the_cache_is_degraded(client, redis_down):
    response = client.get("/health/")
    assert response.status_code == 200, "a load balancer must not drop every server"
    assert response.json() == {"database": "ok", "cache": "degraded"}


@pytest.fixture
def silent_redis(settings, db):
    server = SilentServer()
    settings.CACHES = failover_cache(f"redis://127.0.0.1:{server.port}/0",
                                     socket_connect_timeout=0.2, socket_timeout=0.2)
    yield server
    server.close()


def test_a_hanging_redis_is_asked_once_then_left_alone(client, pupil, silent_redis):
    log_in_pupil(client, pupil)  # the first cache call waits for the timeout, then stops trying
    asked = len(silent_redis.accepted)
    assert asked >= 1
    for _page in range(5):
        assert client.get("/overzicht/").status_code == 200
    assert len(silent_redis.accepted) == asked, "no request may wait for a dead Redis again"
    assert client.get("/health/").json()["cache"] == "degraded"


# When Redis comes back, nothing it still holds from before the outage may be believed: a
# session that was ended while it was away must stay ended.


class FlakyRedis:
    """Stands in for Django's Redis client (same methods, made keys) with a switch to fail."""

    def __init__(self):
        self.data, self.down = {}, False

    def __getattr__(self, name):
        raise AttributeError(name)

    def _check(self):
        if self.down:
            import redis

            raise redis.ConnectionError("Connection refused")

    def get_client(self, key=None, *, write=False):
        return self

    def ping(self):
        self._check()
        return True

    def get(self, key, default):
        self._check()
        return self.data.get(key, default)

    def get_many(self, keys):
        self._check()
        return {key: self.data[key] for key in keys if key in self.data}

    def set(self, key, value, timeout):
        self._check()
        self.data[key] = value

    def set_many(self, data, timeout):
        self._check()
        self.data.update(data)
        return []

    def add(self, key, value, timeout):
        self._check()
        return self.data.setdefault(key, value) is value

    def delete(self, key):
        self._check()
        return self.data.pop(key, None) is not None

    def delete_many(self, keys):
        self._check()
        for key in keys:
            self.data.pop(key, None)

    def has_key(self, key):
        self._check()
        return key in self.data

    def incr(self, key, delta):
        self._check()
        if key not in self.data:
            raise ValueError(key)
        self.data[key] += delta
        return self.data[key]

    def clear(self):
        self._check()
        self.data.clear()


@pytest.fixture
def flaky_redis(settings, db):
    settings.CACHES = failover_cache("redis://127.0.0.1:2/5", FAILOVER_BACKOFF=0)
    fake = FlakyRedis()
    cache._cache = fake  # this thread's instance is the one the test client's requests use
    return fake


def test_a_session_ended_during_the_outage_stays_ended(flaky_redis, pupil):
    pupil_device = Client()
    log_in_pupil(pupil_device, pupil)
    old_cookie = pupil_device.cookies["sessionid"].value
    assert pupil_device.get("/overzicht/").status_code == 200
    assert any("sessions" in key for key in flaky_redis.data), "the session is in Redis"

    flaky_redis.down = True
    pupil_device.post("/uitloggen/")
    flaky_redis.down = False

    thief = Client()
    thief.cookies["sessionid"] = old_cookie
    response = thief.get("/overzicht/")
    assert response.status_code == 302, "Redis's copy from before the outage must be forgotten"


def test_after_the_outage_redis_is_used_again(flaky_redis, client, caplog):
    flaky_redis.down = True
    assert client.get("/health/").json()["cache"] == "degraded"
    assert client.get("/health/").json()["cache"] == "degraded", "still down: still degraded"
    flaky_redis.down = False
    assert client.get("/health/").json() == {"database": "ok", "cache": "ok"}
    assert "health-check" in "".join(flaky_redis.data)
    # The operator reads one line when it breaks and one when it is back, not one per request.
    logged = [r.getMessage() for r in caplog.records if r.name == "basispoort.cache"]
    assert len(logged) == 2
    assert "unreachable" in logged[0] and "answers again" in logged[1]


def test_an_outage_without_writes_ends_when_redis_answers_a_ping(flaky_redis):
    flaky_redis.down = True
    assert cache.get("anything") is None and cache.degraded
    assert cache.get("anything") is None and cache.degraded
    flaky_redis.down = False
    flaky_redis.data[cache.make_key("anything")] = "from Redis"
    assert cache.get("anything") == "from Redis" and not cache.degraded


def test_every_command_of_a_process_shares_one_redis_client():
    """Django's Redis backend built a client (and copied redis-py's callback table) for every
    command; ours keeps one per connection pool. Making a client does not connect."""
    backend = FailoverRedisCache(DEAD, {})
    client = backend._cache.get_client()
    assert backend._cache.get_client(write=True) is client
    assert client.connection_pool is backend._cache._get_connection_pool(False)


def test_without_redis_no_attempt_skips_the_row_lock(redis_down):
    """The stand-in is this process's own: another app server would let its own "first"
    attempt through at the same time, so every attempt lines up (basispoort/lockout.py)."""
    from basispoort import lockout

    assert cache.add("some-key", 1)  # the stand-in answers everything else
    assert not lockout.first_attempt("pupil:7:school")
    assert not lockout.first_attempt("pupil:8:school")
