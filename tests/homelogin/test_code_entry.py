import re

import pytest
from axes.models import AccessAttempt
from django.http import HttpRequest

from homelogin.code_views import DEVICE_SALT, device_cookie_name
from homelogin.models import DeviceGrant, HomeLoginCode
from homelogin.services import issue_home_code
from tests.factories import PupilFactory


@pytest.fixture
def code(emma):
    return issue_home_code(pupil=emma)


def enter(client, code):
    return client.post("/thuis/code/", {"code": code})


def device_token(client):
    request = HttpRequest()
    request.COOKIES = {device_cookie_name(): client.cookies[device_cookie_name()].value}
    return request.get_signed_cookie(device_cookie_name(), salt=DEVICE_SALT)


def device_pupils(client):
    return list(DeviceGrant.objects.for_token(device_token(client)).visible_pupils())


def test_home_page_leads_to_the_code_page(client, db):
    home = client.get("/").content.decode()
    link = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*Ik heb een thuis login code', home)
    assert link, "the home page has no 'Ik heb een thuis login code' link"
    page = client.get(link.group(1)).content.decode()
    assert "Thuis login code" in page and "Verifiëren" in page


def test_it_sets_the_device_cookie(client, emma, code):
    response = enter(client, code)
    assert response.status_code == 302 and response["Location"] == "/thuis/apparaat/"
    cookie = response.cookies[device_cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"] > 30 * 86400
    assert code not in cookie.value
    assert device_pupils(client) == [emma]
    assert "_auth_user_id" not in client.session, "a code alone logs nobody in"


def test_the_cookie_holds_only_a_token_whose_hash_is_stored(client, code):
    enter(client, code)
    token = device_token(client)
    grant = DeviceGrant.objects.get()
    assert token not in grant.token_hash
    assert grant.token_hash == DeviceGrant.hash_token(token)


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {spaced} ", "{nodash}", "-{code}-"])
def test_typing_is_forgiving(client, code, typed):
    variants = {"code": code, "lower": code.lower(), "spaced": code.replace("-", " "),
                "nodash": code.replace("-", "")}
    assert enter(client, typed.format(**variants)).status_code == 302


def test_secure_cookie_gets_the_host_prefix(client, code, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = enter(client, code)
    cookie = response.cookies["__Host-bp_thuis"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_a_siblings_code_adds_to_the_same_device(client, emma, code):
    enter(client, code)
    sibling = PupilFactory(first_name="Daan", home_login_enabled=True)  # another school
    enter(client, issue_home_code(pupil=sibling))
    assert DeviceGrant.objects.count() == 1
    assert {p.first_name for p in device_pupils(client)} == {"Emma", "Daan"}


def test_wrong_verifier_is_refused_and_counted_against_the_ip_not_the_pupil(client, emma, code):
    selector = code.split("-")[0]
    response = enter(client, f"{selector}-2222-2222")
    assert response.status_code == 403
    assert "Deze code klopt niet" in response.content.decode()
    assert device_cookie_name() not in response.cookies
    assert AccessAttempt.objects.get().username == "code-ip:127.0.0.1"


def test_unknown_selector_counts_against_the_ip(client, code):
    response = enter(client, "ZZZZ-2222-2222" if not code.startswith("ZZZZ") else "YYYY-2222-2222")
    assert response.status_code == 403
    assert "Deze code klopt niet" in response.content.decode()
    assert AccessAttempt.objects.get().username == "code-ip:127.0.0.1"


def test_revoked_code_is_refused(client, emma, code):
    issue_home_code(pupil=emma)
    response = enter(client, code)
    assert response.status_code == 403
    assert not DeviceGrant.objects.exists()


def test_code_of_a_pupil_without_home_login_is_refused(client, emma, code):
    emma.home_login_enabled = False
    emma.save()
    response = enter(client, code)
    assert response.status_code == 403
    assert "niet aangezet door de school" in response.content.decode()
    assert not DeviceGrant.objects.exists()


@pytest.mark.parametrize("bad", ["", "abc", "K7QM-2XPA", "0000-0000-0000", "x" * 500])
def test_malformed_code_is_400_and_not_counted(client, db, bad):
    response = enter(client, bad)
    assert response.status_code == 400
    assert "12 tekens" in response.content.decode() or "Typ de code" in response.content.decode()
    assert not AccessAttempt.objects.exists()


def test_ten_wrong_verifiers_lock_the_ip_and_the_right_code_is_then_refused(client, emma, code,
                                                                            monkeypatch):
    selector = code.split("-")[0]
    for _ in range(10):
        response = enter(client, f"{selector}-2222-2222")
    assert response.status_code == 429
    assert "te vaak verkeerde codes" in response.content.decode()
    checked = []
    monkeypatch.setattr(HomeLoginCode, "check_verifier", lambda self, v: checked.append(v))
    response = enter(client, code)
    assert response.status_code == 429 and checked == []
    assert device_cookie_name() not in response.cookies


def test_ten_unknown_codes_lock_the_ip(client, db):
    for letter in "ABCDEFGHJK":
        response = enter(client, f"ZZZ{letter}-2222-2222")
    assert response.status_code == 429
    assert "te vaak verkeerde codes" in response.content.decode()


def test_a_correct_code_does_not_reset_the_ips_count(client, emma, code):
    # Otherwise one real code would buy an address endless guesses at every other code.
    selector = code.split("-")[0]
    for _ in range(9):
        enter(client, f"{selector}-2222-2222")
    assert enter(client, code).status_code == 302
    assert enter(client, f"{selector}-2222-2222").status_code == 429
