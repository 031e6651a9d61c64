"""What a home login code travels on: the printed card (with its QR code) and the mail to
parents. The QR code carries the code in the URL fragment (/thuis/code/#K7QM-2XPA-9FHT), which
browsers never send to a server, so the code stays out of logs and Referer headers."""

import segno
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _


def code_url(code):
    return f"{settings.SITE_URL}/thuis/code/#{code}"


def code_qr_data_uri(code):
    return segno.make(code_url(code), error="m").svg_data_uri(scale=4, border=2)


def send_home_code_mail(*, pupil, code, guardians):
    """Mail the code to ``guardians``, each in the language they last used the site in, or the
    school's language for parents who never chose one (one mail per language, so parents who
    share a language share the mail as before); raises when the mail server refuses.

    The subject names no child: a mistyped address must not receive a child's name beside a
    working code, and a name from the administration system never reaches a mail header."""
    context = {"pupil": pupil, "school": pupil.school, "code": code, "url": code_url(code),
               "site": settings.SITE_URL}
    by_language = {}
    for guardian in guardians:
        language = guardian.language_or(pupil.school.family_language)
        by_language.setdefault(language, []).append(guardian.email)
    for language, to in by_language.items():
        with translation.override(language):
            mail = EmailMultiAlternatives(
                subject=_("Uw thuis login code voor Basispoort"),
                body=render_to_string("homelogin/email/home_code.txt", context),
                to=to,
            )
            mail.attach_alternative(render_to_string("homelogin/email/home_code.html", context),
                                    "text/html")
        mail.send()
