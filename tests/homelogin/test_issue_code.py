from homelogin.models import CODE_ALPHABET, DeviceGrant, DeviceGrantPupil, HomeLoginCode
from homelogin.services import issue_home_code


def test_it_returns_a_code_in_three_groups_of_four(pupil, teacher):
    code = issue_home_code(pupil=pupil, by=teacher.user)
    groups = code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4]
    assert all(c in CODE_ALPHABET for c in "".join(groups))


def test_it_stores_the_verifier_only_as_a_hash(pupil, teacher):
    code = issue_home_code(pupil=pupil, by=teacher.user)
    selector, verifier = HomeLoginCode.split(code)
    row = HomeLoginCode.objects.get(pupil=pupil)
    assert row.selector == selector
    assert verifier not in row.verifier_hash
    assert row.check_verifier(verifier)
    assert not row.check_verifier("22222222")
    assert row.created_by == teacher.user


def test_a_new_code_revokes_the_old_one_and_its_devices(pupil):
    old = issue_home_code(pupil=pupil)
    old_row = HomeLoginCode.objects.get(selector=HomeLoginCode.split(old)[0])
    grant = DeviceGrant.objects.create(token_hash=DeviceGrant.hash_token("token"))
    DeviceGrantPupil.objects.create(grant=grant, pupil=pupil, code=old_row)

    issue_home_code(pupil=pupil)

    old_row.refresh_from_db()
    assert old_row.revoked_at is not None
    assert HomeLoginCode.objects.current().filter(pupil=pupil).count() == 1
    assert not grant.pupils.exists()
