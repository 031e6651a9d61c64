import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import PasswordLoginForm
from accounts.models import User
from homelogin.models import GuardianLink
from homelogin.services import GUARDIAN_ALREADY_LINKED, GUARDIAN_EMAIL_TAKEN, normalise_email
from schools.models import School, Teacher
from software.models import Licence


class TeacherLoginForm(PasswordLoginForm):
    """The staff login on /leerkracht/inloggen/: an adult with a current membership of a school
    gets in, with their e-mail address (or their username) and password."""

    gate = "staff"
    username = forms.CharField(
        label=_("Gebruikersnaam of e-mailadres"), max_length=254,
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

    def clean_username(self):
        # Case and surrounding spaces do not matter, for the account and for its lockout count.
        return self.cleaned_data["username"].strip().lower()


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
        # The address is one adult's account (a teacher may be a parent too); a pupil's or the
        # platform staff's username cannot also be a parent's.
        if User.objects.filter(username=email).exclude(kind=User.Kind.ADULT).exists():
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
    # What the role must be allowed for each action (schools.Teacher.PERMISSIONS).
    PERMISSIONS = {"home_on": "home_login", "home_off": "home_login", "print": "print_codes",
                   "pins": "secrets", "pictures": "secrets"}

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
    # settings.IMPORT_UPLOAD_MAX_MB. A bigger upload is refused from its Content-Length before
    # it is read (basispoort.middleware.UploadLimitMiddleware); this check is for one whose
    # announced size lied. The same words as templates/upload_too_big.html.
    TOO_BIG = _("Het bestand is groter dan %(megabytes)s MB. Een export van één school is veel "
                "kleiner: kies het EDEX- of CSV-bestand van deze school.")

    file = forms.FileField(
        label=_("Bestand uit de leerlingadministratie (EDEX-XML of CSV)"),
        error_messages={"required": _("Kies een bestand."), "empty": _("Het bestand is leeg.")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_UPLOAD_MAX_MB * 1024 * 1024:
            raise ValidationError(self.TOO_BIG, params={"megabytes": settings.IMPORT_UPLOAD_MAX_MB})
        return upload


# Staff accounts ---------------------------------------------------------------------------------


class StaffForgotForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"), max_length=254,
        error_messages={"required": _("Vul uw e-mailadres in."),
                        "invalid": _("Dit is geen geldig e-mailadres. Kijk nog eens naar de schrijfwijze.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none",
                                       "spellcheck": "false", "autofocus": True}),
    )


class _PersonFields(forms.Form):
    email = forms.EmailField(
        label=_("E-mailadres"), max_length=150,
        help_text=_("Hiermee logt de medewerker in; er gaat een uitnodiging naartoe."),
        error_messages={"required": _("Vul een e-mailadres in."),
                        "invalid": _("Dit is geen geldig e-mailadres. Kijk nog eens naar de schrijfwijze.")},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "autocapitalize": "none",
                                       "spellcheck": "false"}),
    )
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)


def _check_end_date(end_date, today):
    # An end date in the past would make an account that can never log in.
    if end_date is not None and end_date < today:
        raise ValidationError(_("De einddatum ligt in het verleden."), code="past")
    return end_date


LAST_ADMINISTRATOR = _("De school houdt dan geen ICT-coördinator over, en alleen een "
                       "ICT-coördinator kan medewerkers beheren. Maak eerst een andere medewerker "
                       "ICT-coördinator.")


