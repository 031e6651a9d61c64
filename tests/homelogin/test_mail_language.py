"""Parents' mails go out in the language the parent last used the site in (Dutch by default)."""

import pytest

from tests.factories import GuardianFactory, GuardianLinkFactory, PupilFactory, TeacherFactory
from tests.helpers import forgot


def choose_language(client, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})


def test_a_new_parent_is_invited_in_dutch(client, teacher, pupil, mailoutbox):
    client.force_login(teacher.user)
    client.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": "nieuw@example.nl"})
    assert mailoutbox[0].subject == "Basispoort: maak uw wachtwoord aan voor thuis inloggen"
    assert 'lang="nl"' in mailoutbox[0].alternatives[0][0]


def test_logging_in_stores_the_parents_language(client, guardian, pupil):
    GuardianLinkFactory(guardian=guardian, pupil=pupil)
    choose_language(client, "tr")
    client.post("/thuis/", {"username": "ouder@example.nl", "password": "correct-horse-battery"})
    guardian.refresh_from_db()
    assert guardian.language == "tr"


def test_a_parent_page_in_another_language_changes_it(client, guardian, pupil):
    GuardianLinkFactory(guardian=guardian, pupil=pupil)
    client.force_login(guardian)
    choose_language(client, "uk")
    client.get("/thuis/kinderen/")
    guardian.refresh_from_db()
    assert guardian.language == "uk"


def test_a_second_child_invitation_is_in_the_parents_language(client, teacher, pupil, mailoutbox):
    parent = GuardianFactory(username="ouder@example.nl", language="pl")
    GuardianLinkFactory(guardian=parent, pupil=PupilFactory())
    client.force_login(teacher.user)
    client.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": "ouder@example.nl"})
    assert mailoutbox[0].subject == "Basispoort: prosimy utworzyć hasło do logowania w domu"
    assert "Szanowni Państwo," in mailoutbox[0].body
    assert 'lang="pl"' in mailoutbox[0].alternatives[0][0]


def test_forgot_password_answers_in_the_language_asked_in(client, guardian, pupil, mailoutbox):
    GuardianLinkFactory(guardian=guardian, pupil=pupil)
    choose_language(client, "ar")
    page = forgot(client, "ouder@example.nl").content.decode()
    assert 'dir="rtl"' in page
    assert mailoutbox[0].subject == "Basispoort: أنشئ كلمة المرور للدخول من المنزل"
    assert 'dir="rtl"' in mailoutbox[0].alternatives[0][0]
    guardian.refresh_from_db()
    assert guardian.language == "ar"


def test_a_code_mail_reaches_each_parent_in_their_own_language(client, school, group, mailoutbox):
    pupil = PupilFactory(group=group, first_name="Emma", home_login_enabled=True)
    GuardianLinkFactory(pupil=pupil, guardian=GuardianFactory(username="a@example.nl", language="tr"))
    GuardianLinkFactory(pupil=pupil, guardian=GuardianFactory(username="b@example.nl"))
    client.force_login(TeacherFactory(school=school, groups=[group]).user)
    client.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    by_address = {tuple(m.to): m for m in mailoutbox}
    assert set(by_address) == {("a@example.nl",), ("b@example.nl",)}
    assert by_address[("a@example.nl",)].subject == "Basispoort için evden giriş kodunuz"
    assert by_address[("b@example.nl",)].subject == "Uw thuis login code voor Basispoort"
    assert "Emma" in by_address[("a@example.nl",)].body


@pytest.mark.parametrize("language", ["xx", ""])
def test_an_unknown_language_is_never_stored(guardian, language):
    guardian.remember_language(language)
    guardian.refresh_from_db()
    assert guardian.language == ""
    assert guardian.mail_language == "nl"


def test_parents_who_chose_no_language_get_the_schools(client, school, group, mailoutbox):
    """A school where most families read Turkish sets its language once: a new parent's
    invitation and a code mail to a parent who never chose a language come in Turkish; a parent
    who chose Polish keeps Polish."""
    school.family_language = "tr"
    school.save()
    pupil = PupilFactory(group=group, first_name="Emma", home_login_enabled=True)
    GuardianLinkFactory(pupil=pupil, guardian=GuardianFactory(username="pl@example.nl", language="pl"))
    client.force_login(TeacherFactory(school=school, groups=[group]).user)

    client.post(f"/leerkracht/leerling/{pupil.pk}/ouders/", {"email": "nieuw@example.nl"})
    invitation = next(m for m in mailoutbox if m.to == ["nieuw@example.nl"])
    assert 'lang="tr"' in invitation.alternatives[0][0]

    mailoutbox.clear()
    client.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    by_address = {tuple(m.to): m for m in mailoutbox}
    assert by_address[("nieuw@example.nl",)].subject == "Basispoort için evden giriş kodunuz"
    assert by_address[("pl@example.nl",)].subject != "Basispoort için evden giriş kodunuz"
    assert by_address[("pl@example.nl",)].subject != "Uw thuis login code voor Basispoort"
