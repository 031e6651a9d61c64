"""The project's own settings, plus one thing for the benchmark: the floor view (bench/urls.py).

Everything else (DEBUG, middleware, sessions, cache, axes, hashers) is exactly what
basispoort/settings.py makes of the environment that bench/run.py sets. Static files are
collected into the benchmark's temporary directory instead of the checkout.
"""

import os

from basispoort.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
