from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordLoginForm

from .services import normalise_email

EMAIL_LABEL = _("Gebruikersnaam (e-mailadres)")


class GuardianLoginForm(PasswordLoginForm):
    """The parents' login on /thuis/. The username is the e-mail address the teacher entered;
    case and surrounding spaces do not matter. Only parents' accounts get in; django-axes
    counts the failures per typed address, for known and unknown addresses alike."""

    gate = "guardian"

    username = forms.CharField(
        label=EMAIL_LABEL,
        # A username holds at most 150 characters; longer input never reaches authenticate().
        max_length=150,
        error_messages={"required": _("Vul uw e-mailadres in.")},
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autocapitalize": "none",
                                       "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Wachtwoord"), strip=False,
        error_messages={"required": _("Vul uw wachtwoord in.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    remember = forms.BooleanField(label=_("Onthoud mijn gebruikersnaam"), required=False)

    error_messages = {
        **PasswordLoginForm.error_messages,
        "invalid_login": _("Dit e-mailadres en dit wachtwoord horen niet bij elkaar. Let op de "
                           "schrijfwijze van uw e-mailadres, of maak via 'Gebruikersnaam of "
                           "wachtwoord vergeten' een nieuw wachtwoord aan."),
        "inactive": _("Dit e-mailadres en dit wachtwoord horen niet bij elkaar."),
        # Said the same way for every address, known or not: the lock is per typed address.
        "locked": _("Er is te vaak een verkeerd wachtwoord ingevuld voor dit e-mailadres. Inloggen "
                    "met dit e-mailadres is daarom 1 uur geblokkeerd. Probeer het later opnieuw."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # With a remembered or just typed username, the cursor starts in the password field.
        focus = "password" if self.data.get("username") or self.initial.get("username") else "username"
        self.fields[focus].widget.attrs["autofocus"] = True

    def clean_username(self):
        return normalise_email(self.cleaned_data["username"])


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label=EMAIL_LABEL,
        max_length=254,
        error_messages={
            "required": _("Vul uw e-mailadres in."),
            "invalid": _("Dit is geen geldig e-mailadres. Kijk nog eens naar de schrijfwijze."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none",
                                       "spellcheck": "false", "autofocus": True}),
    )

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


TOO_SHORT = _("Dit wachtwoord is te kort. Het moet minstens %(min_length)d tekens bevatten.")


class GuardianSetPasswordForm(SetPasswordForm):
    """Django's SetPasswordForm (AUTH_PASSWORD_VALIDATORS, whose messages Django ships in Dutch)
    with our labels. The validators' rules are listed once on the page, not per field."""

    error_messages = {"password_mismatch": _("De twee wachtwoorden zijn niet hetzelfde.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label, second.label = _("Nieuw wachtwoord"), _("Herhaal het nieuwe wachtwoord")
        first.help_text = second.help_text = ""
        first.widget.attrs.update({"aria-describedby": "wachtwoord-eisen", "autofocus": True})
        first.error_messages["required"] = second.error_messages["required"] = _(
            "Vul het nieuwe wachtwoord twee keer in."
        )

    def validate_password_for_user(self, user, password_field_name="password2"):  # noqa: S107 (a name)
        # AUTH_PASSWORD_VALIDATORS as Django runs them; Django's Dutch catalogue lacks the
        # current wording of "too short", so that one message is given here. Django puts the
        # validators' errors under the repeat field; they are about the new password itself, so
        # they go under the first field, where the parent typed it.
        password = self.cleaned_data.get(password_field_name)
        password_field_name = "new_password1"
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, [
                    ValidationError(TOO_SHORT, code=e.code, params=e.params)
                    if e.code == "password_too_short" else e
                    for e in error.error_list
                ])
