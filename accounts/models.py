from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager):
    def adult_for_email(self, email):
        """The adult whose account this e-mail address is: the one whose username it is (a
        parent's, an imported teacher's), else the one with it as e-mail address (a demo
        teacher's "leerkracht"). One person, one account: an invitation, the import and the
        logins all find people here, so a teacher who is also a parent is never made twice."""
        email = (email or "").strip().lower()
        if not email:
            return None
        adults = self.filter(kind=User.Kind.ADULT)
        return (adults.filter(username__iexact=email).first()
                or adults.filter(email__iexact=email).order_by("pk").first())


class User(AbstractUser):
    """Every identity is a User, so Django auth, sessions, django-axes and OIDC see one type.

    ``kind`` says what an account can ever be: a pupil (no usable Django password; their PIN or
    picture password lives on Pupil), an adult, or platform staff (``/beheer/`` only). An
    adult's roles come from their rows elsewhere: a staff membership per school
    (schools.Teacher) and a link per child (homelogin.GuardianLink). So a teacher at two schools
    who is also a parent is one account with one password. Parents log in with their e-mail
    address, stored lower-case as their username.
    """

    class Kind(models.TextChoices):
        ADMIN = "admin", _("platformbeheerder")
        ADULT = "adult", _("volwassene")
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
                condition=models.Q(kind__in=["admin", "adult", "pupil"]),
                name="user_kind_valid_v2",
            ),
            # An e-mail address is one adult: the logins and invitations find people by it.
            models.UniqueConstraint(
                Lower("email"), condition=models.Q(kind="adult") & ~models.Q(email=""),
                name="user_adult_email_unique",
            ),
        ]
        # Logins, invitations and the import find adults by username or e-mail whatever the case
        # (``__iexact``: UPPER(...) = UPPER(...) on PostgreSQL): without these, every parent or
        # staff login and every imported teacher reads the whole table, pupils included.
        indexes = [
            models.Index(Upper("username"), name="user_username_upper"),
            models.Index(Upper("email"), name="user_email_upper"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def mail_language(self):
        return self.language_or(settings.LANGUAGE_CODE)

    def language_or(self, default):
        """The language this person last used, or ``default`` when they never chose one (a
        parent's school's language for parents: schools.School.family_language)."""
        return self.language if self.language in dict(settings.LANGUAGES) else default

    def remember_language(self, language):
        """Store ``language`` as the one this person last used; one UPDATE, only on a change."""
        if language in dict(settings.LANGUAGES) and language != self.language:
            self.language = language
            User.objects.filter(pk=self.pk).update(language=language)
