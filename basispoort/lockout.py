"""The lockout policy of every gate, in one place: whose counter a failure counts against, how
many failures lock, for how long, what slows a device down, and how a lock is lifted. "Why is
this child locked?" is answered here; this is the only module that speaks to django-axes.

Counters (django-axes AccessAttempt rows, one per key; 10 failures lock the key for an hour):

- ``pupil:<id>:school`` — the pupil's PIN or pictures on a classroom device of their own group;
- ``pupil:<id>:home``   — the same on a home device that holds the pupil's code, or in their
  parent's session. School and home count apart: ten tries at home never lock the classroom;
- ``staff:<typed name>`` and ``guardian:<typed address>`` — the teachers' and parents' password
  forms, for known and unknown names alike (the answer never tells whether an account exists);
- ``password:<typed name>`` — any other password form (the platform admin's login);
- ``code-ip:<address>`` — wrong home login codes, per client IP address.

A key is built by our own code, never taken from what someone typed: whatever a password form is
given lands under its own prefix, so no form can reach a pupil's counter. A pupil's counter
is reachable only through that pupil's own gate, and the views of those gates check the device
or the parent before they ask for the secret.

On top of the counters, failures on the pupil gates are *slowed down* per device and per IP
address (``PUPIL_FAILURE_THROTTLES``), and failures on the password forms per IP address
(``PASSWORD_FAILURE_THROTTLES``): one naughty classmate can lock one friend, not the class.
The numbers are in settings and docs/security.md.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Max, Q, Sum
from django.db.models.functions import Now
from django.shortcuts import render
from django_ratelimit.core import get_usage

from .client_ip import client_ip
from .compiled import CompiledQuery

PUPIL_GATES = ("school", "home")
PASSWORD_GATES = ("staff", "guardian")


# Keys --------------------------------------------------------------------------------------


def pupil_key(pupil, gate):
    """The counter of ``pupil``'s secret on ``gate`` ("school" or "home")."""
    if gate not in PUPIL_GATES:
        raise ValueError(f"unknown pupil gate {gate!r}")
    return f"pupil:{pupil.pk}:{gate}"


def pupil_id_from_key(key):
    """The pupil id in a pupil key, or None for any other key."""
    prefix, _, rest = (key or "").partition(":")
    pupil_id, _, gate = rest.partition(":")
    return int(pupil_id) if prefix == "pupil" and pupil_id.isdigit() and gate in PUPIL_GATES else None


def password_key(gate, username):
    """The counter of a password form's typed name ("staff" or "guardian" form)."""
    return lockout_username(None, {"username": username, "gate": gate})


def code_ip_key(request):
    return f"code-ip:{client_ip(request)}"


def lockout_username(request, credentials):
    """django-axes' AXES_USERNAME_CALLABLE: the counter a login attempt belongs to.

    The pupil gates and the code entry pass a key they built (``gate`` is "school", "home" or
    "code"); the password forms pass what was typed with their own ``gate``, and it is prefixed
    with that gate, so typed text can never name a pupil's key.
    """
    credentials = credentials or {}
    username = str(credentials.get("username") or "")
    gate = credentials.get("gate")
    if gate in (*PUPIL_GATES, "code"):
        return username
    if gate not in PASSWORD_GATES:
        gate = "password"
        if not username and request is not None:
            username = str(request.POST.get("username", ""))
    return f"{gate}:{username}"


# Asking and answering ----------------------------------------------------------------------


def is_locked(request, key):
    """True while ``key`` has had too many failures (without counting anything)."""
    return not AxesProxyHandler.is_allowed(request, {"username": key, "gate": "code"})


