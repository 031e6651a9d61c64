import pytest
from axes.models import AccessAttempt

from tests.factories import PupilFactory
from tests.helpers import connect


@pytest.fixture
def device(client, teacher, group):
    connect(client, teacher, group)
    return client


def url(pupil):
    return f"/klas/leerling/{pupil.pk}/"


def test_pin_page_is_not_a_password_field(device, pupil):
    page = device.get(url(pupil)).content.decode()
    assert 'name="pin"' in page
    assert 'autocomplete="off"' in page and 'inputmode="numeric"' in page
    assert 'type="password"' not in page


def test_right_pin_logs_the_pupil_in_with_a_new_session_key(device, pupil):
    device.get(url(pupil))
    before = device.session.session_key
    response = device.post(url(pupil), {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"
    assert device.session.session_key != before
    assert int(device.session["_auth_user_id"]) == pupil.user.pk
    assert "Hallo Emma!" in device.get("/overzicht/").content.decode()


def test_wrong_pin_shows_the_friendly_message(device, pupil):
    response = device.post(url(pupil), {"pin": "1111"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Dat klopt niet. Probeer het nog eens." in page
    assert "img/oeps.svg" in page
    assert "_auth_user_id" not in device.session


@pytest.mark.parametrize("bad", ["", "12", "abcd", "12345", "１２３４"])
def test_malformed_pin_is_400_and_not_counted(device, pupil, bad):
    response = device.post(url(pupil), {"pin": bad})
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()


def test_ten_wrong_pins_lock_and_the_right_one_is_then_refused(device, pupil, monkeypatch):
    for attempt in range(10):
        response = device.post(url(pupil), {"pin": f"{attempt:04d}"})
    assert response.status_code == 429
    assert "Je account is even op slot. Vraag je juf of meester." in response.content.decode()

    checked = []
    monkeypatch.setattr(type(pupil), "check_secret", lambda self, value: checked.append(value))
    response = device.post(url(pupil), {"pin": "1357"})
    assert response.status_code == 429
    assert "even op slot" in response.content.decode()
    assert checked == [], "a locked pupil's secret must not be checked"
    assert "_auth_user_id" not in device.session
    # The lock shows before typing, too.
    assert "even op slot" in device.get(url(pupil)).content.decode()


def test_lock_is_per_pupil(device, pupil, group):
    classmate = PupilFactory(group=group, pin="2468")
    for attempt in range(10):
        device.post(url(pupil), {"pin": f"{attempt:04d}"})
    assert device.post(url(classmate), {"pin": "2468"}).status_code == 302


def test_success_resets_the_failure_count(device, pupil):
    for attempt in range(9):
        device.post(url(pupil), {"pin": f"{attempt:04d}"})
    device.post(url(pupil), {"pin": "1357"})
    device.post("/uitloggen/")
    response = device.post(url(pupil), {"pin": "0000"})
    assert response.status_code == 403  # wrong, but not locked


def test_failed_attempts_never_store_the_pin(device, pupil):
    device.post(url(pupil), {"pin": "8642"})
    attempt = AccessAttempt.objects.get()
    assert "8642" not in attempt.post_data
    assert attempt.username == f"pupil:{pupil.pk}:school"


def test_pictures_in_the_right_order_log_in(device, group):
    daan = PupilFactory(group=group, first_name="Daan", pictures=["hond", "appel", "fiets"])
    page = device.get(url(daan)).content.decode()
    assert 'alt="hond"' in page and 'name="pictures"' in page
    response = device.post(url(daan), {"pictures": ["hond", "appel", "fiets"]})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"


def test_pictures_in_the_wrong_order_are_refused(device, group):
    daan = PupilFactory(group=group, pictures=["hond", "appel", "fiets"])
    response = device.post(url(daan), {"pictures": ["appel", "hond", "fiets"]})
    assert response.status_code == 403
    assert "Dat klopt niet" in response.content.decode()


def test_without_javascript_each_click_asks_for_the_next_picture(device, group):
    daan = PupilFactory(group=group, pictures=["hond", "appel", "fiets"])
    response = device.post(url(daan), {"pictures": ["hond", "appel"]})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('type="hidden" name="pictures"') == 2
    assert "plaatje 2 van 3 gekozen" in page
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize("bad", [["raket", "hond", "appel"], ["nope"], ["hond"] * 4])
def test_pictures_not_in_the_grid_are_400(device, group, bad):
    daan = PupilFactory(group=group, pictures=["hond", "appel", "fiets"])
    assert device.post(url(daan), {"pictures": bad}).status_code == 400


def test_huge_pupil_id_is_404(device):
    assert device.get("/klas/leerling/99999999999999999999999/").status_code == 404
