"""Import a school's groups, teachers and pupils from its administration system.

Two formats: EDEX-XML (the Dutch standard that ParnasSys, ESIS and others export) and a simple
CSV for schools without one. It is a *sync*, not an append: keys from the administration system
match existing rows; new pupils and teachers are created; names and groups are updated (a pupil
who moves to another group keeps their PIN, pictures, guardians, codes and devices); pupils no
longer in the file are deactivated, never deleted.

The whole file is read first (streaming, one small record per row), every row is checked, and
only a file without errors is written, in one transaction. A dry run does all of it and rolls
back, so what it reports is exactly what the real run would do.
"""

import csv
import datetime
import io
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _
from lxml import etree

from accounts.models import User
from basispoort.hashing import check_secret_hash, make_secret_hash
from pupils.models import Pupil, generate_pin
from pupils.pictures import grid_for

from .models import AuditEntry, Group, School, Teacher, brin_validator, current_school_year

BATCH = 1000
PUPIL_SYNCED_FIELDS = ["group_id", "first_name", "last_name_prefix", "last_name", "birth_date",
                       "eckid", "active"]
EXAMPLES = 50  # names listed per kind of change; the counts are always complete


class ImportFileError(Exception):
    """The file as a whole cannot be imported (hostile, unreadable, another school's)."""


@dataclass(slots=True)
class GroupRow:
    line: int
    key: str
    name: str
    year_level: str


@dataclass(slots=True)
class TeacherRow:
    line: int
    key: str
    first_name: str
    prefix: str
    last_name: str
    email: str
    group_keys: list


@dataclass(slots=True)
class PupilRow:
    line: int
    key: str
    first_name: str
    prefix: str
    last_name: str
    birth_date: str
    year_level: str
    group_key: str
    eckid: str


@dataclass
class Parsed:
    brin: str = ""
    vestiging: str = ""
    school_name: str = ""
    school_year: str = ""
    groups: list = field(default_factory=list)
    teachers: list = field(default_factory=list)
    pupils: list = field(default_factory=list)


@dataclass
class Change:
    count: int = 0
    examples: list = field(default_factory=list)

    def add(self, name):
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(name)


@dataclass
class ImportReport:
    school: School | None = None
    dry_run: bool = True
    written: bool = False
    new: Change = field(default_factory=Change)
    changed: Change = field(default_factory=Change)
    moved: Change = field(default_factory=Change)
    deactivated: Change = field(default_factory=Change)
    groups_new: Change = field(default_factory=Change)
    teachers_new: Change = field(default_factory=Change)
    errors: list = field(default_factory=list)  # [(line, message)]
    total: int = 0

    def error(self, line, message):
        self.errors.append((line, message))

    def summary(self):
        return _(
            "%(total)s leerlingen in het bestand: %(new)s nieuw, %(changed)s gewijzigd, "
            "%(moved)s naar een andere groep, %(deactivated)s niet meer in het bestand "
            "(gedeactiveerd); %(groups)s nieuwe groepen, %(teachers)s nieuwe leerkrachten; "
            "%(errors)s fouten."
        ) % {
            "total": self.total, "new": self.new.count, "changed": self.changed.count,
            "moved": self.moved.count, "deactivated": self.deactivated.count,
            "groups": self.groups_new.count, "teachers": self.teachers_new.count,
            "errors": len(self.errors),
        }


# Reading


def parse(data, *, filename=""):
    """Parsed rows from the bytes of an EDEX-XML or CSV file."""
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if filename.lower().endswith(".xml") or start == b"<":
        return parse_edex(data)
    return parse_csv(data)


