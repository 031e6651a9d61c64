"""The benchmark of Basispoort (run on demand, never in the test run): server CPU per request on
gunicorn + PostgreSQL + Redis, beside a floor request, with wrk as the load generator.

See README.md ("Benchmarks") and bench/RESULTS.md. Entry point: bench/run.sh postgres.
"""
