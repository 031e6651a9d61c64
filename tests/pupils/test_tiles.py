import pytest

from tests.factories import PupilFactory
from tests.helpers import connect


@pytest.fixture
def device(client, teacher, group):
    connect(client, teacher, group)
    return client


def tile_names(page):
    return [chunk.split("</span>")[0] for chunk in page.split('<span class="tile-name">')[1:]]


def test_tiles_are_alphabetical_first_names(device, group):
    for name in ["Sem", "Anna", "Bram"]:
        PupilFactory(group=group, first_name=name)
    assert tile_names(device.get("/klas/").content.decode()) == ["Anna", "Bram", "Sem"]


def test_shared_first_names_get_the_last_name_initial(device, group):
    PupilFactory(group=group, first_name="Sem", last_name="Bakker")
    PupilFactory(group=group, first_name="Sem", last_name="Visser")
    PupilFactory(group=group, first_name="Anna", last_name="Smit")
    assert tile_names(device.get("/klas/").content.decode()) == ["Anna", "Sem B.", "Sem V."]


def test_shared_first_names_and_initials_get_more_of_the_last_name(device, group):
    PupilFactory(group=group, first_name="Sem", last_name="Bakker")
    PupilFactory(group=group, first_name="Sem", last_name="Boer")
    PupilFactory(group=group, first_name="Sem", last_name_prefix="de", last_name="Vries")
    assert tile_names(device.get("/klas/").content.decode()) == ["Sem Ba.", "Sem Bo.", "Sem de V."]


def test_inactive_pupils_have_no_tile(device, group):
    PupilFactory(group=group, first_name="Vertrokken", active=False)
    assert "Vertrokken" not in device.get("/klas/").content.decode()


def test_each_tile_is_a_link_to_the_pupils_secret_page(device, pupil):
    assert f'href="/klas/leerling/{pupil.pk}/"' in device.get("/klas/").content.decode()


@pytest.mark.parametrize("class_size", [5, 500])
def test_tile_page_runs_a_fixed_number_of_queries(device, group, class_size,
                                                  django_assert_max_num_queries):
    PupilFactory.create_batch(class_size, group=group)
    # The device's group checked (3), the tiles' summary and the pupils themselves.
    with django_assert_max_num_queries(5):
        response = device.get("/klas/")
    assert len(tile_names(response.content.decode())) == class_size
    with django_assert_max_num_queries(1):  # from then on the page is cached: the summary only
        again = device.get("/klas/")
    assert tile_names(again.content.decode()) == tile_names(response.content.decode())
