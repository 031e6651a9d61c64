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


def labels_of(*names):
    """The tile labels of pupils named (first name, last-name prefix, last name), in order."""
    pupils = [Pupil(pk=n, first_name=first, last_name_prefix=prefix, last_name=last)
              for n, (first, prefix, last) in enumerate(names, start=1)]
    labels = Pupil.tile_labels(pupils)
    return [labels[pupil.pk] for pupil in pupils]


def test_a_first_name_nobody_shares_is_the_whole_label():
    assert labels_of(("Sem", "", "Bakker"), ("Anna", "", "Boer")) == ["Sem", "Anna"]


def test_shared_first_names_get_as_much_of_the_last_name_as_tells_them_apart():
    assert labels_of(("Sem", "", "Bakker"), ("Sem", "", "Visser")) == ["Sem B.", "Sem V."]
    assert labels_of(("Sem", "", "Bakker"), ("Sem", "", "Boer")) == ["Sem Ba.", "Sem Bo."]


def test_three_pupils_of_one_first_name_each_get_a_label_of_their_own():
    assert labels_of(("Sem", "", "Bakker"), ("Sem", "", "Boer"), ("Sem", "", "Visser")) == [
        "Sem Ba.", "Sem Bo.", "Sem V."]
    # One last name begins another: the shorter one is written out whole, without a dot.
    assert labels_of(("Sem", "", "Jong"), ("Sem", "", "Jongeling"), ("Sem", "", "Janssen")) == [
        "Sem Jong", "Sem Jonge.", "Sem Ja."]


def test_a_pupil_without_a_last_name_keeps_the_first_name_alone():
    assert labels_of(("Sem", "", ""), ("Sem", "", "Bakker")) == ["Sem", "Sem B."]


def test_the_last_name_prefix_is_written_out():
    assert labels_of(("Sem", "de", "Vries"), ("Sem", "", "Visser")) == ["Sem de V.", "Sem V."]
    assert labels_of(("Sem", "van", "Dijk"), ("Sem", "van", "Dam")) == ["Sem van Di.", "Sem van Da."]


def test_two_pupils_of_the_same_name_are_numbered():
    assert labels_of(("Sem", "", "Bakker"), ("Sem", "", "Bakker"), ("Sem", "", "Visser")) == [
        "Sem Bakker (1)", "Sem Bakker (2)", "Sem V."]
