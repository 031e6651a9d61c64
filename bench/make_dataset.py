"""A realistic dataset for the load benchmark: schools, groups, teachers, pupils, guardians,
licences, home login codes and one OpenID Connect client.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.make_dataset --pupils 20000 --out data.json

Default: 50 schools of 400 pupils (20,000); --pupils scales (100,000 gives 250 schools). Groups of
about 28 pupils, year levels 1-8; groups 1-3 have picture passwords, groups 4-8 PINs. Every secret
is known to the load test, which reads it from the JSON file written with --out:

- a pupil's PIN is derived from their user id (pin_for), and listed per group;
- teachers (one per group) and guardians (one per two pupils, siblings in the same school) share
  one password each, hashed once with the project's first password hasher and reused;
- home login codes are issued through homelogin.services.issue_home_code (the real code path) for
  --codes pupils, and only the plain codes go into the JSON file.

Meant for an empty, freshly migrated database (bench/run.py makes one).
"""

import argparse
import json
import math
import os
import sys
import time
from itertools import permutations

import django

BATCH = 2000
PUPILS_PER_SCHOOL = 400
GROUP_SIZE = 28
TEACHER_PASSWORD = "bench-leerkracht-2026"
GUARDIAN_PASSWORD = "bench-ouder-wachtwoord-2026"
OIDC_CLIENT_ID = "bench-sso-client"
OIDC_CLIENT_SECRET = "bench-sso-client-secret-0123456789abcdef"
OIDC_REDIRECT_URI = "https://bench.example/callback"
SSO_SLUG = "bench-sso"

FIRST_NAMES = [
    "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Tess", "Noah", "Zoë", "Levi", "Sara", "Liam",
    "Anna", "Milan", "Evi", "Mees", "Nora", "Luuk", "Yara", "Jesse", "Lotte", "Sven", "Fenna",
    "Bram", "Noor", "Daan", "Saar", "Thijs", "Liv", "Jayden", "Roos", "Ties", "Fleur", "Hugo",
    "Isa", "Gijs", "Lina", "Stijn", "Maud", "Teun", "Elin", "Ravi", "Vera", "Olivier", "Puck",
    "Ruben", "Adam", "Lieke", "Jens", "Sofie", "Mohamed", "Femke", "Bas", "Amira", "Ayoub",
]
LAST_NAMES = [
    ("de", "Vries"), ("", "Bakker"), ("", "Visser"), ("", "Smit"), ("", "Meijer"), ("de", "Boer"),
    ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"), ("", "Hendriks"),
    ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"), ("", "Dijkstra"),
    ("", "Smits"), ("", "Jacobs"), ("", "El Amrani"), ("", "Kok"), ("van der", "Berg"),
    ("", "Koster"), ("", "Willems"), ("van", "Dam"), ("", "Yilmaz"), ("", "Janssen"), ("", "Maas"),
    ("", "Verhoeven"), ("", "Postma"), ("van", "Wijk"), ("", "Kuipers"), ("", "Prins"),
    ("", "Huisman"), ("", "Blom"), ("", "Öztürk"), ("van den", "Heuvel"), ("", "Ramdin"),
]
# Publishers and titles; each school licenses a rotating selection, some for home use.
SOFTWARE = [
    ("rekenroute", "Rekenroute", "Uitgeverij Tulp"),
    ("taalkompas", "Taalkompas", "Uitgeverij Tulp"),
    ("spellingsterren", "Spellingsterren", "Noorderlicht Educatief"),
    ("wereldwijs", "Wereldwijs", "Noorderlicht Educatief"),
    ("letterpret", "Letterpret", "Klaverblad Leermiddelen"),
    ("typetuin", "Typetuin", "Klaverblad Leermiddelen"),
    ("klokkijken", "Klokkijken", "Uitgeverij Zeester"),
    ("topotocht", "Topotocht", "Uitgeverij Zeester"),
]

# Titles with their own icon in static/img/software/; the others show the default icon.
ICONS = {"rekenroute", "taalkompas", "spellingsterren", "wereldwijs", "letterpret", "typetuin"}


def pin_for(user_id):
    """The benchmark pupil's PIN: four digits derived from their user id."""
    return f"{(user_id * 7919 + 1357) % 10000:04d}"


def brin_for(index):
    """A valid, unique BRIN (2 digits + 2 letters) for school number ``index``."""
    letters = index // 100
    return f"{index % 100:02d}{chr(65 + letters // 26 % 26)}{chr(65 + letters % 26)}"


def split_evenly(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def log(message, started):
    print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)


