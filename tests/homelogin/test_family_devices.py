"""Home devices one by one: a parent sees and removes their children's devices, and names
them; a teacher removes one device of one pupil. Nobody reaches another family's device."""

import pytest
import requests
from django.test import Client

from homelogin.devices import device_label, device_label_display
from homelogin.models import DeviceGrant, DeviceGrantPupil
from homelogin.services import issue_home_code
from schools.models import AuditEntry
from software.models import PublisherSession
from tests.factories import GuardianFactory, GuardianLinkFactory, PupilFactory
from tests.helpers import log_in_pupil, sign_in

ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1")


@pytest.mark.parametrize(("user_agent", "label"), [
    (ANDROID, "Chrome op Android"),
    (IPAD, "Safari op iPad"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0", "Edge op Windows"),
    ("curl/8.5", "curl"),
    ("", "onbekend apparaat"),
    ("x" * 5000, "onbekend apparaat"),
])
def test_device_labels_from_the_user_agent(user_agent, label):
    assert device_label_display(device_label(user_agent)) == label


def device_with(*pupils, user_agent=ANDROID):
    device = Client(HTTP_USER_AGENT=user_agent)
    for pupil in pupils:
        device.post("/thuis/code/", {"code": issue_home_code(pupil=pupil)})
    return device


@pytest.fixture
def parent(client, emma, guardian):
    GuardianLinkFactory(pupil=emma, guardian=guardian)
    client.force_login(guardian)
    return client


def grant_of(pupil, user_agent):
    return DeviceGrant.objects.get(entries__pupil=pupil, label=device_label(user_agent))


def test_parent_sees_each_device_with_its_label_and_children(parent, emma, guardian, group):
    daan = PupilFactory(group=group, first_name="Daan", home_login_enabled=True)
    GuardianLinkFactory(pupil=daan, guardian=guardian)
    device_with(emma)
    issue_home_code(pupil=emma)  # (the first device is gone with the old card)
    device_with(emma, daan, user_agent=IPAD)
    page = parent.get("/thuis/apparaten/").content.decode()
    assert "Safari op iPad" in page and "Daan, Emma" in page
    assert "Chrome op Android" not in page
    assert "Voor het eerst gebruikt" in page and "Laatst gebruikt" in page


def test_revoking_one_device_leaves_the_other(parent, emma):
    card = issue_home_code(pupil=emma)
    phone, tablet = Client(HTTP_USER_AGENT=ANDROID), Client(HTTP_USER_AGENT=IPAD)
    for device in (phone, tablet):
        device.post("/thuis/code/", {"code": card})
    response = parent.post(f"/thuis/apparaten/{grant_of(emma, ANDROID).pk}/verwijderen/")
    assert response["Location"] == "/thuis/apparaten/"
    assert phone.get("/thuis/apparaat/")["Location"] == "/thuis/code/"
    assert tablet.get("/thuis/apparaat/").status_code == 200
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DEVICE_REVOKED, pupil=emma,
                                     detail="Chrome op Android").exists()


def test_revoking_ends_the_childs_session_on_that_device_at_once(parent, emma):
    device = device_with(emma)
    grant = grant_of(emma, ANDROID)
    log_in_pupil(device, emma, gate="home", device=grant.entries.get().pk)
    assert device.get("/overzicht/").status_code == 200
    parent.post(f"/thuis/apparaten/{grant.pk}/verwijderen/")
    assert device.get("/overzicht/").status_code == 302


def test_another_familys_child_on_a_shared_device_stays_and_is_not_shown(parent, emma, group):
    friend = PupilFactory(group=group, first_name="Vriendin", home_login_enabled=True)
    GuardianLinkFactory(pupil=friend, guardian=GuardianFactory())
    device = device_with(emma, friend)
    assert "Vriendin" not in parent.get("/thuis/apparaten/").content.decode()
    parent.post(f"/thuis/apparaten/{grant_of(emma, ANDROID).pk}/verwijderen/")
    page = device.get("/thuis/apparaat/").content.decode()
    assert "Vriendin" in page and f"/thuis/apparaat/leerling/{emma.pk}/" not in page


