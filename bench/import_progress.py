"""A school's big upload through the real import page, as its ICT-coördinator does it: how soon
the upload is answered, how soon the progress page shows counts, how long the preview and the
applying take, and whether other requests wait meanwhile (the import must never hold a web
worker). Production's set-up: PostgreSQL + Redis, gunicorn with two workers, one `db_worker`
process for the task queue (TASKS_IN_PROCESS_WORKER=0).

    .venv/bin/python -m bench.import_progress [--pupils 20000]

Prints one JSON object; bench/RESULTS.md quotes it.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.run import (
    CSRF_RE,
    HOST,
    PORT,
    ROOT,
    Gunicorn,
    drop_postgres,
    log,
    make_env,
    reset_postgres,
    run,
)

PASSWORD = "bench-import-password-0123"  # noqa: S105 (a throwaway database)
EMAIL = "ict@bench.example"
MAKE_ADMIN = f"""
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.models import User
from schools.models import School, Teacher
school = School.objects.create(brin="97ZZ", vestiging="00", name="Benchschool")
user = User.objects.create_user(username="{EMAIL}", email="{EMAIL}", password="{PASSWORD}",
                                kind=User.Kind.ADULT)
Teacher.objects.create(user=user, school=school, role="ict_coordinator")
print(TOTPDevice.objects.create(user=user, name="app", confirmed=True).key)
"""


def totp(hex_key):
    from django_otp.oath import totp as code

    return f"{code(bytes.fromhex(hex_key)):06d}"


def base():
    return f"http://{HOST}:{PORT}"


def log_in(hex_key):
    import requests

    session = requests.Session()
    page = session.get(f"{base()}/leerkracht/inloggen/", timeout=30)
    if not CSRF_RE.search(page.text):
        raise SystemExit(f"no login form: {page.status_code} {page.url} {page.text[:300]}")
    response = session.post(f"{base()}/leerkracht/inloggen/", timeout=30, data={
        "csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1), "username": EMAIL, "password": PASSWORD,
    })
    if "/tweede-stap/" not in response.url:
        raise SystemExit(f"the login did not ask for the second step: {response.status_code} {response.url}")
    response = session.post(response.url, timeout=30, data={
        "csrfmiddlewaretoken": CSRF_RE.search(response.text).group(1), "token": totp(hex_key),
    })
    if "/tweede-stap/" in response.url:
        raise SystemExit(f"the second step was refused: {response.status_code} {response.url}")
    return session


class Watcher(threading.Thread):
    """Another staff page, asked every 0.2 s while the import runs: how long each answer takes."""

    def __init__(self, session):
        super().__init__(daemon=True)
        self.session, self.stop, self.times, self.errors = session, threading.Event(), [], 0

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                ok = self.session.get(f"{base()}/leerkracht/", timeout=60).status_code == 200
            except Exception:  # noqa: BLE001 (counted, not raised: the figure is what matters)
                ok = False
            self.times.append(time.monotonic() - started)
            self.errors += not ok
            time.sleep(0.2)


def wait_for(session, job_url, since):
    """Poll the progress as the page's script does; (seconds to the first counts, to the end)."""
    first = None
    while True:
        status = session.get(f"{job_url}voortgang/", timeout=30).json()
        counts = [v for k, v in status["progress"].items() if k != "at" and isinstance(v, int)]
        if first is None and any(counts):
            first = time.monotonic() - since
        if status["finished"]:
            if status["state"] != "done":
                raise SystemExit(f"the import ended {status['state']}: {status}")
            return first, time.monotonic() - since
        time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=20_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = {**make_env(tmp), "TASKS_IN_PROCESS_WORKER": "0"}
    reset_postgres(env)
    server = worker = None
    try:
        run([sys.executable, "manage.py", "migrate", "-v", "0"], env, timeout=300)
        run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], env, timeout=300)
        hex_key = run([sys.executable, "manage.py", "shell", "-c", MAKE_ADMIN], env, timeout=120,
                      capture_output=True, text=True).stdout.strip().splitlines()[-1]
        xml = tmp / "school.xml"
        with open(xml, "w") as out:
            run([sys.executable, "-m", "bench.make_edex", "--pupils", str(args.pupils)], env,
                timeout=300, stdout=out)
        server = Gunicorn(env, tmp, PORT, 2, "import")
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--queue-name=*", "--no-reload"],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import requests

        session = log_in(hex_key)  # a code works once: the watcher shares the session
        other = requests.Session()
        other.cookies.update(session.cookies)
        watcher = Watcher(other)
        log(f"uploading {args.pupils:,} pupils ({xml.stat().st_size / 1e6:.1f} MB)")
        page = session.get(f"{base()}/leerkracht/import/", timeout=30)
        watcher.start()
        started = time.monotonic()
        with open(xml, "rb") as upload:
            response = session.post(f"{base()}/leerkracht/import/", timeout=60,
                                    data={"csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1)},
                                    files={"file": ("school.xml", upload, "text/xml")})
        answered = time.monotonic() - started
        job_url = response.url
        preview_first, preview_done = wait_for(session, job_url, started)
        page = session.get(job_url, timeout=30)
        started_apply = time.monotonic()
        session.post(f"{job_url}importeren/", timeout=60,
                     data={"csrfmiddlewaretoken": CSRF_RE.search(page.text).group(1)})
        apply_first, apply_done = wait_for(session, job_url, started_apply)
        watcher.stop.set()
        watcher.join()
        result = {
            "pupils": args.pupils,
            "upload_answered_s": round(answered, 2),
            "preview_first_counts_s": round(preview_first, 2) if preview_first else None,
            "preview_done_s": round(preview_done, 1),
            "apply_first_counts_s": round(apply_first, 2) if apply_first else None,
            "apply_done_s": round(apply_done, 1),
            "other_page_median_ms": round(statistics.median(watcher.times) * 1000),
            "other_page_max_ms": round(max(watcher.times) * 1000),
            "other_page_requests": len(watcher.times),
            "other_page_errors": watcher.errors,
        }
        print(json.dumps(result, indent=2))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        if server is not None:
            server.stop()
        drop_postgres(env)


if __name__ == "__main__":
    main()
