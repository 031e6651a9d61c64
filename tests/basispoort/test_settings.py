"""Settings are read from the environment; each case starts a fresh interpreter so the module
is parsed exactly as in production."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
def _signing_key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode().replace("\n", "\\n")  # one line, as in an environment file


PROD_ENV = {
    "OIDC_RSA_PRIVATE_KEY": _signing_key(),
    "SECRET_KEY": "x7#kq-production-like-secret-key-with-enough-entropy-2026-abcdefgh",
    "SECRET_HASH_KEYS": "k2:cHJvZHVjdGlvbi1saWtlLWtleWVkLWhhc2gta2V5IQ==",
    "ALLOWED_HOSTS": "basispoort.example",
}
PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DATABASE": settings.DATABASES["default"],
    "CACHE": settings.CACHES["default"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_FILE_PATH": settings.EMAIL_FILE_PATH,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "HASHER": settings.PASSWORD_HASHERS[0],
    "STATIC": settings.STORAGES["staticfiles"]["BACKEND"],
    "SITE_URL": settings.SITE_URL,
    "EMAIL_TIMEOUT": settings.EMAIL_TIMEOUT,
}, default=str))
"""


def run(args, env):
    clean = {k: v for k, v in os.environ.items() if k not in (
        "SECRET_KEY", "SECRET_HASH_KEYS", "DJANGO_DEBUG", "DJANGO_SECURE", "ALLOWED_HOSTS",
        "DATABASE_URL", "CACHE_URL", "EMAIL_URL", "EMAIL_FILE_PATH", "SITE_URL",
        "DJANGO_ALLOW_ASYNC_UNSAFE",  # set for the browser tests; check --deploy warns about it
        "DEMO_PUBLISHER", "OIDC_RSA_PRIVATE_KEY", "OIDC_RSA_PRIVATE_KEY_FILE",
    )}
    clean["DJANGO_SETTINGS_MODULE"] = "basispoort.settings"
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )


