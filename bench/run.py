"""The whole benchmark, start to finish (bench/run.sh calls this).

    .venv/bin/python -m bench.run postgres [--duration 12] [--connections 8] [--workers 5] ...

1. the PostgreSQL database "bench" on 127.0.0.1:5432, dropped and created, with Redis
   127.0.0.1:6379 db 2 as the cache; migrate, the dataset (bench/make_dataset.py), VACUUM
   ANALYZE, collectstatic into a temporary directory;
2. gunicorn on 127.0.0.1:8765 with the project's gunicorn settings and production settings
   (DEBUG off, fresh keys, plain HTTP), plus the floor view (bench/urls.py);
3. classroom devices, teacher sessions and CSRF tokens prepared through the real pages;
4. each scenario alone: wrk (bench/requests.lua) for --warmup seconds unmeasured, then for
   --duration seconds while bench/cpu.py reads the server's CPU from /proc. A scenario in which
   other processes used more than --max-other of the machine is run again (up to --retries
   times; the quietest attempt counts);
5. the storm (tile page, PIN pad, PIN POST, overview per login) against this server, then
   against two gunicorn instances on two ports sharing the database and Redis;
6. the counting pass: one worker behind bench/wire.py's relays, each request sent alone,
   PostgreSQL round trips (BEGIN/COMMIT/SAVEPOINT included) and Redis commands counted;
7. the Argon2 bound (before and after the load), a cProfile of the PIN POST
   (bench/profile_pin.py), the EDEX-XML import (timed with /usr/bin/time);
8. bench/results-postgres.md and .json.

Traffic goes only to 127.0.0.1; every child process is bounded in time.
"""

import argparse
import base64
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import cpu, wire

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
HOST, PORT, PAIR_PORTS, COUNT_PORT = "127.0.0.1", 8765, (8766, 8767), 8768
PG_DB = "bench"
CORES = os.cpu_count()
TARGET_LOAD = 0.7  # sizing: cores busy at 70 %
STORM_RATES = (750, 1000)  # school logins per second, nationally, at 08:30

# key, what it is, accepted statuses
SCENARIOS = [
    ("floor", "floor: session + CSRF + one indexed query", "200"),
    ("tile", "tile page (classroom device)", "200"),
    ("pad", "PIN pad", "200"),
    ("pin", "PIN POST (correct PIN)", "302"),
    ("overview", "overview (just logged in)", "200"),
    ("parent", "parent login POST (e-mail + password, Argon2)", "302"),
    ("code", "home login code entry POST (new device)", "302"),
    ("teacher", "teacher group page", "200"),
]
LABELS = {key: label for key, label, _ in SCENARIOS}
LOGIN = ("tile", "pin", "overview")  # "a school login"
STORM_STEPS = ("tile", "pad", "pin", "overview")  # each login of the storm


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, env, *, timeout, check=True, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, timeout=timeout, check=check, **kwargs)


def fmt(value, digits=0, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


# Environment and database


def make_env(tmp):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL",
                                                                    "CACHE_URL", "WEB_CONCURRENCY"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",  # plain HTTP on the loopback interface
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRET_HASH_KEYS": "bench1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "OIDC_RSA_PRIVATE_KEY": key,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"http://{HOST}:{PORT}",
        "DEMO_PUBLISHER": "0",
        "EMAIL_URL": "consolemail://",
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Every simulated home device comes from 127.0.0.1, where real ones each have their own
        # address, and the scenario enters more codes per second than the site-wide limit
        # (100/s) lets through: a 429 costs less than an entry and would flatter the figure.
        "THROTTLE_HOME_CODE_IP": "1000000/h",
        "THROTTLE_HOME_CODE_SITE": "1000000/m",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{PG_DB}",
        "CACHE_URL": f"redis://{HOST}:6379/2",
    })
    return env


def reset_postgres(env):
    run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", PG_DB], env, timeout=60)
    run(["createdb", "-h", HOST, "-U", "postgres", PG_DB], env, timeout=60)
    run(["redis-cli", "-h", HOST, "-p", "6379", "-n", "2", "flushdb"], env, timeout=30,
        stdout=subprocess.DEVNULL)


def drop_postgres(env):
    run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", PG_DB], env, timeout=60,
        check=False)


# The servers


