"""Rate limits beyond the lockout, with django-ratelimit's cache counters.

The lockout (django-axes) stops guessing at one account. These stop what has no account to lock:
spraying guesses across every pupil's home login code from one address (or from many), and
using the "forgot password" and invitation mails to flood someone's mailbox. Each limit is
counted per client IP (read like django-axes reads it: only through trusted proxies) and for
the whole site. The numbers are in settings.THROTTLES and docs/security.md.
"""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited


def _client_ip(group, request):
    return get_client_ip_address(request) or "unknown"


def _everyone(group, request):
    return "all"


def throttled(request, name):
    """Count this request against ``name``'s limits; True when it is over one of them."""
    per_ip, site_wide = settings.THROTTLES[name]
    over = [
        is_ratelimited(request, group=f"{name}:ip", key=_client_ip, rate=per_ip, increment=True),
        is_ratelimited(request, group=f"{name}:all", key=_everyone, rate=site_wide, increment=True),
    ]
    return any(over)


def throttled_response(request):
    return render(request, "throttled.html", status=429)
