"""/leerkracht/beheer/uitgevers/: the school administrator grants and revokes publishers'
permission to read the roster, and replaces a pupil's pseudonym at one publisher."""

import pytest

from schools.models import AuditEntry, Teacher
from software.models import PseudonymReplacement, SyncPermission
from tests.api.publisher import make_api_client
from tests.factories import GroupFactory, PupilFactory, TeacherFactory
from tests.helpers import log_in_staff

PAGE = "/leerkracht/beheer/uitgevers/"


@pytest.fixture
def admin(school):
    return TeacherFactory(school=school, role=Teacher.Role.ICT_COORDINATOR, user__username="beheerder")


@pytest.fixture
def publisher(rekenroute):
    make_api_client(rekenroute.publisher)
    return rekenroute.publisher


def test_anonymous_goes_to_the_login(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/leerkracht/inloggen/" in response["Location"]


def test_a_teacher_is_not_the_administrator(client, teacher, publisher):
    log_in_staff(client, teacher.user)
    assert client.get(PAGE).status_code == 403
    assert client.post(f"{PAGE}{publisher.pk}/", {"granted": "on"}).status_code == 403
    assert not SyncPermission.objects.exists()


def test_the_administrator_grants_and_revokes(client, admin, school, publisher):
    log_in_staff(client, admin.user)
    page = client.get(PAGE)
    assert page.status_code == 200 and publisher.name in page.content.decode()
    assert "Toestemming geven" in page.content.decode()

    response = client.post(f"{PAGE}{publisher.pk}/", {"granted": "on"}, follow=True)
    assert "mag de gegevens van de school ophalen" in response.content.decode()
    permission = SyncPermission.objects.get(school=school, publisher=publisher)
    assert permission.granted and not permission.shares_staff_email

    client.post(f"{PAGE}{publisher.pk}/", {})
    permission.refresh_from_db()
    assert not permission.granted and permission.revoked_at is not None
    actions = list(AuditEntry.objects.filter(school=school).exclude(action=AuditEntry.Action.LOGIN_OK)
                   .order_by("pk").values_list("action", "actor"))
    assert actions == [(AuditEntry.Action.SYNC_GRANTED, admin.user_id),
                       (AuditEntry.Action.SYNC_REVOKED, admin.user_id)]


def test_an_administrator_of_another_school_changes_nothing_here(client, other_school, school, publisher):
    stranger = TeacherFactory(school=other_school, role=Teacher.Role.ICT_COORDINATOR)
    SyncPermission.objects.create(school=school, publisher=publisher)
    log_in_staff(client, stranger.user)
    client.post(f"{PAGE}{publisher.pk}/", {})  # acts on their own school only
    assert SyncPermission.objects.get(school=school).granted


def test_replacing_a_pseudonym_at_one_publisher(client, admin, pupil, publisher):
    log_in_staff(client, admin.user)
    before = publisher.pairwise_sub(pupil.user)
    response = client.post(f"{PAGE}pseudoniem/", {"pupil": pupil.pk, "publisher": publisher.pk}, follow=True)
    assert "nieuw pseudoniem" in response.content.decode()
    assert publisher.pairwise_sub(pupil.user) != before
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PSEUDONYM_REPLACED, pupil=pupil).exists()


def test_a_pupil_of_another_school_is_no_choice(client, admin, other_school, publisher):
    elsewhere = PupilFactory(group=GroupFactory(school=other_school))
    log_in_staff(client, admin.user)
    response = client.post(f"{PAGE}pseudoniem/", {"pupil": elsewhere.pk, "publisher": publisher.pk})
    assert response.status_code == 400
    assert "Kies een leerling." in response.content.decode()
    assert not PseudonymReplacement.objects.exists()


@pytest.mark.parametrize("data", [{}, {"pupil": "x", "publisher": "y"}, {"pupil": "99999999999999999999"}])
def test_bad_input_is_a_400_with_a_message(client, admin, publisher, data):
    log_in_staff(client, admin.user)
    response = client.post(f"{PAGE}pseudoniem/", data)
    assert response.status_code == 400 and "Kies een" in response.content.decode()
