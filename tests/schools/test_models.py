import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from schools.models import School, current_school_year
from tests.factories import GroupFactory, SchoolFactory


def test_brin_and_vestiging_are_unique_together(db):
    SchoolFactory(brin="99XX", vestiging="00")
    SchoolFactory(brin="99XX", vestiging="01")
    with pytest.raises(IntegrityError):
        SchoolFactory(brin="99XX", vestiging="00")


def test_bad_brin_is_refused_in_dutch(db):
    school = School(brin="9X", vestiging="0", name="Fout")
    with pytest.raises(ValidationError) as error:
        school.full_clean()
    assert "BRIN-nummer is 4 tekens" in str(error.value)
    assert "vestigingsnummer is 2 cijfers" in str(error.value)


def test_picture_grid_settings_are_bounded_in_the_database(db):
    with pytest.raises(IntegrityError):
        SchoolFactory(picture_password_length=5)


def test_group_year_level_is_1_to_8_in_the_database(db):
    with pytest.raises(IntegrityError):
        GroupFactory(year_level=9)


def test_group_names_are_unique_per_school_year(db):
    group = GroupFactory(name="Groep 5a", school_year="2026-2027")
    GroupFactory(school=group.school, name="Groep 5a", school_year="2027-2028")
    with pytest.raises(IntegrityError):
        GroupFactory(school=group.school, name="Groep 5a", school_year=group.school_year)


@pytest.mark.parametrize(("day", "year"), [
    (datetime.date(2026, 7, 31), "2025-2026"),
    (datetime.date(2026, 8, 1), "2026-2027"),
    (datetime.date(2027, 1, 15), "2026-2027"),
])
def test_school_year_turns_over_on_1_august(day, year):
    assert current_school_year(day) == year


def test_ict_coordinator_sees_every_group_teacher_only_own(teacher, school):
    other_group = GroupFactory(school=school, name="Groep 8")
    assert other_group not in teacher.visible_groups()
    teacher.role = teacher.Role.ICT_COORDINATOR
    assert other_group in teacher.visible_groups()