class Gunicorn:
    """One gunicorn (master + workers) with the project's gunicorn settings on ``port``."""

    def __init__(self, env, tmp, port, workers, name):
        import requests

        cmd = [str(VENV_BIN / "gunicorn"), "-c", "python:basispoort.gunicorn_conf",
               "basispoort.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(workers),
               "--log-level", "warning"]
        self.port, self.workers, self.log = port, workers, tmp / f"server-{name}.log"
        with open(self.log, "w") as out:  # gunicorn keeps its own descriptor
            self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if requests.get(f"http://{HOST}:{port}/health/", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def measure_argon2(env):
    return json.loads(run([sys.executable, "-m", "bench.argon2_bound", "--checks", "40"], env,
                          timeout=300, capture_output=True, text=True).stdout)


# Preparation through the real pages


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _base(port=PORT):
    return f"http://{HOST}:{port}"


def _teacher_session(username, password):
    import requests

    session = requests.Session()
    page = session.get(f"{_base()}/leerkracht/inloggen/", timeout=30)
    response = session.post(f"{_base()}/leerkracht/inloggen/", timeout=30, allow_redirects=False,
                            data={"csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
                                  "username": username, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"teacher login for {username} failed: {response.status_code}")
    return session


def prepare(data, devices, teachers):
    """Classroom devices for ``devices`` PIN groups spread over the schools, logged-in teachers
    of ``teachers`` other groups, sessions for the floor view, and one CSRF token."""
    import requests

    by_school = {}
    for group in data["groups"]:
        if group["year_level"] >= 4:
            by_school.setdefault(group["school_id"], []).append(group)
    ordered, lists = [], list(by_school.values())
    for i in range(max(len(v) for v in lists)):
        ordered += [v[i] for v in lists if i < len(v)]
    state = {"devices": [], "teachers": [], "floor": []}
    for group in ordered[:min(devices, len(ordered) - teachers)]:
        session = _teacher_session(group["teacher"], data["teacher_password"])
        setup = session.get(f"{_base()}/klas/", timeout=30)
        response = session.post(f"{_base()}/klas/instellen/", timeout=30, allow_redirects=False,
                                data={"csrfmiddlewaretoken": CSRF_RE.search(setup.text).group(1),
                                      "group": group["id"]})
        if response.status_code != 302 or "bp_klas" not in session.cookies:
            raise SystemExit(f"classroom set-up for group {group['id']} failed: {response.status_code}")
        pupil_id = group["pupils"][0][0]
        session.cookies.pop("sessionid", None)  # the teacher's, ended by the set-up
        pad = session.get(f"{_base()}/klas/leerling/{pupil_id}/", timeout=30)
        if pad.status_code != 200 or 'name="pin"' not in pad.text:
            raise SystemExit(f"PIN pad on the device of group {group['id']}: {pad.status_code}")
        state["devices"].append({"group": group["id"], "cookie": session.cookies["bp_klas"],
                                 "csrf": session.cookies["csrftoken"], "pupils": group["pupils"]})
    for group in ordered[-teachers:]:
        session = _teacher_session(group["teacher"], data["teacher_password"])
        state["teachers"].append({"group": group["id"], "sessionid": session.cookies["sessionid"],
                                  "csrf": session.cookies.get("csrftoken", "")})
    pupil_ids = [p[0] for d in state["devices"] for p in d["pupils"]]
    state["floor_pupils"] = pupil_ids
    for i in range(16):
        session = requests.Session()
        page = session.get(f"{_base()}/bench/floor/{pupil_ids[i]}/", timeout=30)
        if page.status_code != 200 or "sessionid" not in session.cookies:
            raise SystemExit(f"floor view: {page.status_code}")
        state["floor"].append({"sessionid": session.cookies["sessionid"],
                               "csrf": session.cookies["csrftoken"]})
    state["csrf"] = state["floor"][0]["csrf"]
    return state


# What each scenario sends: (method, path, Cookie header, form body), as a browser would.


def cookies(**values):
    return "; ".join(f"{k}={v}" for k, v in values.items() if v)


def pin_requests(state):
    """Every pupil of every prepared device, devices interleaved."""
    out = []
    width = max(len(d["pupils"]) for d in state["devices"])
    for j in range(width):
        for device in state["devices"]:
            if j < len(device["pupils"]):
                pupil_id, pin = device["pupils"][j]
                out.append((device, pupil_id, pin))
    return out


def device_cookie(device):
    return cookies(bp_klas=device["cookie"], csrftoken=device["csrf"])


def request_for(kind, state, data, i, sessions=None):
    """The ``i``-th request of a scenario."""
    device, pupil_id, pin = state["pins"][i % len(state["pins"])]
    if kind == "floor":
        floor = state["floor"][i % len(state["floor"])]
        pupils = state["floor_pupils"]
        return ("GET", f"/bench/floor/{pupils[i % len(pupils)]}/",
                cookies(sessionid=floor["sessionid"], csrftoken=floor["csrf"]), "")
    if kind == "tile":
        return "GET", "/klas/", device_cookie(device), ""
    if kind == "pad":
        return "GET", f"/klas/leerling/{pupil_id}/", device_cookie(device), ""
    if kind == "pin":
        return ("POST", f"/klas/leerling/{pupil_id}/", device_cookie(device),
                urlencode({"csrfmiddlewaretoken": device["csrf"], "pin": pin}))
    if kind == "overview":
        return ("GET", "/overzicht/", cookies(sessionid=sessions[i % len(sessions)],
                                              csrftoken=device["csrf"]), "")
    if kind == "parent":
        email = data["guardians"][i % len(data["guardians"])]
        return ("POST", "/thuis/", cookies(csrftoken=state["csrf"]), urlencode({
            "csrfmiddlewaretoken": state["csrf"], "username": email,
            "password": data["guardian_password"]}))
    if kind == "code":
        code = data["home_codes"][i % len(data["home_codes"])]
        return ("POST", "/thuis/code/", cookies(csrftoken=state["csrf"]),
                urlencode({"csrfmiddlewaretoken": state["csrf"], "code": code}))
    if kind == "teacher":
        teacher = state["teachers"][i % len(state["teachers"])]
        return ("GET", f"/leerkracht/groep/{teacher['group']}/",
                cookies(sessionid=teacher["sessionid"], csrftoken=teacher["csrf"]), "")
    raise ValueError(kind)


def send(spec, port=PORT):
    """One request as wrk sends it; returns the response (no redirects followed)."""
    import requests

    method, path, cookie, body = spec
    headers = {"Cookie": cookie}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return requests.request(method, f"{_base(port)}{path}", headers=headers, data=body or None,
                            allow_redirects=False, timeout=30)


def login_pupils(state, data, count, port=PORT):
    """Session cookies of ``count`` pupils who have just logged in (PIN POST): the overview's
    visitors. Logged in right before a scenario, so that their sessions are as fresh as after a
    real login (the session's "last seen" is written at most once a minute)."""
    sessions = []
    for i in range(count):
        response = send(request_for("pin", state, data, i), port)
        if response.status_code != 302 or "sessionid" not in response.cookies:
            raise SystemExit(f"PIN login for the overview failed: {response.status_code}")
        sessions.append(response.cookies["sessionid"])
    return sessions


PROBES = {  # what a correct answer contains (checked once before each scenario)
    "floor": "csrfmiddlewaretoken", "tile": "/klas/leerling/", "pad": 'name="pin"',
    "pin": "/overzicht/", "overview": "/software/", "parent": "/thuis/kinderen/",
    "code": "/thuis/apparaat/", "teacher": "/leerkracht/",
}


def probe(kind, spec, port=PORT):
    response = send(spec, port)
    where = response.headers.get("Location", "") + response.text
    if response.status_code >= 400 or PROBES[kind] not in where:
        raise SystemExit(f"{kind}: {spec[0]} {spec[1]} answered {response.status_code} without "
                         f"{PROBES[kind]!r}: the benchmark no longer matches the pages")


# Scenarios


def machine_share_busy(seconds=2.0):
    before, t0 = cpu.machine_busy(), time.monotonic()
    time.sleep(seconds)
    return (cpu.machine_busy() - before) / (time.monotonic() - t0) / CORES


def wait_for_quiet(limit, max_wait):
    """Waits (at most ``max_wait`` seconds) until the machine, with the benchmark's servers idle,
    is less than ``limit`` busy. Returns the last share seen."""
    deadline = time.monotonic() + max_wait
    share = machine_share_busy()
    while share > limit and time.monotonic() < deadline:
        share = machine_share_busy(3.0)
    return share


def wrk(files, seconds, connections, tmp, name):
    """One wrk per (port, file), all at once; returns their BENCH figures and CPU seconds."""
    procs = []
    per = max(1, connections // len(files))
    for n, (port, path) in enumerate(files):
        out = open(tmp / f"{name}-{n}.out", "w")
        cmd = ["wrk", "-t1", f"-c{per}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(BENCH / "requests.lua"), _base(port), "--", str(path), "1"]
        procs.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT), out))
    figures, client = [], 0.0
    for proc, out in procs:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.close()
        client += usage.ru_utime + usage.ru_stime
        text = Path(out.name).read_text()
        match = re.search(r"^BENCH (\{.*\})$", text, re.MULTILINE)
        if proc.returncode != 0 or not match:
            raise SystemExit(f"wrk failed ({proc.returncode}): {text[-500:]}")
        figures.append(json.loads(match.group(1)))
    return figures, client


def forget_first_attempts():
    """Each pupil logs in once at 08:30, and the first attempt on a pupil within a minute needs
    no row lock (basispoort/lockout.py first_attempt). A run sends each prepared pupil at most
    once (enough classroom devices: --devices), but the warm-up, an earlier scenario or the
    overview's logins sent the same pupils moments before: their marks are deleted, as a
    minute would have."""
    import redis

    client = redis.Redis(host=HOST, port=6379, db=2)
    keys = list(client.scan_iter(match="*:attempt:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


ACCESS_STATUS = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "[^"]*" (\d{3}) ', re.MULTILINE)


def unexpected_statuses(servers, offsets, statuses, sent):
    """{status: count} of the answers the servers logged since ``offsets`` (their access logs'
    sizes) whose status is not one of ``statuses`` ("200,302"); ``sent``: how many answers wrk
    counted, which the log must hold (a few more: those in flight when wrk stopped)."""
    allowed = {int(s) for s in statuses.split(",")}
    time.sleep(0.5)  # a worker logs an answer after sending it
    found, logged = {}, 0
    for server in servers:
        with open(server.log, errors="replace") as f:
            f.seek(offsets[server.log])
            for status in map(int, ACCESS_STATUS.findall(f.read())):
                logged += 1
                if status not in allowed:
                    found[status] = found.get(status, 0) + 1
    if logged < sent:
        raise SystemExit(f"the servers logged {logged:,} answers, wrk counted {sent:,}: is gunicorn's "
                         "access log (basispoort/gunicorn_conf.py) off?")
    return found


def measure(key, make_files, statuses, servers, args, tmp, logins=None):
    """Runs one scenario (again while other work took more than --max-other of the machine)
    and returns the quietest attempt, with the others' shares. ``logins`` = (PIN POSTs per
    request, pupils the scenario's list holds): a measured run that sends more PIN POSTs than
    that sends some pupils twice within the minute (the row lock's path, not 08:30's), which
    the result records and the log warns of: give more --devices."""
    attempts = []
    for attempt in range(args.retries + 1):
        waited = time.monotonic()
        quiet = wait_for_quiet(args.max_other, min(args.patience, 20 if attempt == 0 else 90))
        args.patience = max(0.0, args.patience - (time.monotonic() - waited))
        files = make_files()
        forget_first_attempts()
        wrk(files, args.warmup, args.connections, tmp, f"{key}-warmup")
        forget_first_attempts()  # the warm-up sent the same pupils a moment ago
        offsets = {server.log: server.log.stat().st_size for server in servers}
        tracker = cpu.Tracker([server.pid for server in servers], PG_DB).start()
        figures, client = wrk(files, args.duration, args.connections, tmp, key)
        used = tracker.stop()
        requests_ = sum(f["requests"] for f in figures)
        unexpected = unexpected_statuses(servers, offsets, statuses, requests_)
        seconds = used["seconds"]
        server = used["app"] + used["db"] + used["cache"]
        other = max(0.0, used["machine"] - server - client - used["tool"])
        result = {
            "requests": requests_, "seconds": seconds, "rps": requests_ / seconds,
            "unexpected": sum(unexpected.values()), "unexpected_statuses": unexpected,
            "socket_errors": sum(f["socket_errors"] for f in figures),
            "p50_ms": max(f["p50_ms"] for f in figures), "p99_ms": max(f["p99_ms"] for f in figures),
            "cpu": {**used, "client": client, "other": other},
            "server_ms": 1000 * server / requests_ if requests_ else None,
            "app_ms": 1000 * used["app"] / requests_ if requests_ else None,
            "db_ms": 1000 * used["db"] / requests_ if requests_ else None,
            "cache_ms": 1000 * used["cache"] / requests_ if requests_ else None,
            "client_share": client / seconds / CORES, "other_share": other / seconds / CORES,
            "tool_share": used["tool"] / seconds / CORES,
            "server_share": server / seconds / CORES, "quiet_before": quiet,
        }
        if logins is not None:
            per_request, pupils = logins
            result["second_attempts"] = max(0, round(requests_ * per_request) - pupils)
            if result["second_attempts"]:
                log(f"  {key}: {result['second_attempts']:,} PIN POSTs were a pupil's second within "
                    f"the minute ({pupils:,} pupils prepared): run with more --devices")
        attempts.append(result)
        log(f"  {key}: {requests_:,} requests, {fmt(result['rps'])}/s, "
            f"{fmt(result['server_ms'], 2)} ms server CPU each (app {fmt(result['app_ms'], 2)}, "
            f"db {fmt(result['db_ms'], 2)}, redis {fmt(result['cache_ms'], 2)}); wrk "
            f"{fmt(100 * result['client_share'], 1)} %, other {fmt(100 * result['other_share'], 1)} %"
            f", {result['unexpected']} unexpected answers")
        if result["unexpected"] or result["socket_errors"]:
            raise SystemExit(f"{key}: {result['unexpected']} unexpected answers (by status: "
                             f"{unexpected}), {result['socket_errors']} socket "
                             "errors; see the server log")
        if result["other_share"] <= args.max_other:
            break
    best = min(attempts, key=lambda r: r["other_share"])
    best["attempts"] = [round(a["other_share"], 3) for a in attempts]
    return best


def write_lines(path, specs):
    with open(path, "w") as f:
        for method, url, cookie, body in specs:
            f.write(f"{method}\t{url}\t{cookie}\t{body}\n")
    return path


def run_scenarios(server, data, state, args, tmp):
    results = {}
    count = {"floor": 64, "tile": len(state["pins"]), "pad": len(state["pins"]),
             "pin": len(state["pins"]), "parent": 400, "code": len(data["home_codes"]),
             "teacher": len(state["teachers"])}
    order = [k for k, _label, _s in SCENARIOS] + ["floor_end"]
    for key in order:
        kind = "floor" if key == "floor_end" else key
        if args.only and kind not in args.only and kind != "floor":
            continue
        statuses = dict((k, s) for k, _label, s in SCENARIOS)[kind]
        log(f"scenario {key}: {LABELS[kind]}")

        def make_files(kind=kind, key=key):
            sessions = login_pupils(state, data, 200) if kind == "overview" else None
            n = count.get(kind, len(state["pins"]))
            specs = [request_for(kind, state, data, i, sessions) for i in range(n)]
            probe(kind, specs[-1])
            return [(PORT, write_lines(tmp / f"{key}.txt", specs))]

        usual = args.connections
        if kind == "parent":  # Argon2 takes ~170 ms of CPU: a few connections keep the cores busy
            args.connections = max(2, CORES * 2)
        try:
            results[key] = measure(key, make_files, statuses, [server], args, tmp,
                                   logins=(1, len(state["pins"])) if kind == "pin" else None)
        finally:
            args.connections = usual
    return results


def storm_specs(state, data, sessions, logins):
    """The 08:30 storm: per login the tile page, the PIN pad, the PIN POST and the overview."""
    out = []
    for i in range(logins):
        out.append([request_for(step, state, data, i, sessions) for step in STORM_STEPS])
    return out


def run_storm(server, env, data, state, args, tmp):
    """The storm against one gunicorn, then against two sharing PostgreSQL and Redis, in turns
    (--storm-rounds times each), so that both see the same machine."""
    logins = len(state["pins"])
    results = {"storm": [], "storm_pair": []}

    def files_for(ports, key):
        def make():
            sessions = login_pupils(state, data, 200)
            specs = storm_specs(state, data, sessions, logins)
            out = []
            for n, port in enumerate(ports):
                mine = [r for i, login in enumerate(specs) if i % len(ports) == n for r in login]
                out.append((port, write_lines(tmp / f"{key}-{port}.txt", mine)))
            return out
        return make

    half = max(1, args.workers // 2)
    for round_ in range(1, args.storm_rounds + 1):
        log(f"storm {round_}: one gunicorn, {args.workers} workers")
        per_login = (1 / len(STORM_STEPS), len(state["pins"]))
        results["storm"].append(measure("storm", files_for([PORT], "storm"), "200,302", [server],
                                        args, tmp, logins=per_login))
        log(f"storm {round_}: two gunicorns on ports {PAIR_PORTS[0]} and {PAIR_PORTS[1]}, "
            f"{half} + {max(1, args.workers - half)} workers, one PostgreSQL, one Redis")
        pair = [Gunicorn(env, tmp, PAIR_PORTS[0], half, "pair-a"),
                Gunicorn(env, tmp, PAIR_PORTS[1], max(1, args.workers - half), "pair-b")]
        try:
            results["storm_pair"].append(measure("storm_pair", files_for(PAIR_PORTS, "storm_pair"),
                                                 "200,302", pair, args, tmp,
                                                 logins=per_login))
        finally:
            for g in pair:
                g.stop()
    for runs in results.values():
        for r in runs:
            r["logins"] = r["requests"] / len(STORM_STEPS)
            r["server_ms_per_login"] = r["server_ms"] * len(STORM_STEPS)
            r["logins_per_s"] = r["rps"] / len(STORM_STEPS)
    return results


# Round trips, counted on the wire


def count_round_trips(env, data, state, tmp, reps):
    """Each request alone through one worker behind the relays: PostgreSQL round trips (queries,
    transaction statements) and Redis commands per request."""
    pg, redis = wire.Relay("postgres", 5432), wire.Relay("redis", 6379)
    pg_port, redis_port = pg.start(), redis.start()
    cenv = {**env, "DATABASE_URL": f"postgres://postgres@{HOST}:{pg_port}/{PG_DB}",
            "CACHE_URL": f"redis://{HOST}:{redis_port}/2"}
    server = Gunicorn(cenv, tmp, COUNT_PORT, 1, "count")
    out = {}
    try:
        kinds = [k for k, _label, _s in SCENARIOS]
        # Warm up: the worker's first connections and imports are not counted.
        warm = login_pupils(state, data, 2, COUNT_PORT)
        for kind in kinds:
            send(request_for(kind, state, data, 1, warm), COUNT_PORT)
        sessions = []
        forget_first_attempts()
        for kind in kinds:
            rows = []
            for i in range(reps):
                spec = request_for(kind, state, data, 20_000 + i, sessions)
                pg0, rd0 = pg.counts.snapshot(), redis.counts.snapshot()
                response = send(spec, COUNT_PORT)
                time.sleep(0.05)  # whatever the worker does after the response
                pg1, rd1 = pg.counts.snapshot(), redis.counts.snapshot()
                if response.status_code not in (200, 302):
                    raise SystemExit(f"counting {kind}: status {response.status_code}")
                if kind == "pin":
                    sessions.append(response.cookies["sessionid"])
                statements = [s for _n, s in pg.counts.statements[pg0[1]:pg1[1]]]
                tx = sum(1 for s in statements if wire.is_transaction(s))
                rows.append({"round_trips": pg1[0] - pg0[0], "transaction": tx,
                             "health_check": sum(1 for s in statements if s.upper() == "SELECT 1"),
                             "queries": len(statements) - tx, "redis": rd1[0] - rd0[0],
                             "statements": statements,
                             "redis_commands": [s for _n, s in redis.counts.statements[rd0[1]:rd1[1]]]})
            first = rows[0]
            out[kind] = {
                "round_trips": statistics.median(r["round_trips"] for r in rows),
                "min": min(r["round_trips"] for r in rows), "max": max(r["round_trips"] for r in rows),
                "transaction": statistics.median(r["transaction"] for r in rows),
                "queries": statistics.median(r["queries"] for r in rows),
                "health_check": statistics.median(r["health_check"] for r in rows),
                "redis": statistics.median(r["redis"] for r in rows),
                "statements": first["statements"], "redis_commands": first["redis_commands"],
            }
            log(f"  {kind}: {out[kind]['round_trips']:g} round trips ({out[kind]['queries']:g} "
                f"queries + {out[kind]['transaction']:g} transaction statements), "
                f"{out[kind]['redis']:g} Redis commands")
    finally:
        server.stop()
        pg.stop()
        redis.stop()
    return out


# The import (EDEX-XML, 100,000 pupils)


def _import_summary(proc):
    """The import's own summary line ("… leerlingen in het bestand: …"). The first import also
    prints the new staff's invitation mails (the console mail backend) before it."""
    lines = proc.stdout.strip().splitlines()
    found = [line for line in lines if "leerlingen in het bestand" in line]
    return found[-1] if found else (lines[-1] if lines else proc.stderr[-300:])


def run_import(env, tmp, pupils):
    xml = tmp / "big.xml"
    with open(xml, "w") as out:
        run([sys.executable, "-m", "bench.make_edex", "--pupils", str(pupils)], env, timeout=600,
            stdout=out)
    results = []
    for label in ("first import (all new)", "re-import (no changes)"):
        proc = run(["/usr/bin/time", "-v", sys.executable, "manage.py", "import_school", str(xml),
                    "-v", "0"], env, timeout=900, check=False, capture_output=True, text=True)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr)
        user = re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)
        parts = [float(p) for p in wall.group(1).split(":")] if wall else []
        seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts))) if parts else None
        results.append({
            "label": label, "ok": proc.returncode == 0, "seconds": seconds,
            "user_s": float(user.group(1)) if user else None,
            "max_rss_mb": int(rss.group(1)) / 1024 if rss else None,
            "summary": _import_summary(proc),
        })
    return results


