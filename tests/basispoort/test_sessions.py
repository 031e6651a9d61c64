"""Sessions (basispoort/sessions.py): one INSERT for a new key, a clash draws another."""

import pytest
from django.contrib.sessions.models import Session

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


def test_a_key_that_is_taken_is_never_overwritten(monkeypatch):
    first = SessionStore()
    first["owner"] = "first"
    first.create()
    keys = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))
    second = SessionStore()
    second["owner"] = "second"
    second.cycle_key()
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
