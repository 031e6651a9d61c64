"""Load scenarios for Basispoort (locust, headless). bench/run.py runs them one after another
against one gunicorn on 127.0.0.1; see README.md, "Benchmarks".

Environment (set by bench/run.py):
  BENCH_DATA   the JSON written by bench/make_dataset.py (groups, PINs, codes, guardians, client)
  BENCH_STATE  classroom device cookies and teacher sessions prepared before the run
  BENCH_CPU_OUT  where to write the measuring window and its CPU seconds (optional)
  BENCH_GUNICORN_PID, BENCH_DB_NAME  whose CPU to count (optional)
  BENCH_THINK_S  seconds between tasks (default 0: every client sends its next request at once)

Every scenario sends only correct secrets (django-axes locks an account after 10 failures),
each home login code at most CODE_MAX_USES times, and counts any status or page other than the
expected one as a failure. Request names starting with "setup:" are not part of a scenario's
figures.
"""

import base64
import hashlib
import itertools
import json
import os
import random
import re
import secrets
import time
from http.cookiejar import Cookie
from urllib.parse import parse_qs, urlencode, urlparse

import gevent
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

from bench import cpu

DATA = json.load(open(os.environ["BENCH_DATA"])) if os.environ.get("BENCH_DATA") else {}
STATE = json.load(open(os.environ["BENCH_STATE"])) if os.environ.get("BENCH_STATE") else {}
THINK = float(os.environ.get("BENCH_THINK_S", "0"))
CODE_MAX_USES = 3
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
GROUPS = {g["id"]: g for g in DATA.get("groups", [])}
OIDC = DATA.get("oidc", {})

# Shared by all users of this process: which device/teacher/code/guardian comes next.
_classroom_seq = itertools.count()
_teacher_seq = itertools.count()
_codes = itertools.chain.from_iterable(itertools.repeat(DATA.get("home_codes", []), CODE_MAX_USES))
_guardians = itertools.cycle(DATA.get("guardians", []) or [None])


# The measuring window: from the end of ramp-up (when locust resets its statistics) to the stop,
# with the CPU seconds of the server's processes sampled twice a second.
_window = {}


def _sample_forever(tracker):
    while True:
        gevent.sleep(0.5)
        tracker.sample()


@events.spawning_complete.add_listener
def _window_start(user_count, **_kwargs):
    pid = os.environ.get("BENCH_GUNICORN_PID")
    tracker = cpu.Tracker(int(pid) if pid else None, os.environ.get("BENCH_DB_NAME") or None)
    tracker.sample()
    _window.update(start=time.time(), users=user_count, tracker=tracker,
                   sampler=gevent.spawn(_sample_forever, tracker))


@events.test_stopping.add_listener
def _window_end(**_kwargs):
    if "start" not in _window or "end" in _window:
        return
    _window["end"] = time.time()
    _window["sampler"].kill()
    _window["tracker"].sample()
    out = os.environ.get("BENCH_CPU_OUT")
    if out:
        with open(out, "w") as f:
            json.dump({"seconds": _window["end"] - _window["start"], "users": _window["users"],
                       "cpu": _window["tracker"].result(), "loadavg": os.getloadavg()}, f)


