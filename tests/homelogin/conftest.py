import pytest


@pytest.fixture
def emma(pupil):
    """The persona pupil with home login switched on."""
    pupil.home_login_enabled = True
    pupil.save()
    return pupil
