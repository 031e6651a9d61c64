from django.contrib.auth.password_validation import password_validators_help_texts


class SetPasswordPageMixin:
    """For Django's PasswordResetConfirmView as both set-password links use it (parents' and
    staff's): the password rules on the page, and 400 for a used, expired or tampered link and
    for a refused password, not a 200."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(password_rules=password_validators_help_texts(), **kwargs)

    def render_to_response(self, context, **kwargs):
        if not self.validlink:
            kwargs["status"] = 400
        return super().render_to_response(context, **kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
