import datetime

import pytest
from django.db import IntegrityError

from software.models import Software
from tests.factories import GroupFactory, LicenceFactory, PupilFactory, SoftwareFactory

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _clock_on_today(time_machine):
    # Licences start on the real date by default (``Licence.valid_from``), so the clock stands
    # on TODAY for the whole test: every date compared comes from this one value.
    time_machine.move_to(datetime.datetime.combine(TODAY, datetime.time(12)), tick=False)


@pytest.fixture
def catalogue(pupil, group):
    other_group = GroupFactory(school=pupil.school, name="Groep 3", year_level=3)
    return {
        "school": LicenceFactory(school=pupil.school, software__name="A school").software,
        "home": LicenceFactory(school=pupil.school, home_use=True, software__name="B home").software,
        "mine": LicenceFactory(school=pupil.school, groups=[group],
                               software__name="C my group").software,
        "other_group": LicenceFactory(school=pupil.school, groups=[other_group]).software,
        "other_school": LicenceFactory(software__name="D elsewhere").software,
        "expired": LicenceFactory(school=pupil.school, valid_from=datetime.date(2025, 8, 1),
                                  valid_until=datetime.date(2026, 7, 31)).software,
        "future": LicenceFactory(school=pupil.school, valid_from=datetime.date(2027, 1, 1)).software,
        "unlicensed": SoftwareFactory(),
    }


def test_at_school_a_pupil_gets_valid_licences_of_school_and_group(pupil, catalogue):
    names = list(Software.objects.licensed_for(pupil, today=TODAY).values_list("name", flat=True))
    assert names == ["A school", "B home", "C my group"]


def test_at_home_only_home_use_licences_count(pupil, catalogue):
    assert list(Software.objects.licensed_for(pupil, at_home=True, today=TODAY)) == [
        catalogue["home"]
    ]


def test_other_schools_licences_never_leak(pupil, catalogue):
    stranger = PupilFactory()
    LicenceFactory(school=stranger.school, software=catalogue["school"])
    assert catalogue["other_school"] not in Software.objects.licensed_for(pupil, today=TODAY)
    assert list(Software.objects.licensed_for(stranger, today=TODAY)) == [catalogue["school"]]


def test_licence_end_before_start_is_refused_by_the_database(school):
    with pytest.raises(IntegrityError):
        LicenceFactory(school=school, valid_from=datetime.date(2026, 8, 1),
                       valid_until=datetime.date(2026, 7, 1))
