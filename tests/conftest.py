import pytest

from tests.factories import (
    GroupFactory,
    GuardianFactory,
    LicenceFactory,
    PupilFactory,
    SchoolFactory,
    SoftwareFactory,
    TeacherFactory,
)
from tests.helpers import connect_software


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    # Argon2 is deliberately slow; tests that check hashing itself ask for it explicitly.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "basispoort.hashers.ClientSecretHasher",  # publishers' OAuth client secrets
    ]
    # The manifest storage needs collectstatic; tests serve static files from the source tree.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# Personas: a school with a group, its teacher, a pupil and a guardian, and an outsider (a
# teacher of another school) for every isolation test.


@pytest.fixture
def school(db):
    return SchoolFactory(brin="99XX", name="OBS De Regenboog")


@pytest.fixture
def group(school):
    return GroupFactory(school=school, name="Groep 5a", year_level=5)


@pytest.fixture
def teacher(school, group):
    return TeacherFactory(school=school, groups=[group], user__username="juf")


@pytest.fixture
def pupil(group):
    return PupilFactory(group=group, first_name="Emma", last_name="de Vries", pin="1357")


@pytest.fixture
def guardian(db):
    return GuardianFactory(username="ouder@example.nl")


@pytest.fixture
def other_school(db):
    return SchoolFactory(brin="98YY", name="CBS Het Anker")


@pytest.fixture
def outsider(other_school):
    group = GroupFactory(school=other_school, name="Groep 6", year_level=6)
    return TeacherFactory(school=other_school, groups=[group], user__username="meester")


@pytest.fixture(autouse=True)
def _empty_cache():
    # Rate limits and cached sessions live in the cache; no test may see another's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# A publisher's client and its licence, for the OpenID Connect tests (tests/helpers.py has the
# client's steps). The issuer is the test server, so tokens and discovery name it.


@pytest.fixture
def issuer(settings):
    settings.SITE_URL = "http://testserver"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": "http://testserver"}


@pytest.fixture
def rekenroute(pupil):
    software = connect_software(SoftwareFactory(name="Rekenroute"))
    LicenceFactory(school=pupil.school, software=software, home_use=True)
    return software




# The task queue (basispoort/taskworker.py). In a test wrapped in a transaction nothing is ever
# committed, so the in-process worker never wakes: a test runs the queued tasks itself, in its
# own thread, with `run_tasks()`. Tests on committed data (transactional_db, the browser tests)
# get the real worker thread, stopped after each test.


@pytest.fixture
def run_tasks(db, monkeypatch):
    from basispoort.taskworker import run_queued_tasks

    # The worker closes connections that are "not in autocommit" between tasks, as a request
    # does: inside a test's transaction that would be the test's own connection.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections",
                        lambda: None)
    return run_queued_tasks


@pytest.fixture(autouse=True)
def _stop_task_worker():
    yield
    from basispoort.taskworker import in_process_worker

    in_process_worker.stop()
