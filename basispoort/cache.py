"""The cache backend for a redis:// CACHE_URL: Redis is an accelerator, never a single point of
failure.

Django's RedisCache raises on every call while Redis is unreachable, and the cache is on every
request's path (cached_db sessions, the throttles), so a Redis outage at 08:30 would stop every
classroom although sessions and the lockout live in the database. This backend is Django's
RedisCache with a small circuit breaker in front of it:

- on any Redis error it answers from a local-memory cache in this process instead, and leaves
  Redis alone for FAILOVER_BACKOFF seconds (default 10), so a dead or hanging Redis costs one
  socket timeout per process per back-off, not one per request;
- sessions then come from the database (cached_db reads it on a cache miss), the throttles count
  per process, and django-axes' lockout counts in the database as always;
- when Redis answers again, every key written or deleted meanwhile is first deleted from Redis
  (or, after very many, the whole cache database is flushed): a session ended during the
  outage must not come back from Redis's older copy.

``degraded`` tells /health/ whether this process is running on its stand-in. The Redis
database in CACHE_URL must hold this cache only: recovery may flush it.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REDIS_ERRORS = (RedisError, OSError)
BACKOFF_SECONDS = 10
STAND_IN_MAX_ENTRIES = 10_000  # sessions and counters of one process during an outage
FORGET_LIMIT = 10_000  # more keys changed during an outage than this: flush instead


class _Circuit:
    """The state of one Redis location, shared by every thread's cache object in this process
    (Django makes one cache object per thread)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = None  # time.monotonic() until which Redis is left alone; None: up
        self.changed = set()  # made keys written or deleted while Redis was away
        self.flush = False  # too many to remember, or cleared: flush the cache database


_circuits = {}
_circuits_lock = threading.Lock()


def _circuit(location):
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's Redis client with one ``redis.Redis`` per connection pool. Django's own makes a
    new one for every command, and each copies redis-py's table of some 170 response callbacks:
    at the 08:30 storm, with three or four cache commands per request, that was a tenth of a PIN
    login's CPU. A ``redis.Redis`` only borrows connections from its pool, so sharing it is
    safe across threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # id(pool): redis.Redis

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailoverRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.backoff = options.pop("FAILOVER_BACKOFF", BACKOFF_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._circuit = _circuit(str(server))
        stand_in = {k: v for k, v in params.items() if k in ("TIMEOUT", "KEY_PREFIX", "VERSION",
                                                             "KEY_FUNCTION")}
        self._stand_in = LocMemCache(f"failover:{server}", {
            **stand_in, "OPTIONS": {"MAX_ENTRIES": STAND_IN_MAX_ENTRIES},
        })

    @property
    def degraded(self):
        """True while this process answers from its local stand-in instead of Redis. Asked once
        the backoff has passed, it tries Redis again, as any command would."""
        return not self._redis_usable()

    # The circuit ---------------------------------------------------------------------------

    def _redis_usable(self):
        circuit = self._circuit
        if circuit.down_until is None:
            return True
        if time.monotonic() < circuit.down_until:
            return False
        with circuit.lock:  # half open: try once, and forget what changed meanwhile first
            if circuit.down_until is None:
                return True
            try:
                if circuit.flush:
                    self._cache.clear()
                elif circuit.changed:
                    self._cache.delete_many(list(circuit.changed))
                else:
                    self._cache.get_client(write=True).ping()
            except REDIS_ERRORS:
                circuit.down_until = time.monotonic() + self.backoff
                return False
            circuit.down_until, circuit.changed, circuit.flush = None, set(), False
        logger.warning("The cache at %s answers again; back on Redis.", self._redacted())
        return True

    def _trip(self, error):
        circuit = self._circuit
        with circuit.lock:
            was_up = circuit.down_until is None
            circuit.down_until = time.monotonic() + self.backoff
        if was_up:
            logger.error("The cache at %s is unreachable (%s); using local memory for now.",
                         self._redacted(), error)

    def _changed(self, keys, version):
        circuit = self._circuit
        with circuit.lock:
            for key in keys:
                if len(circuit.changed) >= FORGET_LIMIT:
                    circuit.flush = True
                    break
                circuit.changed.add(self.make_key(key, version=version))

    def _redacted(self):
        return ",".join(server.rpartition("@")[2] for server in self._servers)  # no password

    def _call(self, name, args, changed=(), version=None):
        if self._redis_usable():
            try:
                return getattr(super(), name)(*args, version=version)
            except REDIS_ERRORS as error:
                self._trip(error)
        if changed:
            self._changed(changed, version)
        return getattr(self._stand_in, name)(*args, version=version)

    # Django's cache API --------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", (key, value, timeout), [key], version)

    def add_shared(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """add() as Redis answers it, shared by every app server; False while only this
        process's stand-in could (basispoort/lockout.py first_attempt)."""
        if self._redis_usable():
            try:
                return super().add(key, value, timeout, version=version)
            except REDIS_ERRORS as error:
                self._trip(error)
        return False

    def get(self, key, default=None, version=None):
        return self._call("get", (key, default), (), version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", (key, value, timeout), [key], version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", (key, timeout), [key], version)

    def delete(self, key, version=None):
        return self._call("delete", (key,), [key], version)

    def get_many(self, keys, version=None):
        return self._call("get_many", (keys,), (), version)

    def has_key(self, key, version=None):
        return self._call("has_key", (key,), (), version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", (key, delta), [key], version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", (data, timeout), list(data), version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", (keys,), list(keys), version)

    def clear(self):
        if self._redis_usable():
            try:
                return super().clear()
            except REDIS_ERRORS as error:
                self._trip(error)
        self._circuit.flush = True
        return self._stand_in.clear()
