"""Key rotation that completes: under SECRET_HASH_KEYS=k2,k1 every secret moves to k2 at its next
use, so k1 can be removed without throwing a single family out; rehash_secrets --report tells an
operator when that moment has come."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from homelogin.models import DeviceGrant, HomeLoginCode
from homelogin.services import issue_home_code
from tests.factories import PupilFactory

K1 = "k1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
K2 = "k2:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="


@pytest.fixture
def emma(db, settings):
    settings.SECRET_HASH_KEYS = K1
    return PupilFactory(first_name="Emma", pin="1357", home_login_enabled=True)


def test_a_home_code_entered_after_rotation_survives_removing_the_old_key(emma, settings):
    code = issue_home_code(pupil=emma)
    settings.SECRET_HASH_KEYS = f"{K2},{K1}"
    assert Client().post("/thuis/code/", {"code": code}).status_code == 302
    assert HomeLoginCode.objects.get().verifier_hash.startswith("hmac-sha256$k2$")

    settings.SECRET_HASH_KEYS = K2  # the old key is gone
    another_device = Client()
    assert another_device.post("/thuis/code/", {"code": code}).status_code == 302
    assert "Emma" in another_device.get("/thuis/apparaat/").content.decode()


def test_a_device_used_after_rotation_survives_removing_the_old_key(emma, settings, client):
    client.post("/thuis/code/", {"code": issue_home_code(pupil=emma)})
    settings.SECRET_HASH_KEYS = f"{K2},{K1}"
    assert "Emma" in client.get("/thuis/apparaat/").content.decode()
    assert DeviceGrant.objects.get().token_hash.startswith("hmac-sha256$k2$")
    client.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})  # a school day at home
    client.post("/uitloggen/")

    settings.SECRET_HASH_KEYS = K2
    assert "Emma" in client.get("/thuis/apparaat/").content.decode()
    response = client.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"


def test_a_wrong_code_rehashes_nothing(emma, settings):
    code = issue_home_code(pupil=emma)
    settings.SECRET_HASH_KEYS = f"{K2},{K1}"
    wrong = code[:5] + ("2222-2222" if code[5:] != "2222-2222" else "3333-3333")
    assert Client().post("/thuis/code/", {"code": wrong}).status_code == 403
    assert HomeLoginCode.objects.get().verifier_hash.startswith("hmac-sha256$k1$")


def report():
    out = StringIO()
    call_command("rehash_secrets", "--report", stdout=out)
    return out.getvalue()


def test_the_report_counts_each_kind_of_secret_per_key(emma, settings, group):
    PupilFactory(group=group, pictures=["hond", "appel", "fiets"])
    Client().post("/thuis/code/", {"code": issue_home_code(pupil=emma)})
    settings.SECRET_HASH_KEYS = f"{K2},{K1}"
    PupilFactory(group=group, pin="2468")  # made under the new key

    lines = report().splitlines()
    assert "PIN: k2 1, k1 1" in lines
    assert "picture password: k1 1" in lines
    assert "home login code: k1 1" in lines
    assert "device token: k1 1" in lines
    assert "4 secrets still use an older key than k2; keep k1 in SECRET_HASH_KEYS." in lines


def test_the_report_says_when_the_old_key_can_go(emma, settings, client):
    issue_home_code(pupil=emma)  # under k1, and revoked below: it never works again
    settings.SECRET_HASH_KEYS = f"{K2},{K1}"
    client.post("/thuis/code/", {"code": issue_home_code(pupil=emma)})
    client.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})  # the PIN moves to k2
    assert HomeLoginCode.objects.filter(verifier_hash__contains="$k1$").count() == 1
    output = report()
    assert "PIN: k2 1" in output and "device token: k2 1" in output
    assert "Every secret uses k2: k1 can be removed from SECRET_HASH_KEYS." in output


def test_the_report_names_secrets_under_a_key_that_is_no_longer_configured(emma, settings):
    settings.SECRET_HASH_KEYS = K2
    assert "PIN: k1 1 (not in SECRET_HASH_KEYS: these no longer work)" in report().splitlines()


def test_the_command_changes_nothing_without_report(emma):
    with pytest.raises(Exception, match="--report"):
        call_command("rehash_secrets", stdout=StringIO(), stderr=StringIO())
