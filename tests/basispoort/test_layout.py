"""What every page shares: the language switcher, right-to-left pages, messages, the help link
and the 403 page."""

import pytest

from tests.factories import GuardianLinkFactory, PupilFactory

LANGUAGES = ["Nederlands", "English", "العربية", "Türkçe", "Polski", "Українська"]


@pytest.mark.parametrize("language", ["nl", "en", "ar", "tr", "pl", "uk"])
def test_the_switcher_names_each_language_in_itself(client, db, language):
    client.cookies["django_language"] = language
    page = client.get("/").content.decode()
    for name in LANGUAGES:
        assert f">{name}</option>" in page
    assert "Engels" not in page
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page


def test_choosing_arabic_turns_the_page_right_to_left(client, db):
    client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    page = client.get("/thuis/code/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "لديّ رمز الدخول المنزلي" in client.get("/").content.decode()


def test_flash_messages_are_a_list_inside_a_status_region(client, teacher, pupil):
    client.force_login(teacher.user)
    page = client.post(f"/leerkracht/leerling/{pupil.pk}/thuis/", {"enabled": "1"}, follow=True)
    html = page.content.decode()
    assert '<div class="messages" role="status">' in html and "<ul>" in html
    assert '<ul class="messages" role="status">' not in html  # a status role would unmake the list


def test_the_footer_help_line_leads_to_the_help_page(client, db):
    assert 'href="/thuis/hulp/"' in client.get("/").content.decode()
    page = client.get("/thuis/hulp/").content.decode()
    assert "Ik heb een thuis login code" in page and "Verifiëren" in page
    assert "Of scan de QR-code" in page


def test_a_parent_on_a_forbidden_page_can_log_out_there(client, guardian):
    GuardianLinkFactory(guardian=guardian, pupil=PupilFactory())
    client.force_login(guardian)
    response = client.get("/leerkracht/")
    assert response.status_code == 403
    assert 'action="/thuis/uitloggen/"' in response.content.decode()
    assert "Uitloggen" in response.content.decode()



def test_header_and_footer_follow_each_visitors_language(client, db):
    """base.html's header and footer are rendered once per process and language: the next
    visitor in another language gets their own, with their language selected."""
    client.cookies["django_language"] = "nl"
    dutch = client.get("/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/").content.decode()
    assert "Naar de inhoud" in dutch and "Naar de inhoud" not in english
    assert 'value="nl" lang="nl" selected' in dutch and 'value="en" lang="en" selected' in english
    assert 'value="nl" lang="nl" selected' not in english
    # The CSRF token and the page's own address are never part of what is kept.
    tokens = [page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0] for page in (dutch, english)]
    assert tokens[0] != tokens[1]
    code_page = client.get("/thuis/code/").content.decode()
    assert '<input name="next" type="hidden" value="/thuis/code/">' in code_page
