import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from pupils.models import Pupil
from tests.factories import GroupFactory, PupilFactory, SchoolFactory


def test_external_id_is_unique_per_school(group):
    PupilFactory(group=group, external_id="1001")
    PupilFactory(group=GroupFactory(), external_id="1001")  # another school: fine
    PupilFactory(group=group, external_id="")
    PupilFactory(group=group, external_id="")  # no key (typed in by hand): fine
    with pytest.raises(IntegrityError):
        PupilFactory(group=group, external_id="1001")


def test_group_of_another_school_is_refused(group):
    pupil = PupilFactory(group=group)
    pupil.group = GroupFactory(school=SchoolFactory())
    with pytest.raises(ValidationError) as error:
        pupil.full_clean()
    assert "hoort niet bij de school" in str(error.value)


def test_pin_is_stored_only_as_keyed_hash(pupil):
    pupil.refresh_from_db()
    assert "1357" not in pupil.secret_hash
    assert pupil.secret_hash.startswith("hmac-sha256$")
    assert pupil.check_secret("1357")
    assert not pupil.check_secret("7531")


@pytest.mark.parametrize("bad", ["123", "12345", "abcd", "", "１２３４"])
def test_pin_must_be_four_digits(pupil, bad):
    with pytest.raises(ValidationError):
        pupil.set_pin(bad)


def test_picture_password_follows_the_school_grid(group):
    pupil = PupilFactory(group=group, pictures=["hond", "appel", "fiets"])
    assert pupil.secret_kind == Pupil.SecretKind.PICTURE
    assert pupil.check_secret(["hond", "appel", "fiets"])
    assert not pupil.check_secret(["appel", "hond", "fiets"])  # order matters
    with pytest.raises(ValidationError):
        pupil.set_picture_password(["hond", "appel"])  # school wants 3
    with pytest.raises(ValidationError):
        pupil.set_picture_password(["hond", "appel", "raket"])  # raket is not in a grid of 12


def test_a_pin_does_not_pass_as_pictures(group):
    pupil = PupilFactory(group=group, pin="1234")
    pupil.secret_kind = Pupil.SecretKind.PICTURE
    assert not pupil.check_secret("1234")


def test_for_group_lists_active_pupils_alphabetically(group):
    PupilFactory(group=group, first_name="Sem")
    PupilFactory(group=group, first_name="Anna")
    PupilFactory(group=group, first_name="Bas", active=False)
    PupilFactory(first_name="Aart")  # another group
    assert [p.first_name for p in Pupil.objects.for_group(group)] == ["Anna", "Sem"]


def test_home_login_needs_pupil_school_and_switch(pupil):
    assert not pupil.can_log_in_at_home()
    pupil.home_login_enabled = True
    assert pupil.can_log_in_at_home()
    pupil.school.active = False
    assert not pupil.can_log_in_at_home()
