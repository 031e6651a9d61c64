"""A real OpenID Certified relying party (openid-client 6 on Node.js, tests/rp/) against the live
test server, with a pupil in Chromium: login started at the publisher, prompt=none with and
without a session, max_age, an unlicensed pupil's access_denied (with iss), refresh, and
RP-initiated logout. openid-client checks everything a strict publisher checks: discovery,
iss on every authorization response (RFC 9207), PKCE, the ID token's signature, nonce, at_hash,
auth_time against max_age, and userinfo's sub.

The relying party installs itself (`npm ci` in tests/rp/) the first time it is needed; only a
machine without Node.js skips these tests."""

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from oauth2_provider.models import Application
from playwright.sync_api import expect

from pupils.models import Pupil
from software.models import Licence, Software
from tests.factories import PublisherFactory

RP_DIR = Path(__file__).resolve().parent.parent / "rp"
SECRET = "certified-rp-secret-0123456789-abcdef"


@pytest.fixture(scope="session")
def node():
    # A missing Node.js fails, as a missing Chromium does: a skipped certified client proves
    # nothing, and CI must not pass without it.
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("Node.js (node and npm, version 20 or later) is not installed: the certified "
                    "relying party (openid-client) cannot run")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    if int(version.strip().lstrip("v").split(".")[0]) < 20:
        pytest.fail(f"Node.js {version.strip()} is too old for openid-client 6: it needs 20 or later")
    installed = RP_DIR / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (RP_DIR / "package-lock.json").stat().st_mtime:
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=RP_DIR,
                       check=True, timeout=300)
    return node


@pytest.fixture
def world(live_server, settings):
    settings.SITE_URL = live_server.url
    # The test server speaks plain HTTP, so the relying party's redirect URIs are http:// too.
    settings.OAUTH2_PROVIDER = {**django_settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url,
                                "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    return Pupil.objects.get(external_id="demo-5a-01")  # Emma, Groep 5a, PIN 1357


@pytest.fixture
def start_rp(node, world, live_server):
    """Start the relying party for a new software title; licensed to Emma's school or not."""
    processes = []

    def start(*, licensed=True, auth="basic"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        application = Application.objects.create(
            name="Certified RP", client_id=f"certified-rp-{port}", client_secret=SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL, redirect_uris=f"{base}/cb",
            post_logout_redirect_uris=f"{base}/loggedout",
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM)
        software = Software.objects.create(
            publisher=PublisherFactory(), name="Rekenlab", slug=f"rekenlab-{port}",
            launch_url=f"{base}/login", application=application)
        if licensed:
            Licence.objects.create(school=world.school, software=software, shares_first_name=True)
        process = subprocess.Popen(
            [node, "rp.mjs", live_server.url, application.client_id, SECRET, str(port), auth],
            cwd=RP_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        line = process.stdout.readline()
        assert line.startswith("ready"), line + process.stdout.read()
        return base

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def answer(page):
    """The relying party's JSON answer on the page the browser ended on."""
    page.wait_for_url("http://127.0.0.1:*/**")
    return json.loads(page.locator("body").inner_text())


def connect_classroom(page):
    page.goto("/leerkracht/inloggen/?next=/klas/")
    page.get_by_label("Gebruikersnaam").fill("leerkracht")
    page.get_by_label("Wachtwoord").fill("basispoort-demo")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("button", name="Dit apparaat gebruiken voor Groep 5a").click()


def emma_types_her_pin(page):
    page.get_by_role("link", name="Emma").click()
    page.get_by_label("Je wachtwoord (4 cijfers)").fill("1357")


def log_in_at_the_publisher(page, rp):
    """No Basispoort session: the publisher's login leads to the tiles, and after the PIN on
    to the publisher."""
    connect_classroom(page)
    page.goto(f"{rp}/login")
    expect(page).to_have_url(re.compile(r"/klas/$"))
    emma_types_her_pin(page)
    return answer(page)


def test_a_login_started_at_the_publisher_ends_there(page, start_rp, world):
    rp = start_rp()
    result = log_in_at_the_publisher(page, rp)
    assert result["ok"], result
    claims = result["claims"]
    assert claims["given_name"] == "Emma" and claims["group"] == "Groep 5a"
    assert result["userinfo"]["sub"] == claims["sub"] and "auth_time" in claims
    page.goto(f"{rp}/refresh")
    refreshed = answer(page)
    assert refreshed["ok"], refreshed
    assert refreshed["claims"]["sub"] == claims["sub"]
    assert refreshed["claims"]["auth_time"] == claims["auth_time"]


def test_scope_openid_profile_and_client_secret_post(page, start_rp, world):
    rp = start_rp(auth="post")
    connect_classroom(page)
    page.goto(f"{rp}/login?scope=openid+profile")
    emma_types_her_pin(page)
    result = answer(page)
    assert result["ok"], result
    assert result["scope"] == "openid profile"


def test_prompt_none_without_a_session_is_login_required(page, start_rp, world):
    rp = start_rp()
    page.goto(f"{rp}/login?prompt=none")
    result = answer(page)
    assert not result["ok"]
    assert (result["name"], result["error"]) == ("AuthorizationResponseError", "login_required"), result


def test_prompt_none_with_a_session_logs_in_silently(page, start_rp, world):
    rp = start_rp()
    assert log_in_at_the_publisher(page, rp)["ok"]
    page.goto(f"{rp}/login?prompt=none")
    result = answer(page)
    assert result["ok"], result


def test_max_age_asks_for_the_pin_again(page, start_rp, world, live_server):
    rp = start_rp()
    assert log_in_at_the_publisher(page, rp)["ok"]
    page.goto(f"{rp}/login?prompt=none&max_age=0")
    assert answer(page)["error"] == "login_required"
    page.goto(f"{rp}/login?max_age=0")
    expect(page).to_have_url(f"{live_server.url}/klas/")
    emma_types_her_pin(page)
    result = answer(page)
    assert result["ok"], result  # openid-client checked auth_time against max_age


def test_an_unlicensed_pupil_gets_access_denied_with_iss(page, start_rp, world, assert_accessible):
    rp = start_rp(licensed=False)
    connect_classroom(page)
    page.goto(f"{rp}/login")
    emma_types_her_pin(page)
    expect(page.get_by_role("heading", name="Dit programma kun je hier niet gebruiken")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Terug naar het programma").click()
    result = answer(page)
    # Not "iss missing": openid-client accepted the response and reports the error itself.
    assert (result["name"], result["error"]) == ("AuthorizationResponseError", "access_denied"), result


def test_logout_at_the_publisher_ends_the_basispoort_session(page, start_rp, world, live_server):
    rp = start_rp()
    assert log_in_at_the_publisher(page, rp)["ok"]
    page.goto(f"{rp}/logout")
    result = answer(page)
    assert result == {"ok": True, "state": "tot-ziens"}
    page.goto(f"{live_server.url}/overzicht/")
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{rp}/refresh")
    assert not answer(page)["ok"]  # the tokens ended with the session
