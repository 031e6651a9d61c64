from django.core.management import call_command

from accounts.models import User
from homelogin.models import GuardianLink, HomeLoginCode
from pupils.models import Pupil
from schools.models import Group, School, Teacher
from software.models import Licence, Publisher, Software

COUNTED = [School, Group, Teacher, User, Pupil, GuardianLink, Publisher, Software, Licence]


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED} | {
        "current codes": HomeLoginCode.objects.current().count()
    }


def seed():
    call_command("seed_demo", stdout=open("/dev/null", "w"))


def test_it_builds_the_demo_world(db):
    seed()
    regenboog = School.objects.get(brin="99XX", vestiging="00", name="OBS De Regenboog")
    School.objects.get(brin="98YY", vestiging="00", name="CBS Het Anker")
    groep5a = regenboog.groups.get(name="Groep 5a")
    groep3 = regenboog.groups.get(name="Groep 3")
    assert groep5a.pupils.filter(secret_kind="pin").count() >= 25
    assert groep3.pupils.filter(secret_kind="picture").count() >= 20

    emma = groep5a.pupils.get(first_name="Emma", last_name="Vries")
    assert emma.check_secret("1357") and emma.home_login_enabled
    daan = groep3.pupils.get(first_name="Daan", last_name="Vries")
    assert daan.check_secret(["hond", "appel", "fiets"]) and daan.home_login_enabled

    names = list(groep5a.pupils.values_list("first_name", flat=True))
    assert len(names) > len(set(names)), "two pupils should share a first name"

    teacher = User.objects.get(username="leerkracht")
    assert teacher.check_password("basispoort-demo")
    assert set(teacher.school_roles.get().groups.values_list("name", flat=True)) == {"Groep 3", "Groep 5a"}
    beheerder = User.objects.get(username="beheerder")
    assert not beheerder.is_staff  # the school's ICT-coördinator, not platform staff
    assert beheerder.school_roles.get().role == "ict_coordinator"
    assert User.objects.get(username="platform").is_staff
    ahmed = User.objects.get(username="leerkracht-anker")
    roles = {(m.school.brin, m.role) for m in ahmed.school_roles.all()}
    assert roles == {("98YY", "leerkracht"), ("99XX", "ib_rt")}

    guardian = User.objects.get(username="ouder@example.nl", kind=User.Kind.ADULT)
    assert guardian.check_password("ouder-demo-2026")
    assert {link.pupil for link in guardian.guardian_links.all()} == {emma, daan}

    assert Software.objects.count() >= 6 and Publisher.objects.count() >= 3
    licences = Licence.objects.filter(school=regenboog)
    assert licences.filter(home_use=True).exists() and licences.filter(home_use=False).exists()
    assert list(licences.filter(all_groups=False).values_list("groups__name", flat=True)) == [
        "Groep 3"
    ]


def test_it_is_idempotent(db):
    seed()
    first = counts()
    seed()
    assert counts() == first


def test_it_prints_a_working_home_login_code_for_emma(db, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    code = out.split("home login code ")[1].split()[0]
    selector, verifier = HomeLoginCode.split(code)
    row = HomeLoginCode.objects.current().get(selector=selector)
    assert row.pupil.first_name == "Emma"
    assert row.check_verifier(verifier)


def test_rerun_restores_a_changed_demo_pin(db):
    seed()
    emma = Pupil.objects.get(external_id="demo-5a-01")
    emma.set_pin("0000")
    emma.save()
    seed()
    emma.refresh_from_db()
    assert emma.check_secret("1357")


def test_the_demo_publisher_reads_de_regenboog_and_not_het_anker(client, settings, db):
    from tests.api.publisher import Api

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    token = client.post("/o/token/", {
        "grant_type": "client_credentials", "client_id": "demo-uitgever-api",
        "client_secret": settings.DEMO_PUBLISHER_SECRET})
    assert token.status_code == 200, token.content
    api = Api(client, token.json()["access_token"])
    schools = api.all("/api/v2/instellingen/")
    assert [s["naam"] for s in schools] == ["OBS De Regenboog"]
    regenboog = schools[0]["id"]
    assert len(api.all(f"/api/v2/instellingen/{regenboog}/leerlingen/")) >= 45
    anker = School.objects.get(name="CBS Het Anker")
    assert api.get(f"/api/v2/instellingen/{anker.brin}{anker.vestiging}/leerlingen/").status_code == 403


def test_emma_alone_has_the_demo_publishers_product(client, settings, db):
    from pupils.models import Pupil
    from tests.api.publisher import Api
    from tests.helpers import log_in_pupil

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # still one grant
    token = client.post("/o/token/", {
        "grant_type": "client_credentials", "client_id": "demo-uitgever-api",
        "client_secret": settings.DEMO_PUBLISHER_SECRET})
    grants = Api(client, token.json()["access_token"]).all("/api/v2/instellingen/99XX00/licenties/")
    assert [g["product"] for g in grants] == ["RR-PLUS"]
    emma = Pupil.objects.get(first_name="Emma", last_name="Vries")
    log_in_pupil(client, emma)
    assert "Rekenroute Plus" in client.get("/overzicht/").content.decode()
    classmate = Pupil.objects.filter(group=emma.group).exclude(pk=emma.pk).first()
    log_in_pupil(client, classmate)
    assert "Rekenroute Plus" not in client.get("/overzicht/").content.decode()
