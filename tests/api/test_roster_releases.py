"""Every pupil the roster API hands a publisher is written down, as a login's claims are: the
parent sees on "Wat weten de uitgevers?" what that publisher fetched about their child."""

import re
from html import unescape

from django.test import Client

from software.models import Licence, Release
from tests.factories import GuardianLinkFactory, PupilFactory

SCHOOL = "/api/v2/instellingen/99XX00"
CLAIM = re.compile(r'data-claim="([a-z_]+)">([^<]*)<')


def test_each_pupil_fetched_is_one_release_with_exactly_what_was_handed_over(
        api, permission, group, pupil, rekenroute, django_assert_max_num_queries):
    Licence.objects.filter(software=rekenroute).update(shares_first_name=True)
    classmate = PupilFactory(group=group, first_name="Sem")
    PupilFactory(group=group, first_name="Noor", active=False)  # a leaver: not listed, not released
    fetched = {p["id"]: p for p in api.all(f"{SCHOOL}/leerlingen/")}

    releases = {r.user_id: r for r in Release.objects.filter(channel="api")}
    assert set(releases) == {pupil.user_id, classmate.user_id}
    emma = releases[pupil.user_id]
    assert emma.publisher == rekenroute.publisher and emma.software is None
    assert emma.claims == {"sub": rekenroute.publisher.pairwise_sub(pupil.user), "school": "99XX00",
                           "group": "Groep 5a", "year_level": "5", "given_name": "Emma"}
    assert fetched[emma.claims["sub"]]["persoonsgegevens"] == {"roepnaam": "Emma"}
    # One more page costs the same queries, the releases included (one INSERT).
    PupilFactory.create_batch(10, group=group)
    with django_assert_max_num_queries(10):
        api.get(f"{SCHOOL}/leerlingen/")


def test_a_leaver_in_changes_since_is_not_a_release(api, permission, group, pupil, rekenroute):
    pupil.active = False
    pupil.save()
    leavers = api.all(f"{SCHOOL}/leerlingen/", gewijzigd_sinds="2000-01-01T00:00:00+00:00")
    assert [p["actief"] for p in leavers] == [False]
    assert not Release.objects.exists()


def test_the_parent_sees_what_the_publisher_fetched(api, permission, pupil, rekenroute, guardian):
    api.all(f"{SCHOOL}/leerlingen/")
    GuardianLinkFactory(pupil=pupil, guardian=guardian)
    parent = Client()
    parent.force_login(guardian)
    page = parent.get(f"/thuis/kinderen/{pupil.pk}/uitgevers/").content.decode()
    section = page.split("data-fetched", 1)[1].split("</section>", 1)[0]
    assert rekenroute.publisher.name in section
    shown = {name: unescape(value) for name, value in CLAIM.findall(section)}
    assert shown == {"sub": rekenroute.publisher.pairwise_sub(pupil.user), "school": "99XX00",
                     "group": "Groep 5a", "year_level": "5"}  # no name: the licence keeps it
