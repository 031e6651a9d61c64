"""Where a page's time goes: CPU milliseconds, SQL queries and time in SQL per request, measured
in one process with Django's test client on the benchmark database (no HTTP, no gunicorn).

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.profile_pages --data dataset.json

bench/run.py runs it after the load, with the same environment (the PINs in the dataset only
match with the run's SECRET_HASH_KEYS). Prints JSON: one entry per page.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import statistics
import time
from urllib.parse import parse_qs, urlencode, urlparse

import django

ALLOWED_HOST = "127.0.0.1"


class SqlCounter:
    def __init__(self):
        self.count, self.seconds, self.statements = 0, 0.0, []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            self.seconds += spent
            self.count += 1
            self.statements.append(f"{spent * 1000:.2f} ms: {sql[:300]}")


PROFILE = set()  # pages to run under cProfile (--cprofile), printed to standard error


def measure(label, fn, repeat, *, keep_sql=False):
    """Median CPU ms over ``repeat`` calls of ``fn`` (which returns a response), queries of one."""
    from django.db import connection

    if label in PROFILE:
        import cProfile
        import pstats
        import sys

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            fn()
        profiler.disable()
        print(f"==== {label}", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(70)

    fn()  # warm up
    counter = SqlCounter()
    with connection.execute_wrapper(counter):
        response = fn()
    cpu = []
    sql_time = []
    for _ in range(repeat):
        timing = SqlCounter()
        with connection.execute_wrapper(timing):
            start = time.process_time()
            fn()
            cpu.append((time.process_time() - start) * 1000)
        sql_time.append(timing.seconds * 1000)
    return {"page": label, "status": response.status_code, "cpu_ms": statistics.median(cpu),
            "queries": counter.count, "sql_ms": statistics.median(sql_time),
            **({"sql": counter.statements} if keep_sql else {})}


def run(data, repeat):
    from django.test import Client

    from accounts.models import User

    results = []
    pin_group = next(g for g in data["groups"] if g["year_level"] >= 4)
    teacher = User.objects.get(username=pin_group["teacher"])
    pupil_id, pin = pin_group["pupils"][0]
    client = Client(HTTP_HOST=ALLOWED_HOST)
    client.force_login(teacher)
    results.append(measure("teacher group page", lambda: client.get(
        f"/leerkracht/groep/{pin_group['id']}/"), repeat, keep_sql=True))
    assert client.post("/klas/instellen/", {"group": pin_group["id"]}).status_code == 302

    results.append(measure("bare page", lambda: client.get("/bench/bare/"), repeat))
    results.append(measure("tile page", lambda: client.get("/klas/"), repeat, keep_sql=True))
    results.append(measure("PIN pad", lambda: client.get(f"/klas/leerling/{pupil_id}/"), repeat))

    def login_logout():
        response = client.post(f"/klas/leerling/{pupil_id}/", {"pin": pin})
        assert response.status_code == 302, response.status_code
        client.post("/uitloggen/")
        return response

    results.append(measure("PIN login POST + logout", login_logout, repeat, keep_sql=True))
    assert client.post(f"/klas/leerling/{pupil_id}/", {"pin": pin}).status_code == 302
    results.append(measure("overview", lambda: client.get("/overzicht/"), repeat, keep_sql=True))

    oidc = data["oidc"]

    def authorize():
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        response = client.get("/o/authorize/?" + urlencode({
            "response_type": "code", "client_id": oidc["client_id"],
            "redirect_uri": oidc["redirect_uri"], "scope": "openid", "state": "s",
            "code_challenge": challenge, "code_challenge_method": "S256"}))
        assert response.status_code == 302, response.status_code
        return response, verifier

    results.append(measure("SSO authorize", lambda: authorize()[0], repeat))

    def token():
        response, verifier = authorize()
        code = parse_qs(urlparse(response["Location"]).query)["code"][0]
        start = time.process_time()
        token_response = client.post("/o/token/", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": oidc["redirect_uri"],
            "client_id": oidc["client_id"], "client_secret": oidc["client_secret"],
            "code_verifier": verifier})
        assert token_response.status_code == 200, token_response.content[:200]
        token.cpu = (time.process_time() - start) * 1000
        return token_response

    cpu = []
    for _ in range(max(3, repeat // 10)):
        token()
        cpu.append(token.cpu)
    results.append({"page": "SSO token exchange (authorize not counted)", "status": 200,
                    "cpu_ms": statistics.median(cpu), "queries": None, "sql_ms": None})

    parent = Client(HTTP_HOST=ALLOWED_HOST)
    email = data["guardians"][0]

    def parent_login():
        response = parent.post("/thuis/", {"username": email, "password": data["guardian_password"]})
        assert response.status_code == 302, response.status_code
        return response

    results.append(measure("parent login POST (Argon2)", parent_login, max(3, repeat // 10)))
    results.append(measure("parent children page", lambda: parent.get("/thuis/kinderen/"), repeat))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="the JSON written by bench/make_dataset.py")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--cprofile", action="append", default=[], metavar="PAGE",
                        help="also print a cProfile of this page (its label) to standard error")
    args = parser.parse_args(argv)
    PROFILE.update(args.cprofile)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    with open(args.data) as f:
        data = json.load(f)
    print(json.dumps(run(data, max(5, min(args.repeat, 500)))))


if __name__ == "__main__":
    main()
