from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DeviceGrant


class DeviceNameForm(forms.ModelForm):
    """A parent names a home device ("iPad keuken"), so they know which one to remove."""

    class Meta:
        model = DeviceGrant
        fields = ["name"]
        labels = {"name": _("Naam van dit apparaat")}
        error_messages = {"name": {"max_length": _("Een naam heeft hoogstens %(limit_value)d tekens.")}}
        widgets = {"name": forms.TextInput(attrs={"placeholder": _("bijvoorbeeld iPad keuken")})}