class BasispoortUser(FastHttpUser):
    abstract = True
    wait_time = constant(THINK)

    # Helpers: one request, checked; a failure is recorded and the flow stops (returns None).

    def _request(self, method, url, name, *, expect=200, location=None, contains=None, **kwargs):
        with self.client.request(method, url, name=name, catch_response=True,
                                 allow_redirects=False, **kwargs) as response:
            if response.status_code != expect:
                response.failure(f"status {response.status_code}, expected {expect}")
                return None
            if location is not None:
                target = response.headers.get("Location", "")
                if not target.startswith(location):
                    response.failure(f"redirect to {target[:80]!r}, expected {location!r}")
                    return None
            if contains is not None and contains not in (response.text or ""):
                response.failure(f"page without {contains!r}")
                return None
            response.success()
            return response

    def get(self, url, name, **kwargs):
        return self._request("GET", url, name, **kwargs)

    def post(self, url, name, data, **kwargs):
        return self._request("POST", url, name, data=data, **kwargs)

    @staticmethod
    def csrf(response):
        match = CSRF_RE.search(response.text or "")
        return match.group(1) if match else ""

    def set_cookie(self, name, value):
        host = urlparse(self.host).hostname
        self.client.cookiejar.set_cookie(Cookie(
            0, name, value, None, False, host, False, False, "/", True, False, None, False, None,
            None, {},
        ))

    # Building blocks of the flows.

    def use_classroom(self):
        """This client becomes a classroom device of one PIN group (a prepared bp_klas cookie)."""
        devices = STATE["classrooms"]
        device = devices[next(_classroom_seq) % len(devices)]
        self.set_cookie("bp_klas", device["cookie"])
        self.classroom_group = GROUPS[device["group"]]
        pupils = self.classroom_group["pupils"]
        offset = random.randrange(len(pupils))
        self.pupils = itertools.cycle(pupils[offset:] + pupils[:offset])

    def tile_page(self, name="tile page"):
        return self.get("/klas/", name, contains="/klas/leerling/")

    def pin_login(self, prefix=""):
        """Tile click → PIN pad → POST the right PIN → overview. Returns the overview response."""
        pupil_id, pin = next(self.pupils)
        pad = self.get(f"/klas/leerling/{pupil_id}/", f"{prefix}PIN pad", contains='name="pin"')
        if pad is None:
            return None
        done = self.post(f"/klas/leerling/{pupil_id}/", f"{prefix}PIN login POST",
                         {"csrfmiddlewaretoken": self.csrf(pad), "pin": pin},
                         expect=302, location="/overzicht/")
        if done is None:
            return None
        return self.get("/overzicht/", f"{prefix}overview", contains="/software/")

    def logout(self, overview):
        self.post("/uitloggen/", "logout", {"csrfmiddlewaretoken": self.csrf(overview)},
                  expect=302, location="/klas/")

    def sso(self):
        """The software tile → the publisher → /o/authorize/ (PKCE S256) → the publisher
        exchanges the code at /o/token/ (client secret + verifier) for an ID token."""
        if self.get(f"/software/{OIDC['software']}/start/", "SSO launch", expect=302,
                    location="https://bench.example/") is None:
            return
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state = secrets.token_urlsafe(8)
        query = urlencode({
            "response_type": "code", "client_id": OIDC["client_id"],
            "redirect_uri": OIDC["redirect_uri"], "scope": "openid", "state": state,
            "nonce": secrets.token_urlsafe(8), "code_challenge": challenge,
            "code_challenge_method": "S256",
        })
        authorized = self.get(f"/o/authorize/?{query}", "SSO authorize", expect=302,
                              location=OIDC["redirect_uri"])
        if authorized is None:
            return
        params = parse_qs(urlparse(authorized.headers["Location"]).query)
        with self.client.post("/o/token/", name="SSO token exchange", catch_response=True,
                              allow_redirects=False, data={
                                  "grant_type": "authorization_code", "code": params["code"][0],
                                  "redirect_uri": OIDC["redirect_uri"],
                                  "client_id": OIDC["client_id"],
                                  "client_secret": OIDC["client_secret"],
                                  "code_verifier": verifier}) as response:
            try:
                ok = response.status_code == 200 and "id_token" in response.json()
            except ValueError:
                ok = False
            if ok and params.get("state") == [state]:
                response.success()
            else:
                response.failure(f"token exchange: status {response.status_code}")

    def home_code(self):
        """A new device types a pupil's home login code, then sees that pupil's tile."""
        code = next(_codes, None)
        if code is None:
            raise StopUser()  # every code used CODE_MAX_USES times: stop rather than reuse more
        self.client.cookiejar.clear()
        form = self.get("/thuis/code/", "home code form", contains="csrfmiddlewaretoken")
        if form is None:
            return
        if self.post("/thuis/code/", "home code POST",
                     {"csrfmiddlewaretoken": self.csrf(form), "code": code},
                     expect=302, location="/thuis/apparaat/") is None:
            return
        self.get("/thuis/apparaat/", "home device tiles", contains="/thuis/apparaat/leerling/")

    def parent_login(self, *, then_children=True):
        """A parent logs in with e-mail and password; then (in the storm) sees the children and
        logs out."""
        email = next(_guardians)
        self.client.cookiejar.clear()
        form = self.get("/thuis/", "parent login form", contains='name="password"')
        if form is None:
            return
        if self.post("/thuis/", "parent login POST",
                     {"csrfmiddlewaretoken": self.csrf(form), "username": email,
                      "password": DATA["guardian_password"]},
                     expect=302, location="/thuis/kinderen/") is None or not then_children:
            return
        children = self.get("/thuis/kinderen/", "parent children page", contains="/thuis/uitloggen/")
        if children is not None:
            self.post("/thuis/uitloggen/", "parent logout",
                      {"csrfmiddlewaretoken": self.csrf(children)}, expect=302, location="/thuis/")

    def use_teacher_session(self):
        sessions = STATE["teachers"]
        session = sessions[next(_teacher_seq) % len(sessions)]
        self.set_cookie("sessionid", session["sessionid"])
        self.teacher_group = session["group"]

    def group_page(self):
        self.get(f"/leerkracht/groep/{self.teacher_group}/", "teacher group page",
                 contains="/leerkracht/leerling/")


