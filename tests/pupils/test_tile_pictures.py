"""Name tiles have pictures of their own: the whole class sees a tile, so a tile showing a
password picture would give part of that password away."""

from pathlib import Path

import pytest
from django.conf import settings

from pupils.models import Pupil
from pupils.pictures import PICTURES, TILE_PICTURES
from tests.factories import PupilFactory


def test_no_tile_picture_is_a_password_picture():
    assert set(TILE_PICTURES).isdisjoint(PICTURES)
    assert {str(name) for name in TILE_PICTURES.values()}.isdisjoint(str(n) for n in PICTURES.values())


def test_every_picture_has_its_drawing():
    static = Path(settings.BASE_DIR) / "static" / "img"
    assert all((static / "tiles" / f"{slug}.svg").is_file() for slug in TILE_PICTURES)
    assert all((static / "pictures" / f"{slug}.svg").is_file() for slug in PICTURES)


def test_a_new_pupil_gets_a_tile_picture_from_the_tiles_set(db):
    pupils = [PupilFactory() for _ in range(10)]
    assert all(p.tile_picture in TILE_PICTURES for p in pupils)
    assert all("/img/tiles/" in p.tile_picture_url for p in pupils)


def test_the_tile_page_never_shows_a_password_picture(client, teacher, group):
    PupilFactory(group=group, first_name="Fleur", pictures=["appel", "hond", "fiets"])
    client.force_login(teacher.user)
    client.post("/klas/instellen/", {"group": group.pk})
    page = client.get("/klas/").content.decode()
    assert "/img/tiles/" in page and "/img/pictures/" not in page


def test_a_teacher_picks_a_pupils_tile_picture(client, teacher, pupil):
    client.force_login(teacher.user)
    page = client.get(f"/leerkracht/leerling/{pupil.pk}/").content.decode()
    assert "Plaatje op de naamtegel" in page and 'value="regenboog"' in page
    response = client.post(f"/leerkracht/leerling/{pupil.pk}/naamtegel/", {"tile_picture": "regenboog"})
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert pupil.tile_picture == "regenboog"


@pytest.mark.parametrize("choice", ["appel", "", "../../etc/passwd"])
def test_a_password_picture_or_junk_is_refused(client, teacher, pupil, choice):
    before = pupil.tile_picture
    client.force_login(teacher.user)
    response = client.post(f"/leerkracht/leerling/{pupil.pk}/naamtegel/", {"tile_picture": choice})
    assert response.status_code == 400
    assert "Kies een plaatje." in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.tile_picture == before


def test_tile_picture_permission_ladder(client, outsider, teacher, pupil):
    url = f"/leerkracht/leerling/{pupil.pk}/naamtegel/"
    assert "/leerkracht/inloggen/" in client.post(url, {"tile_picture": "zon"})["Location"]
    client.force_login(outsider.user)
    assert client.post(url, {"tile_picture": "zon"}).status_code == 404
    client.force_login(teacher.user)
    assert client.get(url).status_code == 405


def test_the_migration_moves_old_tiles_off_the_password_pictures(db):
    # The data step of the migration, run on today's tables: a later migration of the same app
    # makes the historical model of 0002 unusable for building a pupil.
    from importlib import import_module

    from django.apps import apps

    migration = import_module("pupils.migrations.0003_tile_pictures_own_set")
    pupil = PupilFactory()
    Pupil.objects.filter(pk=pupil.pk).update(tile_picture="appel")
    migration.move_tiles_to_own_set(apps, None)
    assert Pupil.objects.get(pk=pupil.pk).tile_picture in TILE_PICTURES
