"""Teachers' pages are in Dutch and English only. A teacher whose browser last chose a parent's
language (Arabic, Turkish, Polish, Ukrainian: the family's device, or a teacher who looked at
the parents' page in Arabic) gets Dutch, marked as Dutch and left to right: a screen reader must
not read Dutch with an Arabic voice, and printed cards must not come out right to left."""

import re

import pytest
from django.conf import settings

from tests.factories import PupilFactory
from tests.helpers import log_in_staff


def html_tag(response):
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


@pytest.fixture
def teacher_client(client, teacher):
    log_in_staff(client, teacher.user)
    return client


@pytest.mark.parametrize("language", ["ar", "tr", "pl", "uk"])
def test_teacher_pages_in_a_family_language_are_dutch(teacher_client, language):
    teacher_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = teacher_client.get("/leerkracht/")
    assert html_tag(response) == '<html lang="nl" dir="ltr">'
    assert response["Content-Language"] == "nl"
    assert "Mijn groepen" in response.content.decode()


def test_teacher_pages_in_english_stay_english(teacher_client):
    teacher_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = teacher_client.get("/leerkracht/")
    assert html_tag(response) == '<html lang="en" dir="ltr">'


def test_printed_cards_in_an_arabic_session_are_dutch_and_left_to_right(teacher_client, group):
    pupil = PupilFactory(group=group, home_login_enabled=True)
    teacher_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    response = teacher_client.post(f"/leerkracht/leerling/{pupil.pk}/code/")
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="nl" dir="ltr">'
    assert "Thuis login code" in response.content.decode()


def test_the_parents_pages_keep_the_chosen_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert html_tag(client.get("/thuis/")) == '<html lang="ar" dir="rtl">'
