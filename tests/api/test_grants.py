"""Licence grants as a publisher makes them: token → product → grants at a school → the pupil's
overview shows the product → single sign-on lets that pupil in and not a classmate. Every
answer is checked against the published OpenAPI document; every write is audited."""

import base64
import datetime
import struct
import zlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.models import AuditEntry
from software.models import ProductGrant, SyncPermission
from software.services import replace_pseudonym, set_sync_permission
from tests.api.publisher import Api, make_api_client, token_for
from tests.factories import GroupFactory, PupilFactory, SoftwareFactory
from tests.helpers import authorize, code_from, connect_software, log_in_pupil

SCHOOL = "/api/v2/instellingen/99XX00"
GRANTS = f"{SCHOOL}/licenties/"


def png(width=1, height=1):
    """A real, tiny PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def plus(rekenroute):
    """Software of Rekenroute's publisher that the school has no licence for: only a grant opens it."""
    return connect_software(SoftwareFactory(name="Rekenroute Plus", slug="rekenroute-plus",
                                            publisher=rekenroute.publisher))


@pytest.fixture
def classmate(group):
    return PupilFactory(group=group, first_name="Sem", last_name="Bakker")


@pytest.fixture
def product(api, plus):
    response = api.send("post", "/api/v2/producten/", {
        "code": "RR-PLUS-5", "naam": "Rekenroute Plus groep 5", "software": plus.application.client_id,
        "start_url": "https://plus.example/start", "doelgroep": "leerlingen",
        "icoon": base64.b64encode(png()).decode()})
    assert response.status_code == 201, response.content
    return response.json()


def pseudonym(software, pupil):
    return software.publisher.pairwise_sub(pupil.user)


def grant(api, body):
    return api.send("post", GRANTS, body)


def overview(client, pupil, gate="school"):
    log_in_pupil(client, pupil, gate=gate)
    return client.get("/overzicht/").content.decode()


def test_a_publisher_grants_a_product_that_one_pupil_then_uses(
        api, client, permission, pupil, classmate, plus, product):
    response = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)],
                            "geldig_tot": "2099-07-31"}])
    assert response.status_code == 201, response.content
    [made] = response.json()
    assert made["leerling"] == pseudonym(plus, pupil) and made["groep"] is None
    assert [g["id"] for g in api.all(GRANTS)] == [made["id"]]

    page = overview(client, pupil)
    assert "Rekenroute Plus groep 5" in page
    launch = client.get(f"/software/product/{made_product_pk(made)}/start/")
    assert launch.status_code == 302 and launch["Location"].startswith("https://plus.example/start?iss=")
    assert code_from(authorize(client, plus)[0])  # the grant passes the SSO licence check

    assert "Rekenroute Plus groep 5" not in overview(client, classmate)
    denied, _verifier = authorize(client, plus)
    assert denied.status_code == 403
    assert client.get(f"/software/product/{made_product_pk(made)}/start/").status_code == 403


def made_product_pk(made):
    return ProductGrant.objects.get(pk=made["id"]).product_id


def test_a_grant_to_a_group_or_a_composed_group_reaches_its_pupils(
        api, client, permission, school, group, pupil, classmate, plus, product):
    group.external_id = "G5A"
    group.save()
    plusgroep = GroupFactory(school=school, name="Plusgroep", kind="samengesteld", external_id="PLUS")
    other = PupilFactory(group=GroupFactory(school=school, name="Groep 7"))
    other.composed_groups.add(plusgroep)
    outsider = PupilFactory(group=GroupFactory(school=school, name="Groep 8"))

    assert grant(api, [{"product": "RR-PLUS-5", "groepen": ["G5A", "PLUS"]}]).status_code == 201

    for granted in (pupil, classmate, other):
        assert "Rekenroute Plus groep 5" in overview(client, granted)
        assert code_from(authorize(client, plus)[0])
    assert "Rekenroute Plus groep 5" not in overview(client, outsider)


def test_a_grant_shows_at_home_too(api, client, permission, pupil, plus, product):
    pupil.home_login_enabled = True
    pupil.save()
    grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}])
    assert "Rekenroute Plus groep 5" in overview(client, pupil, gate="home")
    assert code_from(authorize(client, plus)[0])


