from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class TeacherLoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Gebruikersnaam"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                      "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Wachtwoord"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _("Deze gebruikersnaam en dit wachtwoord horen niet bij elkaar."),
        "inactive": _("Dit account is niet actief."),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # Parents and pupils have their own doors; here only school staff get in.
        if user.kind not in (User.Kind.TEACHER, User.Kind.ADMIN) or not hasattr(user, "teacher"):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