def settings_with(env):
    result = run(["-c", PRINT_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_by_default_and_production_switches_are_on():
    s = settings_with(PROD_ENV)
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] is True
    assert s["HASHER"] == "basispoort.hashers.Argon2idHasher"
    assert s["STATIC"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_embedded_defaults_need_nothing_installed():
    s = settings_with({"DJANGO_DEBUG": "1"})
    assert s["DATABASE"]["ENGINE"] == "django.db.backends.sqlite3"
    assert s["DATABASE"]["NAME"].endswith("var/basispoort.sqlite3")
    assert s["CACHE"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SECRET_HASH_KEYS"])
def test_missing_secret_with_debug_off_is_a_clear_error(missing):
    env = {k: v for k, v in PROD_ENV.items() if k != missing}
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set when DJANGO_DEBUG is off" in result.stderr


def test_malformed_hash_keys_are_a_clear_error():
    result = run(["-c", "import django; django.setup()"],
                 {**PROD_ENV, "SECRET_HASH_KEYS": "just-a-password"})
    assert result.returncode != 0
    assert "SECRET_HASH_KEYS must look like 'id:base64key" in result.stderr


def test_production_services_come_from_urls():
    s = settings_with({
        **PROD_ENV,
        "DATABASE_URL": "postgres://basispoort:geheim@db.internal:5432/basispoort",
        "CACHE_URL": "redis://cache.internal:6379/1",
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": "/srv/mail",
        "SITE_URL": "https://thuis.basispoort.example/",
    })
    assert s["DATABASE"]["ENGINE"] == "django.db.backends.postgresql"
    assert s["DATABASE"]["HOST"] == "db.internal"
    assert s["DATABASE"]["CONN_MAX_AGE"] == 60
    assert s["DATABASE"]["CONN_HEALTH_CHECKS"] is False  # no extra round trip per request
    # Client-side binding: an import's long lists of keys fit in one statement.
    assert "server_side_binding" not in s["DATABASE"].get("OPTIONS", {})
    # Redis behind a circuit breaker, with timeouts short enough that a hanging Redis costs
    # each server half a second, not every request (basispoort/cache.py).
    assert s["CACHE"]["BACKEND"] == "basispoort.cache.FailoverRedisCache"
    assert s["CACHE"]["LOCATION"] == "redis://cache.internal:6379/1"
    assert s["CACHE"]["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    # A mail server that hangs must not hold a teacher's request until gunicorn kills it.
    assert s["EMAIL_TIMEOUT"] == 10
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert s["EMAIL_FILE_PATH"] == "/srv/mail"
    assert s["SITE_URL"] == "https://thuis.basispoort.example"


def test_check_deploy_warns_about_a_development_signing_key():
    result = run(["manage.py", "check", "--deploy"], {"DJANGO_DEBUG": "1"})
    assert "software.W001" in result.stderr + result.stdout


def test_a_missing_signing_key_with_debug_off_is_a_clear_error():
    env = {k: v for k, v in PROD_ENV.items() if k != "OIDC_RSA_PRIVATE_KEY"}
    result = run(["-c", "import django; django.setup()"], env)
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_the_signing_key_can_come_from_a_file():
    env = {k: v for k, v in PROD_ENV.items() if k != "OIDC_RSA_PRIVATE_KEY"}
    s = settings_with({**env, "OIDC_RSA_PRIVATE_KEY_FILE": "tests/data/oidc-test-only-key.pem"})
    assert s["DEBUG"] is False


@pytest.mark.parametrize("key", [
    "not a key", "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----",
])
def test_a_malformed_signing_key_is_a_clear_error(key):
    result = run(["-c", "import django; django.setup()"], {**PROD_ENV, "OIDC_RSA_PRIVATE_KEY": key})
    assert result.returncode != 0
    assert "OIDC_RSA_PRIVATE_KEY is not an unencrypted PEM private key" in result.stderr


@pytest.mark.parametrize(("name", "value"), [
    ("DJANGO_SECURE", "ture"), ("DJANGO_DEBUG", "yes please"), ("DEMO_PUBLISHER", "2"),
    ("TASKS_IN_PROCESS_WORKER", "ture"),
])
def test_a_mistyped_yes_no_setting_is_a_clear_error(name, value):
    result = run(["-c", "import django; django.setup()"], {**PROD_ENV, name: value})
    assert result.returncode != 0
    assert f"{name}={value!r} is not a yes/no value" in result.stderr


@pytest.mark.parametrize(("name", "value"), [
    ("STAFF_SESSION_IDLE", "30m"), ("TRUSTED_PROXY_COUNT", "een"), ("EMAIL_TIMEOUT", "10s"),
])
def test_a_malformed_number_setting_names_the_setting(name, value):
    result = run(["-c", "import django; django.setup()"], {**PROD_ENV, name: value})
    assert result.returncode != 0
    assert f"{name}={value!r} is not a" in result.stderr


@pytest.mark.parametrize(("value", "secure"), [("0", False), ("off", False), ("TRUE", True), ("", True)])
def test_yes_no_settings_read_the_usual_spellings(value, secure):
    assert settings_with({**PROD_ENV, "DJANGO_SECURE": value})["SESSION_COOKIE_SECURE"] is secure


NO_WRITES = """
import builtins, os, pathlib
real_open = builtins.open
def guarded_open(file, mode="r", *args, **kwargs):
    if any(flag in mode for flag in "wax+"):
        raise AssertionError(f"settings wrote {file}")
    return real_open(file, mode, *args, **kwargs)
def no_mkdir(*args, **kwargs):
    raise AssertionError(f"settings made a folder {args}")
builtins.open = guarded_open
os.mkdir = os.makedirs = pathlib.Path.mkdir = no_mkdir
import django
django.setup()
print("ok")
"""


@pytest.mark.parametrize("env", [{"DJANGO_DEBUG": "1"}, PROD_ENV])
def test_importing_the_settings_writes_nothing(env):
    result = run(["-c", NO_WRITES], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_check_deploy_is_clean_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PROD_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_manage_py_on_a_bare_laptop_runs_in_development_mode():
    result = run(["manage.py", "check"], {})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_manage_py_with_a_production_secret_stays_in_production_mode():
    result = run(["manage.py", "check"], {"SECRET_KEY": PROD_ENV["SECRET_KEY"]})
    assert result.returncode != 0
    assert "SECRET_HASH_KEYS must be set when DJANGO_DEBUG is off" in result.stderr
