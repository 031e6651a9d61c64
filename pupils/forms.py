from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import PIN_RE, Pupil, generate_pin
from .pictures import PICTURES, grid_for


class PinForm(forms.Form):
    # A plain text field, not type=password: parents' browsers would otherwise offer to save the
    # child's PIN as the parent's password. CSS masks the digits on screen.
    pin = forms.CharField(
        label=_("Je wachtwoord (4 cijfers)"),
        error_messages={"required": _("Typ je 4 cijfers.")},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "inputmode": "numeric", "pattern": "[0-9]{4}",
            "maxlength": "4", "autofocus": True, "class": "pin-input", "spellcheck": "false",
            "autocapitalize": "off", "autocorrect": "off", "data-lpignore": "true",
        }),
    )

    def clean_pin(self):
        pin = self.cleaned_data["pin"].strip()
        if not PIN_RE.match(pin):
            raise ValidationError(_("Je wachtwoord is 4 cijfers."))
        return pin


class PictureForm(forms.Form):
    """The pictures clicked so far, in order. Fewer than the school's length is not an error:
    without JavaScript every click is a round trip, and the page asks for the next picture."""

    pictures = forms.MultipleChoiceField(error_messages={
        "required": _("Klik op je plaatjes."),
        "invalid_choice": _("Klik op je plaatjes."),
    })

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.length = school.picture_password_length
        self.fields["pictures"].choices = [(slug, PICTURES[slug]) for slug in grid_for(school)]

    def clean_pictures(self):
        pictures = self.cleaned_data["pictures"]
        if len(pictures) > self.length:
            raise ValidationError(_("Klik op je plaatjes."))
        return pictures

    @property
    def complete(self):
        return self.is_valid() and len(self.cleaned_data["pictures"]) == self.length


class SetPinForm(forms.Form):
    """Teacher sets a pupil's PIN: typed, or generated when left empty."""

    pin = forms.CharField(
        label=_("Nieuwe PIN"), required=False,
        help_text=_("4 cijfers. Laat leeg om er een te laten maken."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric",
                                      "pattern": "[0-9]{4}", "maxlength": "4"}),
    )

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_pin(self):
        pin = self.cleaned_data["pin"].strip()
        if pin and not PIN_RE.match(pin):
            raise ValidationError(_("Een PIN is precies 4 cijfers."))
        return pin or generate_pin()

    def save(self):
        self.pupil.set_pin(self.cleaned_data["pin"])
        self.pupil.save(update_fields=["secret_kind", "secret_hash"])
        return self.cleaned_data["pin"]


class SetPicturesForm(forms.Form):
    """Teacher sets a pupil's picture password: chosen one by one, or generated when left empty.
    No two pupils of one group may have the same sequence (they would log in as each other)."""

    def __init__(self, *args, pupil, **kwargs):
        super().__init__(*args, **kwargs)
        self.pupil = pupil
        choices = [("", "—")] + [(slug, PICTURES[slug]) for slug in grid_for(pupil.school)]
        for n in range(1, pupil.school.picture_password_length + 1):
            self.fields[f"picture_{n}"] = forms.ChoiceField(
                label=_("Plaatje %(n)s") % {"n": n}, choices=choices, required=False
            )

    def clean(self):
        chosen = [self.cleaned_data.get(name) for name in self.fields]
        if not any(chosen):
            self.pictures = None  # generate on save
        elif not all(chosen):
            raise ValidationError(_("Kies alle plaatjes, of geen om ze te laten maken."))
        elif self.pupil.picture_password_taken(chosen):
            raise ValidationError(
                _("Een andere leerling van deze groep heeft deze plaatjes al. Kies andere.")
            )
        else:
            self.pictures = chosen
        return self.cleaned_data

    def save(self):
        if self.pictures:
            self.pupil.set_picture_password(self.pictures)
        else:
            self.pictures = self.pupil.generate_picture_password()
        self.pupil.save(update_fields=["secret_kind", "secret_hash"])
        return self.pictures


class TilePictureForm(forms.ModelForm):
    """Teacher picks the picture on a pupil's name tile, from the tiles' own set only."""

    class Meta:
        model = Pupil
        fields = ["tile_picture"]
        widgets = {"tile_picture": forms.RadioSelect}
        error_messages = {"tile_picture": {
            "required": _("Kies een plaatje."), "invalid_choice": _("Kies een plaatje."),
        }}
