import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from tests.factories import (
    GuardianLinkFactory,
    LicenceFactory,
    PupilFactory,
    TeacherFactory,
    UserFactory,
)

OUR_APPS = {"accounts", "schools", "pupils", "homelogin", "software"}


@pytest.fixture
def superuser(db):
    return UserFactory(username="beheerder", kind=User.Kind.ADMIN, is_staff=True,
                       is_superuser=True)


@pytest.fixture
def some_of_everything(db):
    pupil = PupilFactory()
    GuardianLinkFactory(pupil=pupil)
    TeacherFactory(school=pupil.school, groups=[pupil.group])
    LicenceFactory(school=pupil.school, groups=[pupil.group])


def our_models():
    return [m for m in admin.site._registry if m._meta.app_label in OUR_APPS]


def test_every_domain_model_is_in_the_admin():
    names = {m.__name__ for m in our_models()}
    assert names >= {"User", "School", "Group", "Teacher", "Pupil", "GuardianLink",
                     "HomeLoginCode", "DeviceGrant", "Publisher", "Software", "Licence"}


@pytest.mark.parametrize("query", ["", "?q=de+Boer", "?o=1"])
def test_every_list_opens_with_search_and_sorting(client, superuser, some_of_everything, query):
    client.force_login(superuser)
    for model in our_models():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url + query)
        assert response.status_code == 200, url


def test_admin_lives_at_beheer_and_needs_staff(client, db):
    response = client.get("/beheer/")
    assert response.status_code == 302 and response["Location"].startswith("/beheer/login/")
    client.force_login(UserFactory(kind=User.Kind.ADULT))
    assert client.get("/beheer/").status_code == 302


def test_admin_never_shows_secret_hashes(client, superuser):
    pupil = PupilFactory()
    client.force_login(superuser)
    page = client.get(reverse("admin:pupils_pupil_change", args=[pupil.pk])).content.decode()
    assert pupil.secret_hash not in page