def test_grants_are_all_or_nothing_and_name_the_wrong_items(
        api, client, permission, pupil, classmate, outsider, plus, product):
    foreign_group = outsider.groups.get()
    foreign_group.external_id = "ANKER-6"
    foreign_group.save()
    foreign_pupil = PupilFactory(group=foreign_group)
    SyncPermission.objects.create(school=foreign_group.school, publisher=plus.publisher)
    other_publisher = SoftwareFactory(name="Spellingsterren")
    Api(client, token_for(client, make_api_client(other_publisher.publisher, client_id="api-other")))
    unknown = "0" * 64

    response = grant(api, [
        {"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, classmate), unknown,
                                                pseudonym(plus, foreign_pupil)]},
        {"product": "RR-PLUS-5", "groepen": ["ANKER-6"]},
        {"product": "SPELLING-1", "leerlingen": [pseudonym(plus, pupil)]},
    ])

    assert response.status_code == 400
    errors = response.json()
    assert unknown in errors["leerlingen"][0] and pseudonym(plus, foreign_pupil) in errors["leerlingen"][0]
    assert pseudonym(plus, classmate) not in errors["leerlingen"][0]
    assert "ANKER-6" in errors["groepen"][0] and "SPELLING-1" in errors["product"][0]
    assert "Onbekende productcodes" in errors["product"][0]
    assert not ProductGrant.objects.exists()
    assert not AuditEntry.objects.filter(school__isnull=False, action="api_write").exists()


def test_bad_bodies_get_a_dutch_400(api, permission, pupil, plus, product):
    assert grant(api, []).status_code == 400
    assert "Noem leerlingen of groepen" in grant(api, [{"product": "RR-PLUS-5"}]).content.decode()
    backwards = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)],
                             "geldig_vanaf": "2030-01-02", "geldig_tot": "2030-01-01"}])
    assert backwards.status_code == 400 and "einddatum" in backwards.content.decode()
    too_many = grant(api, [{"product": "RR-PLUS-5", "leerlingen": ["a" * 64] * 1001}])
    assert too_many.status_code == 400 and "1000" in too_many.content.decode()
    assert not ProductGrant.objects.exists()


def test_a_retired_pseudonym_names_no_one(api, permission, pupil, teacher, plus, product, rf):
    old = pseudonym(plus, pupil)
    request = rf.post("/")
    request.user = teacher.user
    replace_pseudonym(publisher=plus.publisher, pupil=pupil, request=request)
    response = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [old]}])
    assert response.status_code == 400 and old in response.json()["leerlingen"][0]
    assert grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}]).status_code == 201


def test_granting_again_updates_the_dates(api, permission, pupil, plus, product):
    me = pseudonym(plus, pupil)
    first = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [me], "geldig_tot": "2030-07-31"}]).json()
    again = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [me], "geldig_tot": "2031-07-31"}]).json()
    assert first[0]["id"] == again[0]["id"]
    assert [g["geldig_tot"] for g in api.all(GRANTS)] == ["2031-07-31"]


def test_a_grant_costs_the_same_queries_for_five_pupils_or_a_hundred(api, permission, group, plus, product):
    pupils = PupilFactory.create_batch(100, group=group)
    counts = []
    for batch in (pupils[:5], pupils[5:]):
        body = [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, p) for p in batch]}]
        with CaptureQueriesContext(connection) as queries:
            assert grant(api, body).status_code == 201
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert ProductGrant.objects.count() == 100


def test_a_new_grant_and_a_revoked_one_show_on_the_overview_at_once(
        api, client, permission, pupil, plus, product):
    assert "Rekenroute Plus groep 5" not in overview(client, pupil)  # the group's tiles are cached
    made = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}]).json()
    assert "Rekenroute Plus groep 5" in client.get("/overzicht/").content.decode()

    assert api.send("delete", f"{GRANTS}{made[0]['id']}/").status_code == 204
    assert "Rekenroute Plus groep 5" not in client.get("/overzicht/").content.decode()
    assert authorize(client, plus)[0].status_code == 403


def test_bulk_revoke_is_all_or_nothing(api, permission, group, pupil, classmate, plus, product):
    made = grant(api, [{"product": "RR-PLUS-5",
                        "leerlingen": [pseudonym(plus, pupil), pseudonym(plus, classmate)]}]).json()
    ids = [g["id"] for g in made]
    refused = api.send("post", f"{GRANTS}intrekken/", {"ids": [*ids, 999999]})
    assert refused.status_code == 400 and "999999" in refused.content.decode()
    assert ProductGrant.objects.count() == 2
    done = api.send("post", f"{GRANTS}intrekken/", {"ids": ids})
    assert done.status_code == 200 and done.json() == {"ingetrokken": 2}
    assert not ProductGrant.objects.exists()


