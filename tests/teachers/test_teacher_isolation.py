"""The permission ladder on every teacher URL: anonymous → login; a teacher of another school →
404 for every foreign id; pupils and parents → 403."""

import pytest

from tests.factories import GuardianFactory, GuardianLinkFactory
from tests.helpers import log_in_pupil, log_in_staff

URLS = [
    ("get", "groep/{group}/"), ("get", "groep/{group}/codes/"), ("post", "groep/{group}/codes/"),
    ("post", "groep/{group}/bulk/"), ("get", "leerling/{pupil}/"),
    ("post", "leerling/{pupil}/wachtwoord/"), ("post", "leerling/{pupil}/thuis/"),
    ("post", "leerling/{pupil}/ontgrendelen/"), ("get", "leerling/{pupil}/code/"),
    ("post", "leerling/{pupil}/code/"), ("post", "leerling/{pupil}/code/mailen/"),
    ("post", "leerling/{pupil}/apparaten/intrekken/"), ("post", "leerling/{pupil}/ouders/"),
    ("post", "leerling/{pupil}/ouders/{link}/verwijderen/"),
]


@pytest.fixture
def ids(pupil, group):
    return {"pupil": pupil.pk, "group": group.pk, "link": GuardianLinkFactory(pupil=pupil).pk}


@pytest.mark.parametrize(("method", "path"), URLS)
def test_anonymous_goes_to_the_teacher_login(client, ids, method, path):
    response = getattr(client, method)("/leerkracht/" + path.format(**ids))
    assert response.status_code == 302 and "/leerkracht/inloggen/" in response["Location"]


@pytest.mark.parametrize(("method", "path"), URLS)
def test_teacher_of_another_school_gets_404(client, outsider, ids, method, path):
    client.force_login(outsider.user)
    data = {"action": "home_on", "pupils": [ids["pupil"]], "enabled": "1", "kind": "pin",
            "pin": "1234", "email": "x@example.nl", "confirmed": "1"}
    response = getattr(client, method)("/leerkracht/" + path.format(**ids), data)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), URLS)
def test_pupils_and_parents_get_403(client, pupil, ids, method, path):
    log_in_pupil(client, pupil)
    assert getattr(client, method)("/leerkracht/" + path.format(**ids)).status_code == 403
    client.force_login(GuardianFactory())
    assert getattr(client, method)("/leerkracht/" + path.format(**ids)).status_code == 403


@pytest.mark.parametrize("path", ["import/", "auditlog/"])
def test_only_the_school_administrator_may_import_and_read_the_log(client, teacher, path):
    client.force_login(teacher.user)
    assert client.get("/leerkracht/" + path).status_code == 403
    teacher.role = "ict_coordinator"
    teacher.save()
    log_in_staff(client, teacher.user)
    assert client.get("/leerkracht/" + path).status_code == 200
