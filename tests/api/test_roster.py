"""The roster API driven as a publisher's nightly sync drives it: token → schools → groups →
pupils → changes since, every answer valid against the published OpenAPI document."""

from datetime import timedelta

import pytest
from django.utils import timezone

from software.models import SyncPermission
from tests.api.publisher import Api, make_api_client, token_for
from tests.factories import GroupFactory, LicenceFactory, PupilFactory, SchoolFactory, SoftwareFactory
from tests.helpers import log_in_pupil, sign_in

SCHOOL = "/api/v2/instellingen/99XX00"


def test_a_publisher_syncs_a_school_that_granted_it(api, permission, school, group, pupil, rekenroute):
    schools = api.all("/api/v2/instellingen/")
    assert schools == [{"id": "99XX00", "brin": "99XX", "vestiging": "00", "naam": "OBS De Regenboog"}]
    detail = api.get(f"{SCHOOL}/").json()
    assert detail["id"] == "99XX00" and detail["email_staf"] is False

    groups = api.all(f"{SCHOOL}/groepen/")
    assert [(g["id"], g["naam"], g["jaargroep"]) for g in groups] == [(str(group.pk), "Groep 5a", 5)]

    pupils = api.all(f"{SCHOOL}/leerlingen/")
    assert len(pupils) == 1
    emma = pupils[0]
    assert emma["groep"] == str(group.pk) and emma["jaargroep"] == "5" and emma["actief"] is True
    assert emma["id"] != str(pupil.pk) and len(emma["id"]) == 64
    # The licence does not release names or the ECK iD.
    assert emma["persoonsgegevens"] is None and emma["eckid"] is None
    assert "Emma" not in str(pupils) and "de Vries" not in str(pupils)


def test_the_pupil_id_is_the_sso_sub(api, client, permission, pupil, rekenroute):
    api_id = api.all(f"{SCHOOL}/leerlingen/")[0]["id"]
    log_in_pupil(client, pupil)
    claims, _tokens = sign_in(client, rekenroute)
    assert api_id == claims["sub"]


def test_two_publishers_get_different_ids_for_one_pupil(client, permission, school, pupil, rekenroute,
                                                        issuer):
    other = SoftwareFactory(name="Spellingsterren")
    LicenceFactory(school=school, software=other)
    SyncPermission.objects.create(school=school, publisher=other.publisher)
    first = Api(client, token_for(client, make_api_client(rekenroute.publisher))).all(f"{SCHOOL}/leerlingen/")
    second = Api(client, token_for(client, make_api_client(other.publisher))).all(f"{SCHOOL}/leerlingen/")
    assert first[0]["id"] != second[0]["id"]


def test_names_and_eckid_only_as_the_licence_releases(api, permission, school, group, pupil, rekenroute):
    pupil.eckid = "https://id.school/LL_abc"
    pupil.save()
    rekenroute.licences.update(shares_first_name=True, shares_eckid=True)
    emma = api.all(f"{SCHOOL}/leerlingen/")[0]
    assert emma["persoonsgegevens"] == {"roepnaam": "Emma"}
    assert emma["eckid"] == "https://id.school/LL_abc"
    assert "de Vries" not in str(emma)


def test_only_licensed_groups_and_their_pupils(api, permission, school, group, pupil, rekenroute):
    other_group = GroupFactory(school=school, name="Groep 7", year_level=7)
    PupilFactory(group=other_group, first_name="Noor")
    licence = rekenroute.licences.get()
    licence.all_groups = False
    licence.save()
    licence.groups.set([group])
    assert [g["naam"] for g in api.all(f"{SCHOOL}/groepen/")] == ["Groep 5a"]
    assert [p["groep"] for p in api.all(f"{SCHOOL}/leerlingen/")] == [str(group.pk)]


def test_pages_follow_each_other_and_cost_the_same_queries(api, permission, group, rekenroute,
                                                           django_assert_max_num_queries):
    PupilFactory.create_batch(30, group=group)
    seen = api.all(f"{SCHOOL}/leerlingen/", aantal=7)
    assert len(seen) == 31 and len({p["id"] for p in seen}) == 31
    with django_assert_max_num_queries(10) as small:  # the page's releases are one INSERT
        api.get(f"{SCHOOL}/leerlingen/", aantal=5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        api.get(f"{SCHOOL}/leerlingen/", aantal=31)


def test_changes_since_lists_what_changed_and_who_left(api, permission, school, group, pupil, rekenroute,
                                                       time_machine):
    stayer = PupilFactory(group=group, first_name="Sem")
    start = timezone.now()
    time_machine.move_to(start + timedelta(minutes=2))
    pupil.group = GroupFactory(school=school, name="Groep 6", year_level=6)
    pupil.save()
    leaver = PupilFactory(group=group, first_name="Lotte")
    leaver.active = False
    leaver.save()
    since = (start + timedelta(minutes=1)).isoformat()
    changed = api.all(f"{SCHOOL}/leerlingen/", gewijzigd_sinds=since)
    everyone = api.all(f"{SCHOOL}/leerlingen/")
    moved = next(p for p in everyone if p["groep"] == str(pupil.group_id))
    unchanged = next(p for p in everyone if p["groep"] == str(stayer.group_id))
    assert len(changed) == 2
    assert moved in changed and unchanged not in changed
    gone = next(p for p in changed if not p["actief"])
    assert gone["id"] not in {p["id"] for p in everyone}
    assert (gone["groep"], gone["persoonsgegevens"]) == (None, None)
    groups = api.all(f"{SCHOOL}/groepen/", gewijzigd_sinds=since)
    assert [g["naam"] for g in groups] == ["Groep 6"]


def test_a_bad_timestamp_is_a_dutch_400(api, permission):
    response = api.get(f"{SCHOOL}/leerlingen/", gewijzigd_sinds="gisteren")
    assert response.status_code == 400
    assert "tijdstip" in response.json()["gewijzigd_sinds"][0]


@pytest.mark.parametrize("path", ["/", "/groepen/", "/leerlingen/", "/staf/"])
def test_without_the_schools_permission_there_is_nothing(api, pupil, rekenroute, path):
    response = api.get(f"{SCHOOL}{path}")
    assert response.status_code == 403
    assert "Emma" not in response.content.decode() and "results" not in response.json()
    assert api.all("/api/v2/instellingen/") == []


def test_a_revoked_school_is_listed_and_gives_nothing(api, permission, pupil, rekenroute):
    before = timezone.now() - timedelta(seconds=1)
    SyncPermission.objects.filter(pk=permission.pk).update(granted=False, revoked_at=timezone.now())
    assert api.get(f"{SCHOOL}/leerlingen/").status_code == 403
    revoked = api.all("/api/v2/instellingen/ingetrokken/", sinds=before.isoformat())
    assert [s["id"] for s in revoked] == ["99XX00"]


def test_another_publishers_token_gets_nothing(client, permission, pupil, rekenroute, issuer):
    stranger = make_api_client(SoftwareFactory().publisher)
    api = Api(client, token_for(client, stranger))
    assert api.all("/api/v2/instellingen/") == []
    for path in ("/", "/groepen/", "/leerlingen/", "/staf/"):
        assert api.get(f"{SCHOOL}{path}").status_code == 403


def test_an_unknown_school_is_404(api, permission):
    SchoolFactory(brin="97ZZ", active=False)
    assert api.get("/api/v2/instellingen/00AA00/").status_code == 404
    assert api.get("/api/v2/instellingen/97ZZ00/leerlingen/").status_code == 404
