from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordLoginForm
from accounts.models import User
from homelogin.models import GuardianLink
from homelogin.services import GUARDIAN_ALREADY_LINKED, GUARDIAN_EMAIL_TAKEN, normalise_email


class TeacherLoginForm(PasswordLoginForm):
    """The staff login on /leerkracht/inloggen/: only staff accounts of a school get in."""

    gate = "staff"
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
        **PasswordLoginForm.error_messages,
        "invalid_login": _("Deze gebruikersnaam en dit wachtwoord horen niet bij elkaar."),
        "inactive": _("Deze gebruikersnaam en dit wachtwoord horen niet bij elkaar."),
    }


class GuardianEmailForm(forms.Form):
    """A teacher enters a parent's e-mail address for one pupil (at most two per pupil)."""

    email = forms.EmailField(
        label=_("E-mailadres ouder/verzorger"),
        # The address becomes the parent's username, which holds at most 150 characters.
        max_length=150,
        help_text=_("De ouder krijgt een e-mail met een link om een wachtwoord aan te maken."),
        error_messages={
            "required": _("Vul een e-mailadres in."),
            "invalid": _("Dit is geen geldig e-mailadres. Kijk nog eens naar de schrijfwijze."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none",
                                       "spellcheck": "false"}),
    )

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_email(self):
        # Case and surrounding spaces do not matter: the parent logs in with either.
        email = normalise_email(self.cleaned_data["email"])
        if self.pupil.guardian_links.filter(guardian__username=email).exists():
            raise ValidationError(GUARDIAN_ALREADY_LINKED, code="already_linked")
        # The address is one account's username; a teacher's or pupil's cannot also be a parent's.
        if User.objects.filter(username=email).exclude(kind=User.Kind.GUARDIAN).exists():
            raise ValidationError(GUARDIAN_EMAIL_TAKEN, code="not_guardian")
        return email

    def clean(self):
        # At most two addresses per pupil: the model's rule and message (the database's
        # constraint catches two teachers saving at once).
        GuardianLink(pupil=self.pupil).clean()
        return super().clean()


class BulkPupilsForm(forms.Form):
    """Bulk actions on the pupils a teacher ticked on the group page."""

    ACTIONS = {
        "home_on": _("Thuis inloggen aan"),
        "home_off": _("Thuis inloggen uit"),
        "print": _("Thuis login codes afdrukken"),
        "pins": _("Nieuwe PIN's maken"),
        "pictures": _("Nieuwe wachtwoordplaatjes maken"),
    }

    action = forms.ChoiceField(choices=list(ACTIONS.items()),
                               error_messages={"invalid_choice": _("Kies wat er moet gebeuren.")})
    pupils = forms.ModelMultipleChoiceField(
        queryset=None, error_messages={"required": _("Kies eerst een of meer leerlingen."),
                                       "invalid_choice": _("Kies alleen leerlingen van deze groep."),
                                       "invalid_pk_value": _("Kies alleen leerlingen van deze groep.")},
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this group's pupils can be chosen: another group's or school's id is refused.
        self.fields["pupils"].queryset = group.roster().select_related("school", "user")


class ImportForm(forms.Form):
    # One school's export is well under 5 MB (400 pupils with every field: about 0.5 MB); a
    # bigger upload is a mistake or an attack and is refused before it is read. The command
    # (manage.py import_school) has no limit.
    MAX_SIZE = 20 * 1024 * 1024
    TOO_BIG = _("Het bestand is groter dan 20 MB. Een export van één school is veel kleiner: "
                "kies het EDEX- of CSV-bestand van deze school.")

    file = forms.FileField(
        label=_("Bestand uit de leerlingadministratie (EDEX-XML of CSV)"),
        error_messages={"required": _("Kies een bestand."), "empty": _("Het bestand is leeg.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise ValidationError(self.TOO_BIG)
        return upload
