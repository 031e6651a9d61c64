import pytest

from homelogin.code_views import device_cookie_name
from homelogin.models import DeviceGrant
from homelogin.services import issue_home_code
from tests.factories import LicenceFactory, PupilFactory


@pytest.fixture
def device(client, emma):
    client.post("/thuis/code/", {"code": issue_home_code(pupil=emma)})
    return client


def test_device_shows_the_pupils_tile(device, emma):
    page = device.get("/thuis/apparaat/").content.decode()
    assert "Emma" in page and f'href="/thuis/apparaat/leerling/{emma.pk}/"' in page


def test_later_visits_show_the_tile_on_the_start_page(device, emma):
    page = device.get("/").content.decode()
    assert f'href="/thuis/apparaat/leerling/{emma.pk}/"' in page
    assert "Ik heb een thuis login code" in page


def test_device_without_cookie_goes_to_the_code_page(client, db):
    assert client.get("/thuis/apparaat/")["Location"] == "/thuis/code/"


@pytest.mark.parametrize("value", ["garbage", "a:b:c", ""])
def test_forged_device_cookie_shows_no_tiles(client, emma, value):
    client.post("/thuis/code/", {"code": issue_home_code(pupil=emma)})
    client.cookies[device_cookie_name()] = value
    assert client.get("/thuis/apparaat/")["Location"] == "/thuis/code/"
    assert client.get(f"/thuis/apparaat/leerling/{emma.pk}/")["Location"] == "/thuis/code/"


def test_revoked_device_shows_no_tiles(device, emma):
    DeviceGrant.objects.update(revoked_at="2026-01-01T00:00Z")
    assert device.get("/thuis/apparaat/")["Location"] == "/thuis/code/"


def test_reissued_code_removes_the_pupil_from_the_device(device, emma):
    issue_home_code(pupil=emma)
    assert device.get("/thuis/apparaat/")["Location"] == "/thuis/code/"
    assert device.get(f"/thuis/apparaat/leerling/{emma.pk}/").status_code == 404


def test_home_login_switched_off_removes_the_pupil(device, emma):
    emma.home_login_enabled = False
    emma.save()
    assert device.get(f"/thuis/apparaat/leerling/{emma.pk}/").status_code == 404


def test_pupil_not_on_this_device_is_404(device, emma, group):
    classmate = PupilFactory(group=group, home_login_enabled=True)
    issue_home_code(pupil=classmate)
    stranger = PupilFactory(home_login_enabled=True)
    for other in (classmate, stranger):
        assert device.get(f"/thuis/apparaat/leerling/{other.pk}/").status_code == 404
        assert device.post(f"/thuis/apparaat/leerling/{other.pk}/", {"pin": "1234"}).status_code == 404


def test_pin_at_home_shows_only_home_use_software(device, emma, school):
    LicenceFactory(school=school, home_use=True, software__name="Thuisprogramma")
    LicenceFactory(school=school, home_use=False, software__name="Schoolprogramma")
    response = device.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})
    assert response["Location"] == "/overzicht/"
    page = device.get("/overzicht/").content.decode()
    assert "Thuisprogramma" in page and "Schoolprogramma" not in page


def test_logout_returns_to_the_device_tiles(device, emma):
    device.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})
    response = device.post("/uitloggen/")
    assert response["Location"] == "/thuis/apparaat/"
    assert "_auth_user_id" not in device.session
    assert "Emma" in device.get("/thuis/apparaat/").content.decode()


def test_ten_wrong_pins_at_home_lock_the_home_account_only(device, emma, teacher, group):
    for n in range(10):
        response = device.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": f"{n:04d}"})
    assert response.status_code == 429
    assert "Je thuis account is 1 uur geblokkeerd" in response.content.decode()
    assert device.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"}).status_code == 429
    # The same pupil can still log in at school the next morning.
    from tests.helpers import connect
    connect(device, teacher, group)
    assert device.post(f"/klas/leerling/{emma.pk}/", {"pin": "1357"}).status_code == 302


@pytest.mark.parametrize("pupils", [1, 6])
def test_device_tiles_run_a_fixed_number_of_queries(client, db, pupils,
                                                     django_assert_max_num_queries):
    for child in PupilFactory.create_batch(pupils, home_login_enabled=True):
        client.post("/thuis/code/", {"code": issue_home_code(pupil=child)})
    with django_assert_max_num_queries(4):
        response = client.get("/thuis/apparaat/")
    assert response.content.decode().count('class="tile"') == pupils