# One scenario per class; bench/run.py runs each alone, then the storm classes together.


class BarePage(BasispoortUser):
    """The same server's cheapest page (bench/urls.py): the yardstick for the ratios."""

    @task
    def bare(self):
        self.get("/bench/bare/", "bare page", contains="ok")


class TilePage(BasispoortUser):
    """A classroom device shows its group's name tiles."""

    def on_start(self):
        self.use_classroom()

    @task
    def tiles(self):
        self.tile_page()


class PinLogin(BasispoortUser):
    """Tile page → tile → PIN → overview → log out, pupil after pupil on one classroom device."""

    def on_start(self):
        self.use_classroom()

    @task
    def login(self):
        if self.tile_page() is None:
            return
        overview = self.pin_login()
        if overview is not None:
            self.logout(overview)


class Overview(BasispoortUser):
    """A logged-in pupil's software overview."""

    def on_start(self):
        self.use_classroom()
        if self.pin_login(prefix="setup: ") is None:
            raise StopUser()

    @task
    def overview(self):
        self.get("/overzicht/", "overview", contains="/software/")


class HomeCode(BasispoortUser):
    """Home login code verification on a new device."""

    @task
    def code(self):
        self.home_code()


class ParentLogin(BasispoortUser):
    """Parent e-mail + password (Argon2) login: the form, then the POST (a new browser each
    time). The storm's parents also open the children page and log out."""

    @task
    def login(self):
        self.parent_login(then_children=False)


class TeacherGroup(BasispoortUser):
    """A logged-in teacher's group page (pupils, codes, parents, locks)."""

    def on_start(self):
        self.use_teacher_session()

    @task
    def group(self):
        self.group_page()


class Sso(BasispoortUser):
    """A logged-in pupil opens a publisher's software: launch, authorize, token exchange."""

    def on_start(self):
        self.use_classroom()
        if self.pin_login(prefix="setup: ") is None:
            raise StopUser()

    @task
    def sso_round(self):
        self.sso()


# The 08:30 storm: mostly classroom devices (tiles, PIN, overview, half of them open a
# program through SSO, log out), some teachers, a few home devices and parents.


class StormClassroom(BasispoortUser):
    weight = 52

    def on_start(self):
        self.use_classroom()

    @task
    def pupil(self):
        if self.tile_page() is None:
            return
        overview = self.pin_login()
        if overview is None:
            return
        if random.random() < 0.5:
            self.sso()
        self.logout(overview)


class StormTeacher(BasispoortUser):
    weight = 4

    def on_start(self):
        self.use_teacher_session()

    @task
    def group(self):
        self.group_page()


class StormHomeCode(BasispoortUser):
    weight = 4

    @task
    def code(self):
        self.home_code()


class StormParent(BasispoortUser):
    weight = 2

    @task
    def login(self):
        self.parent_login()
