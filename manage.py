#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "basispoort.settings")
    # On a fresh laptop (no SECRET_KEY, no DJANGO_DEBUG, no .env) management commands run in
    # development mode, like `make demo`. Anywhere a SECRET_KEY or DJANGO_DEBUG is set, nothing
    # changes; the web server (wsgi.py) never does this.
    configured = {"SECRET_KEY", "DJANGO_DEBUG"} & os.environ.keys()
    if not configured and not os.path.exists(os.path.join(os.path.dirname(__file__), ".env")):
        os.environ["DJANGO_DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
