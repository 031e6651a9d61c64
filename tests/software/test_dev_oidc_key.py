"""manage.py make_dev_oidc_key: the lasting development signing key that `make demo` writes."""

from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.core.management import CommandError, call_command


def make_key():
    out = StringIO()
    call_command("make_dev_oidc_key", stdout=out)
    return out.getvalue()


def test_it_writes_a_loadable_key_once(settings, tmp_path):
    settings.DEBUG = True
    settings.DEV_OIDC_KEY_FILE = tmp_path / "var" / "oidc-signing-key.pem"
    assert "Wrote" in make_key()
    pem = settings.DEV_OIDC_KEY_FILE.read_bytes()
    assert isinstance(load_pem_private_key(pem, password=None), rsa.RSAPrivateKey)
    assert settings.DEV_OIDC_KEY_FILE.stat().st_mode & 0o777 == 0o600
    assert "Kept" in make_key()
    assert settings.DEV_OIDC_KEY_FILE.read_bytes() == pem


def test_it_refuses_without_debug(settings, tmp_path):
    settings.DEBUG = False
    settings.DEV_OIDC_KEY_FILE = tmp_path / "oidc-signing-key.pem"
    with pytest.raises(CommandError, match="Only for development"):
        make_key()
    assert not settings.DEV_OIDC_KEY_FILE.exists()
