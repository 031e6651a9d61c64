"""Sessions (basispoort/sessions.py): one INSERT for a new key, a clash draws another."""

import pytest
from django.contrib.sessions.models import Session
from django.db import IntegrityError

from basispoort.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request saves it
def test_a_new_session_is_one_insert(django_assert_num_queries, time_machine):
    time_machine.move_to("2027-03-01 08:30 +01:00", tick=False)
    store = SessionStore()
    store["pupil_gate"] = "school"
    store.cycle_key()
    with django_assert_num_queries(1):
        store.save()
    assert SessionStore(store.session_key)["pupil_gate"] == "school"
    assert Session.objects.get(pk=store.session_key).expire_date == store.get_expiry_date()


def _a_login_whose_key_is_taken(monkeypatch, next_key):
    """(the session that holds a key, a new login's session that draws that key first and then
    ``next_key``), the second not saved yet."""
    first = SessionStore()
    first["owner"] = "first"
    first.create()
    keys = iter([first.session_key, next_key])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    second = SessionStore()
    second["owner"] = "second"
    second.cycle_key()
    return first, second


def test_a_key_that_is_taken_is_never_overwritten(monkeypatch):
    first, second = _a_login_whose_key_is_taken(monkeypatch, "b" * 32)
    second.save()
    assert second.session_key == "b" * 32
    assert SessionStore(first.session_key)["owner"] == "first"
    assert SessionStore(second.session_key)["owner"] == "second"


def test_keys_are_long_random_and_of_the_characters_django_accepts():
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS

    keys = {SessionStore()._get_new_session_key() for _ in range(200)}
    assert len(keys) == 200
    assert all(len(key) == 32 and set(key) <= set(VALID_KEY_CHARS) for key in keys)
    assert SessionStore(next(iter(keys)))._validate_session_key(next(iter(keys)))


def _audit_write(pupil):
    from basispoort.compiled import CompiledInsert
    from schools.models import AuditEntry

    return CompiledInsert(AuditEntry).write(AuditEntry(action=AuditEntry.Action.LOGIN_OK, pupil=pupil,
                                                       school=pupil.school))


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request saves it
def test_a_logins_writes_go_with_its_session_in_one_statement_on_postgresql(django_assert_num_queries):
    from django.db import connection

    from schools.models import AuditEntry
    from tests.factories import PupilFactory

    pupil = PupilFactory()
    store = SessionStore()
    store["pupil_gate"] = "school"
    store.cycle_key()
    store.write_along(_audit_write(pupil))
    assert not AuditEntry.objects.exists()  # nothing written before the session is
    # SQLite writes no data in WITH queries: the two INSERTs in one transaction instead.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4) as queries:
        store.save()
    assert "schools_auditentry" in queries.captured_queries[0]["sql"] or connection.vendor != "postgresql"
    assert AuditEntry.objects.get().pupil == pupil
    assert SessionStore(store.session_key)["pupil_gate"] == "school"
    store["pupil_seen"] = 1
    store.save()  # written once: the next save writes only the session
    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_session_that_cannot_be_written_writes_none_of_its_logins_rows(monkeypatch):
    """Both or neither: a login whose session row fails leaves no audit entry behind, and the
    entry is written once, with the key drawn after the clash."""
    from schools.models import AuditEntry
    from tests.factories import PupilFactory

    pupil = PupilFactory()
    _taken, store = _a_login_whose_key_is_taken(monkeypatch, "c" * 32)
    left_after_a_clash = []
    original = SessionStore._write

    def spy(self, obj, must_create, using):
        try:
            return original(self, obj, must_create, using)
        except IntegrityError:
            left_after_a_clash.append(AuditEntry.objects.count())
            raise

    monkeypatch.setattr(SessionStore, "_write", spy)
    store.write_along(_audit_write(pupil))
    store.save()
    assert left_after_a_clash == [0]
    assert store.session_key == "c" * 32 and AuditEntry.objects.count() == 1
