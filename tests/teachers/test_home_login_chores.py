import re

import pytest
import segno
from django.test import Client

from basispoort.lockout import locks_for
from homelogin.models import HomeLoginCode
from homelogin.services import issue_home_code
from tests.factories import GuardianLinkFactory, PupilFactory


@pytest.fixture
def juf(client, teacher):
    client.force_login(teacher.user)
    return client


@pytest.fixture
def klas(group):
    pupils = [PupilFactory(group=group, home_login_enabled=True) for _ in range(11)]
    PupilFactory(group=group, first_name="Zonder", home_login_enabled=False)
    return pupils


def codes_on(page):
    return re.findall(r"data-code>([A-Z0-9-]{14})<", page)


def lock_at_home(pupil):
    client = Client()
    client.post("/thuis/code/", {"code": issue_home_code(pupil=pupil)})
    for n in range(10):
        client.post(f"/thuis/apparaat/leerling/{pupil.pk}/", {"pin": f"{n:04d}"})
    assert locks_for([pupil])[pupil.pk]["home"] is not None


def test_printing_asks_for_confirmation_first(juf, group, klas):
    response = juf.get(f"/leerkracht/groep/{group.pk}/codes/")
    page = response.content.decode()
    assert "De oude codes werken dan niet meer" in page
    assert "11 leerlingen" in page and "1 leerling heeft thuis inloggen uit" in page
    assert not HomeLoginCode.objects.exists()


def test_printed_page_holds_one_card_per_pupil_with_home_login(juf, group, klas, settings):
    settings.SITE_URL = "https://thuis.basispoort.example"
    old = {p.pk: issue_home_code(pupil=p) for p in klas}
    response = juf.post(f"/leerkracht/groep/{group.pk}/codes/", {"confirmed": "1"})
    page = response.content.decode()
    codes = codes_on(page)
    assert len(codes) == 11 and page.count('class="code-card"') == 11
    assert page.count('class="sheet"') == 2  # 8 cards a sheet
    assert "Zonder" not in page
    assert "no-store" in response["Cache-Control"]
    for code in codes:
        selector, verifier = HomeLoginCode.split(code)
        assert HomeLoginCode.objects.current().get(selector=selector).check_verifier(verifier)
    for code in old.values():
        assert not HomeLoginCode.objects.current().filter(selector=code[:4]).exists()
    # The QR code encodes the code in the URL fragment.
    expected = segno.make(f"https://thuis.basispoort.example/thuis/code/#{codes[0]}",
                          error="m").svg_data_uri(scale=4, border=2)
    assert expected.replace("&", "&amp;") in page or expected in page


def test_printing_over_get_makes_no_codes(juf, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    juf.get(f"/leerkracht/leerling/{pupil.pk}/code/")
    assert not HomeLoginCode.objects.exists()


def test_one_pupils_card(juf, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    page = juf.post(f"/leerkracht/leerling/{pupil.pk}/code/").content.decode()
    assert len(codes_on(page)) == 1 and "Emma" in page and pupil.school.name in page


def test_no_card_for_a_pupil_without_home_login(juf, pupil):
    assert juf.post(f"/leerkracht/leerling/{pupil.pk}/code/").status_code == 400
    assert not HomeLoginCode.objects.exists()


def test_mailing_a_code_to_the_parents(juf, pupil, mailoutbox):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian__email="ouder@example.nl")
    response = juf.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["ouder@example.nl"]
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", mail.body).group(0)
    selector, verifier = HomeLoginCode.split(code)
    assert HomeLoginCode.objects.current().get(selector=selector).check_verifier(verifier)
    assert pupil.school.name in mail.body
    assert mail.alternatives and code in mail.alternatives[0][0]


def test_no_mail_without_parent_addresses(juf, pupil, mailoutbox):
    pupil.home_login_enabled = True
    pupil.save()
    juf.post(f"/leerkracht/leerling/{pupil.pk}/code/mailen/")
    assert mailoutbox == [] and not HomeLoginCode.objects.exists()


def test_switching_home_login_on_and_off(juf, pupil):
    juf.post(f"/leerkracht/leerling/{pupil.pk}/thuis/", {"enabled": "1"})
    pupil.refresh_from_db()
    assert pupil.home_login_enabled
    juf.post(f"/leerkracht/leerling/{pupil.pk}/thuis/", {"enabled": "0"})
    pupil.refresh_from_db()
    assert not pupil.home_login_enabled


def test_teacher_sees_the_lock_and_lifts_it(juf, group, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    lock_at_home(pupil)
    group_page = juf.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert "Geblokkeerde leerlingen" in group_page and "Emma de Vries" in group_page
    assert "Ontgrendelen" in juf.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()

    response = juf.post(f"/leerkracht/leerling/{pupil.pk}/ontgrendelen/",
                        {"next": f"/leerkracht/groep/{group.pk}/"})
    assert response["Location"] == f"/leerkracht/groep/{group.pk}/"
    assert locks_for([pupil])[pupil.pk] == {"school": None, "home": None}
    assert "Geblokkeerde leerlingen" not in juf.get(f"/leerkracht/groep/{group.pk}/").content.decode()


def test_unlock_next_cannot_leave_the_site(juf, pupil):
    response = juf.post(f"/leerkracht/leerling/{pupil.pk}/ontgrendelen/",
                        {"next": "https://evil.example/"})
    assert response["Location"] == f"/leerkracht/leerling/{pupil.pk}/"


@pytest.mark.parametrize("path", [
    "leerling/{pupil}/ontgrendelen/", "leerling/{pupil}/thuis/", "leerling/{pupil}/code/",
    "leerling/{pupil}/code/mailen/", "groep/{group}/codes/",
])
def test_teacher_of_another_school_gets_404(client, outsider, pupil, group, path):
    pupil.home_login_enabled = True
    pupil.save()
    client.force_login(outsider.user)
    url = "/leerkracht/" + path.format(pupil=pupil.pk, group=group.pk)
    assert client.post(url, {"enabled": "0"}).status_code == 404
    pupil.refresh_from_db()
    assert pupil.home_login_enabled and not HomeLoginCode.objects.exists()


def test_teacher_actions_need_csrf(teacher, pupil):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher.user)
    assert client.post(f"/leerkracht/leerling/{pupil.pk}/ontgrendelen/").status_code == 403
    assert client.post(f"/leerkracht/leerling/{pupil.pk}/thuis/", {"enabled": "1"}).status_code == 403
