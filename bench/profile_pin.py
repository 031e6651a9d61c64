"""Where the PIN POST's time goes: a cProfile of correct-PIN logins on a classroom device, in one
process with Django's test client on the benchmark database (no HTTP, no gunicorn).

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.profile_pin --data dataset.json

bench/run.py runs it after the load, with the run's environment (the PINs in the dataset only
match with the run's SECRET_HASH_KEYS). Prints JSON: CPU and wall time per request without the
profiler, the inclusive share of some parts of the work, and the top of the profile.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent

# (label, file ending, function): the inclusive time of these, as a share of the whole.
PARTS = [
    ("finding the device's group and teacher (connected_group)", "pupils/classroom.py", "connected_group"),
    ("loading the pupil (Pupil.for_login, compiled once)", "pupils/models.py", "for_login"),
    ("the first attempt's claim in Redis (first_attempt)", "basispoort/lockout.py", "first_attempt"),
    ("the pupil's row lock (lock_for_attempt; a second attempt within the minute)", "pupils/models.py",
     "lock_for_attempt"),
    ("authenticate(): django-axes + the PIN check", "django/contrib/auth/__init__.py", "authenticate"),
    ("the PIN check itself (check_secret)", "pupils/models.py", "check_secret"),
    ("starting the pupil session (session.start: login(), new key)", "pupils/session.py", "start"),
    ("saving the session (SessionMiddleware.process_response)", "django/contrib/sessions/middleware.py",
     "process_response"),
    ("the audit entry (AuditEntry.objects.record)", "schools/models.py", "record"),
    ("PostgreSQL statements (psycopg Cursor.execute)", "psycopg/cursor.py", "execute"),
    ("COMMIT (psycopg Connection.commit)", "psycopg/connection.py", "commit"),
    ("Redis commands (redis-py execute_command)", "redis/client.py", "execute_command"),
]


def short(line):
    """A profile line without this machine's paths: site-packages/..., python/..., the project's."""
    line = re.sub(r"\S*/site-packages/", "", line)
    line = re.sub(r"\S*/lib/python3\.\d+/", "python/", line)
    return line.replace(f"{ROOT}/", "")


def run(data, repeat):
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    # Each pupil logs in once, as at 08:30 (a second attempt on a pupil within a minute takes
    # the row lock: basispoort/lockout.py first_attempt): classroom devices of as many groups
    # as the warm-up, the timed and the profiled POSTs need.
    logins = []
    for group in (g for g in data["groups"] if g["year_level"] >= 4):
        if len(logins) >= 10 + 2 * repeat:
            break
        device = Client(HTTP_HOST="127.0.0.1")
        device.force_login(User.objects.get(username=group["teacher"]))
        if device.post("/klas/instellen/", {"group": group["id"]}).status_code != 302:
            raise SystemExit("classroom set-up failed")
        logins += [(device, pupil_id, pin) for pupil_id, pin in group["pupils"]]
    if len(logins) < 10 + 2 * repeat:
        raise SystemExit("not enough pupils with a PIN in the dataset")

    def pin_post(i):
        device, pupil_id, pin = logins[i]
        device.cookies.pop(settings.SESSION_COOKIE_NAME, None)  # a device after "Uitloggen"
        response = device.post(f"/klas/leerling/{pupil_id}/", {"pin": pin})
        if response.status_code != 302:
            raise SystemExit(f"PIN POST answered {response.status_code}")

    for i in range(10):
        pin_post(i)
    cpu, wall = [], []
    for i in range(10, 10 + repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        pin_post(i)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(10 + repeat, 10 + 2 * repeat):
        pin_post(i)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    parts = []
    for label, ending, name in PARTS:
        inclusive = sum(ct for (path, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items()
                        if func == name and path.endswith(ending))
        parts.append((label, inclusive / total))
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(45)
    top = "\n".join(short(line) for line in out.getvalue().splitlines()
                    if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced")))
    return {"requests": repeat, "cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall),
            "parts": parts, "top": top}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the JSON written by bench/make_dataset.py")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    with open(args.data) as f:
        data = json.load(f)
    json.dump(run(data, max(10, min(args.repeat, 1000))), sys.stdout)


if __name__ == "__main__":
    main()
