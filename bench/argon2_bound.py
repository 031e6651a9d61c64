"""The Argon2 bound: how many password checks per second this machine's cores can do at most.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.argon2_bound [--checks 20]

Times check_password() with the project's PASSWORD_HASHERS[0] in one process and measures that
process's CPU time (not wall time, so other work on the machine does not inflate it).
bound = cores / CPU seconds per check. Prints JSON.
"""

import argparse
import json
import os
import time

import django


def measure(checks):
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    hasher = get_hasher()
    encoded = make_password("bench-ouder-wachtwoord-2026")
    check_password("bench-ouder-wachtwoord-2026", encoded)  # warm up
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(checks):
        if not check_password("bench-ouder-wachtwoord-2026", encoded):
            raise SystemExit("check_password failed")
    cpu = (time.process_time() - cpu0) / checks
    wall = (time.perf_counter() - wall0) / checks
    cores = os.cpu_count()
    params = {k: getattr(hasher, k) for k in ("time_cost", "memory_cost", "parallelism")
              if hasattr(hasher, k)}
    return {
        "hasher": settings.PASSWORD_HASHERS[0].rsplit(".", 1)[-1], "params": params,
        "checks": checks, "cpu_s_per_check": cpu, "wall_s_per_check": wall, "cores": cores,
        "bound_per_s": cores / cpu,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=20)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    print(json.dumps(measure(max(1, min(args.checks, 1000)))))


if __name__ == "__main__":
    main()