def test_parent_names_a_device(parent, emma):
    device_with(emma)
    grant = grant_of(emma, ANDROID)
    response = parent.post(f"/thuis/apparaten/{grant.pk}/naam/", {f"apparaat-{grant.pk}-name": "iPad keuken"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.name == "iPad keuken"
    assert "iPad keuken" in parent.get("/thuis/apparaten/").content.decode()


def test_a_too_long_name_is_refused_in_dutch(parent, emma):
    device_with(emma)
    grant = grant_of(emma, ANDROID)
    response = parent.post(f"/thuis/apparaten/{grant.pk}/naam/", {f"apparaat-{grant.pk}-name": "x" * 41})
    assert response.status_code == 400
    assert "hoogstens 40 tekens" in response.content.decode()
    grant.refresh_from_db()
    assert grant.name == ""


def test_another_familys_device_is_a_404(parent, group):
    stranger = PupilFactory(group=group, home_login_enabled=True)
    GuardianLinkFactory(pupil=stranger, guardian=GuardianFactory())
    device = device_with(stranger)
    grant = grant_of(stranger, ANDROID)
    assert parent.post(f"/thuis/apparaten/{grant.pk}/verwijderen/").status_code == 404
    rename = parent.post(f"/thuis/apparaten/{grant.pk}/naam/", {f"apparaat-{grant.pk}-name": "x"})
    assert rename.status_code == 404
    assert str(grant.pk) not in parent.get("/thuis/apparaten/").content.decode().split("apparaten/")[-1]
    assert device.get("/thuis/apparaat/").status_code == 200


def test_revoke_is_post_only_and_anonymous_goes_to_login(client, emma):
    device_with(emma)
    grant = grant_of(emma, ANDROID)
    assert client.get("/thuis/apparaten/")["Location"] == "/thuis/"
    assert client.post(f"/thuis/apparaten/{grant.pk}/verwijderen/")["Location"] == "/thuis/"


# The teacher, one device at a time.


def test_teacher_sees_and_removes_one_device(client, teacher, emma):
    card = issue_home_code(pupil=emma)
    phone, tablet = Client(HTTP_USER_AGENT=ANDROID), Client(HTTP_USER_AGENT=IPAD)
    for device in (phone, tablet):
        device.post("/thuis/code/", {"code": card})
    client.force_login(teacher.user)
    page = client.get(f"/leerkracht/leerling/{emma.pk}/").content.decode()
    assert "Chrome op Android" in page and "Safari op iPad" in page
    entry = DeviceGrantPupil.objects.get(pupil=emma, grant__label=device_label(ANDROID))
    response = client.post(f"/leerkracht/leerling/{emma.pk}/apparaten/{entry.pk}/verwijderen/")
    assert response["Location"] == f"/leerkracht/leerling/{emma.pk}/"
    assert phone.get("/thuis/apparaat/")["Location"] == "/thuis/code/"
    assert tablet.get("/thuis/apparaat/").status_code == 200


def test_teacher_cannot_remove_another_pupils_entry_through_their_own_pupil(client, teacher, emma, group):
    other = PupilFactory(group=group, home_login_enabled=True)
    device_with(other)
    entry = DeviceGrantPupil.objects.get(pupil=other)
    client.force_login(teacher.user)
    assert client.post(f"/leerkracht/leerling/{emma.pk}/apparaten/{entry.pk}/verwijderen/").status_code == 404
    assert DeviceGrantPupil.objects.filter(pk=entry.pk).exists()


def test_outsider_teacher_gets_a_404(client, outsider, emma):
    device_with(emma)
    entry = DeviceGrantPupil.objects.get(pupil=emma)
    client.force_login(outsider.user)
    assert client.post(f"/leerkracht/leerling/{emma.pk}/apparaten/{entry.pk}/verwijderen/").status_code == 404
    assert DeviceGrantPupil.objects.filter(pk=entry.pk).exists()


def test_a_pin_login_on_the_device_is_its_last_use(emma):
    device = device_with(emma)
    device.post(f"/thuis/apparaat/leerling/{emma.pk}/", {"pin": "1357"})
    entry = DeviceGrantPupil.objects.get(pupil=emma)
    assert entry.last_used_at is not None


# A removed device's child is logged out at the publishers at once, not on the device's next
# request: the publisher hears it by a logout token, and the tokens it got stop working.


@pytest.fixture
def logout_posts(monkeypatch):
    posts = []

    def post(uri, data=None, **options):
        posts.append(uri)
        response = requests.Response()
        response.status_code = 200
        return response

    monkeypatch.setattr("software.backchannel.requests.post", post)
    return posts


def launched_on(device, pupil, software, user_agent):
    """``pupil`` logs in on ``device`` at home and opens ``software``; returns the access token."""
    entry = DeviceGrantPupil.objects.get(grant=grant_of(pupil, user_agent), pupil=pupil)
    log_in_pupil(device, pupil, gate="home", device=entry.pk)
    _claims, tokens = sign_in(device, software)
    return tokens["access_token"]


def userinfo(token):
    return Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


@pytest.fixture
def two_devices(emma, rekenroute):
    rekenroute.backchannel_logout_uri = "https://rekenroute.example/logout"
    rekenroute.save()
    card = issue_home_code(pupil=emma)
    phone, tablet = Client(HTTP_USER_AGENT=ANDROID), Client(HTTP_USER_AGENT=IPAD)
    for device in (phone, tablet):
        device.post("/thuis/code/", {"code": card})
    return (launched_on(phone, emma, rekenroute, ANDROID), launched_on(tablet, emma, rekenroute, IPAD))


def test_removing_a_device_logs_the_child_out_at_the_publisher_at_once(
        parent, emma, two_devices, logout_posts, run_tasks):
    on_phone, on_tablet = two_devices
    assert userinfo(on_phone) == 200 and userinfo(on_tablet) == 200

    parent.post(f"/thuis/apparaten/{grant_of(emma, ANDROID).pk}/verwijderen/")
    run_tasks()

    assert userinfo(on_phone) == 401
    assert logout_posts == ["https://rekenroute.example/logout"]
    assert PublisherSession.objects.filter(logged_out_at=None).count() == 1  # the tablet's
    assert userinfo(on_tablet) == 200


@pytest.mark.parametrize("what", ["one device", "all devices", "a new card"])
def test_the_teachers_revocations_log_the_child_out_at_the_publisher_too(
        emma, teacher, two_devices, logout_posts, run_tasks, what):
    juf = Client()
    juf.force_login(teacher.user)
    on_phone, on_tablet = two_devices
    entry = DeviceGrantPupil.objects.get(grant=grant_of(emma, ANDROID))
    path = {"one device": f"apparaten/{entry.pk}/verwijderen/", "all devices": "apparaten/intrekken/",
            "a new card": "code/"}[what]
    assert juf.post(f"/leerkracht/leerling/{emma.pk}/{path}").status_code in (200, 302)
    run_tasks()
    assert userinfo(on_phone) == 401
    assert "https://rekenroute.example/logout" in logout_posts
    assert userinfo(on_tablet) == (200 if what == "one device" else 401)