def test_a_revoked_school_permission_ends_the_grant_at_once(
        api, client, permission, school, pupil, teacher, plus, product, rf):
    grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}])
    assert "Rekenroute Plus groep 5" in overview(client, pupil)
    request = rf.post("/")
    request.user = teacher.user
    set_sync_permission(school=school, publisher=plus.publisher, granted=False, request=request)

    assert "Rekenroute Plus groep 5" not in client.get("/overzicht/").content.decode()
    assert authorize(client, plus)[0].status_code == 403
    assert api.get(GRANTS).status_code == 403


def test_an_expired_grant_ends_at_once(api, client, permission, pupil, plus, product):
    response = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)],
                            "geldig_tot": "2030-07-31"}])
    assert response.status_code == 201
    with time_machine.travel(datetime.datetime(2030, 7, 31, 12, tzinfo=datetime.UTC), tick=False):
        assert "Rekenroute Plus groep 5" in overview(client, pupil)
        assert code_from(authorize(client, plus)[0])
    with time_machine.travel(datetime.datetime(2030, 8, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert "Rekenroute Plus groep 5" not in overview(client, pupil)
        assert authorize(client, plus)[0].status_code == 403


# Attacks: another publisher, no permission, no scope.


@pytest.fixture
def rival(client, school, issuer):
    """Another publisher with the same school's permission and a token of its own."""
    software = connect_software(SoftwareFactory(name="Spellingsterren"))
    SyncPermission.objects.create(school=school, publisher=software.publisher)
    return Api(client, token_for(client, make_api_client(software.publisher, client_id="api-rival")))


def test_another_publisher_cannot_see_change_or_revoke(api, rival, permission, pupil, plus, product):
    made = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}]).json()
    assert rival.all("/api/v2/producten/") == []
    assert rival.get("/api/v2/producten/RR-PLUS-5/").status_code == 404
    assert rival.send("patch", "/api/v2/producten/RR-PLUS-5/", {"naam": "Gekaapt"}).status_code == 404
    assert rival.send("delete", "/api/v2/producten/RR-PLUS-5/").status_code == 404
    assert rival.all(GRANTS) == []
    assert rival.send("delete", f"{GRANTS}{made[0]['id']}/").status_code == 400
    assert rival.send("post", f"{GRANTS}intrekken/", {"ids": [made[0]["id"]]}).status_code == 400
    # Nor grant this publisher's product, nor name its own software in a product.
    assert rival.send("post", GRANTS, [{"product": "RR-PLUS-5", "groepen": ["x"]}]).status_code == 400
    stolen = rival.send("post", "/api/v2/producten/", {
        "code": "X", "naam": "X", "software": plus.application.client_id,
        "start_url": "https://x.example/", "doelgroep": "leerlingen"})
    assert stolen.status_code == 400 and "software" in stolen.json()
    assert ProductGrant.objects.count() == 1
    assert api.get("/api/v2/producten/RR-PLUS-5/").json()["naam"] == "Rekenroute Plus groep 5"


def test_no_permission_no_grants(api, pupil, plus, product):
    response = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}])
    assert response.status_code == 403 and "toestemming" in response.content.decode()
    assert api.get(GRANTS).status_code == 403
    assert not ProductGrant.objects.exists()


def test_without_the_licenties_scope_nothing(client, api_client, permission, issuer):
    api = Api(client, token_for(client, api_client, scope="leerlingen"))
    assert api.get("/api/v2/producten/").status_code == 403
    assert api.send("post", GRANTS, [{"product": "x", "groepen": ["y"]}]).status_code == 403


# Products: what a publisher may define.


def test_a_product_is_listed_changed_and_deleted_with_its_grants(api, permission, pupil, plus, product):
    assert [p["code"] for p in api.all("/api/v2/producten/")] == ["RR-PLUS-5"]
    changed = api.send("patch", "/api/v2/producten/RR-PLUS-5/", {"naam": "Rekenroute Plus"})
    assert changed.status_code == 200 and changed.json()["naam"] == "Rekenroute Plus"
    grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}])
    assert api.send("delete", "/api/v2/producten/RR-PLUS-5/").status_code == 204
    assert not ProductGrant.objects.exists()
    assert api.get("/api/v2/producten/RR-PLUS-5/").status_code == 404


