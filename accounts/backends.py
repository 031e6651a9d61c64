from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


def is_parent(user):
    """An adult counts as a parent unless they are staff without any child: a teacher's account
    is no way in at the parents' door, but a teacher who is also a parent passes both. (An
    adult left with neither is a parent whose last child link went; they see no children.)"""
    return user.guardian_links.exists() or not user.school_roles.exists()


def _can_use_gate(user, gate):
    """Whether ``user`` may log in at the password form ``gate``. An adult's roles come from
    their memberships and child links, so one adult account can pass both the staff and the
    parents' form; a pupil never passes any (pupils have no usable password and their own
    backends), and platform staff log in only at /beheer/."""
    if gate == "staff":
        return user.kind == User.Kind.ADULT and user.school_roles.current().exists()
    if gate == "guardian":
        return user.kind == User.Kind.ADULT and is_parent(user)
    if gate is None:  # the platform admin's login
        return user.kind == User.Kind.ADMIN
    return False


class PasswordBackend(ModelBackend):
    """Django's username + password check, for the kind of account the form is for.

    ``authenticate(request, username=..., password=..., gate="staff"|"guardian")``. The typed
    name is a username or an adult's e-mail address, in any case. A right password of an
    account that may not use this form fails exactly like a wrong one: authenticate() then
    returns None and the failure is counted (under the form's own lockout key), so no form
    tells anything about another kind of account.
    """

    def authenticate(self, request, username=None, password=None, gate=None, **kwargs):
        if gate not in ("staff", "guardian", None) or password is None or not username:
            return None
        typed = username.strip()
        found = list(User.objects.filter(
            Q(username__iexact=typed) | Q(kind=User.Kind.ADULT, email__iexact=typed)
        )[:3])
        # The username wins over someone else's e-mail address; no account: the same slow hash
        # as a wrong password (ModelBackend's own defence against timing).
        user = next((u for u in found if u.username.lower() == typed.lower()), None)
        user = user or (found[0] if len(found) == 1 else None)
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user) \
                and _can_use_gate(user, gate):
            return user
        return None
