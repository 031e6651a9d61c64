from django.contrib.auth.backends import ModelBackend

from .models import User

# Which kinds of account each password form lets in. The pupil gates have their own backends
# (pupils have no usable password), and no password form accepts a pupil's username.
PASSWORD_GATE_KINDS = {
    "staff": {User.Kind.TEACHER, User.Kind.ADMIN},
    "guardian": {User.Kind.GUARDIAN},
    None: {User.Kind.ADMIN, User.Kind.TEACHER, User.Kind.GUARDIAN},  # the platform admin's login
}


class PasswordBackend(ModelBackend):
    """Django's username + password check, for the kind of account the form is for.

    ``authenticate(request, username=..., password=..., gate="staff"|"guardian")``. A right
    password of the wrong kind of account fails exactly like a wrong one: authenticate() then
    returns None and the failure is counted (under the form's own lockout key), so no form
    tells anything about another kind of account.
    """

    def authenticate(self, request, username=None, password=None, gate=None, **kwargs):
        kinds = PASSWORD_GATE_KINDS.get(gate)
        if kinds is None or password is None:
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or user.kind not in kinds:
            return None
        if gate == "staff" and not user.school_roles.exists():
            return None
        return user
