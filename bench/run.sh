#!/usr/bin/env bash
# Basispoort load and import benchmark (on demand; not part of `make test` or CI).
#   bench/run.sh sqlite      SQLite + local-memory cache
#   bench/run.sh postgres    PostgreSQL 127.0.0.1:5432 (database "bench", user postgres) + Redis
#                            127.0.0.1:6379 db 2
# Further options go to bench/run.py (--duration, --users, --storm-users, --pupils, --only ...).
# Writes bench/results-<db>.md and bench/results-<db>.json. Takes about 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

db="${1:-}"
case "$db" in
  sqlite|postgres) ;;
  *) echo "usage: bench/run.sh sqlite|postgres [options of bench/run.py]" >&2; exit 2 ;;
esac
[ -x .venv/bin/python ] || { echo "No .venv: run 'make setup' first." >&2; exit 1; }
.venv/bin/python -c "import locust" 2>/dev/null || .venv/bin/pip install --quiet -r bench/requirements.txt
[ -x /usr/bin/time ] || { echo "The import measurement needs /usr/bin/time (apt-get install time)." >&2; exit 1; }
if [ "$db" = postgres ]; then
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432." >&2; exit 1; }
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] \
    || { echo "Redis does not answer on 127.0.0.1:6379." >&2; exit 1; }
fi
# Bounded: the whole run stops after 40 minutes whatever happens.
exec timeout --signal=INT --kill-after=60 2400 .venv/bin/python -m bench.run "$@"
