""""Wat weten de uitgevers?" shows what a publisher really received, and "Alles downloaden"
holds every release; both only for the parent's own child."""

import io
import json
import re
import zipfile
from html import unescape

import pytest
from django.test import Client

from accounts.models import User
from schools.models import AuditEntry
from software.models import Licence, Product, ProductGrant, SyncPermission
from tests.factories import (
    GuardianFactory,
    GuardianLinkFactory,
    LicenceFactory,
    PupilFactory,
    SoftwareFactory,
)
from tests.helpers import connect_software, log_in, sign_in

CLAIM = re.compile(r'data-claim="([a-z_]+)">([^<]*)<')
SHOWN_CLAIMS = {"sub", "role", "school", "school_name", "group", "year_level", "given_name", "eckid"}


@pytest.fixture
def parent(emma, guardian):
    GuardianLinkFactory(pupil=emma, guardian=guardian)
    client = Client()
    client.force_login(guardian)
    return client


def received_on_page(page, slug):
    section = page.split(f'data-software="{slug}"', 1)[1].split("</section>", 1)[0]
    return {name: unescape(value) for name, value in CLAIM.findall(section)}


def unzip(response):
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["inzage.html", "inzage.json"]
    return json.loads(archive.read("inzage.json")), archive.read("inzage.html").decode()


def test_the_page_shows_what_the_publisher_received_and_the_download_holds_it(
    client, issuer, emma, rekenroute, parent
):
    Licence.objects.filter(software=rekenroute).update(shares_first_name=True)
    log_in(client, emma, gate="home")
    claims, _tokens = sign_in(client, rekenroute)  # the publisher's own view of the launch

    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    received = {name: value for name, value in claims.items() if name in SHOWN_CLAIMS}
    assert received["given_name"] == "Emma"
    assert received_on_page(page, rekenroute.slug) == {k: str(v) for k, v in received.items()}
    assert rekenroute.publisher.name in page and "op school en thuis" in page

    response = parent.post(f"/thuis/kinderen/{emma.pk}/downloaden/")
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="basispoort-inzage-emma-')
    data, html = unzip(response)
    [release] = data["releases"]
    assert release["data"] == received
    assert release["publisher"] == rekenroute.publisher.name
    assert release["client_id"] == rekenroute.application.client_id
    assert claims["sub"] in html
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DATA_DOWNLOADED, pupil=emma).count() == 1


def test_the_page_lists_what_each_licence_allows(parent, emma):
    LicenceFactory(school=emma.school, software=SoftwareFactory(name="Zonder naam", slug="zonder"))
    LicenceFactory(school=emma.school, software=SoftwareFactory(name="Met naam", slug="met"),
                   shares_first_name=True, home_use=True)
    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    without = page.split('data-software="zonder"', 1)[1].split("</section>", 1)[0]
    with_name = page.split('data-software="met"', 1)[1].split("</section>", 1)[0]
    assert 'data-claim-name="given_name"' not in without and "alleen op school" in without
    assert 'data-claim-name="given_name"' in with_name and "Laatst geopend" in with_name
    assert "nog nooit" in with_name


def test_the_school_privacy_contact_is_shown(parent, emma):
    emma.school.privacy_contact = "Mw. De Wit, privacy@regenboog.example"
    emma.school.save()
    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    assert "privacy@regenboog.example" in page


def test_the_download_holds_the_login_history_and_devices(parent, emma):
    from homelogin.services import issue_home_code

    Client(HTTP_USER_AGENT="Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1").post(
        "/thuis/code/", {"code": issue_home_code(pupil=emma)})
    data, html = unzip(parent.post(f"/thuis/kinderen/{emma.pk}/downloaden/"))
    assert data["child"]["first_name"] == "Emma" and data["child"]["group"] == emma.group.name
    assert [d["device"] for d in data["devices"]] == ["Safari op iPad"]
    assert any(h["what"] == "thuis login code gemaakt" for h in data["history"])
    assert "1357" not in json.dumps(data)


