from accounts.models import User
from basispoort.hashing import needs_rehash


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
        # The pupil, their school and group come along: every page of a pupil's session needs
        # them (pupils/session.py), in this one query.
        # get(), not first(): the id is unique, and an ORDER BY would only cost compiling.
        try:
            return User.objects.select_related("pupil__school", "pupil__group").get(
                pk=user_id, kind=User.Kind.PUPIL, is_active=True)
        except User.DoesNotExist:
            return None
