from accounts.models import User
from basispoort.compiled import CompiledQuery
from basispoort.hashing import needs_rehash

# The pupil, their school and group come along: every page of a pupil's session needs them
# (pupils/session.py), in this one query, compiled to SQL once per process (the 08:30 storm).
SESSION_USER = CompiledQuery(
    lambda pk: User.objects.select_related("pupil__school", "pupil__group").filter(
        pk=pk, kind=User.Kind.PUPIL, is_active=True),
    pk=int,
)


class PupilSecretBackend:
    """Checks a pupil's PIN or picture password: ``authenticate(request, username=<lockout key>,
    pupil=pupil, secret="1357" or ["hond", ...], gate="school"|"home")``.

    Going through ``authenticate()`` is what lets django-axes count every failure (keyed on
    ``username``) and refuse a locked pupil before the secret is checked.
    """

    def authenticate(self, request, pupil=None, secret=None, **credentials):
        if pupil is None or secret is None:
            return None
        if pupil.active and pupil.user.is_active and pupil.check_secret(secret):
            if needs_rehash(pupil.secret_hash):  # made under an older key: move to the new one
                pupil.set_secret(secret)
                pupil.save(update_fields=["secret_hash"])
            return pupil.user
        return None

    def get_user(self, user_id):
        try:
            return SESSION_USER.first(pk=int(user_id))
        except (TypeError, ValueError):  # not an id: nobody
            return None