def _text(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def parse_edex(data):
    parsed = Parsed()
    context = etree.iterparse(
        io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
        load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True,
    )
    root = None
    try:
        for event, element in context:
            if root is None:
                docinfo = element.getroottree().docinfo
                # A DTD is how billion-laughs and external-entity attacks come in; EDEX needs none.
                if docinfo.internalDTD is not None or docinfo.doctype:
                    raise ImportFileError(_("Dit XML-bestand bevat een DTD (<!DOCTYPE>) en wordt "
                                            "om veiligheidsredenen geweigerd."))
                if element.tag != "EDEX":
                    raise ImportFileError(_("Dit is geen EDEX-bestand: het begint niet met <EDEX>."))
                root = element
                continue
            if event != "end":
                continue
            parent = element.getparent()
            if element.tag == "school" and parent is root:
                parsed.brin = _text(element, "brincode").upper()
                parsed.vestiging = _text(element, "dependancecode") or "00"
                parsed.school_name = _text(element, "naam")
                parsed.school_year = _text(element, "schooljaar")
            elif element.tag == "groep" and parent is not None and parent.tag == "groepen" \
                    and parent.getparent() is root:
                parsed.groups.append(GroupRow(
                    element.sourceline, element.get("key", "").strip(), _text(element, "naam"),
                    _text(element, "jaargroep"),
                ))
            elif element.tag == "leerling":
                group = element.find("groep")
                parsed.pupils.append(PupilRow(
                    element.sourceline, element.get("key", "").strip(), _text(element, "roepnaam"),
                    _text(element, "voorvoegsel"), _text(element, "achternaam"),
                    _text(element, "geboortedatum"), _text(element, "jaargroep"),
                    (group.get("key", "") if group is not None else "").strip(),
                    _text(element, "eckid"),
                ))
            elif element.tag == "leerkracht":
                parsed.teachers.append(TeacherRow(
                    element.sourceline, element.get("key", "").strip(), _text(element, "roepnaam"),
                    _text(element, "voorvoegsel"), _text(element, "achternaam"),
                    _text(element, "emailadres").lower(),
                    [g.get("key", "").strip() for g in element.iterfind("groepen/groep")],
                ))
            else:
                continue
            # Streaming: drop what has been read, so a file of 100,000 pupils stays small.
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as error:
        raise ImportFileError(
            _("Het XML-bestand is niet goed leesbaar (regel %(line)s): %(error)s")
            % {"line": error.lineno, "error": error.msg}
        ) from None
    if root is None:
        raise ImportFileError(_("Het bestand is leeg."))
    return parsed


CSV_COLUMNS = {
    "leerlingnummer": "key", "sleutel": "key", "roepnaam": "first_name",
    "voorvoegsel": "prefix", "tussenvoegsel": "prefix", "achternaam": "last_name",
    "geboortedatum": "birth_date", "groep": "group", "jaargroep": "year_level", "eckid": "eckid",
}


def parse_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("Het CSV-bestand is geen UTF-8. Sla het op als 'CSV UTF-8'.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise ImportFileError(_("Het bestand is leeg."))
    columns = [CSV_COLUMNS.get(name.strip().lower()) for name in header]
    missing = {"key", "first_name", "last_name", "group"} - set(columns)
    if missing:
        raise ImportFileError(
            _("De kolommen leerlingnummer, roepnaam, achternaam en groep zijn verplicht; "
              "gevonden: %(header)s") % {"header": ", ".join(header)}
        )
    parsed = Parsed()
    groups = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        row = {column: value.strip() for column, value in zip(columns, values, strict=False) if column}
        group = row.get("group", "")
        if group and group not in groups:
            groups[group] = GroupRow(reader.line_num, group, group, row.get("year_level", ""))
        parsed.pupils.append(PupilRow(
            reader.line_num, row.get("key", ""), row.get("first_name", ""), row.get("prefix", ""),
            row.get("last_name", ""), row.get("birth_date", ""), row.get("year_level", ""), group,
            row.get("eckid", ""),
        ))
    parsed.groups = list(groups.values())
    return parsed


# Checking


def _date(value):
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    return None


def _year_level(value):
    return int(value) if value.isdigit() and 1 <= int(value) <= 8 else None


def check(parsed, report):
    """Report every bad row; return {group key: year level} for the rows that are fine."""
    year_levels = {}
    for row in parsed.groups:
        if not row.key or not row.name:
            report.error(row.line, _("Groep zonder sleutel of naam."))
        elif row.key in year_levels:
            report.error(row.line, _("Groep %(key)s staat twee keer in het bestand.") % {"key": row.key})
        elif len(row.name) > 100 or len(row.key) > 100:
            report.error(row.line, _("Groepsnaam of sleutel is te lang."))
        else:
            year_levels[row.key] = _year_level(row.year_level)
    seen = set()
    for row in parsed.pupils:
        problems = []
        if not row.key:
            problems.append(_("het leerlingnummer ontbreekt"))
        elif row.key in seen:
            problems.append(_("leerlingnummer %(key)s staat twee keer in het bestand") % {"key": row.key})
        if not row.first_name or not row.last_name:
            problems.append(_("roepnaam of achternaam ontbreekt"))
        if max(len(row.key), len(row.first_name), len(row.last_name)) > 100 or len(row.prefix) > 20:
            problems.append(_("een naam is te lang"))
        if row.group_key not in year_levels:
            problems.append(_("groep '%(group)s' is onbekend") % {"group": row.group_key})
        if row.birth_date and _date(row.birth_date) is None:
            problems.append(_("geboortedatum '%(date)s' is geen datum") % {"date": row.birth_date})
        seen.add(row.key)
        if problems:
            report.error(row.line, _("Leerling: %(problems)s.") % {"problems": "; ".join(problems)})
    # A group without its own year level (CSV) takes the year level of its pupils.
    for row in parsed.pupils:
        if year_levels.get(row.group_key, 0) is None and _year_level(row.year_level):
            year_levels[row.group_key] = _year_level(row.year_level)
    for row in parsed.groups:
        if year_levels.get(row.key, 0) is None:
            report.error(row.line, _("Groep %(key)s heeft geen jaargroep (1 tot en met 8).")
                         % {"key": row.key})
    for row in parsed.teachers:
        if not row.key or not row.last_name:
            report.error(row.line, _("Leerkracht zonder sleutel of achternaam."))
        elif "@" not in row.email or len(row.email) > 150:
            report.error(row.line, _("Leerkracht zonder geldig e-mailadres."))
        elif any(key not in year_levels for key in row.group_keys):
            report.error(row.line, _("Leerkracht in een onbekende groep."))
    return year_levels


# Writing


def import_school(data, *, filename="", school=None, dry_run=False, progress=None, by=None):
    """Import ``data`` (bytes) for ``school`` (or the school the EDEX file names). Returns an
    ImportReport; writes only when there are no errors and ``dry_run`` is false. The audit log
    records the import and ``by`` whom."""
    parsed = parse(data, filename=filename)
    report = ImportReport(dry_run=dry_run, total=len(parsed.pupils))
    report.school = _resolve_school(parsed, school)
    year_levels = check(parsed, report)
    if report.errors:
        return report
    new_school = report.school.pk is None
    try:
        with transaction.atomic():
            _write(parsed, year_levels, report, progress)
            AuditEntry.objects.create(school=report.school, actor=by, action=AuditEntry.Action.IMPORTED,
                                      detail=f"{filename}: {report.summary()}"[:500])
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        report.error(0, _("De database weigerde een wijziging: %(error)s") % {"error": error})
    if new_school and (dry_run or report.errors):
        report.school.pk = None  # rolled back
    report.written = not dry_run and not report.errors
    return report


def _resolve_school(parsed, school):
    if school is not None:
        if parsed.brin and (parsed.brin, parsed.vestiging) != (school.brin, school.vestiging):
            raise ImportFileError(
                _("Dit bestand is van school %(file)s, niet van %(school)s.")
                % {"file": parsed.brin + parsed.vestiging, "school": school.brin + school.vestiging}
            )
        return school
    if not parsed.brin:
        raise ImportFileError(_("Geef de school op: dit bestand noemt geen BRIN-nummer."))
    try:
        brin_validator(parsed.brin)
    except ValidationError:
        raise ImportFileError(_("Het BRIN-nummer '%(brin)s' in het bestand klopt niet.")
                              % {"brin": parsed.brin}) from None
    found = School.objects.filter(brin=parsed.brin, vestiging=parsed.vestiging).first()
    return found or School(brin=parsed.brin, vestiging=parsed.vestiging,
                           name=parsed.school_name or parsed.brin)


def _write(parsed, year_levels, report, progress):
    school = report.school
    if school.pk is None:
        school.save()
    else:
        _lock_school(school)
    school_year = parsed.school_year or current_school_year()
    groups = _write_groups(school, parsed.groups, year_levels, school_year, report)
    _write_teachers(school, parsed.teachers, groups, report)
    _write_pupils(school, parsed.pupils, groups, report, progress)


def _lock_school(school):
    """One import per school at a time, on every app server: the school's row stays locked until
    this import's transaction ends, and a second import is refused at once rather than both
    succeeding and the last one silently undoing the first. NO KEY UPDATE, so rows that merely
    refer to the school (logins' audit entries) are not held up. (SQLite ignores the lock, but
    writes one transaction at a time anyway.)"""
    try:
        list(School.objects.select_for_update(nowait=True, no_key=True).filter(pk=school.pk))
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != "55P03":  # PostgreSQL's lock_not_available
            raise
        raise ImportFileError(_("Er loopt al een import voor deze school. Probeer het over een paar "
                                "minuten opnieuw.")) from None


def _write_groups(school, rows, year_levels, school_year, report):
    existing = {g.external_id: g for g in Group.objects.filter(school=school).exclude(external_id="")}
    for row in rows:
        group = existing.get(row.key)
        level = year_levels[row.key]
        if group is None:
            existing[row.key] = Group.objects.create(
                school=school, external_id=row.key, name=row.name, year_level=level,
                school_year=school_year,
            )
            report.groups_new.add(row.name)
        elif (group.name, group.year_level, group.school_year) != (row.name, level, school_year):
            group.name, group.year_level, group.school_year = row.name, level, school_year
            group.save(update_fields=["name", "year_level", "school_year"])
    return existing


def _write_teachers(school, rows, groups, report):
    existing = {t.external_id: t for t in Teacher.objects.filter(school=school).select_related("user")
                .exclude(external_id="")}
    for row in rows:
        teacher = existing.get(row.key)
        last_name = " ".join(filter(None, [row.prefix, row.last_name]))
        names = {"first_name": row.first_name, "last_name": last_name, "email": row.email}
        if teacher is None:
            # New staff get no password here: they set one through the password-reset mail.
            user, _created = User.objects.get_or_create(
                username=row.email, defaults={**names, "kind": User.Kind.TEACHER}
            )
            if _created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            teacher = Teacher.objects.create(user=user, school=school, external_id=row.key)
            report.teachers_new.add(f"{row.first_name} {names['last_name']}")
        else:
            User.objects.filter(pk=teacher.user_id).update(**names)
        teacher.groups.set([groups[key] for key in row.group_keys])


def _write_pupils(school, rows, groups, report, progress):
    fields = ["pk", "external_id", "group_id", "first_name", "last_name_prefix", "last_name",
              "birth_date", "eckid", "active"]
    existing = {p["external_id"]: p for p in
                Pupil.objects.filter(school=school).exclude(external_id="").values(*fields)}
    # Picture sequences already taken per group (only their hashes are known).
    taken = {}
    for group_id, secret_hash in Pupil.objects.filter(
        school=school, secret_kind=Pupil.SecretKind.PICTURE
    ).values_list("group_id", "secret_hash"):
        taken.setdefault(group_id, []).append(secret_hash)
    assigned = {}
    grid = grid_for(school)
    in_file, new_rows, updates = set(), [], []
    for done, row in enumerate(rows, start=1):
        in_file.add(row.key)
        group = groups[row.group_key]
        values = {
            "group_id": group.pk, "first_name": row.first_name, "last_name_prefix": row.prefix,
            "last_name": row.last_name, "birth_date": _date(row.birth_date) if row.birth_date else None,
            "eckid": row.eckid, "active": True,
        }
        name = " ".join(filter(None, [row.first_name, row.prefix, row.last_name]))
        old = existing.get(row.key)
        if old is None:
            new_rows.append((row, values, group))
            report.new.add(name)
        elif any(old[k] != v for k, v in values.items()):
            if old["group_id"] != group.pk:
                report.moved.add(name)
            else:
                report.changed.add(name)
            updates.append(Pupil(pk=old["pk"], **values))
        if progress and done % BATCH == 0:
            progress(done, len(rows))
    Pupil.objects.bulk_update(updates, PUPIL_SYNCED_FIELDS, batch_size=BATCH)

    for start in range(0, len(new_rows), BATCH):
        batch = new_rows[start:start + BATCH]
        users = User.objects.bulk_create([
            User(username=f"leerling-{school.brin}{school.vestiging}-{row.key}".lower()[:150],
                 first_name=row.first_name, last_name=" ".join(filter(None, [row.prefix, row.last_name])),
                 kind=User.Kind.PUPIL, password="!")  # no usable Django password: see Pupil
            for row, _values, _group in batch
        ])
        Pupil.objects.bulk_create([
            Pupil(user=user, school=school, external_id=row.key,
                  **values, **_new_secret(group, grid, school, taken, assigned))
            for user, (row, values, group) in zip(users, batch, strict=True)
        ])
    if progress:
        progress(len(rows), len(rows))

    gone = [(p["pk"], p) for key, p in existing.items() if key not in in_file and p["active"]]
    for _pk, pupil in gone:
        report.deactivated.add(" ".join(filter(None, [pupil["first_name"], pupil["last_name_prefix"],
                                                      pupil["last_name"]])))
    ids = [pk for pk, _pupil in gone]
    for start in range(0, len(ids), BATCH):
        Pupil.objects.filter(pk__in=ids[start:start + BATCH]).update(active=False)


def _new_secret(group, grid, school, taken, assigned):
    """A PIN for groups 4-8, a picture password for groups 1-3, unique within the group."""
    if group.year_level > 3:
        return {"secret_kind": Pupil.SecretKind.PIN,
                "secret_hash": make_secret_hash(generate_pin(), purpose="pin")}
    used = assigned.setdefault(group.pk, set())
    while True:
        pictures = "-".join(secrets.SystemRandom().sample(grid, school.picture_password_length))
        if pictures not in used and not any(
            check_secret_hash(pictures, h, purpose="picture") for h in taken.get(group.pk, [])
        ):
            used.add(pictures)
            return {"secret_kind": Pupil.SecretKind.PICTURE,
                    "secret_hash": make_secret_hash(pictures, purpose="picture")}
