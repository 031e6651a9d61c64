import pytest

from pupils import session
from tests.factories import GroupFactory, LicenceFactory, PupilFactory, SoftwareFactory
from tests.helpers import connect, log_in_pupil


def log_in_at_school(client, teacher, group, pupil):
    connect(client, teacher, group)
    client.post(f"/klas/leerling/{pupil.pk}/", {"pin": "1357"})


@pytest.fixture
def software(school, group):
    other = GroupFactory(school=school, name="Groep 3", year_level=3)
    return {
        "school": LicenceFactory(school=school, software__name="Rekenroute").software,
        "home": LicenceFactory(school=school, home_use=True, software__name="Typetuin").software,
        "other_group": LicenceFactory(school=school, groups=[other],
                                      software__name="Letterpret").software,
        "other_school": LicenceFactory(software__name="Vreemdwerk").software,
        "none": SoftwareFactory(name="Zonderlicentie"),
    }


def test_at_school_the_overview_shows_the_groups_licensed_software(client, teacher, group, pupil,
                                                                      software):
    log_in_at_school(client, teacher, group, pupil)
    page = client.get("/overzicht/").content.decode()
    assert "Rekenroute" in page and "Typetuin" in page
    for unlicensed in ["Letterpret", "Vreemdwerk", "Zonderlicentie"]:
        assert unlicensed not in page


def test_at_home_only_home_use_software_shows(client, pupil, software):
    pupil.home_login_enabled = True
    pupil.save()
    log_in_pupil(client, pupil, gate="home")
    page = client.get("/overzicht/").content.decode()
    assert "Typetuin" in page and "Rekenroute" not in page


def test_overview_needs_a_logged_in_pupil(client, teacher):
    assert client.get("/overzicht/")["Location"] == "/"
    client.force_login(teacher.user)
    assert client.get("/overzicht/")["Location"] == "/"


def test_overview_is_never_cached(client, pupil):
    log_in_pupil(client, pupil)
    assert "no-store" in client.get("/overzicht/")["Cache-Control"]


@pytest.mark.parametrize("titles", [2, 40])
def test_overview_runs_a_fixed_number_of_queries(client, pupil, titles,
                                                 django_assert_max_num_queries):
    for _ in range(titles):
        LicenceFactory(school=pupil.school, home_use=True)
    log_in_pupil(client, pupil)
    with django_assert_max_num_queries(5):
        response = client.get("/overzicht/")
    assert response.content.decode().count('class="tile"') == titles


def test_logout_ends_the_session_and_returns_to_the_tiles(client, teacher, group, pupil):
    log_in_at_school(client, teacher, group, pupil)
    assert client.session[session.GATE] == "school"
    response = client.post("/uitloggen/")
    assert response["Location"] == "/klas/"
    assert "_auth_user_id" not in client.session
    assert client.get("/overzicht/")["Location"] == "/"
    assert "Emma" in client.get("/klas/").content.decode()


def test_logout_over_get_is_refused(client, pupil):
    log_in_pupil(client, pupil)
    assert client.get("/uitloggen/").status_code == 405


def test_deactivated_pupil_loses_the_overview(client, pupil):
    log_in_pupil(client, pupil)
    PupilFactory._meta.model.objects.filter(pk=pupil.pk).update(active=False)
    assert client.get("/overzicht/")["Location"] == "/"
