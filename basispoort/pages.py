"""Pages that many visitors see alike, rendered once and filled in per request.

At 08:30 every pupil of a class loads the same tile page, and every pupil of a group sees the
same overview but for their name. Rendering such a page costs more CPU than everything else the
request does. ``render_cached`` renders it once per ``key`` with stand-ins for what differs per
request, the CSRF token, the CSP nonce and the ``fill`` values, and each request then costs one
cache read and a few string replacements (``fill`` values escaped, as the template escapes).

The key must name everything else the page shows (the caller's fingerprint); the template and
the language are added here, and the page's address too unless the caller says the page is the
same at every address (``any_address``: one PIN pad for every pupil of a class). The address
in base.html's language form is then filled in per request as well, and a page that shows its
own address anywhere else is not cached. A request with flash messages to show is rendered in
full, so a message is never cached or lost.
"""

import hashlib
import logging
from functools import lru_cache

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.html import escape
from django.utils.translation import get_language

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _prefix():
    """The stand-ins' common start: the same on every app server (they share the cached pages),
    and derived from SECRET_KEY, so no visitor can type one into a name."""
    return f"stand-in-{salted_hmac('basispoort.pages', 'stand-in').hexdigest()[:24]}-"


def render_cached(request, template, context, *, key, fill=None, any_address=False, timeout=600):
    """Like ``render(request, template, {**context, **fill})``; ``fill`` maps context names to
    the plain-text values that differ per request."""
    fill = fill or {}
    if len(get_messages(request)):  # shown once, then gone: never from the cache
        return HttpResponse(render_to_string(template, {**context, **fill}, request))
    prefix, path = _prefix(), request.get_full_path()
    if not any_address:
        key = f"{hashlib.sha256(path.encode()).hexdigest()[:16]}:{key}"
    cache_key = f"page:{template}:{get_language()}:{key}"
    page = cache.get(cache_key)
    if page is None:
        stand_ins = {name: f"{prefix}{name}" for name in fill}
        page = render_to_string(template, {**context, **stand_ins, "csrf_token": f"{prefix}csrf",
                                           "CSP_NONCE": f"{prefix}nonce", "page_path": f"{prefix}path"},
                                request)
        if any_address and escape(path) in page:
            logger.error("%s shows its own address: not cached for any address", template)
        else:
            cache.set(cache_key, page, timeout)
    for name, value in fill.items():
        page = page.replace(f"{prefix}{name}", escape(value))
    page = (page.replace(f"{prefix}csrf", get_token(request))
            .replace(f"{prefix}nonce", str(request.csp_nonce))
            .replace(f"{prefix}path", escape(path)))
    return HttpResponse(page)