# Machine, server log


def machine_info(env):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env,
                                  cwd=ROOT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    import django

    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    version = out(["psql", "-h", HOST, "-U", "postgres", "-tAc", "show server_version"])
    redis = re.search(r"v=([\d.]+)", out(["redis-server", "--version"]))
    return {
        "cores": CORES, "cpu": model, "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": out([str(VENV_BIN / "gunicorn"), "--version"]).replace("gunicorn (version ", "")
        .rstrip(")"),
        "wrk": out(["dpkg-query", "-W", "-f=${Version}", "wrk"]) or "?",
        "database": f"PostgreSQL {version.split()[0] if version else '?'}",
        "cache": f"Redis {redis.group(1) if redis else '?'}",
        "loadavg_before": os.getloadavg(),
    }


def server_log_summary(tmp):
    """Counts of Django's request log lines (4xx warnings, 5xx errors) and of tracebacks."""
    counts = {}
    for path in tmp.glob("server-*.log"):
        for line in path.read_text(errors="replace").splitlines():
            match = re.match(r"(Internal Server Error|Bad Request|Forbidden|Not Found|Too Many Requests|"
                             r"Unauthorized|Method Not Allowed)[: ]", line)
            if match:
                counts[match.group(1)] = counts.get(match.group(1), 0) + 1
            elif "Traceback" in line or "WORKER TIMEOUT" in line:
                key = "worker timeout" if "WORKER TIMEOUT" in line else "traceback"
                counts[key] = counts.get(key, 0) + 1
    return counts


# Figures derived from the measurements


def derive(results, storm, counts, argon):
    floors = [results[k]["server_ms"] for k in ("floor", "floor_end") if k in results]
    floor = sum(floors) / len(floors)
    login = sum(results[k]["server_ms"] for k in LOGIN if k in results)
    out = {"floor_ms": floor, "login_ms": login, "login_floors": login / floor,
           "login_with_pad_ms": login + results["pad"]["server_ms"] if "pad" in results else None}
    per_login = {
        "school login (tile + PIN POST + overview)": login,
        "with the PIN pad (sum of the four)": out["login_with_pad_ms"],
    }
    for key, label in (("storm", "the storm, one app server"), ("storm_pair", "the storm, two app servers")):
        if storm.get(key):
            per_login[label] = statistics.median(r["server_ms_per_login"] for r in storm[key])
    out["sizing"] = {label: {rate: rate * ms / 1000 / TARGET_LOAD for rate in STORM_RATES}
                     for label, ms in per_login.items() if ms}
    out["per_login"] = per_login
    if storm.get("storm"):
        out["storm_split"] = {part: statistics.median(1000 * r["cpu"][part] / r["logins"]
                                                      for r in storm["storm"])
                              for part in ("app", "db", "cache")}
    if storm.get("storm") and storm.get("storm_pair"):
        a = per_login["the storm, one app server"]
        b = per_login["the storm, two app servers"]
        out["pair_difference"] = (b - a) / a
    if "parent" in results and argon:
        parent = results["parent"]
        out["parent_bound_share"] = parent["rps"] / argon["bound_per_s"]
        out["parent_cpu_share"] = argon["cpu_s_per_check"] * 1000 / parent["server_ms"]
    return out