def build(pupils_total, schools_total, codes_total):
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from oauth2_provider.models import Application

    from accounts.models import User
    from basispoort.hashing import make_secret_hash
    from homelogin.models import GuardianLink
    from homelogin.services import issue_home_code
    from pupils.models import Pupil
    from pupils.pictures import PICTURES, TILE_PICTURES
    from schools.models import Group, School, Teacher
    from software.models import Licence, Publisher, Software

    started = time.perf_counter()
    if School.objects.exists():
        raise SystemExit("The database already has teachers: make_dataset wants an empty database.")
    teacher_hash = make_password(TEACHER_PASSWORD)  # hashed once, shared by every teacher
    guardian_hash = make_password(GUARDIAN_PASSWORD)  # hashed once, shared by every guardian
    picture_slugs = list(PICTURES)
    tile_slugs = list(TILE_PICTURES)

    with transaction.atomic():
        schools = School.objects.bulk_create([
            School(brin=brin_for(i), vestiging="00", name=f"Basisschool {i + 1:03d}")
            for i in range(schools_total)
        ])
        log(f"{len(schools)} schools", started)

        # Software, publishers, one OIDC client, licences.
        publishers = {name: Publisher.objects.create(name=name, website="https://uitgever.example")
                      for name in sorted({p for _s, _n, p in SOFTWARE} | {"Bench Uitgeverij"})}
        titles = [Software.objects.create(
            slug=slug, name=name, publisher=publishers[publisher],
            icon=f"img/software/{slug}.svg" if slug in ICONS else "",
            launch_url=f"https://{slug}.example/basispoort/") for slug, name, publisher in SOFTWARE]
        application = Application.objects.create(
            name="Bench SSO", client_id=OIDC_CLIENT_ID, client_secret=OIDC_CLIENT_SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM, redirect_uris=OIDC_REDIRECT_URI,
            skip_authorization=True,
        )
        sso = Software.objects.create(
            slug=SSO_SLUG, name="Bench SSO", publisher=publishers["Bench Uitgeverij"],
            launch_url="https://bench.example/start", application=application,
        )

        # Groups: ~28 pupils each, year levels 1..8 in turn.
        school_sizes = split_evenly(pupils_total, schools_total)
        group_rows = []
        for school, size in zip(schools, school_sizes, strict=True):
            n_groups = max(1, math.ceil(size / GROUP_SIZE))
            for g, group_size in enumerate(split_evenly(size, n_groups)):
                year = g % 8 + 1
                group_rows.append((school, Group(
                    school=school, name=f"Groep {year}{chr(97 + g // 8)}", year_level=year,
                    external_id=f"g{g}"), group_size))
        groups = Group.objects.bulk_create([g for _s, g, _n in group_rows], batch_size=BATCH)
        log(f"{len(groups)} groups", started)

        # Licences: six titles per school (three also at home), one only for groups 1-3; the SSO
        # title everywhere, also at home.
        licences = []
        for i, school in enumerate(schools):
            for k in range(6):
                licences.append(Licence(school=school, software=titles[(i + k) % len(titles)],
                                        home_use=k % 2 == 0, all_groups=k != 5))
            licences.append(Licence(school=school, software=sso, home_use=True, all_groups=True,
                                    shares_first_name=True))
        licences = Licence.objects.bulk_create(licences, batch_size=BATCH)
        young = {}
        for group in groups:
            if group.year_level <= 3:
                young.setdefault(group.school_id, []).append(group)
        through = Licence.groups.through
        through.objects.bulk_create([
            through(licence_id=lic.pk, group_id=group.pk)
            for lic in licences if not lic.all_groups for group in young.get(lic.school_id, [])
        ], batch_size=BATCH)
        log(f"{len(licences)} licences", started)

        # Teachers: one per group, shared password hash.
        teacher_users = User.objects.bulk_create([
            User(username=f"bench-t-{school.brin.lower()}-{group.external_id}", first_name="Juf",
                 last_name=f"{school.brin} {group.name}", kind=User.Kind.ADULT, password=teacher_hash,
                 email=f"t-{school.brin.lower()}-{group.external_id}@school.example")
            for (school, _g, _n), group in zip(group_rows, groups, strict=True)
        ], batch_size=BATCH)
        teachers = Teacher.objects.bulk_create([
            Teacher(user=user, school_id=group.school_id, external_id=f"t-{group.external_id}")
            for user, group in zip(teacher_users, groups, strict=True)
        ], batch_size=BATCH)
        Teacher.groups.through.objects.bulk_create([
            Teacher.groups.through(teacher_id=t.pk, group_id=g.pk)
            for t, g in zip(teachers, groups, strict=True)
        ], batch_size=BATCH)
        log(f"{len(teachers)} teachers", started)

        # Pupils with their users. PIN from the user id (groups 4-8), pictures by position (1-3).
        sequences = list(permutations(picture_slugs[:12], 3))
        plan = []  # (group, position, index)
        index = 0
        for (_school, _g, size), group in zip(group_rows, groups, strict=True):
            for position in range(size):
                plan.append((group, position, index))
                index += 1
        group_out = {}
        for (school, _g, _n), group in zip(group_rows, groups, strict=True):
            group_out[group.pk] = {
                "id": group.pk, "school_id": school.pk, "year_level": group.year_level,
                "teacher": f"bench-t-{school.brin.lower()}-{group.external_id}", "pupils": [],
            }
        pupil_ids = []  # in plan order
        for start in range(0, len(plan), BATCH):
            chunk = plan[start:start + BATCH]
            users = User.objects.bulk_create([
                User(username=f"leerling-bench-{i}",
                     first_name=FIRST_NAMES[(i * 7) % len(FIRST_NAMES)],
                     last_name=" ".join(filter(None, LAST_NAMES[(i * 11) % len(LAST_NAMES)])),
                     kind=User.Kind.PUPIL, password="!")
                for _g, _p, i in chunk
            ])
            rows, secrets_in_order = [], []
            for user, (group, position, i) in zip(users, chunk, strict=True):
                prefix, last = LAST_NAMES[(i * 11) % len(LAST_NAMES)]
                if group.year_level <= 3:
                    secret = list(sequences[(position * 37) % len(sequences)])
                    kind = Pupil.SecretKind.PICTURE
                    secret_hash = make_secret_hash("-".join(secret), purpose="picture")
                else:
                    secret = pin_for(user.pk)
                    kind = Pupil.SecretKind.PIN
                    secret_hash = make_secret_hash(secret, purpose="pin")
                rows.append(Pupil(
                    user=user, school_id=group.school_id, group=group, first_name=user.first_name,
                    last_name_prefix=prefix, last_name=last, external_id=f"b{i}",
                    tile_picture=tile_slugs[i % len(tile_slugs)], secret_kind=kind,
                    secret_hash=secret_hash, home_login_enabled=i % 10 < 7,
                ))
                secrets_in_order.append(secret)
            for pupil, secret in zip(Pupil.objects.bulk_create(rows), secrets_in_order, strict=True):
                group_out[pupil.group_id]["pupils"].append([pupil.pk, secret])
                pupil_ids.append((pupil.pk, pupil.group_id, pupil.home_login_enabled))
            log(f"{start + len(chunk)} pupils", started)
        # Guardians: one per two pupils of the same school (siblings in two different groups).
        by_school = {}
        for pk, group_id, _home in pupil_ids:
            by_school.setdefault(group_out[group_id]["school_id"], []).append(pk)
        pairs = []
        for pks in by_school.values():
            half = (len(pks) + 1) // 2
            for k in range(half):  # pupil k and pupil k+half: different groups, same school
                pairs.append([pks[k]] + ([pks[k + half]] if k + half < len(pks) else []))
        guardian_emails = []
        for start in range(0, len(pairs), BATCH):
            chunk = pairs[start:start + BATCH]
            emails = [f"ouder{start + k + 1}@bench.example" for k in range(len(chunk))]
            guardians = User.objects.bulk_create([
                User(username=e, email=e, kind=User.Kind.ADULT, password=guardian_hash)
                for e in emails
            ])
            GuardianLink.objects.bulk_create([
                GuardianLink(guardian=guardian, pupil_id=pupil_pk, slot=1)
                for guardian, pair in zip(guardians, chunk, strict=True) for pupil_pk in pair
            ])
            guardian_emails.extend(emails)
        log(f"{len(guardian_emails)} guardians", started)

    # Home login codes through the real service, for pupils with home login on in PIN groups.
    candidates = [pk for pk, group_id, home in pupil_ids
                  if home and group_out[group_id]["year_level"] >= 4]
    step = max(1, len(candidates) // max(1, codes_total))
    chosen = candidates[::step][:codes_total]
    codes = []
    for pupil in Pupil.objects.filter(pk__in=chosen).select_related("school"):
        codes.append(issue_home_code(pupil=pupil))
    log(f"{len(codes)} home login codes", started)

    return {
        "pupils": len(pupil_ids),
        "schools": len(schools),
        "groups": [g for g in group_out.values()],
        "teacher_password": TEACHER_PASSWORD,
        "guardian_password": GUARDIAN_PASSWORD,
        "guardians": guardian_emails,
        "home_codes": codes,
        "oidc": {"client_id": OIDC_CLIENT_ID, "client_secret": OIDC_CLIENT_SECRET,
                 "redirect_uri": OIDC_REDIRECT_URI, "software": SSO_SLUG},
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=50 * PUPILS_PER_SCHOOL)
    parser.add_argument("--schools", type=int, default=None,
                        help="default: one school per 400 pupils (50 for the default 20,000)")
    parser.add_argument("--codes", type=int, default=3000, help="home login codes to issue")
    parser.add_argument("--out", default="bench-dataset.json", help="JSON file for the load test")
    args = parser.parse_args(argv)
    if not 1 <= args.pupils <= 1_000_000:
        parser.error("--pupils must be between 1 and 1,000,000")
    schools = args.schools or max(1, math.ceil(args.pupils / PUPILS_PER_SCHOOL))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    data = build(args.pupils, schools, args.codes)
    with open(args.out, "w") as out:
        json.dump(data, out)
    print(f"{data['pupils']} pupils in {data['schools']} schools, {len(data['groups'])} groups, "
          f"{len(data['guardians'])} guardians, {len(data['home_codes'])} home login codes "
          f"in {data['seconds']} s -> {args.out}")


if __name__ == "__main__":
    main()
