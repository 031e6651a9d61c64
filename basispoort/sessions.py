"""Django's cached_db sessions with one database write per request.

At a login Django draws a new session key (``cycle_key``), and its database backend saves that
at once (an existence check and an INSERT) only for the response to save it again (an UPDATE):
three round trips, each in its own transaction, in the 08:30 storm. Here a new key is only
drawn, and the one save at the end of the request INSERTs it; a save outside any transaction
is a single statement (autocommit) rather than BEGIN, INSERT, COMMIT. Keys are 32 random
characters, so the existence check buys nothing: a clash (never seen) fails the INSERT, and a
new key is drawn.

What a login writes besides (its audit entry, the pupil's last-login time) goes with that
INSERT (``write_with_login``): on PostgreSQL one statement, so the login is written whole or not
at all (a response that fails saves no session, and then no login happened), in one round trip
and one commit instead of three.

SESSION_ENGINE = "basispoort.sessions".
"""

import base64
import logging
import secrets
from contextlib import nullcontext

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router, transaction

from .compiled import CompiledInsert, write_together

logger = logging.getLogger("django.contrib.sessions")
_INSERTS = {}  # database alias -> CompiledInsert of the session model


def write_with_login(request, write):
    """Have ``write`` (a Write of basispoort/compiled.py) done together with the next save of
    ``request``'s session, which a login just renewed; at once when the session cannot."""
    along = getattr(getattr(request, "session", None), "write_along", None)
    if along is None:
        write.run()
    else:
        along(write)


class SessionStore(cached_db.SessionStore):
    _insert = False  # the key is new: the next save INSERTs

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._along = []  # Writes that go with the next save (write_with_login)

    def write_along(self, write):
        self._along.append(write)

    def _cache_away(self):
        # Redis unreachable (basispoort/cache.py): each server would answer from a stand-in of
        # its own, which misses a logout handled by another server. The database decides.
        return getattr(self._cache, "degraded", False)

    def load(self):
        data = None if self._cache_away() else self._cache.get(self.cache_key)
        if data is not None and not self._cache_away():
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        if not self._cache_away():
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key):
        if self._cache_away():
            return super(cached_db.SessionStore, self).exists(session_key)
        return super().exists(session_key)

    def _get_new_session_key(self):
        # 32 characters of a-z and 2-7 (within Django's VALID_KEY_CHARS) from 160 random bits,
        # read at once: get_random_string asks the system for each character apart.
        return base64.b32encode(secrets.token_bytes(20)).decode().lower()

    def create(self):
        self._session_key = self._get_new_session_key()
        self._insert = True
        self.modified = True
        self.save()

    def cycle_key(self):
        data, old_key = self._session, self.session_key
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self._insert = True
        self.modified = True
        if old_key:
            self.delete(old_key)

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        must_create = must_create or self._insert
        for _attempt in range(3):
            try:
                self._save_row(must_create)
                break
            except CreateError:
                if not self._insert:
                    raise
                self._session_key = self._get_new_session_key()  # a clash: draw again
        else:
            raise CreateError
        self._insert, self._along = False, []
        if self._cache_away():
            return
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def _write(self, obj, must_create, using):
        insert = None
        if must_create:  # every login: the INSERT is built once per process
            if using not in _INSERTS:
                _INSERTS[using] = CompiledInsert(self.model, using)
            insert = _INSERTS[using].write(obj)
        if insert is not None:
            write_together([*self._along, insert])
            return
        with transaction.atomic(using=using) if self._along else nullcontext():
            write_together(self._along)
            obj.save(force_insert=must_create, force_update=not must_create, using=using)

    def _save_row(self, must_create):
        obj = self.create_model_instance(self._get_session(no_load=must_create))
        using = router.db_for_write(self.model, instance=obj)
        try:
            if connections[using].in_atomic_block:  # keep the caller's transaction usable
                with transaction.atomic(using=using):
                    self._write(obj, must_create, using)
            else:
                self._write(obj, must_create, using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise
