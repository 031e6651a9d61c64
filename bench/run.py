"""The whole benchmark for one database, start to finish (bench/run.sh calls this).

    .venv/bin/python -m bench.run sqlite|postgres [--duration 30] [--users 16] ...

1. an isolated database: a SQLite file in a temporary directory, or the PostgreSQL database
   "bench" on 127.0.0.1:5432 (dropped and created) with Redis 127.0.0.1:6379 db 2 as the cache;
2. migrate, the dataset (bench/make_dataset.py), collectstatic, into the temporary directory;
3. gunicorn on 127.0.0.1:8765 with production settings (DEBUG off, fresh keys, plain HTTP);
4. classroom devices and teacher sessions prepared through the real pages (teacher login,
   "Dit apparaat gebruiken voor ..."), outside every measurement;
5. the Argon2 bound, then each scenario of bench/locustfile.py alone for --duration seconds
   with --users clients, the bare page first and last, then the storm (--storm-users clients for
   --storm-duration seconds);
6. gunicorn stopped; the EDEX-XML import of --import-pupils pupils, timed with /usr/bin/time -v;
7. bench/results-<db>.md (and .json): throughput, ratios to the bare page, latency, errors,
   CPU seconds per request, the targets.

Traffic goes only to 127.0.0.1; every loop and every child process is bounded in time.
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VENV_BIN = Path(sys.executable).parent
HOST, PORT = "127.0.0.1", 8765
BASE = f"http://{HOST}:{PORT}"
PG_DB = "bench"

# key, locust user classes, the request that counts as one flow, what it is
SCENARIOS = [
    ("bare", ["BarePage"], "bare page", "Bare Django page (start of run)"),
    ("tile", ["TilePage"], "tile page", "Tile page on a classroom device"),
    ("overview", ["Overview"], "overview", "Software overview (pupil logged in)"),
    ("pin", ["PinLogin"], "PIN login POST",
     "PIN login: tiles → PIN pad → POST → overview → log out"),
    ("code", ["HomeCode"], "home code POST",
     "Home login code: form → POST code → device tiles (new device)"),
    ("parent", ["ParentLogin"], "parent login POST",
     "Parent login: form → POST e-mail/password (Argon2)"),
    ("teacher", ["TeacherGroup"], "teacher group page", "Teacher group page"),
    ("sso", ["Sso"], "SSO token exchange",
     "SSO: software tile → /o/authorize/ (PKCE) → /o/token/"),
    ("bare_end", ["BarePage"], "bare page", "Bare Django page (end of run)"),
]
STORM_CLASSES = ["StormClassroom", "StormTeacher", "StormHomeCode", "StormParent"]
STORM = ("storm", STORM_CLASSES, "PIN login POST", "08:30 storm (mixed)")


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd, env, *, timeout, check=True, **kwargs):
    return subprocess.run(cmd, env=env, cwd=ROOT, timeout=timeout, check=check, **kwargs)


# Environment and database


def make_env(db, tmp, sqlite_options=""):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL",
                                                                    "CACHE_URL"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",  # plain HTTP on the loopback interface
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECRET_HASH_KEYS": "bench1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "OIDC_RSA_PRIVATE_KEY": key,
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": BASE,
        "DEMO_PUBLISHER": "0",
        "EMAIL_URL": "consolemail://",
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "PYTHONDONTWRITEBYTECODE": "1",
        # Every simulated home device comes from 127.0.0.1, where real ones each have their own
        # address: the per-address limit on code entry (60/h) would otherwise stop the scenario
        # after 60 codes. The site-wide limit stays as configured.
        "THROTTLE_HOME_CODE_IP": "1000000/h",
    })
    if db == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}" + (
            f"?{sqlite_options}" if sqlite_options else "")
    else:
        env["DATABASE_URL"] = f"postgres://postgres@{HOST}:5432/{PG_DB}"
        env["CACHE_URL"] = f"redis://{HOST}:6379/2"
    return env


def reset_postgres(env):
    run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", PG_DB], env, timeout=60)
    run(["createdb", "-h", HOST, "-U", "postgres", PG_DB], env, timeout=60)
    run(["redis-cli", "-h", HOST, "-p", "6379", "-n", "2", "flushdb"], env, timeout=30,
        stdout=subprocess.DEVNULL)


def drop_postgres(env):
    run(["dropdb", "-h", HOST, "-U", "postgres", "--if-exists", "--force", PG_DB], env, timeout=60,
        check=False)


# The server


def start_gunicorn(env, tmp, workers, worker_class):
    cmd = [str(VENV_BIN / "gunicorn"), "basispoort.wsgi:application", "--bind", f"{HOST}:{PORT}",
           "--workers", str(workers), "--worker-class", worker_class, "--log-level", "warning"]
    if (ROOT / "basispoort" / "gunicorn_conf.py").exists():
        # The project's own gunicorn settings (max_requests, timeout, access log), as deployed.
        cmd[2:2] = ["-c", "python:basispoort.gunicorn_conf"]
    if worker_class == "gthread":
        cmd += ["--threads", "4"]
    # The workers' own output (Django's log: django.request errors) goes to server.log.
    server_log = open(tmp / "server.log", "w")  # stays open while gunicorn runs
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}; see its log")
        try:
            if requests.get(f"{BASE}/bench/bare/", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_gunicorn(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def measure_argon2(py, env):
    return json.loads(run([py, "-m", "bench.argon2_bound", "--checks", "40"], env, timeout=300,
                          capture_output=True, text=True).stdout)


# Preparation through the real pages (teacher login, classroom set-up)


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _teacher_session(username, password):
    import requests

    session = requests.Session()
    page = session.get(f"{BASE}/leerkracht/inloggen/", timeout=30)
    response = session.post(f"{BASE}/leerkracht/inloggen/", timeout=30, allow_redirects=False, data={
        "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1),
        "username": username, "password": password,
    })
    if response.status_code != 302:
        raise SystemExit(f"teacher login for {username} failed: {response.status_code}")
    return session


def prepare(data, classrooms, teachers):
    """Classroom device cookies for ``classrooms`` PIN groups (spread over the schools) and
    logged-in teacher sessions for ``teachers`` groups."""
    by_school = {}
    for group in data["groups"]:
        if group["year_level"] >= 4:
            by_school.setdefault(group["school_id"], []).append(group)
    ordered = []
    lists = list(by_school.values())
    for i in range(max(len(v) for v in lists)):
        ordered += [v[i] for v in lists if i < len(v)]
    state = {"classrooms": [], "teachers": []}
    for group in ordered[:classrooms]:
        session = _teacher_session(group["teacher"], data["teacher_password"])
        setup = session.get(f"{BASE}/klas/", timeout=30)
        response = session.post(f"{BASE}/klas/instellen/", timeout=30, allow_redirects=False, data={
            "csrfmiddlewaretoken": CSRF_RE.search(setup.text).group(1), "group": group["id"],
        })
        if response.status_code != 302 or "bp_klas" not in session.cookies:
            raise SystemExit(f"classroom set-up for group {group['id']} failed: {response.status_code}")
        state["classrooms"].append({"group": group["id"], "cookie": session.cookies["bp_klas"]})
    for group in ordered[-teachers:]:
        session = _teacher_session(group["teacher"], data["teacher_password"])
        state["teachers"].append({"group": group["id"], "sessionid": session.cookies["sessionid"]})
    return state


# Scenarios


def run_locust(key, classes, users, duration, env, tmp, gunicorn_pid, db, think=0.0):
    cpu_out = tmp / f"{key}_window.json"
    lenv = {**env, "BENCH_THINK_S": str(think), "BENCH_DATA": str(tmp / "dataset.json"),
            "BENCH_STATE": str(tmp / "state.json"),
            "BENCH_CPU_OUT": str(cpu_out), "BENCH_GUNICORN_PID": str(gunicorn_pid),
            "BENCH_DB_NAME": PG_DB if db == "postgres" else ""}
    cmd = [str(VENV_BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless",
           "-u", str(users), "-r", str(users), "-t", f"{duration}s", "--host", BASE,
           "--csv", str(tmp / key), "--reset-stats", "--only-summary", "--stop-timeout", "0",
           "--loglevel", "WARNING", *classes]
    with open(tmp / f"{key}_locust.log", "w") as logfile:
        result = run(cmd, lenv, timeout=duration + 120, check=False, stdout=logfile,
                     stderr=subprocess.STDOUT)
    if result.returncode not in (0, 1):  # 1: some requests failed (counted in the figures)
        raise SystemExit(f"locust failed for {key} ({result.returncode}); see {key}_locust.log")
    return parse_locust(tmp, key, cpu_out)


def _num(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_locust(tmp, key, cpu_out):
    import csv

    rows = []
    with open(tmp / f"{key}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows.append({
                "name": row["Name"], "method": row["Type"], "count": int(row["Request Count"]),
                "failures": int(row["Failure Count"]), "p50": _num(row["50%"]),
                "p95": _num(row["95%"]), "p99": _num(row["99%"]), "max": _num(row["Max Response Time"]),
                "avg": _num(row["Average Response Time"]),
            })
    failures = []
    path = tmp / f"{key}_failures.csv"
    if path.exists():
        with open(path, newline="") as f:
            failures = [{"name": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(f)]
    window = json.loads(cpu_out.read_text()) if cpu_out.exists() else None
    with open(tmp / f"{key}_locust.log") as f:
        client_overloaded = "CPU usage above" in f.read()
    return {"rows": rows, "failures": failures, "window": window,
            "client_overloaded": client_overloaded}


def summarise(result, flow_name):
    rows = [r for r in result["rows"] if r["name"] != "Aggregated" and not r["name"].startswith("setup:")]
    agg = next(r for r in result["rows"] if r["name"] == "Aggregated")
    seconds = result["window"]["seconds"] if result["window"] else None
    requests_ = sum(r["count"] for r in rows)
    flow = next((r for r in rows if r["name"] == flow_name), None)
    cpu = result["window"]["cpu"] if result["window"] else None
    out = {
        "seconds": seconds, "requests": requests_, "failures": sum(r["failures"] for r in rows),
        "rps": requests_ / seconds if seconds else None,
        "flows": flow["count"] if flow else 0,
        "flows_per_s": (flow["count"] / seconds) if flow and seconds else None,
        "p50": agg["p50"], "p95": agg["p95"], "p99": agg["p99"],
        "flow_p50": flow["p50"] if flow else None, "flow_p95": flow["p95"] if flow else None,
        "flow_p99": flow["p99"] if flow else None,
        "rows": rows, "failure_list": result["failures"], "cpu": cpu,
        "loadavg": result["window"]["loadavg"] if result["window"] else None,
        "client_overloaded": result["client_overloaded"],
    }
    if cpu and requests_:
        server = cpu["app"] + cpu["db"] + cpu["cache"]
        out["server_cpu_ms_per_request"] = 1000 * server / requests_
        out["server_cpu_ms_per_flow"] = 1000 * server / flow["count"] if flow and flow["count"] else None
        out["app_share"] = cpu["app"] / seconds / os.cpu_count()
        out["other_cpu_s"] = max(0.0, cpu["machine"] - server - cpu["client"])
        out["machine_busy"] = cpu["machine"] / seconds / os.cpu_count()
    return out


def server_log_summary(tmp):
    """Counts of Django's request log lines (4xx warnings, 5xx errors) and the first traceback."""
    text = ""
    if (tmp / "server.log").exists():
        text = (tmp / "server.log").read_text(errors="replace")
    counts = {}
    for line in text.splitlines():
        match = re.match(r"(Internal Server Error|Bad Request|Forbidden|Not Found|Too Many Requests|"
                         r"Unauthorized|Method Not Allowed)[: ]", line)
        if match:
            counts[match.group(1)] = counts.get(match.group(1), 0) + 1
        elif "Traceback" in line or "[CRITICAL]" in line or "WORKER TIMEOUT" in line:
            key = "worker timeout" if "WORKER TIMEOUT" in line else "traceback"
            counts[key] = counts.get(key, 0) + 1
    first = ""
    if "Traceback" in text:
        start = text.index("Traceback")
        first = text[start:start + 3000]
        # No machine paths in the report: site-packages/..., python/..., project-relative.
        first = re.sub(r'File "[^"]*/site-packages/', 'File "site-packages/', first)
        first = re.sub(r'File "[^"]*/lib/python3\.\d+/', 'File "python/', first)
        first = first.replace(f'File "{ROOT}/', 'File "')
        first = re.sub(r"^\s*[\^~]+\s*$\n?", "", first, flags=re.MULTILINE)
    return {"counts": counts, "first_traceback": first}