@pytest.mark.parametrize(("field", "value", "message"), [
    ("start_url", "http://plus.example/", "https"),
    ("start_url", "javascript:alert(1)", ""),
    ("icoon", base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode(), "PNG"),
    ("icoon", base64.b64encode(png()[:8] + b"\x00" * 200).decode(), "PNG"),
    ("icoon", base64.b64encode(png() + b"\x00" * 102_400).decode(), "100 kB"),
    ("icoon", "niet base64!", "base64"),
    ("software", "client-unknown", "Onbekende software"),
    ("doelgroep", "ouders", ""),
    ("code", "met spatie", "productcode"),
])
def test_a_bad_product_gets_a_dutch_400(api, plus, field, value, message):
    body = {"code": "RR-1", "naam": "Rekenroute 1", "software": plus.application.client_id,
            "start_url": "https://plus.example/", "doelgroep": "leerlingen", field: value}
    response = api.send("post", "/api/v2/producten/", body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert message in str(response.json()[field])


def test_a_product_code_is_unique_per_publisher(api, plus, product):
    again = api.send("post", "/api/v2/producten/", {
        "code": "RR-PLUS-5", "naam": "Dubbel", "software": plus.application.client_id,
        "start_url": "https://plus.example/", "doelgroep": "leerlingen"})
    assert again.status_code == 400 and "al een product" in again.content.decode()


def test_a_staff_product_cannot_be_granted_yet(api, permission, pupil, plus):
    api.send("post", "/api/v2/producten/", {
        "code": "RR-DOCENT", "naam": "Docentenomgeving", "software": plus.application.client_id,
        "start_url": "https://plus.example/docent", "doelgroep": "leerkrachten"})
    response = grant(api, [{"product": "RR-DOCENT", "leerlingen": [pseudonym(plus, pupil)]}])
    assert response.status_code == 400 and "leerkrachten" in response.content.decode()


def test_the_icon_is_served_from_our_origin(api, client, product):
    url = product["icoon_url"]
    assert url.startswith("/software/product/")
    response = client.get(url)
    assert response.status_code == 200 and response.content == png()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response["Cache-Control"]
    # A new icon is a new URL; the old one is gone.
    changed = api.send("patch", "/api/v2/producten/RR-PLUS-5/",
                       {"icoon": base64.b64encode(png(2, 2)).decode()})
    assert changed.json()["icoon_url"] != url and client.get(url).status_code == 404
    removed = api.send("patch", "/api/v2/producten/RR-PLUS-5/", {"icoon": None})
    assert removed.json()["icoon_url"].endswith("default.svg")


def test_every_write_is_audited_once(api, permission, school, pupil, plus, product):
    made = grant(api, [{"product": "RR-PLUS-5", "leerlingen": [pseudonym(plus, pupil)]}]).json()
    api.send("patch", "/api/v2/producten/RR-PLUS-5/", {"naam": "Rekenroute Plus"})
    api.send("delete", f"{GRANTS}{made[0]['id']}/")
    api.send("delete", "/api/v2/producten/RR-PLUS-5/")
    entries = list(AuditEntry.objects.filter(action="api_write").order_by("pk")
                   .values_list("school", "actor", "detail"))
    publisher = plus.publisher.name
    assert entries == [
        (None, None, f"{publisher}: product RR-PLUS-5 (Rekenroute Plus groep 5) aangemaakt"),
        (school.pk, None, f"{publisher}: Rekenroute Plus groep 5 toegekend aan 1 leerling en 0 groepen"),
        (None, None, f"{publisher}: product RR-PLUS-5 (Rekenroute Plus) gewijzigd"),
        (school.pk, None, f"{publisher}: 1 toekenning ingetrokken (Rekenroute Plus)"),
        (None, None, f"{publisher}: product RR-PLUS-5 (Rekenroute Plus) verwijderd, met 0 toekenningen"),
    ]


def test_the_overview_with_granted_products_still_takes_two_queries(
        api, client, permission, group, pupil, classmate, plus, product, django_assert_max_num_queries):
    group.external_id = "G5A"
    group.save()
    grant(api, [{"product": "RR-PLUS-5", "groepen": ["G5A"]}])
    overview(client, classmate)  # the group's product tiles are cached from here on
    log_in_pupil(client, pupil)
    with django_assert_max_num_queries(2):
        page = client.get("/overzicht/").content.decode()
    assert "Rekenroute Plus groep 5" in page
