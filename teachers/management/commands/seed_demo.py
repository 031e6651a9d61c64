"""The demo world: two schools, teachers, 50-odd pupils, a guardian, software and licences.

Idempotent: every row is found by its natural key and brought back to the demo values, so a
second run gives the same counts (and resets demo PINs someone changed while clicking around).
Only the home login code is new each run: codes are stored hashed, so the old one cannot be
printed again.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import Application

from accounts.models import User
from homelogin.models import GuardianLink
from homelogin.services import issue_home_code
from pupils.models import Pupil
from pupils.pictures import TILE_PICTURES, grid_for
from schools.models import Group, School, Teacher
from software.models import (
    ApiClient,
    Licence,
    Product,
    ProductGrant,
    Publisher,
    Software,
    SyncPermission,
)

DEMO_PASSWORD = "basispoort-demo"
GUARDIAN_EMAIL = "ouder@example.nl"
GUARDIAN_PASSWORD = "ouder-demo-2026"

GROUP_5A = [  # (first name, prefix, last name); PINs follow below
    ("Emma", "de", "Vries"), ("Sem", "", "Bakker"), ("Sem", "", "Visser"), ("Julia", "", "Smit"),
    ("Lucas", "", "Meijer"), ("Mila", "de", "Boer"), ("Finn", "", "Mulder"), ("Tess", "de", "Groot"),
    ("Noah", "", "Bos"), ("Zoë", "", "Vos"), ("Levi", "", "Peters"), ("Sara", "", "Hendriks"),
    ("Liam", "van", "Leeuwen"), ("Anna", "", "Dekker"), ("Milan", "", "Brouwer"),
    ("Evi", "de", "Wit"), ("Mees", "", "Dijkstra"), ("Nora", "", "Smits"), ("Luuk", "", "Jacobs"),
    ("Yara", "", "El Amrani"), ("Jesse", "", "Kok"), ("Lotte", "van der", "Berg"),
    ("Sven", "", "Koster"), ("Fenna", "", "Willems"), ("Bram", "van", "Dam"), ("Noor", "", "Yilmaz"),
]
GROUP_3 = [
    ("Daan", "de", "Vries"), ("Saar", "", "Janssen"), ("Thijs", "", "Maas"), ("Liv", "", "Verhoeven"),
    ("Jayden", "", "Postma"), ("Roos", "van", "Wijk"), ("Ties", "", "Kuipers"), ("Fleur", "", "Prins"),
    ("Hugo", "", "Huisman"), ("Isa", "", "Blom"), ("Gijs", "", "Veenstra"), ("Lina", "", "Boukhari"),
    ("Stijn", "", "Kramer"), ("Maud", "", "Schouten"), ("Teun", "", "Hoekstra"),
    ("Elin", "van den", "Heuvel"), ("Ravi", "", "Ramdin"), ("Vera", "", "Bosman"),
    ("Olivier", "", "Sanders"), ("Puck", "", "Molenaar"), ("Ruben", "", "Wouters"),
]
GROUP_ANKER = [
    ("Emma", "", "Zwart"), ("Adam", "", "Öztürk"), ("Lieke", "", "Bakker"), ("Jens", "", "Vermeer"),
    ("Sofie", "van", "Dijk"), ("Mohamed", "", "Amrani"), ("Femke", "", "Timmermans"),
    ("Bas", "", "Kramer"),
]
TILE_SLUGS = list(TILE_PICTURES)
EMMA_PIN = "1357"
DAAN_PICTURES = ["hond", "appel", "fiets"]

PUBLISHERS = {
    "Uitgeverij Tulp": "https://tulp.example",
    "Noorderlicht Educatief": "https://noorderlicht.example",
    "Klaverblad Leermiddelen": "https://klaverblad.example",
}
# The demo publisher (demo_publisher app) logs in through Basispoort for these two titles;
# Rekenroute may know the pupil's first name, Spellingsterren gets only the pseudonym.
DEMO_PUBLISHER_TITLES = {"rekenroute": True, "spellingsterren": False}
# The demo publisher's machine client for the roster API: Uitgeverij Tulp (Rekenroute), with the
# permission of De Regenboog and not of Het Anker, which licenses Rekenroute too.
DEMO_API_CLIENT = "demo-uitgever-api"
DEMO_API_PUBLISHER = "Uitgeverij Tulp"
DEMO_PRODUCT_CODE = "RR-PLUS"  # its product, granted to Emma alone (licence grants, api/grants.py)
# slug: (name, publisher, home use, only for these Regenboog groups)
SOFTWARE = {
    "rekenroute": ("Rekenroute", "Uitgeverij Tulp", True, None),
    "taalkompas": ("Taalkompas", "Uitgeverij Tulp", False, None),
    "spellingsterren": ("Spellingsterren", "Noorderlicht Educatief", True, None),
    "wereldwijs": ("Wereldwijs", "Noorderlicht Educatief", False, None),
    "letterpret": ("Letterpret", "Klaverblad Leermiddelen", True, ["Groep 3"]),
    "typetuin": ("Typetuin", "Klaverblad Leermiddelen", True, None),
}


def demo_pin(rng, used):
    while True:
        pin = f"{rng.randrange(10000):04d}"
        if pin not in used and pin != EMMA_PIN:
            used.add(pin)
            return pin


class Command(BaseCommand):
    help = "Create or refresh the demo world (schools, teachers, pupils, guardian, software)."

    def handle(self, *args, **options):
        with transaction.atomic():
            pins = self.seed()
        code = issue_home_code(pupil=self.emma, by=self.teacher_user)
        self.stdout.write(self.style.SUCCESS(
            f"Demo world ready: {School.objects.count()} schools, {Pupil.objects.count()} pupils, "
            f"{Software.objects.count()} software titles."
        ))
        self.stdout.write(f"Staff at /leerkracht/, password {DEMO_PASSWORD}: leerkracht (teacher), "
                          "leerkracht-anker (teacher at Het Anker, IB'er at De Regenboog), beheerder "
                          "(ICT-coördinator), stagiair (trainee), invalkracht (substitute for two weeks)")
        self.stdout.write(f"Platform staff at /beheer/: platform / {DEMO_PASSWORD}   "
                          f"Guardian at /thuis/: {GUARDIAN_EMAIL} / {GUARDIAN_PASSWORD}")
        self.stdout.write(f"Emma de Vries (Groep 5a): PIN {EMMA_PIN}, home login code {code}")
        self.stdout.write(f"Daan de Vries (Groep 3): pictures {', '.join(DAAN_PICTURES)}")
        self.stdout.write(f"Demo publisher's API client: {DEMO_API_CLIENT} / "
                          f"{settings.DEMO_PUBLISHER_SECRET} (roster of OBS De Regenboog; "
                          f"product {DEMO_PRODUCT_CODE} granted to Emma)")
        if options["verbosity"] > 1:
            for name, secret in pins:
                self.stdout.write(f"  {name}: {secret}")

    def seed(self):
        regenboog = self.school("99XX", "OBS De Regenboog")
        anker = self.school("98YY", "CBS Het Anker")
        groep3 = self.group(regenboog, "Groep 3", 3)
        groep5a = self.group(regenboog, "Groep 5a", 5)
        groep6 = self.group(anker, "Groep 6", 6)

        self.teacher_user = self.teacher(
            "leerkracht", "Sanne", "Jansen", regenboog, [groep3, groep5a]
        ).user
        self.teacher("leerkracht-anker", "Ahmed", "Yilmaz", anker, [groep6])
        # One account, two schools: Ahmed teaches at Het Anker and is IB'er at De Regenboog.
        # (An IB'er sets up the second step at the first login: the QR code is on the page.)
        ahmed = User.objects.get(username="leerkracht-anker")
        Teacher.objects.update_or_create(user=ahmed, school=regenboog,
                                         defaults={"role": Teacher.Role.IB_RT, "end_date": None})
        # The school's ICT-coördinator: the school administration at /leerkracht/beheer/. Its
        # second step is set up at the first login like any other.
        self.teacher("beheerder", "Bert", "Beheer", regenboog, [], role=Teacher.Role.ICT_COORDINATOR)
        self.teacher("stagiair", "Lotte", "Stam", regenboog, [groep3], role=Teacher.Role.TRAINEE)
        self.teacher("invalkracht", "Rik", "Invaller", regenboog, [groep5a], role=Teacher.Role.SUBSTITUTE,
                     end_date=timezone.localdate() + timedelta(days=14))
        # Platform staff: /beheer/ (Django's admin) and nothing else.
        self.user("platform", "Pia", "Platform", User.Kind.ADMIN, DEMO_PASSWORD)
        User.objects.filter(username="platform").update(is_staff=True, is_superuser=True)

        rng = random.Random(2026)  # same demo secrets every run
        pins, used_pins = [], set()
        for i, names in enumerate(GROUP_5A, start=1):
            pin = EMMA_PIN if names[0] == "Emma" else demo_pin(rng, used_pins)
            pupil = self.pupil(regenboog, groep5a, f"demo-5a-{i:02d}", names, pin=pin)
            pins.append((pupil.full_name, pin))
        grid = grid_for(regenboog)
        used_sequences = {tuple(DAAN_PICTURES)}
        for i, names in enumerate(GROUP_3, start=1):
            if names[0] == "Daan":
                sequence = DAAN_PICTURES
            else:
                while (sequence := tuple(rng.sample(grid, 3))) in used_sequences:
                    pass
                used_sequences.add(sequence)
            pupil = self.pupil(regenboog, groep3, f"demo-3-{i:02d}", names, pictures=sequence)
            pins.append((pupil.full_name, ", ".join(sequence)))
        for i, names in enumerate(GROUP_ANKER, start=1):
            pin = demo_pin(rng, used_pins)
            pupil = self.pupil(anker, groep6, f"demo-anker-{i:02d}", names, pin=pin)
            pins.append((pupil.full_name, pin))

        self.emma = Pupil.objects.get(school=regenboog, external_id="demo-5a-01")
        daan = Pupil.objects.get(school=regenboog, external_id="demo-3-01")
        Pupil.objects.filter(pk__in=[self.emma.pk, daan.pk]).update(home_login_enabled=True)
        Pupil.objects.filter(school=anker, external_id="demo-anker-01").update(
            home_login_enabled=True
        )
        guardian = self.user(GUARDIAN_EMAIL, "", "", User.Kind.ADULT, GUARDIAN_PASSWORD,
                             email=GUARDIAN_EMAIL)
        for child in (self.emma, daan):
            if not GuardianLink.objects.filter(pupil=child, guardian=guardian).exists():
                GuardianLink.objects.create(pupil=child, guardian=guardian)

        self.software(regenboog, anker, groep3)
        api_client = self.api_client(regenboog, anker)
        self.product_grant(api_client)
        return pins

    def school(self, brin, name):
        school, _ = School.objects.update_or_create(
            brin=brin, vestiging="00", defaults={"name": name, "active": True}
        )
        return school

    def group(self, school, name, year_level):
        group, _ = Group.objects.update_or_create(
            school=school, external_id=f"demo-{name.lower().replace(' ', '')}",
            defaults={"name": name, "year_level": year_level},
        )
        return group

    def user(self, username, first_name, last_name, kind, password=None, email=""):
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"first_name": first_name, "last_name": last_name, "kind": kind,
                      "email": email, "is_active": True},
        )
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        return user

    def teacher(self, username, first_name, last_name, school, groups, role=Teacher.Role.TEACHER,
                end_date=None):
        user = self.user(username, first_name, last_name, User.Kind.ADULT, DEMO_PASSWORD,
                         email=f"{username}@school.example")
        teacher, _ = Teacher.objects.update_or_create(
            user=user, school=school, defaults={"role": role, "end_date": end_date, "active": True})
        teacher.groups.set(groups)
        return teacher

    def pupil(self, school, group, external_id, names, *, pin=None, pictures=None):
        first_name, prefix, last_name = names
        user = self.user(f"leerling-{school.brin.lower()}-{external_id}", first_name,
                         " ".join(p for p in [prefix, last_name] if p), User.Kind.PUPIL)
        pupil, _ = Pupil.objects.update_or_create(
            school=school, external_id=external_id,
            defaults={"user": user, "group": group, "first_name": first_name,
                      "last_name_prefix": prefix, "last_name": last_name, "active": True,
                      "jaargroep": str(group.year_level),
                      "home_login_enabled": False,
                      "tile_picture": TILE_SLUGS[sum(map(ord, external_id)) % len(TILE_SLUGS)]},
        )
        if pin:
            pupil.set_pin(pin)
        else:
            pupil.set_picture_password(pictures)
        pupil.save(update_fields=["secret_kind", "secret_hash"])
        return pupil

    def oidc_client(self, slug):
        application, _ = Application.objects.update_or_create(
            client_id=f"demo-{slug}",
            defaults={
                "name": f"Demo-uitgever: {slug}",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "algorithm": Application.RS256_ALGORITHM,
                "redirect_uris": f"{settings.SITE_URL}/demo-uitgever/{slug}/terug/",
                "post_logout_redirect_uris": f"{settings.SITE_URL}/",
                "skip_authorization": True,
                "client_secret": settings.DEMO_PUBLISHER_SECRET,  # stored hashed on save
            },
        )
        return application

    def api_client(self, regenboog, anker):
        publisher = Publisher.objects.get(name=DEMO_API_PUBLISHER)
        application, _ = Application.objects.update_or_create(
            client_id=DEMO_API_CLIENT,
            defaults={
                "name": "Demo-uitgever: API",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_CLIENT_CREDENTIALS,
                "algorithm": Application.RS256_ALGORITHM,
                "redirect_uris": "",
                "client_secret": settings.DEMO_PUBLISHER_SECRET,  # stored hashed on save
            },
        )
        ApiClient.objects.update_or_create(
            application=application, defaults={"publisher": publisher, "scopes": ApiClient().scopes})
        SyncPermission.objects.update_or_create(
            school=regenboog, publisher=publisher,
            defaults={"granted": True, "revoked_at": None, "shares_staff_email": False})
        SyncPermission.objects.filter(school=anker, publisher=publisher).delete()
        return ApiClient.objects.get(application=application)

    def product_grant(self, api_client):
        """Uitgeverij Tulp's product "Rekenroute Plus", granted through the API to Emma alone:
        her overview shows it, her classmates' do not."""
        product, _ = Product.objects.update_or_create(
            publisher=api_client.publisher, code=DEMO_PRODUCT_CODE,
            defaults={"name": "Rekenroute Plus", "software": Software.objects.get(slug="rekenroute"),
                      "launch_url": f"{settings.SITE_URL}/demo-uitgever/rekenroute/",
                      "audience": Product.Audience.PUPILS, "icon": None},
        )
        ProductGrant.objects.update_or_create(
            product=product, pupil=self.emma,
            defaults={"school": self.emma.school, "valid_from": None, "valid_until": None,
                      "granted_by": api_client},
        )

    def software(self, regenboog, anker, groep3):
        publishers = {
            name: Publisher.objects.update_or_create(name=name, defaults={"website": url})[0]
            for name, url in PUBLISHERS.items()
        }
        for slug, (name, publisher, home_use, only_groups) in SOFTWARE.items():
            demo = slug in DEMO_PUBLISHER_TITLES
            software, _ = Software.objects.update_or_create(
                slug=slug,
                defaults={"name": name, "publisher": publishers[publisher],
                          "icon": f"img/software/{slug}.svg",
                          "launch_url": f"{settings.SITE_URL}/demo-uitgever/{slug}/" if demo
                          else f"https://{slug}.example/basispoort/",
                          "application": self.oidc_client(slug) if demo else None,
                          # The demo publisher ends its own session when Basispoort's does.
                          "backchannel_logout_uri":
                              f"{settings.SITE_URL}/demo-uitgever/{slug}/backchannel-logout/" if demo
                              else ""},
            )
            licence, _ = Licence.objects.update_or_create(
                school=regenboog, software=software,
                defaults={"home_use": home_use, "all_groups": only_groups is None,
                          "valid_until": None,
                          "shares_first_name": DEMO_PUBLISHER_TITLES.get(slug, False)},
            )
            licence.groups.set([groep3] if only_groups else [])
        # Het Anker licenses one title, school use only: proves licences do not leak across schools.
        Licence.objects.update_or_create(
            school=anker, software=Software.objects.get(slug="rekenroute"),
            defaults={"home_use": False, "all_groups": True, "valid_until": None},
        )
