"""Passwords of parents and teachers: Argon2id with chosen parameters, upgraded on login.
PINs: a keyed hash that costs microseconds, never the password hasher."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import Client

import basispoort.settings as project_settings
from tests.factories import GuardianFactory, PupilFactory


@pytest.fixture
def real_hashers(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_new_passwords_use_argon2id_with_rfc9106_parameters(real_hashers, db):
    guardian = GuardianFactory()
    guardian.set_password("een-lang-wachtwoord-2026")
    assert guardian.password.startswith("argon2$argon2id$v=19$m=65536,t=3,p=4$")
    assert identify_hasher(guardian.password).verify("een-lang-wachtwoord-2026", guardian.password)


def test_a_hash_with_old_parameters_verifies_and_is_upgraded_at_login(real_hashers, db):
    guardian = GuardianFactory(username="ouder@example.nl")
    guardian.password = Argon2PasswordHasher().encode("een-lang-wachtwoord-2026", "saltsaltsalt")
    guardian.save()
    assert "m=102400,t=2,p=8" in guardian.password  # Django's defaults
    client = Client()
    client.get("/thuis/")
    response = client.post("/thuis/", {"username": "ouder@example.nl",
                                       "password": "een-lang-wachtwoord-2026"})
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert "m=65536,t=3,p=4" in guardian.password


def test_pin_check_does_not_use_the_password_hasher(real_hashers, db, monkeypatch):
    """What it costs is measured in bench/; here: the PIN never goes near Argon2."""
    pupil = PupilFactory(pin="1357")
    calls = []
    for name in ("verify", "encode"):
        original = getattr(Argon2PasswordHasher, name)
        monkeypatch.setattr(Argon2PasswordHasher, name,
                            lambda *a, _o=original: calls.append(1) or _o(*a))
    pupil.set_pin("2468")
    assert pupil.check_secret("2468") and not pupil.check_secret("1357")
    assert pupil.secret_hash.startswith("hmac-sha256$")
    assert calls == []


def test_client_secrets_are_stored_hashed_without_the_password_cost(real_hashers, db):
    from oauth2_provider.models import Application

    app = Application.objects.create(
        name="Uitgever", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret="k" * 64, redirect_uris="https://uitgever.example/terug")
    assert app.client_secret.startswith("pbkdf2_sha256_client_secret$1000$")
    assert "k" * 64 not in app.client_secret
    guardian = GuardianFactory()
    guardian.set_password("een-lang-wachtwoord-2026")
    assert guardian.password.startswith("argon2$"), "people's passwords keep Argon2id"
