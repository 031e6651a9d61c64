#!/usr/bin/env bash
# Basispoort benchmark (on demand; never part of `make test` or CI).
#   bench/run.sh postgres    PostgreSQL 127.0.0.1:5432 (database "bench", dropped and re-created,
#                            user postgres) + Redis 127.0.0.1:6379 db 2
# Further options go to bench/run.py (--duration, --connections, --workers, --only, --no-import ...).
# Writes bench/results-postgres.md and bench/results-postgres.json. Takes 15 minutes on a quiet
# machine, up to 60 on a busy one (a scenario runs again while other work takes over 10 %).
set -euo pipefail
cd "$(dirname "$0")/.."

db="${1:-}"
if [ "$db" != postgres ]; then
  echo "usage: bench/run.sh postgres [options of bench/run.py]" >&2
  exit 2
fi
[ -x .venv/bin/python ] || { echo "No .venv: run 'make setup' first." >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y wrk
  else
    echo "The load generator is wrk: sudo apt-get install wrk" >&2
    exit 1
  fi
fi
[ -x /usr/bin/time ] || { echo "The import measurement needs /usr/bin/time: sudo apt-get install time" >&2; exit 1; }
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432." >&2; exit 1; }
[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] \
  || { echo "Redis does not answer on 127.0.0.1:6379." >&2; exit 1; }
# Bounded: the whole run stops after 60 minutes whatever happens.
exec timeout --signal=INT --kill-after=60 3600 .venv/bin/python -m bench.run "$@"
