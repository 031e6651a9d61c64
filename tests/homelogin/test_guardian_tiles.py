"""After the parent's login: the children's tiles, a child's PIN or pictures, and back out."""

import pytest
from axes.models import AccessAttempt

from pupils import session
from tests.factories import (
    GroupFactory,
    GuardianFactory,
    GuardianLinkFactory,
    LicenceFactory,
    PupilFactory,
)

TILES = "/thuis/kinderen/"
OFF = "Thuis inloggen is niet aangezet door de school"


def child_url(pupil):
    return f"/thuis/kinderen/{pupil.pk}/"


def tile_names(page):
    return [chunk.split("</span>")[0] for chunk in page.split('<span class="tile-name">')[1:]]


@pytest.fixture
def emma(pupil, guardian):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    return pupil


@pytest.fixture
def parent(client, guardian, emma):
    client.force_login(guardian)
    return client


def test_permission_ladder_for_the_tiles(client, guardian, emma, teacher):
    assert client.get(TILES)["Location"] == "/thuis/"
    client.force_login(teacher.user)
    assert client.get(TILES)["Location"] == "/thuis/"
    client.force_login(emma.user)
    assert client.get(TILES)["Location"] == "/thuis/"
    client.force_login(guardian)
    response = client.get(TILES)
    assert response.status_code == 200 and "Emma" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_tiles_show_the_linked_children_with_home_login_on(parent, guardian, emma, group, other_school):
    daan = PupilFactory(group=group, first_name="Daan", home_login_enabled=True)
    GuardianLinkFactory(pupil=daan, guardian=guardian)
    # A child at another school, same parent.
    sara = PupilFactory(group=GroupFactory(school=other_school), first_name="Sara",
                        home_login_enabled=True)
    GuardianLinkFactory(pupil=sara, guardian=guardian)
    PupilFactory(group=group, first_name="Vreemd", home_login_enabled=True)  # not theirs

    page = parent.get(TILES).content.decode()
    assert tile_names(page) == ["Daan", "Emma", "Sara"]
    for child in (daan, emma, sara):
        assert f'href="{child_url(child)}"' in page
    assert "Vreemd" not in page


def test_children_whose_home_login_is_off_are_greyed_and_not_links(parent, guardian, group):
    bram = PupilFactory(group=group, first_name="Bram", home_login_enabled=False)
    GuardianLinkFactory(pupil=bram, guardian=guardian)
    page = parent.get(TILES).content.decode()
    assert OFF in page
    assert "tile-off" in page and "Bram" in page
    assert f'href="{child_url(bram)}"' not in page  # no PIN pad for Bram


def test_children_who_left_school_are_not_shown(parent, guardian, group):
    gone = PupilFactory(group=group, first_name="Vertrokken", home_login_enabled=True, active=False)
    GuardianLinkFactory(pupil=gone, guardian=guardian)
    assert "Vertrokken" not in parent.get(TILES).content.decode()


def test_a_parent_without_children_to_show_gets_a_clear_message(client, guardian, pupil):
    client.force_login(guardian)
    assert "Er zijn nog geen kinderen aan uw e-mailadres gekoppeld" in client.get(TILES).content.decode()
    GuardianLinkFactory(pupil=pupil, guardian=guardian)  # home login off
    page = client.get(TILES).content.decode()
    assert "Nog geen van uw kinderen kan thuis inloggen" in page and OFF in page


@pytest.mark.parametrize("children", [2, 30])
def test_tiles_page_runs_a_fixed_number_of_queries(client, guardian, children,
                                                   django_assert_max_num_queries):
    for n in range(children):
        child = PupilFactory(home_login_enabled=n % 3 != 0)  # each at its own school
        GuardianLinkFactory(pupil=child, guardian=guardian)
    client.force_login(guardian)
    with django_assert_max_num_queries(4):
        response = client.get(TILES)
    page = response.content.decode()
    assert len(tile_names(page)) == children


# A child's own page: only the parent's own children, and only with home login on.


def test_the_childs_page_shows_the_pin_pad(parent, emma):
    response = parent.get(child_url(emma))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hallo Emma!" in page and 'name="pin"' in page
    assert f'href="{TILES}"' in page  # "Terug"


def test_a_parent_never_reaches_a_pupil_not_linked_to_them(parent, guardian, emma, group, other_school):
    classmate = PupilFactory(group=group, home_login_enabled=True)
    foreign = PupilFactory(group=GroupFactory(school=other_school), home_login_enabled=True)
    other_parents_child = PupilFactory(home_login_enabled=True)
    GuardianLinkFactory(pupil=other_parents_child, guardian=GuardianFactory())
    for pupil in (classmate, foreign, other_parents_child):
        assert parent.get(child_url(pupil)).status_code == 404
        assert parent.post(child_url(pupil), {"pin": "1234"}).status_code == 404
    for pk in (0, emma.pk + 1000, 99999999999999999):
        assert parent.get(f"/thuis/kinderen/{pk}/").status_code == 404
    assert parent.get("/thuis/kinderen/99999999999999999999999/").status_code == 404
    assert parent.get("/thuis/kinderen/abc/").status_code == 404