# Report


def write_report(path, args, info, argon, results, storm, counts, derived, imports, profile, started,
                 finished, server_log, dataset):
    cores = info["cores"]
    floor = derived["floor_ms"]
    lines = [
        f"# Benchmark results: {info['database']} + {info['cache']}",
        "",
        f"Generated by `bench/run.sh postgres{' ' + ' '.join(args.extra) if args.extra else ''}`, "
        f"{started:%Y-%m-%d %H:%M}–{finished:%H:%M}. The summary and what it means: RESULTS.md.",
        "",
        f"- Machine: {cores} cores ({info['cpu']}), {info['memory_gib']} GiB, Linux {info['kernel']}; "
        f"load average before the run {', '.join(f'{x:.2f}' for x in info['loadavg_before'])}.",
        f"- Software: Python {info['python']}, Django {info['django']}, gunicorn {info['gunicorn']} "
        f"({args.workers} sync workers, `basispoort/gunicorn_conf.py`), wrk {info['wrk']}, "
        f"{info['database']}, {info['cache']}.",
        f"- Dataset: {dataset['pupils']:,} pupils in {dataset['schools']} schools, {dataset['groups']} "
        f"groups, {dataset['guardians']:,} guardians, {dataset['codes']:,} home login codes.",
        f"- Load: wrk, one thread, {args.connections} connections (parents: {max(2, cores * 2)}), "
        f"{args.warmup} s unmeasured, then {args.duration} s measured, each scenario alone.",
        "",
        "## Server CPU per request",
        "",
        "| request | server CPU ms | app / PostgreSQL / Redis ms | × floor | PostgreSQL round trips "
        "(queries + transaction statements) | Redis commands | requests/s | p50 / p99 ms | wrk | "
        "other work | attempts (other work) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key in [k for k, _l, _s in SCENARIOS] + ["floor_end"]:
        r = results.get(key)
        if not r:
            continue
        kind = "floor" if key == "floor_end" else key
        c = counts.get(kind, {})
        trips = (f"{c['round_trips']:g} ({c['queries']:g} + {c['transaction']:g})" if c else "–")
        label = LABELS[kind] + (" (again, at the end)" if key == "floor_end" else "")
        lines.append(
            f"| {label} | {fmt(r['server_ms'], 2)} | {fmt(r['app_ms'], 2)} / {fmt(r['db_ms'], 2)} / "
            f"{fmt(r['cache_ms'], 2)} | {fmt(r['server_ms'] / floor, 1)} | {trips} | "
            f"{fmt(c.get('redis'))} | {fmt(r['rps'])} | {fmt(r['p50_ms'])} / {fmt(r['p99_ms'])} | "
            f"{fmt(100 * r['client_share'], 1, ' %')} | {fmt(100 * r['other_share'], 1, ' %')} | "
            f"{', '.join(f'{100 * a:.0f} %' for a in r['attempts'])} |")
    lines += [
        "",
        "*server CPU*: utime + stime from /proc of the gunicorn master and workers, the PostgreSQL "
        "server (postmaster, background processes, the benchmark database's backends) and "
        "redis-server, between the start and the end of the measured run, divided by the "
        "requests wrk completed. *round trips*: counted on the wire (bench/wire.py), each request "
        "alone, median of "
        f"{args.count_reps}; health checks included (CONN_HEALTH_CHECKS). *wrk*, *other work*: share "
        "of the machine's CPU used by the load generator, and by processes outside the benchmark.",
        "",
        "## A school login and the national storm",
        "",
        f"- A school login (tile page + PIN POST + overview): {fmt(derived['login_ms'], 1)} ms of server "
        f"CPU = **{fmt(derived['login_floors'], 1)} × the floor request** ({fmt(floor, 2)} ms); with "
        f"the PIN pad {fmt(derived['login_with_pad_ms'], 1)} ms.",
    ]
    lines += ["", "The storm: per login the tile page, the PIN pad, the PIN POST and the overview, "
              "against one gunicorn and against two (ports "
              f"{PAIR_PORTS[0]} and {PAIR_PORTS[1]}, one wrk each) sharing PostgreSQL and Redis, in turns:",
              "", "| round | app servers | logins/s | server CPU ms per login | app / PostgreSQL / "
              "Redis ms | p50 / p99 ms | wrk | other work | attempts (other work) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for n, (single, pair) in enumerate(zip(storm.get("storm", []), storm.get("storm_pair", []),
                                           strict=False), 1):
        for servers, s in ((1, single), (2, pair)):
            lines.append(
                f"| {n} | {servers} | {fmt(s['logins_per_s'], 1)} | {fmt(s['server_ms_per_login'], 1)} | "
                + " / ".join(fmt(1000 * s["cpu"][part] / s["logins"], 1) for part in ("app", "db", "cache"))
                + f" | {fmt(s['p50_ms'])} / "
                f"{fmt(s['p99_ms'])} | {fmt(100 * s['client_share'], 1, ' %')} | "
                f"{fmt(100 * s['other_share'], 1, ' %')} | "
                f"{', '.join(f'{100 * a:.0f} %' for a in s['attempts'])} |")
    if "pair_difference" in derived:
        lines += ["", f"Two app servers vs one (medians): {derived['pair_difference'] * 100:+.1f} % "
                      "server CPU per login."]
    lines += ["", f"Cores of this kind at {TARGET_LOAD:.0%} load:", "",
              "| per login | server CPU ms | " + " | ".join(f"{r:,} logins/s" for r in STORM_RATES) + " |",
              "| --- | ---: | " + " | ".join("---:" for _ in STORM_RATES) + " |"]
    for label, per_rate in derived["sizing"].items():
        lines.append(f"| {label} | {fmt(derived['per_login'][label], 1)} | "
                     + " | ".join(fmt(per_rate[r], 0) for r in STORM_RATES) + " |")
    if "storm_split" in derived:
        split = derived["storm_split"]
        lines += ["", "Per storm login: app " + fmt(split["app"], 1) + " ms, PostgreSQL "
                  + fmt(split["db"], 1) + " ms, Redis " + fmt(split["cache"], 2) + " ms."]

    if argon:
        lines += ["", "## Parent login and the Argon2 bound", "",
                  f"{argon['hasher']} {argon['params']}: {fmt(argon['cpu_s_per_check'] * 1000, 1)} ms CPU "
                  "per check (mean of " + " and ".join(
                      f"{a['checks']} checks {when} the load ({fmt(a['cpu_s_per_check'] * 1000, 1)} ms)"
                      for a, when in zip(argon["runs"], ("before", "after"), strict=False))
                  + f"); bound {fmt(argon['bound_per_s'], 2)} checks/s on {cores} cores."]
        if "parent_bound_share" in derived:
            parent = results["parent"]
            lines.append(
                f"Parent login POST: {fmt(parent['rps'], 2)} logins/s = "
                f"**{fmt(100 * derived['parent_bound_share'], 0)} % of the bound** (wall clock; other "
                f"work took {fmt(100 * parent['other_share'], 1)} % of the machine meanwhile); by CPU, "
                f"the check is {fmt(100 * derived['parent_cpu_share'], 0)} % of the "
                f"{fmt(parent['server_ms'], 0)} ms a parent login costs.")

    if imports:
        lines += ["", "## Import (EDEX-XML)", ""]
        for imp in imports:
            lines.append(f"- {imp['label']}: {fmt(imp['seconds'], 1)} s wall, {fmt(imp['user_s'], 1)} s "
                         f"user CPU, max RSS {fmt(imp['max_rss_mb'])} MB; "
                         f"{'ok' if imp['ok'] else 'FAILED'}: {imp['summary']}")

    lines += ["", "## Server log", "",
              "Django's request log lines during the whole run: "
              + (", ".join(f"{v} × {k}" for k, v in server_log.items()) or "none") + "."]

    if counts:
        lines += ["", "## What each request sends to PostgreSQL and Redis", "",
                  "One request of each kind, as the relay saw it (statements shortened)."]
        for kind, c in counts.items():
            lines += ["", f"**{LABELS[kind]}**: {c['round_trips']:g} round trips "
                          f"(range {c['min']}–{c['max']}), {c['redis']:g} Redis commands", ""]
            lines += [f"{i}. `{s[:150]}`" for i, s in enumerate(c["statements"], 1)]
            if c["redis_commands"]:
                lines += ["", "Redis: " + ", ".join(f"`{s[:40]}`" for s in c["redis_commands"])]

    if profile:
        lines += ["", "## Profile of the PIN POST", "",
                  f"cProfile of {profile['requests']} PIN POSTs in one process (Django's test client "
                  f"on the benchmark database): {fmt(profile['wall_ms'], 2)} ms wall, "
                  f"{fmt(profile['cpu_ms'], 2)} ms CPU per request without the profiler. Inclusive "
                  "share of the profiled time:", "",
                  "| part | share |", "| --- | ---: |"]
        lines += [f"| {part} | {fmt(100 * share, 0, ' %')} |" for part, share in profile["parts"]]
        lines += ["", "```", profile["top"].rstrip(), "```"]
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", choices=["postgres"])
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=12, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds before each")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--workers", type=int, default=2 * CORES + 1)
    parser.add_argument("--devices", type=int, default=400,
                        help="classroom devices (PIN groups; at most as many as the dataset has): "
                             "enough pupils that none logs in twice in a run")
    parser.add_argument("--max-other", type=float, default=0.10,
                        help="run a scenario again when other processes took more of the machine")
    parser.add_argument("--retries", type=int, default=4)
    parser.add_argument("--patience", type=float, default=1200,
                        help="seconds the whole run may wait for a quiet machine before a scenario")
    parser.add_argument("--count-reps", type=int, default=15, help="requests per kind when counting")
    parser.add_argument("--import-pupils", type=int, default=100_000)
    parser.add_argument("--only", help="comma-separated scenario keys (the floor always runs)")
    parser.add_argument("--no-storm", action="store_true")
    parser.add_argument("--storm-rounds", type=int, default=2,
                        help="storm rounds, each against one and then two app servers")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    parser.add_argument("--out", help="default: bench/results-postgres.md")
    args = parser.parse_args(argv)
    extra = (argv if argv is not None else sys.argv[1:])[1:]
    args.extra = [a for i, a in enumerate(extra)
                  if not a.startswith("--out") and not (i and extra[i - 1] == "--out")]
    for name, value, low, high in [("duration", args.duration, 5, 600), ("warmup", args.warmup, 1, 60),
                                   ("connections", args.connections, 1, 256),
                                   ("workers", args.workers, 1, 64), ("devices", args.devices, 2, 600),
                                   ("retries", args.retries, 0, 10), ("count-reps", args.count_reps, 3, 200),
                                   ("storm-rounds", args.storm_rounds, 1, 5)]:
        if not low <= value <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    args.only = set(args.only.split(",")) if args.only else None

    started = datetime.datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="basispoort-bench-"))
    env = make_env(tmp)
    info = machine_info(env)
    log(f"{info['cores']} cores, load {info['loadavg_before']}")
    py = sys.executable
    servers = []
    try:
        reset_postgres(env)
        run([py, "manage.py", "migrate", "--no-input", "-v", "0"], env, timeout=600)
        log("dataset")
        run([py, "-m", "bench.make_dataset", "--pupils", str(args.pupils), "--out",
             str(tmp / "dataset.json")], env, timeout=1800)
        data = json.loads((tmp / "dataset.json").read_text())
        # A production database has planner statistics (autovacuum); a freshly loaded one gets
        # them here, not at some moment during the load.
        run(["psql", "-h", HOST, "-U", "postgres", "-d", PG_DB, "-qc", "VACUUM ANALYZE"], env, timeout=600)
        run([py, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, timeout=600)
        log("Argon2 bound (before the load)")
        argon_runs = [measure_argon2(env)]
        log(f"gunicorn: {args.workers} workers on {_base()}")
        server = Gunicorn(env, tmp, PORT, args.workers, "main")
        servers.append(server)
        log("preparing classroom devices, teacher sessions, floor sessions")
        state = prepare(data, devices=args.devices, teachers=16)
        state["pins"] = pin_requests(state)
        results = run_scenarios(server, data, state, args, tmp)
        storm = {} if args.no_storm else run_storm(server, env, data, state, args, tmp)
        server.stop()
        log("counting round trips")
        counts = count_round_trips(env, data, state, tmp, args.count_reps)
        log("Argon2 bound (after the load)")
        argon_runs.append(measure_argon2(env))
        argon = {**argon_runs[0], "runs": argon_runs, "checks": sum(a["checks"] for a in argon_runs),
                 "cpu_s_per_check": statistics.mean(a["cpu_s_per_check"] for a in argon_runs)}
        argon["bound_per_s"] = argon["cores"] / argon["cpu_s_per_check"]
        log("profile of the PIN POST")
        proc = run([py, "-m", "bench.profile_pin", "--data", str(tmp / "dataset.json")], env,
                   timeout=600, check=False, capture_output=True, text=True)
        profile = json.loads(proc.stdout) if proc.returncode == 0 else None
        if proc.returncode:
            log(f"  profile failed: {proc.stderr[-800:]}")
        imports = []
        if not args.no_import:
            log(f"import of {args.import_pupils:,} pupils")
            imports = run_import(env, tmp, args.import_pupils)
        finished = datetime.datetime.now()
        derived = derive(results, storm, counts, argon)
        dataset = {"pupils": data["pupils"], "schools": data["schools"], "groups": len(data["groups"]),
                   "guardians": len(data["guardians"]), "codes": len(data["home_codes"])}
        server_log = server_log_summary(tmp)
        out = Path(args.out) if args.out else BENCH / "results-postgres.md"
        write_report(out, args, info, argon, results, storm, counts, derived, imports, profile,
                     started, finished, server_log, dataset)
        out.with_suffix(".json").write_text(json.dumps({
            "machine": info, "argon2": argon, "results": results, "storm": storm, "counts": counts,
            "derived": derived, "imports": imports, "profile": profile, "server_log": server_log,
            "dataset": dataset, "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
        }, indent=1, default=str))
        log(f"written {out.name}; school login = {fmt(derived['login_floors'], 1)} × floor")
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            drop_postgres(env)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            log(f"kept the temporary directory {tmp} and the database")


if __name__ == "__main__":
    main()
