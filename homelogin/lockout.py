"""The lockout policy as teachers see it: which pupils are locked, until when, and unlocking.

django-axes keeps the counts (AccessAttempt rows, per lockout key); a pupil has two keys, one
for the school login and one for the home account (Pupil.lockout_key).
"""

from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

GATES = ("school", "home")


def locks_for(pupils):
    """{pupil id: {"school": until or None, "home": until or None}} in one query."""
    keys = {pupil.lockout_key(gate): (pupil.pk, gate) for pupil in pupils for gate in GATES}
    result = {pupil.pk: dict.fromkeys(GATES) for pupil in pupils}
    if not keys:
        return result
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    now = timezone.now()
    rows = (
        AccessAttempt.objects.filter(username__in=keys, attempt_time__gte=now - cooloff)
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
    keys = {pupil.lockout_key(gate): pupil.pk for pupil in pupils for gate in GATES}
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
    for gate in GATES:
        reset(username=pupil.lockout_key(gate))
