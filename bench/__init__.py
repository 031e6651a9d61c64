"""Load and import benchmarks for Basispoort (run on demand, never in the test run).

See README.md ("Benchmarks") and bench/RESULTS.md. Entry point: bench/run.sh sqlite|postgres.
"""
