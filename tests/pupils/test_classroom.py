import pytest
from django.http import HttpResponse

from pupils.classroom import COOKIE as CLASSROOM_COOKIE
from pupils.classroom import SALT as CLASSROOM_SALT
from tests.factories import GroupFactory, PupilFactory, TeacherFactory
from tests.helpers import connect, log_in_pupil


def signed_cookie(value):
    """A classroom cookie value signed exactly as the app signs it (with the site's key)."""
    response = HttpResponse()
    response.set_signed_cookie(CLASSROOM_COOKIE, value, salt=CLASSROOM_SALT)
    return response.cookies[CLASSROOM_COOKIE].value


def test_not_connected_device_asks_for_a_teacher(client, db):
    response = client.get("/klas/")
    assert "Dit apparaat is nog geen klassencomputer" in response.content.decode()


def test_teacher_connects_device_and_is_logged_out(client, teacher, group, pupil):
    response = connect(client, teacher, group)
    assert response.status_code == 302 and response["Location"] == "/klas/"
    cookie = response.cookies[CLASSROOM_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] > 0
    assert "_auth_user_id" not in client.session
    page = client.get("/klas/").content.decode()
    assert "Groep 5a" in page and "Emma" in page


def test_connect_needs_a_teacher(client, group, pupil):
    response = client.post("/klas/instellen/", {"group": group.pk})
    assert response.status_code == 302 and "/leerkracht/inloggen/" in response["Location"]
    log_in_pupil(client, pupil)
    assert client.post("/klas/instellen/", {"group": group.pk}).status_code == 403


def test_connect_to_a_group_of_another_school_is_404(client, outsider, group):
    response = connect(client, outsider, group)
    assert response.status_code == 404
    assert CLASSROOM_COOKIE not in response.cookies


@pytest.mark.parametrize("bad_group", ["", "abc", "999999"])
def test_connect_with_bad_group_is_404(client, teacher, bad_group):
    client.force_login(teacher.user)
    assert client.post("/klas/instellen/", {"group": bad_group}).status_code == 404


def test_connect_over_get_is_refused(client, teacher, group):
    client.force_login(teacher.user)
    assert client.get(f"/klas/instellen/?group={group.pk}").status_code == 405


def test_forged_cookie_shows_no_tiles(client, teacher, group, pupil):
    client.cookies[CLASSROOM_COOKIE] = f"{group.pk}:{teacher.pk}:forged-signature"
    page = client.get("/klas/").content.decode()
    assert "Emma" not in page
    assert "nog geen klassencomputer" in page
    assert client.get(f"/klas/leerling/{pupil.pk}/").status_code == 302


def test_cookie_signed_with_another_key_is_refused(client, teacher, group, pupil, settings):
    site_key = settings.SECRET_KEY
    settings.SECRET_KEY = "an-attackers-guess-of-the-secret-key-0123456789-abcdefghijkl"
    forged = signed_cookie(f"{group.pk}:{teacher.pk}")
    settings.SECRET_KEY = site_key
    client.cookies[CLASSROOM_COOKIE] = forged
    assert "Emma" not in client.get("/klas/").content.decode()
    # ...while the same value signed with the site's own key does work:
    client.cookies[CLASSROOM_COOKIE] = signed_cookie(f"{group.pk}:{teacher.pk}")
    assert "Emma" in client.get("/klas/").content.decode()


def test_cookie_of_a_teacher_who_left_the_group_stops_working(client, teacher, group, pupil):
    connect(client, teacher, group)
    teacher.groups.clear()
    assert "Emma" not in client.get("/klas/").content.decode()


def test_cookie_naming_another_teachers_group_is_refused(client, teacher, group, outsider):
    # A valid signature, but the teacher named in it does not teach the group named in it.
    other_group = outsider.groups.get()
    PupilFactory(group=other_group, first_name="Vreemde")
    client.cookies[CLASSROOM_COOKIE] = signed_cookie(f"{other_group.pk}:{teacher.pk}")
    assert "Vreemde" not in client.get("/klas/").content.decode()
    client.cookies[CLASSROOM_COOKIE] = signed_cookie(f"{other_group.pk}:{outsider.pk}")
    assert "Vreemde" in client.get("/klas/").content.decode()


def test_pupil_of_another_group_is_404_on_this_device(client, teacher, group):
    connect(client, teacher, group)
    elsewhere = PupilFactory(group=GroupFactory(school=group.school, name="Groep 8"))
    stranger = PupilFactory()
    assert client.get(f"/klas/leerling/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/klas/leerling/{stranger.pk}/").status_code == 404
    assert client.post(f"/klas/leerling/{stranger.pk}/", {"pin": "1234"}).status_code == 404


def test_ict_coordinator_may_connect_any_group_of_the_school(client, school, group, pupil):
    ict = TeacherFactory(school=school, role="ib_rt")
    connect(client, ict, group)
    assert "Emma" in client.get("/klas/").content.decode()


def test_disconnect_needs_the_teacher_again(client, teacher, group, pupil):
    connect(client, teacher, group)
    response = client.post("/klas/loskoppelen/")
    assert response.status_code == 302 and "/leerkracht/inloggen/" in response["Location"]
    assert "Emma" in client.get("/klas/").content.decode()

    client.force_login(teacher.user)
    setup = client.get("/klas/").content.decode()
    assert "Apparaat loskoppelen" in setup
    response = client.post("/klas/loskoppelen/")
    assert response.cookies[CLASSROOM_COOKIE].value == ""
    client.logout()
    assert "nog geen klassencomputer" in client.get("/klas/").content.decode()