def test_a_linked_child_with_home_login_off_is_404(parent, guardian, group):
    bram = PupilFactory(group=group, home_login_enabled=False)
    GuardianLinkFactory(pupil=bram, guardian=guardian)
    assert parent.get(child_url(bram)).status_code == 404
    assert parent.post(child_url(bram), {"pin": "1234"}).status_code == 404


def test_a_child_of_a_school_that_is_no_longer_active_is_404(parent, emma):
    emma.school.active = False
    emma.school.save()
    assert parent.get(child_url(emma)).status_code == 404


def test_the_childs_page_needs_the_parent(client, emma, teacher):
    assert client.get(child_url(emma))["Location"] == "/thuis/"
    client.force_login(teacher.user)
    assert client.get(child_url(emma))["Location"] == "/thuis/"


def test_right_pin_logs_the_child_in_instead_of_the_parent(parent, emma):
    before = parent.session.session_key
    response = parent.post(child_url(emma), {"pin": "1357"})
    assert response.status_code == 302 and response["Location"] == "/overzicht/"
    assert parent.session.session_key != before
    assert int(parent.session["_auth_user_id"]) == emma.user.pk
    assert parent.session[session.GATE] == "home"
    assert parent.session[session.RETURN] == "/thuis/"
    # The parent is logged out: their tiles need the parent's login again.
    assert parent.get(TILES)["Location"] == "/thuis/"


def test_the_overview_at_home_shows_home_use_software_only(parent, emma):
    LicenceFactory(school=emma.school, home_use=True, software__name="Typetuin")
    LicenceFactory(school=emma.school, home_use=False, software__name="Rekenroute")
    parent.post(child_url(emma), {"pin": "1357"})
    page = parent.get("/overzicht/").content.decode()
    assert "Typetuin" in page and "Rekenroute" not in page


def test_uitloggen_ends_everything_and_returns_to_the_parents_login(parent, emma):
    parent.post(child_url(emma), {"pin": "1357"})
    response = parent.post("/uitloggen/")
    assert response["Location"] == "/thuis/"
    assert "_auth_user_id" not in parent.session
    # A sibling starts again at the parents' login.
    assert parent.get(TILES)["Location"] == "/thuis/"


def test_wrong_pin_counts_against_the_childs_home_account(parent, emma):
    response = parent.post(child_url(emma), {"pin": "0000"})
    assert response.status_code == 403
    assert "Dat klopt niet" in response.content.decode()
    assert AccessAttempt.objects.get().username == f"pupil:{emma.pk}:home"
    # The parent is still logged in and can let the child try again.
    assert parent.get(TILES).status_code == 200


def test_ten_wrong_pins_lock_the_childs_home_account(parent, emma):
    for attempt in range(10):
        response = parent.post(child_url(emma), {"pin": f"{attempt:04d}"})
    assert response.status_code == 429
    assert "Je thuis account is 1 uur geblokkeerd" in response.content.decode()
    assert parent.post(child_url(emma), {"pin": "1357"}).status_code == 429


def test_a_child_with_a_picture_password_gets_the_pictures(parent, guardian, group):
    daan = PupilFactory(group=group, first_name="Daan", home_login_enabled=True,
                        pictures=["hond", "appel", "fiets"])
    GuardianLinkFactory(pupil=daan, guardian=guardian)
    assert 'alt="hond"' in parent.get(child_url(daan)).content.decode()
    response = parent.post(child_url(daan), {"pictures": ["hond", "appel", "fiets"]})
    assert response["Location"] == "/overzicht/"


def test_children_with_the_same_first_name_get_their_last_initial(client, guardian):
    for last_name in ("Bakker", "Visser"):  # at two schools
        child = PupilFactory(first_name="Sem", last_name=last_name, home_login_enabled=True)
        GuardianLinkFactory(pupil=child, guardian=guardian)
    client.force_login(guardian)
    assert tile_names(client.get(TILES).content.decode()) == ["Sem B.", "Sem V."]


def test_a_success_resets_the_childs_home_count(parent, guardian, emma):
    for attempt in range(9):
        parent.post(child_url(emma), {"pin": f"{attempt:04d}"})
    assert parent.post(child_url(emma), {"pin": "1357"})["Location"] == "/overzicht/"
    parent.post("/uitloggen/")
    parent.force_login(guardian)
    assert parent.post(child_url(emma), {"pin": "0000"}).status_code == 403  # wrong, not locked


def test_a_parent_never_sees_the_tiles_another_parent_saw_before(client, guardian, emma, group):
    """The tile list is cached; a parent's page must never come from another family's."""
    client.force_login(guardian)
    assert tile_names(client.get(TILES).content.decode()) == ["Emma"]

    other = GuardianFactory()
    noor = PupilFactory(group=group, first_name="Noor", home_login_enabled=True)
    GuardianLinkFactory(pupil=noor, guardian=other)
    client.force_login(other)
    page = client.get(TILES).content.decode()
    assert tile_names(page) == ["Noor"]
    assert "Emma" not in page and child_url(emma) not in page