def test_the_other_parents_address_and_no_ip_address_are_in_the_download(parent, emma, teacher, guardian):
    # The teacher adds the second parent and mails the card to both; the second parent logs in
    # and downloads too: each writes an audit entry about Emma, from their own address.
    juf = Client(REMOTE_ADDR="192.0.2.10")
    juf.force_login(teacher.user)
    juf.post(f"/leerkracht/leerling/{emma.pk}/ouders/", {"email": "ander@example.nl"})
    juf.post(f"/leerkracht/leerling/{emma.pk}/code/mailen/")
    other = Client(REMOTE_ADDR="198.51.100.20")
    other.force_login(User.objects.get(username="ander@example.nl"))
    assert other.post(f"/thuis/kinderen/{emma.pk}/downloaden/").status_code == 200
    parent.defaults["REMOTE_ADDR"] = "203.0.113.30"

    data, html = unzip(parent.post(f"/thuis/kinderen/{emma.pk}/downloaden/"))
    assert data["guardians"]["other_guardians"] == 1
    text = json.dumps(data)
    assert "ander@example.nl" not in text and "ander@example.nl" not in html
    for address in ("192.0.2.10", "198.51.100.20", "203.0.113.30", "127.0.0.1"):
        assert address not in text and address not in html
    # What happened to Emma, and when, is still there.
    what = [entry["what"] for entry in data["history"]]
    assert "e-mailadres ouder toegevoegd" in what and "thuis login code gemaild" in what
    assert what.count("inzage gedownload") == 1  # the other parent's; this one is being made
    assert all(entry["at"] for entry in data["history"])


def test_another_familys_child_is_a_404(parent, group):
    stranger = PupilFactory(group=group, home_login_enabled=True)
    GuardianLinkFactory(pupil=stranger, guardian=GuardianFactory())
    assert parent.get(f"/thuis/kinderen/{stranger.pk}/uitgevers/").status_code == 404
    assert parent.post(f"/thuis/kinderen/{stranger.pk}/downloaden/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DATA_DOWNLOADED).exists()


def test_a_child_with_home_login_off_still_has_the_right_of_access(parent, emma):
    emma.home_login_enabled = False
    emma.save()
    assert parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").status_code == 200
    assert parent.post(f"/thuis/kinderen/{emma.pk}/downloaden/").status_code == 200


def test_download_is_post_only_and_needs_a_parent(client, teacher, emma):
    assert client.post(f"/thuis/kinderen/{emma.pk}/downloaden/")["Location"] == "/thuis/"
    client.force_login(teacher.user)
    assert client.get(f"/thuis/kinderen/{emma.pk}/uitgevers/")["Location"] == "/thuis/"


def test_another_programs_earlier_release_stays_visible(client, issuer, emma, parent):
    software = connect_software(SoftwareFactory(name="Oud programma", slug="oud"), client_id="client-oud")
    licence = LicenceFactory(school=emma.school, software=software)
    log_in(client, emma)
    sign_in(client, software)
    licence.delete()
    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    assert "Eerder gebruikte programma" in page and "Oud programma" in page


@pytest.fixture
def granted_product(emma, rekenroute):
    """A product the publisher granted Emma through the API, launched through software the
    school has no licence for."""
    plus = connect_software(SoftwareFactory(name="Rekenroute Plus", slug="rekenroute-plus",
                                            publisher=rekenroute.publisher))
    SyncPermission.objects.create(school=emma.school, publisher=plus.publisher)
    product = Product.objects.create(publisher=plus.publisher, software=plus, code="RR-PLUS-5",
                                     name="Rekenroute Plus groep 5", launch_url="https://plus.example/start")
    ProductGrant.objects.create(product=product, school=emma.school, pupil=emma)
    return plus


def test_a_product_the_publisher_granted_is_listed_as_a_program(
        client, issuer, emma, parent, granted_product):
    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    section = page.split(f'data-software="{granted_product.slug}"', 1)[1].split("</section>", 1)[0]
    assert granted_product.publisher.name in section and "op school en thuis" in section
    assert 'data-claim-name="sub"' in section and 'data-claim-name="given_name"' not in section

    log_in(client, emma, gate="home")
    claims, _tokens = sign_in(client, granted_product)
    page = parent.get(f"/thuis/kinderen/{emma.pk}/uitgevers/").content.decode()
    received = {name: value for name, value in claims.items() if name in SHOWN_CLAIMS}
    assert received_on_page(page, granted_product.slug) == {k: str(v) for k, v in received.items()}
    assert "Eerder gebruikte programma" not in page

    data, html = unzip(parent.post(f"/thuis/kinderen/{emma.pk}/downloaden/"))
    [listed] = [licence for licence in data["licences"] if licence["software"] == "Rekenroute Plus"]
    assert listed["product"] == "Rekenroute Plus groep 5"
    assert listed["publisher"] == granted_product.publisher.name and listed["home_use"] is True
    assert sorted(listed["receives"]) == sorted(received)
    assert "Rekenroute Plus groep 5" in html
