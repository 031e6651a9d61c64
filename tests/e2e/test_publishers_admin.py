"""The school administrator decides in the browser which publisher may fetch the school's roster
(/leerkracht/beheer/uitgevers/), and replaces one pupil's pseudonym at one publisher; the
publisher's machine, driving the API with its own token, sees each decision at once."""

from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tests.api.publisher import Api, make_api_client, token_for
from tests.factories import (
    GroupFactory,
    LicenceFactory,
    PupilFactory,
    SchoolFactory,
    SoftwareFactory,
    TeacherFactory,
)
from tests.helpers import app_code, connect_software

PASSWORD = "correct-horse-battery"


def test_the_school_decides_what_a_publisher_may_fetch(new_page, assert_accessible, issuer):
    school = SchoolFactory(name="OBS De Regenboog", brin="62MO", vestiging="00")
    group = GroupFactory(school=school, name="Groep 5a")
    emma = PupilFactory(group=group, first_name="Emma", last_name="Vries")
    PupilFactory(group=group, first_name="Sem", last_name="Bakker")
    ict = TeacherFactory(school=school, role="ict_coordinator", user__username="ict")
    rekenroute = connect_software(SoftwareFactory(name="Rekenroute", publisher__name="Uitgeverij Reken"))
    taalkompas = connect_software(SoftwareFactory(name="Taalkompas", publisher__name="Uitgeverij Taal"))
    for software in (rekenroute, taalkompas):
        LicenceFactory(school=school, software=software)
    machine = Client()
    reken = Api(machine, token_for(machine, make_api_client(rekenroute.publisher)))
    taal = Api(Client(), token_for(Client(), make_api_client(taalkompas.publisher)))
    pupils_url = "/api/v2/instellingen/62MO00/leerlingen/"
    start = timezone.now()
    assert reken.get("/api/v2/instellingen/").json()["results"] == []
    assert reken.get(pupils_url).status_code == 403

    # The ICT-coördinator logs in (password and second step) and gives Uitgeverij Reken permission.
    page = new_page()
    code = app_code(ict.user)  # their authenticator app, set up earlier
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill("ict")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Controleren").click()
    page.goto("/leerkracht/beheer/uitgevers/")
    reken_panel = page.locator("form.panel").filter(has=page.get_by_role("heading", name="Uitgeverij Reken"))
    taal_panel = page.locator("form.panel").filter(has=page.get_by_role("heading", name="Uitgeverij Taal"))
    expect(reken_panel).to_contain_text("Geen toestemming.")
    reken_panel.get_by_role("button", name="Toestemming geven").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Uitgeverij Reken mag de gegevens van de school ophalen.")
    expect(reken_panel).to_contain_text("Toestemming sinds")
    expect(taal_panel).to_contain_text("Geen toestemming.")
    assert_accessible(page)

    # Uitgeverij Reken now sees the school and its two pupils; Uitgeverij Taal still nothing.
    assert [s["id"] for s in reken.all("/api/v2/instellingen/")] == ["62MO00"]
    before = {p["id"] for p in reken.all(pupils_url)}
    assert len(before) == 2 and rekenroute.publisher.pairwise_sub(emma.user) in before
    assert taal.get(pupils_url).status_code == 403

    # Emma's parents object: her pseudonym at Uitgeverij Reken is replaced, and only there.
    taal_sub = taalkompas.publisher.pairwise_sub(emma.user)
    page.get_by_label("Leerling", exact=True).select_option(label="Emma Vries (Groep 5a)")
    page.get_by_label("Uitgever", exact=True).select_option(label="Uitgeverij Reken")
    page.get_by_role("button", name="Pseudoniem vervangen").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Emma Vries heeft bij Uitgeverij Reken een nieuw pseudoniem.")
    after = {p["id"] for p in reken.all(pupils_url)}
    assert len(after) == 2 and len(after & before) == 1  # Sem keeps his, Emma has a new one
    retired = [p["id"] for p in reken.all(pupils_url + "vervallen/", sinds=start.isoformat())]
    assert retired == list(before - after)
    assert taalkompas.publisher.pairwise_sub(emma.user) == taal_sub

    # The permission is withdrawn: the API answers 403 and lists the school as revoked.
    reken_panel.get_by_role("button", name="Toestemming intrekken").click()
    expect(reken_panel).to_contain_text("Geen toestemming (ingetrokken op")
    assert reken.get(pupils_url).status_code == 403
    assert reken.get("/api/v2/instellingen/").json()["results"] == []
    revoked = reken.all("/api/v2/instellingen/ingetrokken/", sinds=start.isoformat())
    assert [school["id"] for school in revoked] == ["62MO00"]
    assert_accessible(page)
