import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from homelogin.models import GuardianLink, HomeLoginCode
from tests.factories import GuardianFactory, GuardianLinkFactory, PupilFactory


def test_a_pupil_has_at_most_two_guardians_by_validation(pupil):
    GuardianLinkFactory(pupil=pupil)
    GuardianLinkFactory(pupil=pupil)
    third = GuardianLink(pupil=pupil, guardian=GuardianFactory())
    with pytest.raises(ValidationError) as error:
        third.full_clean()
    assert "al twee e-mailadressen" in str(error.value)


def test_a_pupil_has_at_most_two_guardians_in_the_database(pupil):
    GuardianLinkFactory(pupil=pupil)
    GuardianLinkFactory(pupil=pupil)
    with pytest.raises(IntegrityError), transaction.atomic():
        GuardianLink.objects.create(pupil=pupil, guardian=GuardianFactory())
    assert pupil.guardian_links.count() == 2


def test_a_freed_slot_can_be_used_again(pupil):
    first = GuardianLinkFactory(pupil=pupil)
    GuardianLinkFactory(pupil=pupil)
    first.delete()
    GuardianLink(pupil=pupil, guardian=GuardianFactory()).full_clean()
    assert GuardianLinkFactory(pupil=pupil).slot == 1


def test_one_guardian_may_serve_children_at_several_schools(guardian):
    for child in (PupilFactory(), PupilFactory()):
        GuardianLinkFactory(pupil=child, guardian=guardian)
    assert len({link.pupil.school_id for link in guardian.guardian_links.all()}) == 2


def test_the_same_guardian_is_linked_once(pupil, guardian):
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    with pytest.raises(IntegrityError):
        GuardianLink.objects.create(pupil=pupil, guardian=guardian)


@pytest.mark.parametrize("typed", [
    "K7QM-2XPA-9FHT", "k7qm-2xpa-9fht", " K7QM 2XPA 9FHT ", "K7QM2XPA9FHT", "K7QM--2XPA-9FHT-",
])
def test_typing_a_code_is_forgiving(typed):
    assert HomeLoginCode.split(typed) == ("K7QM", "2XPA9FHT")


@pytest.mark.parametrize("typed", ["", None, "K7QM-2XPA", "K7QM-2XPA-9FHT-X", "K0QM-2XPA-9FHT",
                                   "KIQM-2XPA-9FHT", "K7QM-2XPA-9FH!"])
def test_what_cannot_be_a_code_is_refused(typed):
    assert HomeLoginCode.split(typed) is None


def test_only_one_current_code_per_pupil(pupil):
    code = HomeLoginCode(pupil=pupil, selector="AAAA")
    code.set_verifier("BBBBCCCC")
    code.save()
    second = HomeLoginCode(pupil=pupil, selector="DDDD")
    second.set_verifier("EEEEFFFF")
    with pytest.raises(IntegrityError):
        second.save()
