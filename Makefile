# Basispoort: `make demo` sets everything up and runs the app with the demo world;
# `make test` runs every test (unit, integration and browser tests in Chromium).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DJANGO_DEBUG=1

.PHONY: demo run setup test test-fast test-clock e2e lint check migrations-check messages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py make_dev_oidc_key
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

run: setup
	mkdir -p var
	$(DEV_ENV) $(PY) manage.py make_dev_oidc_key
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not e2e"

# The non-browser tests at another date, e.g. `make test-clock SHIFT=+250d` (Debian's faketime).
SHIFT ?= +250d
test-clock: setup
	faketime -f '$(SHIFT)' $(PY) -m pytest -m "not e2e" -q

e2e: setup
	$(PY) -m pytest tests/e2e

lint: setup
	$(VENV)/bin/ruff check .

check: setup
	$(DEV_ENV) $(PY) manage.py check

migrations-check: setup
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

# Regenerate the catalogues after changing Dutch strings (needs GNU gettext): English for every
# page; Arabic, Turkish, Polish and Ukrainian for the parents' and pupils' pages.
LOCALES := en ar tr pl uk
messages: setup
	$(DEV_ENV) $(PY) manage.py makemessages $(addprefix --locale ,$(LOCALES)) --ignore ".venv/*" --ignore "tests/*" --ignore "bench/*"
	$(DEV_ENV) $(PY) manage.py compilemessages $(addprefix --locale ,$(LOCALES)) --ignore ".venv/*"
