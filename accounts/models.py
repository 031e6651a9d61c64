from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Every identity is a User, so Django auth, sessions, django-axes and OIDC see one type.

    Pupils have no usable Django password (their PIN or picture password lives on Pupil);
    guardians log in with their e-mail address, stored lower-case as their username.
    """

    class Kind(models.TextChoices):
        ADMIN = "admin", _("beheerder")
        TEACHER = "teacher", _("leerkracht")
        GUARDIAN = "guardian", _("ouder/verzorger")
        PUPIL = "pupil", _("leerling")

    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    # The language this person last used the site in (a code from settings.LANGUAGES); mails to
    # a parent go out in it. Empty until they first visit: then the site's default, Dutch.
    language = models.CharField(_("taal"), max_length=10, blank=True)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["admin", "teacher", "guardian", "pupil"]),
                name="user_kind_valid",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def mail_language(self):
        return self.language if self.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    def remember_language(self, language):
        """Store ``language`` as the one this person last used; one UPDATE, only on a change."""
        if language in dict(settings.LANGUAGES) and language != self.language:
            self.language = language
            User.objects.filter(pk=self.pk).update(language=language)
