import re

import pytest

from homelogin.models import DeviceGrantPupil, HomeLoginCode
from homelogin.services import issue_home_code, remember_on_device
from pupils.models import Pupil
from schools.models import AuditEntry
from tests.factories import GroupFactory, GuardianLinkFactory, PupilFactory, TeacherFactory
from tests.helpers import log_in_staff


@pytest.fixture
def juf(client, teacher):
    client.force_login(teacher.user)
    return client


def bulk(client, group, action, pupils):
    return client.post(f"/leerkracht/groep/{group.pk}/bulk/",
                       {"action": action, "pupils": [p.pk for p in pupils]})


def test_group_page_shows_what_the_teacher_needs(juf, group, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    GuardianLinkFactory(pupil=pupil, guardian__email="ouder@example.nl")
    code = issue_home_code(pupil=pupil)
    remember_on_device(token=None, code=HomeLoginCode.objects.current().get(pupil=pupil))
    page = juf.get(f"/leerkracht/groep/{group.pk}/").content.decode()
    assert "Emma de Vries" in page and "ouder@example.nl" in page
    assert "(1 apparaat)" in page
    assert code not in page


@pytest.mark.parametrize("size", [5, 500])
def test_group_page_queries_do_not_grow_with_the_class(juf, group, size, django_assert_max_num_queries):
    for n, child in enumerate(PupilFactory.create_batch(size, group=group, home_login_enabled=True)):
        if n < 40:  # enough rows with parents and codes to show any per-row query
            GuardianLinkFactory(pupil=child)
            issue_home_code(pupil=child)
    with django_assert_max_num_queries(10):  # 8, the second step's check and the substitutes
        response = juf.get(f"/leerkracht/groep/{group.pk}/")
    assert response.content.decode().count('name="pupils"') == size


def test_bulk_home_login_on_and_off(juf, group):
    chosen = PupilFactory.create_batch(3, group=group)
    other = PupilFactory(group=group)
    response = bulk(juf, group, "home_on", chosen)
    assert response.status_code == 302
    assert set(Pupil.objects.filter(home_login_enabled=True)) == set(chosen)
    assert AuditEntry.objects.filter(action="home_on").count() == 3
    bulk(juf, group, "home_off", chosen[:1])
    assert not Pupil.objects.get(pk=chosen[0].pk).home_login_enabled
    assert not Pupil.objects.get(pk=other.pk).home_login_enabled


def test_bulk_print_asks_to_confirm_then_prints_the_chosen(juf, group):
    chosen = PupilFactory.create_batch(3, group=group, home_login_enabled=True)
    PupilFactory(group=group, home_login_enabled=True)
    confirm = bulk(juf, group, "print", chosen)
    assert "De oude codes werken dan niet meer" in confirm.content.decode()
    assert not HomeLoginCode.objects.exists()
    cards = juf.post(f"/leerkracht/groep/{group.pk}/codes/",
                     {"confirmed": "1", "pupils": [p.pk for p in chosen]})
    assert len(re.findall(r"data-code>", cards.content.decode())) == 3
    assert set(HomeLoginCode.objects.values_list("pupil", flat=True)) == {p.pk for p in chosen}


def test_bulk_new_pins_are_shown_once_and_work(juf, group):
    chosen = PupilFactory.create_batch(2, group=group)
    page = bulk(juf, group, "pins", chosen).content.decode()
    pins = re.findall(r'class="secret-pin">(\d{4})<', page)
    assert len(pins) == 2
    for child, pin in zip(chosen, pins, strict=True):
        child.refresh_from_db()
        assert child.check_secret(pin)


def test_bulk_pictures_are_unique_in_the_group(juf, group):
    chosen = PupilFactory.create_batch(6, group=group)
    page = bulk(juf, group, "pictures", chosen).content.decode()
    rows = re.findall(r"<td data-secret>(.*?)</td>", page, re.S)
    sequences = [tuple(re.findall(r'data-picture="(\w+)"', row)) for row in rows]
    assert len(sequences) == 6 and len(set(sequences)) == 6
    for child, sequence in zip(chosen, sequences, strict=True):
        child.refresh_from_db()
        assert child.secret_kind == "picture" and child.check_secret(list(sequence))


@pytest.mark.parametrize("data", [
    {"action": "home_on"},
    {"action": "explode", "pupils": ["1"]},
    {"action": "home_on", "pupils": ["abc"]},
])
def test_bulk_bad_input_is_400_in_dutch(juf, group, data):
    response = juf.post(f"/leerkracht/groep/{group.pk}/bulk/", data)
    assert response.status_code == 400
    assert "Kies" in response.content.decode()


def test_bulk_refuses_pupils_of_another_group_or_school(juf, group, school):
    mine = PupilFactory(group=group)
    elsewhere = PupilFactory(group=GroupFactory(school=school, name="Groep 8"))
    stranger = PupilFactory()
    response = bulk(juf, group, "home_on", [mine, elsewhere, stranger])
    assert response.status_code == 400
    assert not Pupil.objects.filter(home_login_enabled=True).exists()


def test_revoking_devices_keeps_the_siblings(juf, pupil):
    pupil.home_login_enabled = True
    pupil.save()
    sibling = PupilFactory(home_login_enabled=True)
    issue_home_code(pupil=pupil)
    issue_home_code(pupil=sibling)
    token = remember_on_device(token=None, code=HomeLoginCode.objects.current().get(pupil=pupil))
    remember_on_device(token=token, code=HomeLoginCode.objects.current().get(pupil=sibling))
    juf.post(f"/leerkracht/leerling/{pupil.pk}/apparaten/intrekken/")
    assert list(DeviceGrantPupil.objects.values_list("pupil", flat=True)) == [sibling.pk]
    assert AuditEntry.objects.get(action="devices_revoked").pupil == pupil


def test_ict_coordinator_sees_every_group_of_the_school(client, school, group):
    other = GroupFactory(school=school, name="Groep 8")
    ict = TeacherFactory(school=school, role="ib_rt")
    log_in_staff(client, ict.user)
    page = client.get("/leerkracht/").content.decode()
    assert "Groep 5a" in page and "Groep 8" in page
    assert client.get(f"/leerkracht/groep/{other.pk}/").status_code == 200


def test_teacher_sees_only_own_groups(juf, school):
    other = GroupFactory(school=school, name="Groep 8")
    assert "Groep 8" not in juf.get("/leerkracht/").content.decode()
    assert juf.get(f"/leerkracht/groep/{other.pk}/").status_code == 404
