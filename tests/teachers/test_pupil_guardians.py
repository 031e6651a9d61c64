"""A teacher enters (at most two) parents' e-mail addresses on the pupil page, or removes one."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives

from accounts.models import User
from homelogin.models import GuardianLink
from tests.factories import (
    GroupFactory,
    GuardianFactory,
    GuardianLinkFactory,
    PupilFactory,
    TeacherFactory,
    UserFactory,
)

MAX_TWO = "Een leerling heeft al twee e-mailadressen van ouders/verzorgers."


def add_url(pupil):
    return f"/leerkracht/leerling/{pupil.pk}/ouders/"


def remove_url(link):
    return f"/leerkracht/leerling/{link.pupil_id}/ouders/{link.pk}/verwijderen/"


def add(client, pupil, email):
    return client.post(add_url(pupil), {"email": email})


@pytest.fixture
def juf(client, teacher):
    client.force_login(teacher.user)
    return client


def test_permission_ladder(client, teacher, outsider, pupil, guardian):
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    assert "/leerkracht/inloggen/" in add(client, pupil, "a@example.nl")["Location"]
    assert "/leerkracht/inloggen/" in client.post(remove_url(link))["Location"]
    client.force_login(guardian)
    assert add(client, pupil, "a@example.nl").status_code == 403
    client.force_login(outsider.user)
    assert add(client, pupil, "a@example.nl").status_code == 404
    assert client.post(remove_url(link)).status_code == 404
    assert GuardianLink.objects.filter(pupil=pupil).count() == 1
    client.force_login(teacher.user)
    assert client.get(add_url(pupil)).status_code == 405
    assert client.get(remove_url(link)).status_code == 200  # the confirmation page
    assert GuardianLink.objects.filter(pupil=pupil).count() == 1


def test_a_colleague_of_another_group_gets_404(client, school, pupil):
    colleague = TeacherFactory(school=school, groups=[GroupFactory(school=school)])
    client.force_login(colleague.user)
    assert add(client, pupil, "a@example.nl").status_code == 404


def test_the_pupil_page_has_the_parents_section(juf, pupil, guardian):
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    page = juf.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()
    assert "E-mailadressen ouders/verzorgers" in page
    assert "ouder@example.nl" in page
    assert "Verwijderen" in page and 'name="email"' in page and "csrfmiddlewaretoken" in page


def test_adding_an_address_makes_a_parent_account_and_mails_a_link(juf, pupil, mailoutbox):
    response = add(juf, pupil, "  Ouder.Twee@Example.NL ")
    assert response.status_code == 302 and response["Location"] == f"/leerkracht/leerling/{pupil.pk}/"
    parent = User.objects.get(username="ouder.twee@example.nl")
    assert parent.kind == User.Kind.ADULT and parent.email == "ouder.twee@example.nl"
    assert not parent.has_usable_password()
    assert list(pupil.guardian_links.values_list("guardian", flat=True)) == [parent.pk]

    mail = mailoutbox[0]
    assert mail.to == ["ouder.twee@example.nl"]
    assert "OBS De Regenboog" in mail.body
    assert re.search(r"http://127\.0\.0\.1:8000/thuis/wachtwoord/\S+/\S+/", mail.body)
    assert mail.alternatives[0][1] == "text/html"
    assert "ouder.twee@example.nl" in juf.get(response["Location"]).content.decode()


def test_the_mail_link_lets_the_parent_set_a_password(juf, client, pupil, mailoutbox):
    add(juf, pupil, "ouder2@example.nl")
    juf.logout()
    link = re.search(r"/thuis/wachtwoord/\S+/\S+/", mailoutbox[0].body).group(0)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "appeltaart-2026", "new_password2": "appeltaart-2026"})
    assert response["Location"] == "/thuis/kinderen/"


def test_the_mail_link_ignores_a_forged_host_header(juf, pupil, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["*"]
    juf.post(add_url(pupil), {"email": "ouder2@example.nl"}, HTTP_HOST="evil.example")
    mail = mailoutbox[0]
    assert "evil.example" not in mail.body and "evil.example" not in mail.alternatives[0][0]
    assert "http://127.0.0.1:8000/thuis/wachtwoord/" in mail.body


def test_one_address_serves_several_children_at_several_schools(juf, client, pupil, group, outsider,
                                                                 mailoutbox):
    sister = PupilFactory(group=group, first_name="Lotte")
    cousin_school_pupil = PupilFactory(group=outsider.groups.get(), first_name="Sara")
    add(juf, pupil, "gezin@example.nl")
    add(juf, sister, "Gezin@example.nl")
    client.force_login(outsider.user)
    assert add(client, cousin_school_pupil, "gezin@example.nl").status_code == 302
    parent = User.objects.get(username="gezin@example.nl")
    assert set(parent.guardian_links.values_list("pupil", flat=True)) == {
        pupil.pk, sister.pk, cousin_school_pupil.pk
    }
    assert User.objects.filter(email="gezin@example.nl").count() == 1
    assert len(mailoutbox) == 3


def test_a_parent_with_a_password_keeps_it_when_added_to_another_child(juf, guardian, group, mailoutbox):
    sister = PupilFactory(group=group)
    add(juf, sister, "ouder@example.nl")
    guardian.refresh_from_db()
    assert guardian.check_password("correct-horse-battery")
    assert "U heeft al een wachtwoord" in mailoutbox[0].body


def test_a_third_address_is_refused(juf, pupil, mailoutbox):
    add(juf, pupil, "een@example.nl")
    add(juf, pupil, "twee@example.nl")
    mailoutbox.clear()
    response = add(juf, pupil, "drie@example.nl")
    assert response.status_code == 400
    assert MAX_TWO in response.content.decode()
    assert pupil.guardian_links.count() == 2
    assert not User.objects.filter(username="drie@example.nl").exists()
    assert mailoutbox == []


def test_the_database_refuses_a_third_address_when_two_teachers_save_at_once(juf, pupil, monkeypatch):
    GuardianLinkFactory(pupil=pupil)
    GuardianLinkFactory(pupil=pupil)
    # Another teacher's save lands between our checks and our insert: the form's check, the
    # service's check and the slot choice all still see free slots; the database does not.
    real_taken_slots = GuardianLink._taken_slots
    stale = [set(), set(), set()]
    monkeypatch.setattr(GuardianLink, "_taken_slots",
                        lambda self: stale.pop() if stale else real_taken_slots(self))
    response = add(juf, pupil, "drie@example.nl")
    assert stale == []
    assert response.status_code == 400
    assert MAX_TWO in response.content.decode()
    assert pupil.guardian_links.count() == 2
    assert not User.objects.filter(username="drie@example.nl").exists()  # nothing half-written


def test_the_same_address_twice_for_one_pupil_is_refused(juf, pupil, guardian):
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    response = add(juf, pupil, "OUDER@example.nl")
    assert response.status_code == 400
    assert "Dit e-mailadres hoort al bij deze leerling." in response.content.decode()


def test_a_teachers_address_makes_the_teacher_a_parent_too(juf, school, pupil):
    # One person, one account: no second account, no second password.
    meester = TeacherFactory(school=school, user__username="meester", user__email="meester@school.nl")
    response = add(juf, pupil, "Meester@school.nl")
    assert response.status_code == 302
    assert pupil.guardian_links.get().guardian == meester.user
    assert not User.objects.filter(username="meester@school.nl").exists()


def test_a_platform_accounts_username_cannot_become_a_parents(juf, pupil):
    UserFactory(username="beheer@basispoort.example", kind=User.Kind.ADMIN)
    response = add(juf, pupil, "beheer@basispoort.example")
    assert response.status_code == 400
    assert "ander soort account" in response.content.decode()
    assert not pupil.guardian_links.exists()


@pytest.mark.parametrize("bad, message", [
    ("", "Vul een e-mailadres in."),
    ("ouder", "Dit is geen geldig e-mailadres."),
    ("ouder@example", "Dit is geen geldig e-mailadres."),
    ("ouder @example.nl", "Dit is geen geldig e-mailadres."),
    ("a" * 300, "tekens"),
    ("x" * 140 + "@example.nl", "tekens"),
])
def test_bad_input_is_a_dutch_400(juf, pupil, mailoutbox, bad, message):
    response = add(juf, pupil, bad)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not pupil.guardian_links.exists() and mailoutbox == []


def test_a_failing_mail_server_keeps_the_address_and_says_so(juf, pupil, monkeypatch):
    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    response = add(juf, pupil, "ouder2@example.nl")
    assert response.status_code == 302
    assert pupil.guardian_links.filter(guardian__username="ouder2@example.nl").exists()
    assert "de e-mail kon niet worden verstuurd" in juf.get(response["Location"]).content.decode()


def test_removing_an_address_keeps_the_parents_other_children(juf, pupil, group, guardian):
    sister = PupilFactory(group=group)
    elsewhere = PupilFactory()
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    GuardianLinkFactory(pupil=sister, guardian=guardian)
    GuardianLinkFactory(pupil=elsewhere, guardian=guardian)
    response = juf.post(remove_url(link), {"confirmed": "1"})
    assert response.status_code == 302
    assert not pupil.guardian_links.exists()
    assert set(guardian.guardian_links.values_list("pupil", flat=True)) == {sister.pk, elsewhere.pk}
    guardian.refresh_from_db()
    assert guardian.check_password("correct-horse-battery")


def test_removing_the_last_link_removes_the_parents_account(juf, pupil, guardian):
    other_parent = GuardianLinkFactory(pupil=pupil)
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    juf.post(remove_url(link), {"confirmed": "1"})
    assert not User.objects.filter(pk=guardian.pk).exists()
    assert pupil.guardian_links.get() == other_parent


def test_a_link_of_another_pupil_cannot_be_removed_through_this_pupil(juf, pupil, group):
    other = GuardianLinkFactory(pupil=PupilFactory(group=group))
    response = juf.post(f"/leerkracht/leerling/{pupil.pk}/ouders/{other.pk}/verwijderen/",
                        {"confirmed": "1"})
    assert response.status_code == 404
    assert GuardianLink.objects.filter(pk=other.pk).exists()


def test_a_removed_slot_can_be_filled_again(juf, pupil):
    first = GuardianLinkFactory(pupil=pupil)
    GuardianLinkFactory(pupil=pupil)
    juf.post(remove_url(first), {"confirmed": "1"})
    assert add(juf, pupil, "nieuw@example.nl").status_code == 302
    assert pupil.guardian_links.count() == 2


def test_a_parent_of_another_school_keeps_their_account_when_removed_here(juf, pupil, outsider):
    parent = GuardianFactory()
    link = GuardianLinkFactory(pupil=pupil, guardian=parent)
    GuardianLinkFactory(pupil=PupilFactory(group=outsider.groups.get()), guardian=parent)
    juf.post(remove_url(link), {"confirmed": "1"})
    assert User.objects.filter(pk=parent.pk).exists()


def test_removing_asks_for_confirmation_first(juf, pupil, guardian):
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    page = juf.get(remove_url(link)).content.decode()
    assert "E-mailadres verwijderen?" in page and "ouder@example.nl" in page
    assert "Ja, verwijderen" in page and "niet ongedaan maken" in page
    # A post without the confirmation (the old one-click form) shows the same page.
    response = juf.post(remove_url(link))
    assert response.status_code == 200 and "Ja, verwijderen" in response.content.decode()
    assert GuardianLink.objects.filter(pk=link.pk).exists()


def test_the_confirmation_says_the_parents_account_goes_with_the_last_child(juf, pupil, guardian):
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    assert "het account van de ouder wordt ook verwijderd" in juf.get(remove_url(link)).content.decode()
    GuardianLinkFactory(guardian=guardian)
    assert "het account van de ouder wordt ook verwijderd" not in juf.get(remove_url(link)).content.decode()


def test_the_pupil_page_links_to_the_confirmation(juf, pupil, guardian):
    link = GuardianLinkFactory(pupil=pupil, guardian=guardian)
    page = juf.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()
    assert f'href="{remove_url(link)}"' in page
