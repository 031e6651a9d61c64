from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from basispoort import lockout


class PasswordLoginForm(AuthenticationForm):
    """AuthenticationForm for one gate (``gate``: "staff" or "guardian").

    The typed name is checked only against accounts that may use that gate (accounts/backends.py) and its
    failures count under the form's own lockout key, for known and unknown names alike, so a
    pupil's username typed here reaches nothing. Failures from one address across names are
    slowed down (basispoort/lockout.py).
    """

    gate = None
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Er is te vaak een verkeerd wachtwoord ingevuld voor deze gebruikersnaam. "
                    "Inloggen is daarom 1 uur geblokkeerd. Probeer het later opnieuw."),
        "slow": _("Er is vanaf dit adres te vaak verkeerd ingelogd. Wacht een paar minuten en "
                  "probeer het dan opnieuw."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            if lockout.password_forms_slowed(self.request):
                raise ValidationError(self.error_messages["slow"], code="slow")
            self.user_cache = authenticate(self.request, username=username, password=password,
                                           gate=self.gate)
            if self.user_cache is None:
                if lockout.was_locked(self.request):
                    raise ValidationError(self.error_messages["locked"], code="locked")
                lockout.password_form_failed(self.request)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
            lockout.succeeded(self.request, lockout.password_key(self.gate, username))
        return self.cleaned_data

    @property
    def is_locked(self):
        return self.has_error("__all__", "locked") or self.has_error("__all__", "slow")