class StaffRoleForm(forms.Form):
    """The ICT-coördinator sets a staff member's role, groups and end date (own school only)."""

    role = forms.ChoiceField(label=_("Rol"), choices=Teacher.Role.choices)
    groups = forms.ModelMultipleChoiceField(
        label=_("Groepen"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Een IB'er/RT'er en de ICT-coördinator zien alle groepen."),
        error_messages={"invalid_choice": _("Kies alleen groepen van deze school."),
                        "invalid_pk_value": _("Kies alleen groepen van deze school.")},
    )
    end_date = forms.DateField(
        label=_("Einddatum (laatste dag met toegang)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een datum in.")},
    )

    def __init__(self, *args, school, membership=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school, self.membership = school, membership
        self.fields["groups"].queryset = school.groups.all()

    def clean_end_date(self):
        return _check_end_date(self.cleaned_data["end_date"], timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        # A substitute is there for a while: without an end date they would keep access for ever.
        if cleaned.get("role") == Teacher.Role.SUBSTITUTE and not cleaned.get("end_date") \
                and "end_date" not in self.errors:
            self.add_error("end_date", _("Een invalkracht heeft een einddatum."))
        if self.membership is not None and not self.errors and self._leaves_no_administrator(cleaned):
            raise ValidationError(LAST_ADMINISTRATOR, code="last_administrator")
        return cleaned

    def _leaves_no_administrator(self, cleaned):
        # Only an ICT-coördinator can give the role: a school whose last one steps down (or
        # ends) cannot get one back without the helpdesk. Another ICT-coördinator must stay at
        # least as long as this one would.
        membership, end_date = self.membership, cleaned.get("end_date")
        if membership.role != Teacher.Role.ICT_COORDINATOR or not membership.is_current():
            return False
        if cleaned.get("role") == Teacher.Role.ICT_COORDINATOR and end_date is None:
            return False
        others = Teacher.objects.current().filter(school=self.school, role=Teacher.Role.ICT_COORDINATOR) \
            .exclude(pk=membership.pk)
        if cleaned.get("role") == Teacher.Role.ICT_COORDINATOR:
            others = others.filter(Q(end_date__isnull=True) | Q(end_date__gte=end_date))
        else:
            others = others.filter(end_date__isnull=True)
        return not others.exists()


class StaffAddForm(_PersonFields, StaffRoleForm):
    field_order = ["email", "first_name", "last_name", "role", "groups", "end_date"]


class SubstituteForm(_PersonFields):
    """"Invalgroep": a teacher gives a substitute access to one group until a date."""

    # A substitute stands in for weeks, not years; a longer absence is a role for the
    # ICT-coördinator to give.
    MAX_DAYS = 366

    end_date = forms.DateField(
        label=_("Tot en met"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Kies tot wanneer de invalkracht toegang heeft."),
                        "invalid": _("Vul een datum in.")},
    )

    def clean_end_date(self):
        today = timezone.localdate()
        end_date = _check_end_date(self.cleaned_data["end_date"], today)
        if end_date > today + datetime.timedelta(days=self.MAX_DAYS):
            raise ValidationError(_("Kies een einddatum binnen een jaar."), code="too_far")
        return end_date


class SchoolDetailsForm(forms.ModelForm):
    """What the ICT-coördinator keeps of the school itself: the language of mails to parents
    who chose none, and the contact for privacy questions parents see. Name, BRIN and
    vestiging come from the contract and the import (platform staff)."""

    class Meta:
        model = School
        fields = ["family_language", "privacy_contact"]


class LicenceForm(forms.ModelForm):
    """The ICT-coördinator decides which groups use a title, at home or not, and which extra
    claims its publisher receives. Dates and the title itself are the contract's (platform staff)."""

    class Meta:
        model = Licence
        fields = ["all_groups", "groups", "home_use", "shares_first_name", "shares_eckid"]
        widgets = {"groups": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = self.instance.school.groups.all()
        self.fields["groups"].error_messages.update({
            "invalid_choice": _("Kies alleen groepen van deze school."),
            "invalid_pk_value": _("Kies alleen groepen van deze school.")})

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_groups") and not cleaned.get("groups"):
            raise ValidationError(_("Kies 'alle groepen' of ten minste één groep."), code="no_groups")
        return cleaned


class SecondStepForm(forms.Form):
    """A code from the authenticator app (6 digits) or one recovery code."""

    token = forms.CharField(
        label=_("Code"), max_length=20,
        error_messages={"required": _("Vul de code in.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "characters", "spellcheck": "false",
                                      "autofocus": True}),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split()).replace("-", "").upper()
