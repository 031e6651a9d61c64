"""ASVS 3.4 / 14.4: CSP with nonces, HSTS, nosniff, Referrer-Policy, COOP on every page;
cookies Secure + HttpOnly + SameSite with the __Host- prefix on HTTPS."""

import re

import pytest
from django.test import Client

from homelogin.services import issue_home_code

PAGES = ["/", "/klas/", "/thuis/", "/thuis/code/", "/thuis/vergeten/", "/leerkracht/inloggen/",
         "/bestaat-niet/", "/health/", "/.well-known/openid-configuration", "/beheer/login/"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_security_headers(client, db, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_a_redirect_carries_the_other_headers_but_no_policy(client, db):
    """A browser shows nothing of a redirect, so it needs no Content-Security-Policy (building
    one cost every PIN login); the page it leads to has its own."""
    response = client.get("/leerkracht/")
    assert response.status_code == 302 and "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff" and response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in client.get(response["Location"])["Content-Security-Policy"]


def test_scripts_carry_the_nonce_of_the_header(client, db):
    response = client.get("/thuis/code/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in response.content.decode()
    assert client.get("/thuis/code/")["Content-Security-Policy"] != response["Content-Security-Policy"]


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
    return Client()


def test_plain_http_is_sent_to_https_with_hsts(https, db):
    assert Client().get("/thuis/").status_code == 301
    assert "max-age=63072000" in https.get("/thuis/", secure=True)["Strict-Transport-Security"]


def test_cookies_on_https_are_host_prefixed_secure_httponly_samesite(https, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    https.get("/thuis/code/", secure=True)
    response = https.post("/thuis/code/", {"code": issue_home_code(pupil=pupil)}, secure=True)
    device = response.cookies["__Host-bp_thuis"]
    assert device["secure"] and device["httponly"] and device["samesite"] == "Lax"
    assert device["path"] == "/" and not device["domain"]
    csrf = https.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    https.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": "1357"}, secure=True)
    session = https.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