# The import


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
            "summary": proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else proc.stderr[-300:],
            "file_mb": xml.stat().st_size / 1e6,
        })
    return results


# Machine and versions


def machine_info(db, env):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env,
                                  cwd=ROOT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    import sqlite3

    import django

    info = {
        "cores": os.cpu_count(), "cpu": model, "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": out([str(VENV_BIN / "gunicorn"), "--version"]).replace("gunicorn (version ", "")
        .rstrip(")"),
        "locust": out([str(VENV_BIN / "locust"), "--version"]).split(" from ")[0].replace("locust ", ""),
        "loadavg_before": os.getloadavg(),
    }
    if db == "sqlite":
        info["database"] = f"SQLite {sqlite3.sqlite_version}"
        info["cache"] = "local memory (per worker process)"
    else:
        version = out(["psql", "-h", HOST, "-U", "postgres", "-tAc", "show server_version"])
        info["database"] = f"PostgreSQL {version.split()[0] if version else '?'}"
        redis = out(["redis-server", "--version"])
        match = re.search(r"v=([\d.]+)", redis)
        info["cache"] = f"Redis {match.group(1) if match else '?'} (db 2)"
    return info


# Report


def fmt(value, digits=0, suffix=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{suffix}"


def write_report(path, db, args, info, argon, results, storm, imports, started, finished):
    bare = [results[k]["rps"] for k in ("bare", "bare_end") if results.get(k, {}).get("rps")]
    bare_rps = sum(bare) / len(bare) if bare else None
    bare_cpu = [results[k]["server_cpu_ms_per_request"] for k in ("bare", "bare_end")
                if results.get(k, {}).get("server_cpu_ms_per_request")]
    bare_cpu_ms = sum(bare_cpu) / len(bare_cpu) if bare_cpu else None
    cores = info["cores"]
    lines = [
        f"# Benchmark results: {info['database']}" + (f" + {info['cache']}" if db == "postgres" else "")
        + (f" ({args.sqlite_options})" if db == "sqlite" and args.sqlite_options else ""),
        "",
        f"Run {started:%Y-%m-%d %H:%M}–{finished:%H:%M} (local time) with `bench/run.sh {db}`"
        + (f" {' '.join(args.extra)}" if args.extra else "") + ".",
        "",
        f"- Machine: {cores} cores ({info['cpu']}), {info['memory_gib']} GiB memory, Linux "
        f"{info['kernel']}; load average before the run "
        f"{', '.join(f'{x:.2f}' for x in info['loadavg_before'])}.",
        f"- Software: Python {info['python']}, Django {info['django']}, gunicorn {info['gunicorn']} "
        f"({args.workers} {args.worker_class} workers), locust {info['locust']} (FastHttpUser), "
        f"{info['database']}, cache: {info['cache']}.",
        f"- Dataset: {results['dataset']['pupils']:,} pupils in {results['dataset']['schools']} schools, "
        f"{results['dataset']['groups']} groups, {results['dataset']['guardians']:,} guardians, "
        f"{results['dataset']['codes']:,} home login codes (made in {results['dataset']['seconds']} s).",
        f"- Load: every scenario alone for {args.duration} s with {args.users} clients without think "
        f"time (closed loop), on the same server, one after another; the storm with "
        f"{args.storm_users} clients for {args.storm_duration} s. Figures cover the time after ramp-up.",
        "",
        "## Scenarios",
        "",
        f"Bare page: {fmt(bare_rps)} requests/s (mean of the start and end measurements: "
        f"{' and '.join(fmt(b) for b in bare)}).",
        "",
        "| scenario | requests/s | ratio to bare | flows/s | p50 ms | p95 ms | p99 ms | errors | "
        "server CPU ms/request | ratio by CPU | load generator | other work |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    paced = ("storm_paced", STORM_CLASSES, "PIN login POST",
             f"08:30 storm, {args.storm_think:g} s think time between flows")
    for key, _classes, _flow, label in [*SCENARIOS, STORM, paced]:
        r = results.get(key) if key != "storm" else storm
        if not r:
            continue
        ratio = r["rps"] / bare_rps if bare_rps and r["rps"] else None
        other = (r["other_cpu_s"] / r["seconds"] / cores) if r.get("other_cpu_s") is not None else None
        client = r["cpu"]["client"] / r["seconds"] / cores if r.get("cpu") else None
        cpu_ratio = (bare_cpu_ms / r["server_cpu_ms_per_request"]
                     if bare_cpu_ms and r.get("server_cpu_ms_per_request") else None)
        lines.append(
            f"| {label} | {fmt(r['rps'])} | {fmt(ratio and 100 * ratio, 0, ' %')} | "
            f"{fmt(r['flows_per_s'], 1)} | {fmt(r['p50'])} | {fmt(r['p95'])} | {fmt(r['p99'])} | "
            f"{r['failures']} of {r['requests']:,} | {fmt(r.get('server_cpu_ms_per_request'), 2)} | "
            f"{fmt(cpu_ratio and 100 * cpu_ratio, 0, ' %')} | "
            f"{fmt(client and 100 * client, 0, ' %')} | {fmt(other and 100 * other, 0, ' %')} |"
        )
    lines += [
        "",
        "*requests/s*: all requests of the scenario's flow per second; *ratio to bare*: that, "
        "divided by the bare page's requests/s (the targets' measure); *flows/s*: completed flows "
        "(logins, code entries, token exchanges: the request named in the details below) per "
        "second; *server CPU*: CPU milliseconds per request of gunicorn (and, on PostgreSQL, of its "
        "backends and Redis); "
        "*ratio by CPU*: the bare page's server CPU per request divided by the scenario's (the same "
        "ratio without the load generator's share of the cores); *load generator*, *other work*: "
        "share of the machine's CPU used by locust, and by processes outside this benchmark.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
    ]
    targets = []

    def ratio_of(key):
        r = results.get(key)
        return r["rps"] / bare_rps if r and r.get("rps") and bare_rps else None

    for key, goal, label in [("pin", 0.40, "PIN login ≥ 40 % of the bare page"),
                             ("tile", 0.60, "Tile page ≥ 60 % of the bare page"),
                             ("overview", 0.60, "Software overview ≥ 60 % of the bare page")]:
        value = ratio_of(key)
        extra = ""
        if key == "pin" and value is not None and results["pin"]["flows_per_s"]:
            extra = (f" (requests; {fmt(results['pin']['flows_per_s'], 1)} logins/s = "
                     f"{fmt(100 * results['pin']['flows_per_s'] / bare_rps, 1)} % counted per login)")
        targets.append((label, f"{fmt(value and 100 * value, 0, ' %')}{extra}",
                        value is not None and value >= goal))
    parent = results.get("parent")
    if parent and argon:
        share = parent["flows_per_s"] / argon["bound_per_s"] if parent["flows_per_s"] else 0
        targets.append((
            "Parent login ≥ 85 % of the Argon2 bound",
            f"{fmt(parent['flows_per_s'], 2)} logins/s of a bound of {fmt(argon['bound_per_s'], 2)}/s "
            f"({cores} cores ÷ {fmt(argon['cpu_s_per_check'] * 1000, 0)} ms CPU per check) = "
            f"{fmt(100 * share, 0, ' %')}", share >= 0.85))
    if imports:
        first = imports[0]
        targets.append((
            f"Import of {args.import_pupils:,} pupils (EDEX-XML) < 2 min and < 1 GB",
            f"{fmt(first['seconds'], 1)} s, max RSS {fmt(first['max_rss_mb'])} MB"
            + ("" if first["ok"] else " (FAILED)"),
            first["ok"] and first["seconds"] < 120 and first["max_rss_mb"] < 1024))
    if storm:
        tile = next((r for r in storm["rows"] if r["name"] == "tile page"), None)
        targets.append((
            f"No errors under {args.storm_users} clients for {args.storm_duration} s",
            f"{storm['failures']} errors of {storm['requests']:,} requests", storm["failures"] == 0))
        targets.append((
            "Tile page p99 < 250 ms there",
            f"{fmt(tile and tile['p99'])} ms (p50 {fmt(tile and tile['p50'])}, "
            f"p95 {fmt(tile and tile['p95'])})",
            tile is not None and tile["p99"] is not None and tile["p99"] < 250))
    for label, measured, met in targets:
        lines.append(f"| {label} | {measured} | {'yes' if met else '**no**'} |")

    pin = results.get("pin")
    lines += ["", "## Extrapolation: 750 logins per second", ""]
    if pin and pin.get("flows_per_s"):
        per_core = pin["flows_per_s"] / cores
        lines.append(
            f"- PIN logins (full flow, 5 requests): {fmt(pin['flows_per_s'], 1)} logins/s on {cores} cores "
            f"= {fmt(per_core, 1)} per core (wall clock, load generator on the same cores) → "
            f"**{fmt(750 / per_core, 1)} cores** for 750 logins/s.")
        if pin.get("server_cpu_ms_per_flow"):
            need = 750 * pin["server_cpu_ms_per_flow"] / 1000
            lines.append(
                f"- By CPU time: {fmt(pin['server_cpu_ms_per_flow'], 1)} ms of server CPU per login "
                f"(app {fmt(1000 * pin['cpu']['app'] / pin['flows'], 1)}, database "
                f"{fmt(1000 * pin['cpu']['db'] / pin['flows'], 1)}, Redis "
                f"{fmt(1000 * pin['cpu']['cache'] / pin['flows'], 1)}) → {fmt(need, 1)} cores fully "
                f"busy, **{fmt(need / 0.7, 1)} cores** at 70 % utilisation.")
    if argon and parent and parent.get("server_cpu_ms_per_flow"):
        lines.append(
            f"- Parent logins: {fmt(argon['cpu_s_per_check'] * 1000, 0)} ms CPU per Argon2 check "
            f"→ {fmt(750 * argon['cpu_s_per_check'], 0)} cores for Argon2 alone at 750 logins/s; "
            f"measured {fmt(parent['server_cpu_ms_per_flow'], 0)} ms server CPU per parent login "
            f"(form + POST) → {fmt(750 * parent['server_cpu_ms_per_flow'] / 1000, 0)} cores.")

    lines += ["", "## Import", ""]
    for imp in imports:
        lines.append(f"- {imp['label']}: {fmt(imp['seconds'], 1)} s wall, {fmt(imp['user_s'], 1)} s "
                     f"user CPU, max RSS {fmt(imp['max_rss_mb'])} MB ({fmt(imp['file_mb'], 1)} MB file); "
                     f"{'ok' if imp['ok'] else 'FAILED'}: {imp['summary']}")
    if argon:
        lines += ["", "## Argon2", "",
                  f"{argon['hasher']} {argon['params']}: {fmt(argon['cpu_s_per_check'] * 1000, 1)} ms CPU "
                  f"({fmt(argon['wall_s_per_check'] * 1000, 1)} ms wall) per check, the mean of "
                  + " and ".join(f"{a['checks']} checks {when} the load "
                                 f"({fmt(a['cpu_s_per_check'] * 1000, 1)} ms)"
                                 for a, when in zip(argon.get("runs", [argon]), ("before", "after"),
                                                    strict=False))
                  + f", each in one process; bound {fmt(argon['bound_per_s'], 2)} checks/s on "
                  f"{cores} cores. (A check uses 64 MiB of memory: its CPU time grows when other "
                  "work competes for memory bandwidth.)"]

    server_log = results.get("server_log") or {}
    lines += ["", "## Server log", "",
              "Django's request log lines during the whole run (including preparation): "
              + (", ".join(f"{v} × {k}" for k, v in server_log.get("counts", {}).items()) or "none") + "."]
    if server_log.get("first_traceback"):
        lines += ["", "First traceback:", "", "```", server_log["first_traceback"].strip(), "```"]

    if results.get("profile"):
        lines += ["", "## Cost per page in one process", "",
                  "Django's test client on the same database after the load (no HTTP, no gunicorn, no "
                  "load generator): median CPU per request, SQL queries per request, time spent in SQL.",
                  "", "| page | CPU ms | queries | SQL ms |", "| --- | ---: | ---: | ---: |"]
        for p in results["profile"]:
            lines.append(f"| {p['page']} | {fmt(p['cpu_ms'], 2)} | {fmt(p['queries'])} | "
                         f"{fmt(p['sql_ms'], 2)} |")
        for p in results["profile"]:
            if p.get("sql"):
                lines += ["", f"Queries of the {p['page']}:", ""]
                lines += [f"{i}. `{sql}`" for i, sql in enumerate(p["sql"], 1)]

    lines += ["", "## Details per request", ""]
    for key, _classes, _flow, label in [*SCENARIOS, STORM, paced]:
        r = results.get(key) if key != "storm" else storm
        if not r:
            continue
        lines += [f"**{label}** ({fmt(r['seconds'], 1)} s, load average at the end "
                  f"{', '.join(f'{x:.2f}' for x in r['loadavg'] or [])}"
                  f"{'; the load generator reported CPU overload' if r['client_overloaded'] else ''})", "",
                  "| request | count | /s | p50 | p95 | p99 | max | errors |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for row in r["rows"]:
            lines.append(f"| {row['method']} {row['name']} | {row['count']:,} | "
                         f"{fmt(row['count'] / r['seconds'] if r['seconds'] else None, 1)} | "
                         f"{fmt(row['p50'])} | {fmt(row['p95'])} | {fmt(row['p99'])} | {fmt(row['max'])} | "
                         f"{row['failures']} |")
        for failure in r["failure_list"][:5]:
            lines.append(f"\nError: {failure['count']} × {failure['name']}: `{failure['error'][:200]}`")
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", choices=["sqlite", "postgres"])
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=30, help="seconds per scenario")
    parser.add_argument("--users", type=int, default=16, help="clients per scenario")
    parser.add_argument("--storm-users", type=int, default=64)
    parser.add_argument("--storm-duration", type=int, default=60)
    parser.add_argument("--storm-think", type=float, default=5.0,
                        help="also run the storm with this many seconds between a client's flows "
                             "(0: skip)")
    parser.add_argument("--workers", type=int, default=2 * os.cpu_count() + 1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--import-pupils", type=int, default=100_000)
    parser.add_argument("--sqlite-options", default="",
                        help="query string for the SQLite DATABASE_URL, e.g. transaction_mode=IMMEDIATE")
    parser.add_argument("--only", help="comma-separated scenario keys (default: all)")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--out", help="default: bench/results-<db>.md")
    args = parser.parse_args(argv)
    extra = (argv if argv is not None else sys.argv[1:])[1:]
    # The report repeats the options, but not a machine path given with --out.
    args.extra = [a for i, a in enumerate(extra)
                  if not a.startswith("--out") and not (i and extra[i - 1] == "--out")]
    for name, value, low, high in [("duration", args.duration, 5, 600), ("users", args.users, 1, 256),
                                   ("storm-users", args.storm_users, 1, 256),
                                   ("storm-duration", args.storm_duration, 5, 600),
                                   ("workers", args.workers, 1, 64)]:
        if not low <= value <= high:
            parser.error(f"--{name} must be between {low} and {high}")
    only = set(args.only.split(",")) if args.only else None

    started = datetime.datetime.now()
    tmp = Path(tempfile.mkdtemp(prefix="basispoort-bench-"))
    env = make_env(args.db, tmp, args.sqlite_options)
    info = machine_info(args.db, env)
    if args.keep:  # to rerun a step by hand against the kept database (throwaway keys)
        (tmp / "env.json").write_text(json.dumps({k: v for k, v in env.items() if k not in os.environ
                                                  or os.environ[k] != v}))
    log(f"{args.db}: working in a temporary directory; {info['cores']} cores, load {info['loadavg_before']}")
    py = sys.executable
    gunicorn = None
    try:
        if args.db == "postgres":
            reset_postgres(env)
        run([py, "manage.py", "migrate", "--no-input", "-v", "0"], env, timeout=600)
        log("dataset")
        run([py, "-m", "bench.make_dataset", "--pupils", str(args.pupils), "--out",
             str(tmp / "dataset.json")], env, timeout=1800)
        data = json.loads((tmp / "dataset.json").read_text())
        if args.db == "postgres":
            # A production database has planner statistics (autovacuum); a freshly loaded one
            # gets them at once here, not at some moment during the load.
            run(["psql", "-h", HOST, "-U", "postgres", "-d", PG_DB, "-qc", "VACUUM ANALYZE"], env,
                timeout=600)
        run([py, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, timeout=600)
        log("Argon2 bound (before the load)")
        argon_runs = [measure_argon2(py, env)]
        log(f"gunicorn: {args.workers} {args.worker_class} workers on {BASE}")
        gunicorn = start_gunicorn(env, tmp, args.workers, args.worker_class)
        log("preparing classroom devices and teacher sessions")
        state = prepare(data, classrooms=max(args.users, args.storm_users), teachers=16)
        (tmp / "state.json").write_text(json.dumps(state))

        results = {"dataset": {"pupils": data["pupils"], "schools": data["schools"],
                               "groups": len(data["groups"]), "guardians": len(data["guardians"]),
                               "codes": len(data["home_codes"]), "seconds": data["seconds"]}}
        for key, classes, flow, label in SCENARIOS:
            if only and key not in only and not key.startswith("bare"):
                continue
            log(f"scenario {key}: {label}")
            results[key] = summarise(run_locust(key, classes, args.users, args.duration, env, tmp,
                                                gunicorn.pid, args.db), flow)
            r = results[key]
            log(f"  {fmt(r['rps'])} requests/s, {fmt(r['flows_per_s'], 1)} flows/s, p99 {fmt(r['p99'])} ms, "
                f"{r['failures']} errors")
        storm = None
        if not only or "storm" in only:
            key, classes, flow, label = STORM
            log(f"scenario storm: {args.storm_users} clients, {args.storm_duration} s")
            storm = summarise(run_locust(key, classes, args.storm_users, args.storm_duration, env, tmp,
                                         gunicorn.pid, args.db), flow)
            log(f"  {fmt(storm['rps'])} requests/s, p99 {fmt(storm['p99'])} ms, {storm['failures']} errors")
        if args.storm_think and (not only or "storm" in only):
            log(f"scenario storm with {args.storm_think} s think time between flows")
            results["storm_paced"] = summarise(run_locust(
                "storm_paced", STORM_CLASSES, args.storm_users, args.storm_duration, env, tmp,
                gunicorn.pid, args.db, think=args.storm_think), "PIN login POST")
            r = results["storm_paced"]
            log(f"  {fmt(r['rps'])} requests/s, p99 {fmt(r['p99'])} ms, {r['failures']} errors")
        stop_gunicorn(gunicorn)
        results["server_log"] = server_log_summary(tmp)
        log("Argon2 bound (after the load)")
        argon_runs.append(measure_argon2(py, env))
        argon = {**argon_runs[0], "runs": argon_runs, "checks": sum(a["checks"] for a in argon_runs),
                 "cpu_s_per_check": sum(a["cpu_s_per_check"] for a in argon_runs) / len(argon_runs),
                 "wall_s_per_check": sum(a["wall_s_per_check"] for a in argon_runs) / len(argon_runs)}
        argon["bound_per_s"] = argon["cores"] / argon["cpu_s_per_check"]
        log("profiling pages in one process")
        profile = run([py, "-m", "bench.profile_pages", "--data", str(tmp / "dataset.json")], env,
                      timeout=600, check=False, capture_output=True, text=True)
        results["profile"] = json.loads(profile.stdout) if profile.returncode == 0 else []
        if profile.returncode:
            log(f"  profiling failed: {profile.stderr[-500:]}")
        imports = []
        if not args.no_import:
            log(f"import of {args.import_pupils:,} pupils")
            imports = run_import(env, tmp, args.import_pupils)
            for imp in imports:
                log(f"  {imp['label']}: {fmt(imp['seconds'], 1)} s, {fmt(imp['max_rss_mb'])} MB")
        finished = datetime.datetime.now()
        out = Path(args.out) if args.out else BENCH / f"results-{args.db}.md"
        write_report(out, args.db, args, info, argon, results, storm, imports, started, finished)
        out.with_suffix(".json").write_text(json.dumps({
            "db": args.db, "machine": info, "argon2": argon, "results": results, "storm": storm,
            "imports": imports, "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
        }, indent=1, default=str))
        log(f"written {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out.name}"
            f"; server log: {results['server_log']['counts']}")
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        if args.db == "postgres" and not args.keep:
            drop_postgres(env)
        if args.keep:
            log(f"kept the temporary directory {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
