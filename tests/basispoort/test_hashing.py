import pytest

from basispoort.hashing import check_secret_hash, make_secret_hash, needs_rehash

KEY_A = "a1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
KEY_B = "b2:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI="


def test_a_hash_verifies_its_own_value_only(settings):
    settings.SECRET_HASH_KEYS = KEY_A
    stored = make_secret_hash("1357", purpose="pin")
    assert "1357" not in stored
    assert check_secret_hash("1357", stored, purpose="pin")
    assert not check_secret_hash("1358", stored, purpose="pin")
    # A PIN hash is no good as another kind of secret.
    assert not check_secret_hash("1357", stored, purpose="home-code")


def test_equal_pins_get_different_hashes(settings):
    settings.SECRET_HASH_KEYS = KEY_A
    assert make_secret_hash("1357", purpose="pin") != make_secret_hash("1357", purpose="pin")


def test_stolen_database_alone_cannot_check_a_pin(settings):
    settings.SECRET_HASH_KEYS = KEY_A
    stored = make_secret_hash("1357", purpose="pin")
    # The thief has the stored value but guesses the key: all 10,000 PINs fail.
    settings.SECRET_HASH_KEYS = "a1:" + "Wld6WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="
    assert not any(
        check_secret_hash(f"{n:04d}", stored, purpose="pin") for n in range(10000)
    )


def test_old_key_still_verifies_after_rotation_and_asks_for_rehash(settings):
    settings.SECRET_HASH_KEYS = KEY_A
    stored = make_secret_hash("1357", purpose="pin")
    settings.SECRET_HASH_KEYS = f"{KEY_B},{KEY_A}"
    assert check_secret_hash("1357", stored, purpose="pin")
    assert needs_rehash(stored)
    assert not needs_rehash(make_secret_hash("1357", purpose="pin"))


@pytest.mark.parametrize("garbage", ["", None, "1357", "md5$x$y", "hmac-sha256$zz$salt$00"])
def test_malformed_stored_values_never_verify(settings, garbage):
    settings.SECRET_HASH_KEYS = KEY_A
    assert not check_secret_hash("1357", garbage, purpose="pin")


def test_after_a_key_rotation_pins_and_devices_keep_working(settings, client, db):
    from homelogin.services import issue_home_code
    from tests.factories import PupilFactory

    settings.SECRET_HASH_KEYS = KEY_A
    emma = PupilFactory(first_name="Emma", pin="1357", home_login_enabled=True)
    client.post("/thuis/code/", {"code": issue_home_code(pupil=emma)})

    settings.SECRET_HASH_KEYS = f"{KEY_B},{KEY_A}"  # new key first, old key still verifies
    assert "Emma" in client.get("/thuis/apparaat/").content.decode()
    response = client.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})
    assert response["Location"] == "/overzicht/"
    emma.refresh_from_db()
    assert emma.secret_hash.startswith("hmac-sha256$b2$"), "re-hashed under the new key"

    settings.SECRET_HASH_KEYS = KEY_B  # old key retired: the PIN still works
    assert emma.check_secret("1357")
