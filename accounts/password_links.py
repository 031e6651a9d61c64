"""The set-password link every adult gets, parents and staff alike: the invitation, and the
new link "Wachtwoord vergeten?" sends. The link is a Django password-reset token on SITE_URL
(never the Host header of the request that asked, which anyone can forge): it works once,
since setting the password changes what the token is made from, and for
PASSWORD_RESET_TIMEOUT seconds. Django's PasswordResetForm skips accounts without a usable
password, and an invited adult has none yet, so the mails are built by each gate
(homelogin/services.py, teachers/staff.py) on these parts.

"Forgot" must not tell whether an address is known: the same work is done for known and
unknown addresses (a mail is built for an unsaved stand-in account and addressed to nobody),
and the one slow step whose cost depends on the address, talking to the mail server, happens
in a background thread, never while the visitor waits.
"""

import hashlib
import logging
import threading

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import ngettext

from .models import User

logger = logging.getLogger(__name__)

MAIL_THREAD_NAME = "basispoort-mail"
# At most one "forgot" mail per address per this many seconds: "Verstuur" must not become a
# way to flood someone's mailbox (the answer on the page stays the same).
FORGOT_MAIL_INTERVAL = 60


def set_password_url(user, view_name):
    """The link to ``view_name`` (a set-password page of one gate) for ``user``."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse(view_name, args=[uidb64, token])


def valid_for():
    """How long a link works, in words of the active language: "3 dagen", "12 uur"."""
    timeout = settings.PASSWORD_RESET_TIMEOUT
    if timeout >= 24 * 3600:
        days = timeout // (24 * 3600)
        return ngettext("%(n)s dag", "%(n)s dagen", days) % {"n": days}
    hours = max(1, round(timeout / 3600))
    return ngettext("%(n)s uur", "%(n)s uur", hours) % {"n": hours}


def first_ask_in_a_while(gate, email):
    """False when a "forgot" mail for ``email`` through ``gate`` went out less than
    FORGOT_MAIL_INTERVAL seconds ago (and then nothing is sent, and nothing said)."""
    key = f"{gate}-forgot:" + hashlib.sha256(email.encode()).hexdigest()
    return cache.add(key, True, timeout=FORGOT_MAIL_INTERVAL)


def stand_in(email):
    """An unsaved account for an address nobody has: the mail is built for it all the same."""
    return User(username=email, email=email, kind=User.Kind.ADULT, password=make_password(None))


def send_quietly(message):
    """Send; on failure log it and return False (the caller says what that means)."""
    try:
        message.send()
    except Exception:
        logger.exception("A set-password mail could not be sent")
        return False
    return True


def send_in_background(message):
    """Send from a thread of its own; a mail without recipients is not sent at all."""
    threading.Thread(target=send_quietly, args=[message], name=MAIL_THREAD_NAME).start()