def _digest(text):
    """A cache key's part for a counter's key or a device: short, and nothing typed in it."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _failed_mark(key):
    return f"failed:{_digest(key)}"


def shows_as_locked(request, key):
    """is_locked() for a notice shown before anything is tried (the PIN pad's "even op
    slot"): one cache read answers it when no failure on ``key`` was seen within the cool-off,
    which is every pupil at 08:30. Never to refuse anything by: the refusal is
    authenticate()'s, from the database, and a mark lost with Redis only hides the notice."""
    if cache.get(_failed_mark(key)) is None:
        return False
    return is_locked(request, key)


def was_locked(request):
    """True when the authenticate() call just made on ``request`` was refused by the lock."""
    return getattr(request, "axes_locked_out", False)


# How long an attempt keeps the next one on the same key waiting in line (first_attempt).
ATTEMPT_WINDOW = 60


# The first attempt's mark: on its way (compared, not yet counted), or counted.
_ON_ITS_WAY, _COUNTED = 1, 2


def _first_attempt_mark(key):
    return f"attempt:{_digest(key)}"


def first_attempt(key):
    """True when no other attempt on ``key`` began within the last ATTEMPT_WINDOW seconds.

    A correct secret in the first attempt of its window needs only the lock's count, not the
    row lock that lines up parallel guesses (pupils/gate.py): nothing can be counted before
    it. Every later attempt in the window, and every attempt while only this process's
    stand-in for an unreachable Redis can answer (which other app servers do not share),
    lines up behind the row lock as before. A burst of guesses gets one first attempt, so at
    most one guess passes outside the line, and it is still refused when the key is locked.
    While that guess is on its way (compared, not yet counted: ``first_attempt_counted``),
    the attempts in line have one failure fewer to spend (``behind_first_attempt``), so a
    burst compares at most AXES_FAILURE_LIMIT guesses, as one attempt after another would.
    """
    claim = getattr(cache, "add_shared", cache.add)
    return claim(_first_attempt_mark(key), _ON_ITS_WAY, ATTEMPT_WINDOW) is True


def behind_first_attempt(request, key):
    """This attempt on ``key`` waits in line behind the window's first attempt: its failure
    count includes that attempt while it is on its way (LockoutHandler.get_failures)."""
    request.lockout_behind_first = key


def first_attempt_counted(key):
    """The window's first attempt on ``key`` went through the line and was counted (or
    refused): the attempts in line have the whole limit again. A first attempt that logged in
    leaves its mark on its way until the window ends, which only costs the attempts in line
    one failure for that minute."""
    cache.set(_first_attempt_mark(key), _COUNTED, ATTEMPT_WINDOW)


def succeeded(request, key):
    """A correct secret: the key's count starts again. Nothing to reset (and no query) when the
    check just made found no failures."""
    if getattr(request, "lockout_failures", {}).get(key, 1):
        reset(username=key)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler (AXES_HANDLER), with two changes for the 08:30 storm:

    - the failures it counts before a check are kept on the request, so a success with none
      costs no reset (``succeeded``);
    - every failure leaves a mark in the cache for the cool-off, so the PIN pad's notice costs
      no query for a pupil without failures (``shows_as_locked``);
    - a successful login writes nothing: the access log is off (the audit log has every
      login), the gates reset their own key, and expired attempts — which never count, the
      handler only looks at the last hour — are deleted at the next failure and by prune_logs,
      not by a DELETE over the whole table at every login.
    """

    def get_failures(self, request, credentials=None):
        if settings.AXES_LOCKOUT_PARAMETERS == ["username"] and settings.AXES_COOLOFF_TIME:
            # django-axes' own count for these settings, compiled once per process: it runs
            # at every login of the storm.
            rows = _FAILURES.rows(username=lockout_username(request, credentials))
            failures = (rows[0][0] if rows else None) or 0
        else:
            failures = super().get_failures(request, credentials)
        if request is not None:
            key = lockout_username(request, credentials)
            if not hasattr(request, "lockout_failures"):
                request.lockout_failures = {}
            request.lockout_failures[key] = failures
            if (getattr(request, "lockout_behind_first", None) == key
                    and cache.get(_first_attempt_mark(key)) == _ON_ITS_WAY):
                return failures + 1  # the first attempt's guess, compared but not yet counted
        return failures

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request=request, **kwargs)
        # A failure is written with the database's time, as the count reads it
        # (_within_cool_off); django-axes stamps a new row with the app server's own time, so
        # a first failure is stamped again. Two queries, on a failure only.
        request.axes_attempt_time = now = _database_now()
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        key = lockout_username(request, credentials)
        AccessAttempt.objects.filter(
            username=key, ip_address=request.axes_ip_address, user_agent=request.axes_user_agent,
            failures_since_start=1,
        ).exclude(attempt_time=now).update(attempt_time=now)
        # Counted (or refused while locked): shows_as_locked asks.
        cache.set(_failed_mark(key), True, int(settings.AXES_COOLOFF_TIME * 3600))

    def clean_expired_user_attempts(self, request=None, credentials=None):
        if not settings.AXES_COOLOFF_TIME or settings.AXES_USE_ATTEMPT_EXPIRATION:
            return super().clean_expired_user_attempts(request, credentials)
        count, _ = AccessAttempt.objects.exclude(_within_cool_off()).delete()
        return count

    def user_logged_in(self, sender, request, user, **kwargs):
        pass


def _database_now():
    connection = connections[router.db_for_write(AccessAttempt)]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # as Django's Now() asks it there: UTC, as text
            cursor.execute("SELECT STRFTIME('%Y-%m-%d %H:%M:%f', 'NOW')")
            return datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        return cursor.fetchone()[0]


def _cool_off():
    return timedelta(hours=settings.AXES_COOLOFF_TIME)


def _within_cool_off():
    """Attempts of the last hour on the database's clock: one clock for every app server, and
    an app server whose clock steps neither shortens nor stretches a lock."""
    return Q(attempt_time__gte=Now() - _cool_off())


# AxesDatabaseHandler.get_failures with AXES_LOCKOUT_PARAMETERS = ["username"]: the failures of
# one key within the cool-off.
_FAILURES = CompiledQuery(
    lambda username: AccessAttempt.objects.filter(_within_cool_off(), username=username)
    .order_by().values("username").annotate(failures=Sum("failures_since_start")).values_list("failures"),
    username=str,
)


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out person sees (AXES_LOCKOUT_CALLABLE). Login views render their own
    message in context (the PIN pad says "Je account is even op slot") with status 429; that
    response is kept. Anything else gets a plain Dutch page."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    return render(request, "lockout.html", status=429)


# Slowing down: many failures across accounts from one device or address --------------------


def _usage(request, group, key, rate, *, increment):
    return get_usage(request, group=group, key=lambda _group, _request: key, rate=rate,
                     increment=increment)


def _window_seconds(rate):
    """"15/5m" -> 300: the window of a django-ratelimit rate."""
    period = rate.split("/", 1)[1]
    count = int(period[:-1] or 1)
    return count * {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]


def _seen_keys(sources):
    return [f"fail-seen:{name}:{_digest(source)}"
            for name, source in sources.items()]


def _over(request, throttles, sources, *, increment):
    """Whether any source is over any of its rates; ``increment`` counts one failure first.

    A check costs one cache read when none of the sources failed within the longest window
    (a correct PIN at 08:30, nearly always): every failure also sets a "seen" mark per source
    that lives as long as that window, and without a mark no count can be over its limit."""
    seen = _seen_keys(sources)
    if increment:
        longest = max(_window_seconds(rate) for rates in throttles.values() for rate in rates)
        cache.set_many(dict.fromkeys(seen, True), longest)
    elif not cache.get_many(seen):
        return False
    over = False
    for name, source in sources.items():
        for rate in throttles[name]:
            usage = _usage(request, f"fail:{name}:{rate}", source, rate, increment=increment)
            over = over or (usage is not None and usage["count"] >= usage["limit"])
    return over


def _pupil_sources(request, device):
    return {"device": device, "ip": client_ip(request) or "unknown"}


def pupil_gate_slowed(request, *, device):
    """True while the device (e.g. "klas:<id>", "thuis:<grant>", "ouder:<user>") or the client
    address has had too many failed secrets across pupils: the pad asks them to wait, and no
    secret is checked (nothing is counted against the pupil) until the window has passed."""
    return _over(request, settings.PUPIL_FAILURE_THROTTLES, _pupil_sources(request, device),
                 increment=False)


def pupil_gate_failed(request, *, device):
    """Count one failed secret against the device and the client address."""
    _over(request, settings.PUPIL_FAILURE_THROTTLES, _pupil_sources(request, device), increment=True)


def password_forms_slowed(request):
    """True while this address has had too many failed logins on the password forms."""
    return _over(request, settings.PASSWORD_FAILURE_THROTTLES, {"ip": client_ip(request) or "unknown"},
                 increment=False)


def password_form_failed(request):
    _over(request, settings.PASSWORD_FAILURE_THROTTLES, {"ip": client_ip(request) or "unknown"},
          increment=True)


# What teachers see, and unlocking ------------------------------------------------------------


def locks_for(pupils):
    """{pupil id: {"school": until or None, "home": until or None}} in one query."""
    keys = {pupil_key(pupil, gate): (pupil.pk, gate) for pupil in pupils for gate in PUPIL_GATES}
    result = {pupil.pk: dict.fromkeys(PUPIL_GATES) for pupil in pupils}
    if not keys:
        return result
    cooloff = _cool_off()
    rows = (
        AccessAttempt.objects.filter(_within_cool_off(), username__in=keys)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    for row in rows:
        if row["failures"] >= settings.AXES_FAILURE_LIMIT:
            pupil_id, gate = keys[row["username"]]
            result[pupil_id][gate] = row["last"] + cooloff
    return result


def failures_for(pupils):
    """{pupil id: number of recent failed attempts, school and home together}."""
    keys = {pupil_key(pupil, gate): pupil.pk for pupil in pupils for gate in PUPIL_GATES}
    counts = dict.fromkeys((p.pk for p in pupils), 0)
    rows = (
        AccessAttempt.objects.filter(username__in=keys)
        .values("username").annotate(failures=Sum("failures_since_start"))
    )
    for row in rows:
        counts[keys[row["username"]]] += row["failures"]
    return counts


def unlock(pupil):
    """Lift both of a pupil's locks at once (the teacher's "Ontgrendelen")."""
    for gate in PUPIL_GATES:
        reset(username=pupil_key(pupil, gate))
