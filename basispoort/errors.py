"""What a visitor sees when something breaks (handler500 in basispoort/urls.py).

When the database does not answer (PostgreSQL restarting, a failover, the network to it gone),
nothing is wrong with the request, and it will work again in a moment: the answer is 503 with
Retry-After and a calm Dutch page that asks to try again soon. That page is rendered without a
request context, so it touches neither the database nor request.user. Any other fault gets
Django's ordinary 500 page.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _database_unavailable(error):
    seen = set()
    while error is not None and id(error) not in seen:  # also when wrapped in another error
        if isinstance(error, DATABASE_ERRORS):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if _database_unavailable(sys.exception()):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
