from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import HomeLoginCode, RescueCode


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Thuis login code"),
        max_length=40,
        error_messages={"required": _("Typ de code van je kaartje.")},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
            "autocorrect": "off", "placeholder": "K7QM-2XPA-9FHT", "class": "code-input",
            "autofocus": True,
        }),
    )

    def clean_code(self):
        """("card", selector, verifier) for a card's code, ("rescue", code) for a rescue code.
        Forgiving: lower case, spaces and missing or extra dashes are all fine."""
        rescue = RescueCode.normalise(self.cleaned_data["code"])
        if rescue is not None:
            return ("rescue", rescue)
        parts = HomeLoginCode.split(self.cleaned_data["code"])
        if parts is None:
            # Both codes are typed here, and which one was meant cannot be told from a typo:
            # the message names both lengths.
            raise ValidationError(
                _("Een thuis login code heeft 12 tekens, zoals K7QM-2XPA-9FHT. Een reservecode "
                  "heeft 10 tekens, zoals 7KQ2M-XPA9F. Kijk nog eens goed of je alles hebt "
                  "overgetypt.")
            )
        return ("card", *parts)
