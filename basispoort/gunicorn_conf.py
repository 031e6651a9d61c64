"""gunicorn settings: `gunicorn -c python:basispoort.gunicorn_conf basispoort.wsgi`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the work is short and CPU-bound (PIN checks are microseconds, pages a few
# queries); 2 × cores + 1 keeps every core busy while some workers wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Workers are not recycled by request count: each restart costs about half a second of CPU and
# nothing here leaks; MAX_REQUESTS can turn recycling on (with a 10 % jitter).
max_requests = int(os.environ.get("MAX_REQUESTS", 0))
max_requests_jitter = max_requests // 10
timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
