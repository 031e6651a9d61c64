import re

import pytest

from pupils.models import Pupil
from tests.factories import PupilFactory
from tests.helpers import log_in_pupil


def set_secret(client, pupil, **data):
    return client.post(f"/leerkracht/leerling/{pupil.pk}/wachtwoord/", data)


def shown_pin(response):
    return re.search(r"data-secret>(\d{4})<", response.content.decode()).group(1)


@pytest.fixture
def juf(client, teacher):
    client.force_login(teacher.user)
    return client


def test_permission_ladder_for_the_pupil_page(client, teacher, outsider, pupil):
    url = f"/leerkracht/leerling/{pupil.pk}/"
    assert "/leerkracht/inloggen/" in client.get(url)["Location"]
    client.force_login(outsider.user)
    assert client.get(url).status_code == 404
    assert set_secret(client, pupil, kind="pin", pin="0000").status_code == 404
    log_in_pupil(client, pupil)
    assert client.get(url).status_code == 403
    client.force_login(teacher.user)
    assert "Emma de Vries" in client.get(url).content.decode()


def test_teacher_of_another_group_in_the_same_school_gets_404(client, school, pupil):
    from tests.factories import GroupFactory, TeacherFactory
    colleague = TeacherFactory(school=school, groups=[GroupFactory(school=school)])
    client.force_login(colleague.user)
    assert client.get(f"/leerkracht/leerling/{pupil.pk}/").status_code == 404


def test_typed_pin_is_saved_and_shown_once(juf, pupil):
    response = set_secret(juf, pupil, kind="pin", pin="2468")
    assert response.status_code == 200 and shown_pin(response) == "2468"
    assert "no-store" in response["Cache-Control"]
    pupil.refresh_from_db()
    assert pupil.check_secret("2468")
    assert "2468" not in juf.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()


def test_empty_pin_generates_one(juf, pupil):
    response = set_secret(juf, pupil, kind="pin", pin="")
    pupil.refresh_from_db()
    assert pupil.check_secret(shown_pin(response))


@pytest.mark.parametrize("bad", ["12", "abcd", "12345"])
def test_bad_pin_is_400_and_changes_nothing(juf, pupil, bad):
    old_hash = pupil.secret_hash
    response = set_secret(juf, pupil, kind="pin", pin=bad)
    assert response.status_code == 400
    assert "precies 4 cijfers" in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.secret_hash == old_hash


def test_teacher_switches_a_pupil_to_chosen_pictures(juf, pupil):
    response = set_secret(juf, pupil, kind="picture", picture_1="kat", picture_2="vis",
                          picture_3="boot")
    assert response.status_code == 200
    assert "kat" in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.secret_kind == Pupil.SecretKind.PICTURE
    assert pupil.check_secret(["kat", "vis", "boot"])


def test_picture_sequence_of_a_classmate_is_refused(juf, pupil, group):
    PupilFactory(group=group, pictures=["kat", "vis", "boot"])
    response = set_secret(juf, pupil, kind="picture", picture_1="kat", picture_2="vis",
                          picture_3="boot")
    assert response.status_code == 400
    assert "heeft deze plaatjes al" in response.content.decode()


def test_generated_pictures_are_unique_in_the_group(juf, group):
    pupils = PupilFactory.create_batch(12, group=group)
    sequences = {}
    for pupil in pupils:
        response = set_secret(juf, pupil, kind="picture")
        sequences[pupil.pk] = re.findall(r'data-picture="(\w+)"', response.content.decode())
    assert len({tuple(seq) for seq in sequences.values()}) == len(pupils)
    for pupil in pupils:
        pupil.refresh_from_db()
        assert pupil.secret_kind == Pupil.SecretKind.PICTURE
        assert pupil.check_secret(sequences[pupil.pk])


@pytest.mark.parametrize("data", [
    {"kind": "picture", "picture_1": "kat"},
    {"kind": "picture", "picture_1": "raket", "picture_2": "kat", "picture_3": "vis"},
    {"kind": "nonsense"},
    {},
])
def test_bad_secret_input_is_400(juf, pupil, data):
    assert set_secret(juf, pupil, **data).status_code == 400
