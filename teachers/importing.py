"""Import a school's groups, teachers and pupils from its administration system.

Two formats: EDEXML 2.1 (the Dutch standard that ParnasSys, ESIS and others export; 2.0 and
1.03 files are valid 2.1 files) and a simple CSV for schools without one. It is a *sync*, not an
append: keys from the administration system match existing rows; new pupils and teachers are
created; names, year levels and groups are updated (a pupil who moves to another group keeps
their PIN, pictures, guardians, codes and devices); pupils no longer in the file are
deactivated, never deleted.

What the standard allows is imported: every optional field is optional; each pupil keeps their
own year level (a combination group holds several); samengestelde groepen become groups whose
teachers see their members; year levels whose pupils do not log in here (babies, toddlers,
secondary school, former pupils) are skipped with a line in the report, never refusing the file.
Keys starting with "#" are not stable between exports (the standard's rule), so they are never
used to match: such a pupil is found again by ECK iD or by name and birth date, such a teacher
by e-mail address, ECK iD or (when the file gives neither) by name.

The whole file is read first (streaming, one small record per row), every row is checked, and
only a file without errors is written, in one transaction. A dry run does all of it and rolls
back, so what it reports is exactly what the real run would do. Every refusal names its line and
the rule, in Dutch.
"""

import csv
import datetime
import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from accounts.models import User
from basispoort.hashing import check_secret_hash, make_secret_hash
from pupils.models import Pupil, generate_pin
from pupils.pictures import grid_for
from schools.models import AuditEntry, Group, Jaargroep, School, Teacher, brin_validator, current_school_year

logger = logging.getLogger(__name__)

BATCH = 1000
PUPIL_SYNCED_FIELDS = ["group_id", "jaargroep", "first_name", "last_name_prefix", "last_name",
                       "birth_date", "eckid", "active"]
EXAMPLES = 50  # names listed per kind of change; the counts are always complete
KEY_MAX = 256  # EDEXML 2.1 keys and ECK iDs
USER_NAME_MAX = 150  # Django's User.first_name / last_name
USERNAME_MAX = User._meta.get_field("username").max_length  # staff log in with their address
COMBINATION = "C"
# EDEX year levels whose pupils do not log in here: skipped with a line in the report.
SKIPPED_LEVELS = {
    "B": gettext_lazy("baby's"),
    "D": gettext_lazy("dreumesen"),
    "0": gettext_lazy("peutergroep"),
    "N": gettext_lazy("niet primair of voortgezet onderwijs"),
    "H": gettext_lazy("historisch: een oud-leerling"),
    **{str(level): gettext_lazy("voortgezet onderwijs") for level in range(11, 17)},
}
SERVED_LEVELS = set(Jaargroep.values)
BUSY = gettext_lazy("Er loopt al een import voor deze school. Probeer het over een paar minuten "
                    "opnieuw.")
PIN_LEVELS = {"4", "5", "6", "7", "8", "V"}  # the rest (1-3, S, unknown) click pictures


class ImportFileError(Exception):
    """The file as a whole cannot be imported (hostile, unreadable, another school's)."""


@dataclass
class Progress:
    """How far an import is. ``callback`` gets it now and then: at every stage, and every
    thousand rows read or pupils written (the command's progress bar, the upload page's)."""

    READING, CHECKING, WRITING = "reading", "checking", "writing"

    stage: str = READING
    rows: int = 0  # records read from the file: groups, staff and pupils
    groups: int = 0  # written (in a dry run too: it writes, then rolls back)
    staff: int = 0
    pupils: int = 0
    total: int = 0  # pupils to write, known once the file is checked
    callback: Callable | None = field(default=None, repr=False)

    def tell(self, **changes):
        for name, value in changes.items():
            setattr(self, name, value)
        if self.callback is not None:
            self.callback(self)

    def as_dict(self):
        return {name: value for name, value in asdict(self).items() if name != "callback"}

    def row_read(self):
        self.rows += 1
        if self.rows % BATCH == 0:
            self.tell()


def clean(text):
    """One line of printable text: newlines, tabs, control and direction characters become a
    single space. Names travel into mail headers, logs and printed cards."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


@dataclass(slots=True)
class GroupRow:
    line: int
    key: str
    name: str
    jaargroep: str
    composed: bool = False


@dataclass(slots=True)
class TeacherRow:
    line: int
    key: str
    eckid: str
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
    jaargroep: str
    group_key: str
    eckid: str
    composed_keys: list = field(default_factory=list)
    left_on: str = ""


@dataclass
class Parsed:
    brin: str = ""
    vestiging: str = ""
    school_name: str = ""
    school_year: str = ""
    reference_date: str = ""  # peildatum, else aanmaakdatum: who left before it is a former pupil
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
    errors: list = field(default_factory=list)  # [(line, message)]: nothing is written
    notes: list = field(default_factory=list)  # [(line, message)]: skipped rows and remarks
    skipped: int = 0
    total: int = 0

    def error(self, line, message):
        self.errors.append((line, message))

    def note(self, line, message):
        self.notes.append((line, message))

    def as_dict(self):
        """The report as JSON values (an ImportJob keeps it), readable by the same template."""
        changes = {name: asdict(getattr(self, name)) for name in
                   ("new", "changed", "moved", "deactivated", "groups_new", "teachers_new")}
        return {"summary": self.summary(), "dry_run": self.dry_run, "written": self.written,
                "errors": self.errors, "notes": self.notes, "skipped": self.skipped,
                "total": self.total, **changes}

    def summary(self):
        return _(
            "%(total)s leerlingen in het bestand: %(new)s nieuw, %(changed)s gewijzigd, "
            "%(moved)s naar een andere groep, %(deactivated)s niet meer in het bestand "
            "(gedeactiveerd), %(skipped)s overgeslagen; %(groups)s nieuwe groepen, "
            "%(teachers)s nieuwe leerkrachten; %(errors)s fouten."
        ) % {
            "total": self.total, "new": self.new.count, "changed": self.changed.count,
            "moved": self.moved.count, "deactivated": self.deactivated.count,
            "skipped": self.skipped, "groups": self.groups_new.count,
            "teachers": self.teachers_new.count, "errors": len(self.errors),
        }


def _stable(key):
    """The standard's rule: a key starting with "#" is a stand-in that may change next export."""
    return bool(key) and not key.startswith("#")


# Reading


def parse(data, *, filename="", progress=None):
    """Parsed rows from the bytes of an EDEX-XML or CSV file."""
    progress = progress or Progress()
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if filename.lower().endswith(".xml") or start == b"<":
        return parse_edex(data, progress)
    return parse_csv(data, progress)


def _text(element, path):
    found = element.find(path)
    return clean(found.text or "") if found is not None else ""


def _names(element):
    """(first name, prefix, last name). EDEX has two forms: a surname with optional prefix,
    given names, initials and roepnaam; or a roepnaam alone. The tile shows the roepnaam, else
    the first given name, else the initials."""
    first = _text(element, "roepnaam")
    if not first:
        given = _text(element, "voornamen").split(" ")
        first = given[0]
    if not first:
        initials = _text(element, "voorletters-1").replace(".", "").replace(" ", "")
        first = "".join(f"{letter}." for letter in initials)
    return first, _text(element, "voorvoegsel"), _text(element, "achternaam")


def _eckid(element):
    # An attribute since EDEXML 2.1; some 2.0 exports wrote it as an element.
    return clean(element.get("eckid", "")) or _text(element, "eckid")


def _key(element):
    return clean(element.get("key", ""))


def parse_edex(data, progress=None):
    progress = progress or Progress()
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
            top_level = parent is not None and parent.getparent() is root
            if element.tag == "school" and parent is root:
                parsed.brin = _text(element, "brincode").upper()
                # The standard: dependancecode 00 means the same as none.
                parsed.vestiging = _text(element, "dependancecode") or "00"
                parsed.school_name = _text(element, "naam")  # not in the standard; older files
                parsed.school_year = _text(element, "schooljaar")
                parsed.reference_date = (_text(element, "peildatum")
                                         or _text(element, "aanmaakdatum")[:10])
            elif element.tag in ("groep", "samengestelde_groep") and top_level \
                    and parent.tag == "groepen":
                parsed.groups.append(GroupRow(
                    element.sourceline, _key(element), _text(element, "naam"),
                    _text(element, "jaargroep").upper(), element.tag == "samengestelde_groep",
                ))
            elif element.tag == "leerling" and top_level:
                group = element.find("groep")
                parsed.pupils.append(PupilRow(
                    element.sourceline, _key(element), *_names(element),
                    _text(element, "geboortedatum"), _text(element, "jaargroep").upper(),
                    _key(group) if group is not None else "", _eckid(element),
                    [_key(g) for g in element.iterfind("samengestelde_groepen/samengestelde_groep")],
                    _text(element, "uitstroomdatum"),
                ))
            elif element.tag == "leerkracht" and top_level:
                parsed.teachers.append(TeacherRow(
                    element.sourceline, _key(element), _eckid(element), *_names(element),
                    _text(element, "emailadres").lower(),
                    [_key(g) for g in element.iterfind("groepen/*")],
                ))
            else:
                continue
            if element.tag != "school":
                progress.row_read()
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


def parse_csv(data, progress=None):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("Het CSV-bestand is geen UTF-8. Sla het op als 'CSV UTF-8'.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read_csv(reader, progress or Progress())
    except csv.Error as error:
        # Python's csv module refuses a field over 128 KB (and a few broken quotings).
        if "field larger" in str(error):
            message = _("Regel %(line)s: een veld is te lang (meer dan 128 kB). Is dit wel een "
                        "CSV-bestand met leerlingen?")
        else:
            message = _("Regel %(line)s: deze regel is geen geldige CSV.")
        raise ImportFileError(message % {"line": reader.line_num}) from None


def _read_csv(reader, progress):
    header = next(reader, None)
    if not header:
        raise ImportFileError(_("Het bestand is leeg."))
    columns = [CSV_COLUMNS.get(name.strip().lower()) for name in header]
    missing = {"key", "first_name", "last_name", "group"} - set(columns)
    if missing:
        raise ImportFileError(
            _("De kolommen leerlingnummer, roepnaam, achternaam en groep zijn verplicht; "
              "gevonden: %(header)s") % {"header": ", ".join(clean(name) for name in header)[:300]}
        )
    parsed = Parsed()
    groups = {}
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        progress.row_read()
        row = {column: clean(value) for column, value in zip(columns, values, strict=False) if column}
        group, level = row.get("group", ""), row.get("year_level", "").upper()
        if group and group not in groups:
            groups[group] = GroupRow(reader.line_num, group, group, "")
        parsed.pupils.append(PupilRow(
            reader.line_num, row.get("key", ""), row.get("first_name", ""), row.get("prefix", ""),
            row.get("last_name", ""), row.get("birth_date", ""), level, group,
            row.get("eckid", ""),
        ))
    # A CSV group has the year level of its pupils; pupils of several years: a combination group.
    # A pupil without one says nothing about the group (and takes its year, as in EDEX).
    levels = {}
    for row in parsed.pupils:
        if row.jaargroep:
            levels.setdefault(row.group_key, set()).add(row.jaargroep)
    for key, group in groups.items():
        found = levels.get(key, set())
        group.jaargroep = found.pop() if len(found) == 1 else COMBINATION if found else ""
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


@dataclass
class GroupPlan:
    """One group to write. A combination group exported as two groups with the same name (one
    per year level) is one group here, reached by both keys."""

    line: int
    kind: str
    name: str
    key: str = ""  # stable key, or empty
    levels: set = field(default_factory=set)

    @property
    def year_level(self):
        if len(self.levels) == 1 and (level := next(iter(self.levels))).isdigit() \
                and level in SERVED_LEVELS:
            return int(level)
        return None


@dataclass
class Plan:
    groups: dict = field(default_factory=dict)  # (kind, name) -> GroupPlan
    group_of_key: dict = field(default_factory=dict)  # file key -> (kind, name)
    level_of_key: dict = field(default_factory=dict)  # file key -> the group's jaargroep
    pupils: list = field(default_factory=list)  # (row, jaargroep, group ident, composed idents)
    teachers: list = field(default_factory=list)  # (row, [group idents])


def _year_group(plan, level, line):
    ident = (Group.Kind.YEAR, f"Jaargroep {level}")
    plan.groups.setdefault(ident, GroupPlan(line, Group.Kind.YEAR, ident[1], levels={level}))
    return ident


def check(parsed, report):
    """Report every bad row and every skipped one; return the Plan for the rows that are fine."""
    plan = Plan()
    reference = _date(parsed.reference_date) or timezone.localdate()
    skipped_groups = {}  # key -> why
    for row in parsed.groups:
        name = _("Samengestelde groep") if row.composed else _("Groep")
        if not row.key or not row.name:
            report.error(row.line, _("%(what)s zonder sleutel of naam.") % {"what": name})
        elif row.key in plan.group_of_key or row.key in skipped_groups:
            report.error(row.line, _("%(what)s met sleutel %(key)s staat twee keer in het bestand.")
                         % {"what": name, "key": row.key[:80]})
        elif len(row.key) > KEY_MAX or len(row.name) > 100:
            report.error(row.line, _("%(what)s: de sleutel is langer dan 256 tekens of de naam "
                                     "langer dan 100.") % {"what": name})
        elif not row.composed and row.jaargroep in SKIPPED_LEVELS:
            skipped_groups[row.key] = SKIPPED_LEVELS[row.jaargroep]
            report.note(row.line, _("Groep %(name)s overgeslagen: jaargroep %(level)s (%(meaning)s).")
                        % {"name": row.name, "level": row.jaargroep,
                           "meaning": SKIPPED_LEVELS[row.jaargroep]})
        elif not row.composed and row.jaargroep not in SERVED_LEVELS | {COMBINATION, ""}:
            report.error(row.line, _("Groep %(name)s: jaargroep '%(level)s' bestaat niet in EDEX.")
                         % {"name": row.name, "level": row.jaargroep[:10]})
        else:
            kind = Group.Kind.COMPOSED if row.composed else Group.Kind.CLASS
            ident = (kind, row.name)
            group = plan.groups.setdefault(ident, GroupPlan(row.line, kind, row.name))
            if not group.key and _stable(row.key):
                group.key = row.key
            if not row.composed:
                group.levels.add(row.jaargroep or COMBINATION)
            plan.group_of_key[row.key] = ident
            plan.level_of_key[row.key] = row.jaargroep

    seen, eckids = set(), set()
    for row in parsed.pupils:
        problems = []
        if not row.key:
            problems.append(_("de sleutel (leerlingnummer) ontbreekt"))
        elif row.key in seen:
            problems.append(_("sleutel %(key)s staat twee keer in het bestand") % {"key": row.key[:80]})
        elif len(row.key) > KEY_MAX:
            problems.append(_("de sleutel is langer dan 256 tekens"))
        seen.add(row.key)
        if not row.first_name and not row.last_name:
            problems.append(_("achternaam of roepnaam ontbreekt"))
        if len(row.first_name) > 100 or len(row.prefix) > 20 or len(row.last_name) > 200:
            problems.append(_("een naam is te lang (roepnaam tot 100 tekens, voorvoegsel tot 20, "
                              "achternaam tot 200)"))
        if len(row.eckid) > KEY_MAX:
            problems.append(_("het ECK iD is langer dan 256 tekens"))
        elif row.eckid and row.eckid in eckids:
            problems.append(_("ECK iD staat twee keer in het bestand"))
        eckids.add(row.eckid)
        if row.birth_date and _date(row.birth_date) is None:
            problems.append(_("geboortedatum '%(date)s' is geen datum") % {"date": row.birth_date[:20]})
        if row.group_key and row.group_key not in skipped_groups \
                and plan.group_of_key.get(row.group_key, (None,))[0] != Group.Kind.CLASS:
            problems.append(_("groep '%(group)s' is onbekend") % {"group": row.group_key[:80]})
        unknown = [k for k in row.composed_keys
                   if plan.group_of_key.get(k, (None,))[0] != Group.Kind.COMPOSED]
        if unknown:
            problems.append(_("samengestelde groep '%(group)s' is onbekend") % {"group": unknown[0][:80]})
        if row.jaargroep not in SERVED_LEVELS | set(SKIPPED_LEVELS) | {COMBINATION, ""}:
            problems.append(_("jaargroep '%(level)s' bestaat niet in EDEX") % {"level": row.jaargroep[:10]})
        if problems:
            report.error(row.line, _("Leerling: %(problems)s.") % {"problems": "; ".join(problems)})
            continue
        _plan_pupil(plan, row, skipped_groups, reference, report)

    emails, teacher_keys = set(), set()
    for row in parsed.teachers:
        problems = []
        if not row.key:
            problems.append(_("de sleutel ontbreekt"))
        elif row.key in teacher_keys:
            problems.append(_("sleutel %(key)s staat twee keer in het bestand") % {"key": row.key[:80]})
        elif len(row.key) > KEY_MAX or len(row.eckid) > KEY_MAX:
            problems.append(_("de sleutel of het ECK iD is langer dan 256 tekens"))
        teacher_keys.add(row.key)
        if not row.first_name and not row.last_name:
            problems.append(_("achternaam of roepnaam ontbreekt"))
        unknown = [k for k in row.group_keys if k not in plan.group_of_key and k not in skipped_groups]
        if unknown:
            problems.append(_("groep '%(group)s' is onbekend") % {"group": unknown[0][:80]})
        if row.email:
            try:
                validate_email(row.email)
            except ValidationError:
                report.note(row.line, _("Leerkracht %(name)s: '%(email)s' is geen e-mailadres; "
                                        "geïmporteerd zonder e-mailadres.")
                            % {"name": row.last_name or row.first_name, "email": row.email[:80]})
                row.email = ""
        if len(row.email) > USERNAME_MAX:
            # Staff log in with their address as username, which holds 150 characters. No real
            # address is this long; an optional field never refuses the file.
            report.note(row.line, _("Leerkracht %(name)s: het e-mailadres is langer dan 150 tekens "
                                    "en kan geen inlognaam zijn; geïmporteerd zonder e-mailadres.")
                        % {"name": row.last_name or row.first_name})
            row.email = ""
        if row.email and row.email in emails:
            problems.append(_("e-mailadres %(email)s staat twee keer in het bestand") % {"email": row.email})
        elif row.email and User.objects.filter(username__iexact=row.email).exclude(
                kind=User.Kind.ADULT).exists():
            # A pupil's or platform account's name: never turned into a staff member.
            problems.append(_("e-mailadres %(email)s hoort bij een account dat geen medewerker "
                              "kan zijn")
                            % {"email": row.email})
        emails.add(row.email or None)
        if problems:
            report.error(row.line, _("Leerkracht: %(problems)s.") % {"problems": "; ".join(problems)})
            continue
        plan.teachers.append((row, [plan.group_of_key[k] for k in row.group_keys if k in plan.group_of_key]))
    return plan


def _plan_pupil(plan, row, skipped_groups, reference, report):
    """Decide the pupil's own year level and group, or skip them with a line in the report."""
    name = " ".join(filter(None, [row.first_name, row.prefix, row.last_name]))
    left = _date(row.left_on) if row.left_on else None
    group = plan.groups.get(plan.group_of_key.get(row.group_key))
    if left is not None and left < reference:
        why = _("uitgestroomd op %(date)s") % {"date": left.strftime("%d-%m-%Y")}
    elif row.jaargroep in SKIPPED_LEVELS:
        why = _("jaargroep %(level)s (%(meaning)s)") % {"level": row.jaargroep,
                                                        "meaning": SKIPPED_LEVELS[row.jaargroep]}
    elif not row.jaargroep and row.group_key in skipped_groups:
        why = _("in een overgeslagen groep (%(meaning)s)") % {"meaning": skipped_groups[row.group_key]}
    else:
        why = None
    level = row.jaargroep if row.jaargroep in SERVED_LEVELS else ""
    if why is None and not level and plan.level_of_key.get(row.group_key) in SERVED_LEVELS:
        level = plan.level_of_key[row.group_key]  # a group of one year says what the pupil does not
    if why is None and group is None and not level:
        why = _("geen groep en geen jaargroep")
    if why is not None:
        report.skipped += 1
        report.note(row.line, _("Leerling %(name)s overgeslagen: %(why)s.") % {"name": name, "why": why})
        return
    ident = plan.group_of_key[row.group_key] if group is not None else _year_group(plan, level, row.line)
    plan.pupils.append((row, level, ident, [plan.group_of_key[k] for k in row.composed_keys]))


# Writing


def import_school(data, *, filename="", school=None, dry_run=False, progress=None, by=None):
    """Import ``data`` (bytes) for ``school`` (or the school the EDEX file names). Returns an
    ImportReport; writes only when there are no errors and ``dry_run`` is false. The audit log
    records the import and ``by`` whom. ``progress`` is called with a Progress now and then."""
    progress = Progress(callback=progress)
    parsed = parse(data, filename=filename, progress=progress)
    progress.tell(stage=Progress.CHECKING)
    report = ImportReport(dry_run=dry_run, total=len(parsed.pupils))
    report.school = _resolve_school(parsed, school)
    plan = check(parsed, report)
    if report.errors:
        return report
    progress.total = len(plan.pupils)
    new_school = report.school.pk is None
    try:
        with transaction.atomic():
            _write(parsed, plan, report, progress)
            AuditEntry.objects.create(school=report.school, actor=by, action=AuditEntry.Action.IMPORTED,
                                      detail=printable_detail(filename, report))
            if dry_run:
                transaction.set_rollback(True)
    except (OperationalError, InterfaceError):
        # The database went away (or would not answer): not the file's fault. The transaction is
        # rolled back; the caller says so in its own words (the command, the import job).
        raise
    except DatabaseError:
        # The checks above should make this impossible; the database's own words stay in the log.
        logger.exception("Import into %s failed", report.school)
        report.error(0, _("Het bestand kon niet worden opgeslagen: twee regels spreken elkaar "
                          "tegen. Er is niets veranderd; neem contact op met de helpdesk."))
    if new_school and (dry_run or report.errors):
        report.school.pk = None  # rolled back
    report.written = not dry_run and not report.errors
    return report


def printable_detail(filename, report):
    return clean(f"{filename}: {report.summary()}")[:500]


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
                              % {"brin": parsed.brin[:10]}) from None
    if len(parsed.vestiging) != 2 or not parsed.vestiging.isdigit():
        raise ImportFileError(_("De dependancecode '%(code)s' in het bestand is geen 2 cijfers.")
                              % {"code": parsed.vestiging[:10]})
    # A school we know keeps the name from our records; EDEX files carry none.
    found = School.objects.filter(brin=parsed.brin, vestiging=parsed.vestiging).first()
    return found or School(brin=parsed.brin, vestiging=parsed.vestiging,
                           name=parsed.school_name[:200] or f"{parsed.brin}{parsed.vestiging}")


def _write(parsed, plan, report, progress):
    school = report.school
    if school.pk is None:
        school.save()
    else:
        _lock_school(school)
    progress.tell(stage=Progress.WRITING)
    school_year = parsed.school_year if len(parsed.school_year) == 9 else current_school_year()
    groups = _write_groups(school, plan.groups, school_year, report)
    progress.tell(groups=len(groups))
    _write_teachers(school, plan.teachers, groups, report, progress)
    _write_pupils(school, plan.pupils, groups, report, progress)


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
        raise ImportFileError(str(BUSY)) from None


def _write_groups(school, plans, school_year, report):
    """{(kind, name): Group}. Matched by stable key, else by kind and name in the school year."""
    existing = list(Group.objects.filter(school=school))
    by_key = {g.external_id: g for g in existing if g.external_id}
    by_name = {(g.school_year, g.kind, g.name): g for g in existing}
    found, claimed = {}, set()
    for ident, plan in plans.items():
        group = by_key.get(plan.key) if plan.key else None
        if group is not None:
            found[ident] = group
            claimed.add(group.pk)
    for ident, plan in plans.items():
        group = by_name.get((school_year, plan.kind, plan.name))
        if ident not in found and group is not None and group.pk not in claimed:
            found[ident] = group
            claimed.add(group.pk)
    # A name may pass from one group to another (5a and 5b swapped, a group renamed to the name
    # of one that left): move names out of the way first, so no two groups share one on the way.
    wanted = {(school_year, *ident) for ident in plans}
    target = {group.pk: (school_year, *ident) for ident, group in found.items()}
    for group in existing:
        now = (group.school_year, group.kind, group.name)
        if now in wanted and target.get(group.pk) != now:
            group.name = f"{group.name[:80]} ({group.pk})"
            group.save(update_fields=["name", "updated_at"])
    result = {}
    for ident, plan in plans.items():
        values = {"kind": plan.kind, "name": plan.name, "year_level": plan.year_level,
                  "school_year": school_year, "external_id": plan.key}
        group = found.get(ident)
        if group is None:
            result[ident] = Group.objects.create(school=school, **values)
            report.groups_new.add(plan.name)
            continue
        if not plan.key:
            values["external_id"] = group.external_id  # a "#" key never replaces a stable one
        if any(getattr(group, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(group, k, v)
            group.save(update_fields=[*values, "updated_at"])
        result[ident] = group
    return result


def _teacher_names(row):
    last_name = " ".join(filter(None, [row.prefix, row.last_name]))
    return {"first_name": row.first_name[:USER_NAME_MAX], "last_name": last_name[:USER_NAME_MAX]}


def _write_teachers(school, rows, groups, report, progress):
    """Staff in the file: one account per person, found by e-mail address anywhere (a parent, a
    teacher of another school keep their account and password) or by ECK iD or stable key at
    another location of the same BRIN, or (a "#" key and nothing else to go by) by name among
    this school's imported staff; a membership of this school each, with the file's groups.
    Memberships from an earlier import that the file no longer lists end (the person can no
    longer log in here); memberships added by hand (a substitute, the ICT-coördinator) are left
    alone. New memberships are invited once the import is written."""
    existing = list(Teacher.objects.filter(school=school).select_related("user"))
    by_key = {t.external_id: t for t in existing if t.external_id}
    by_eckid = {t.eckid: t for t in existing if t.eckid}
    by_user = {t.user_id: t for t in existing}
    # Staff whose key was a "#" stand-in, to find again by name when nothing else identifies them.
    by_name = {}
    for t in existing:
        if t.from_import and not t.external_id:
            by_name.setdefault((t.user.first_name, t.user.last_name), []).append(t)
    seen, invite = set(), []
    for row, idents in rows:
        names = _teacher_names(row)
        teacher = by_key.get(row.key) if _stable(row.key) else None
        teacher = teacher or (by_eckid.get(row.eckid) if row.eckid else None)
        if teacher is None and not _stable(row.key) and not row.email and not row.eckid:
            # Nothing in the row is stable: the same name, if only one of our staff has it.
            candidates = [t for t in by_name.get((names["first_name"], names["last_name"]), [])
                          if t.pk not in seen]
            teacher = candidates[0] if len(candidates) == 1 else None
        user = teacher.user if teacher else _find_staff_user(school, row)
        teacher = teacher or (by_user.get(user.pk) if user else None)
        if user is None:
            # No password here: staff are invited by mail (a teacher without an address cannot
            # be invited yet, but is known, with their groups).
            user = User(username=row.email or f"medewerker-{secrets.token_hex(8)}", email=row.email,
                        kind=User.Kind.ADULT, **names)
            user.set_unusable_password()
            user.save()
        elif any(getattr(user, k) != v for k, v in names.items()) or (row.email and user.email != row.email):
            User.objects.filter(pk=user.pk).update(**names, email=row.email or user.email)
        key = row.key if _stable(row.key) else (teacher.external_id if teacher else "")
        if teacher is None:
            teacher = Teacher.objects.create(user=user, school=school, external_id=key, eckid=row.eckid,
                                             from_import=True)
            by_user[user.pk] = teacher
            report.teachers_new.add(" ".join(filter(None, [row.first_name, names["last_name"]])))
            if row.email:
                invite.append(teacher.pk)
        else:
            changed = {"external_id": key, "eckid": row.eckid or teacher.eckid, "active": True,
                       "from_import": True}
            if any(getattr(teacher, k) != v for k, v in changed.items()):
                for k, v in changed.items():
                    setattr(teacher, k, v)
                teacher.save(update_fields=list(changed))
        seen.add(teacher.pk)
        if not row.email:
            report.note(row.line, _("Leerkracht %(name)s heeft geen e-mailadres: geïmporteerd, maar "
                                    "kan nog niet worden uitgenodigd.")
                        % {"name": " ".join(filter(None, [row.first_name, names["last_name"]]))})
        teacher.groups.set([groups[ident] for ident in idents])
        progress.staff += 1
        if progress.staff % 100 == 0:
            progress.tell()
    progress.tell()
    for teacher in existing:
        if teacher.from_import and teacher.active and teacher.pk not in seen:
            teacher.active = False
            teacher.save(update_fields=["active"])  # save(): what ends with the membership hears of it
            AuditEntry.objects.record(None, AuditEntry.Action.STAFF_LEFT, school=school,
                                      detail=str(teacher.user))
    # Only once the whole import is written: a dry run or a refused file mails nobody.
    if invite:
        transaction.on_commit(lambda: _invite_new_staff(invite))


def _invite_new_staff(pks):
    """Queued as its own task: the import does not wait for the mail server (teachers/staff.py)."""
    from .staff import invite_staff_members

    invite_staff_members.enqueue(pks, once=True)


def _find_staff_user(school, row):
    """The account of a staff member we already know: the adult with this e-mail address
    anywhere (a parent, a teacher at another school), or by ECK iD or stable key at another
    location of the same school (BRIN)."""
    if row.email:
        user = User.objects.adult_for_email(row.email)
        if user is not None:
            return user
    siblings = Teacher.objects.filter(school__brin=school.brin).exclude(school=school).select_related("user")
    for field_name, value in (("eckid", row.eckid), ("external_id", row.key if _stable(row.key) else "")):
        if value and (sibling := siblings.filter(**{field_name: value}).first()):
            return sibling.user
    return None


def _pupil_identity(first_name, prefix, last_name, birth_date):
    return (first_name.lower(), prefix.lower(), last_name.lower(), birth_date)


def _write_pupils(school, rows, groups, report, progress):
    fields = ["pk", "external_id", *[f for f in PUPIL_SYNCED_FIELDS if f != "group_id"], "group_id"]
    current = list(Pupil.objects.filter(school=school).values(*fields))
    by_key = {p["external_id"]: p for p in current if p["external_id"]}
    # Pupils whose key was a "#" stand-in are found again by ECK iD, or by name and birth date.
    by_eckid, by_identity = {}, {}
    for p in current:
        if not p["external_id"]:
            if p["eckid"]:
                by_eckid.setdefault(p["eckid"], []).append(p)
            by_identity.setdefault(_pupil_identity(p["first_name"], p["last_name_prefix"],
                                                   p["last_name"], p["birth_date"]), []).append(p)
    memberships = {}
    through = Pupil.composed_groups.through
    for pupil_id, group_id in through.objects.filter(pupil__school=school).values_list(
            "pupil_id", "group_id"):
        memberships.setdefault(pupil_id, set()).add(group_id)
    # Picture sequences already taken per group (only their hashes are known).
    taken = {}
    for group_id, secret_hash in Pupil.objects.filter(
        school=school, secret_kind=Pupil.SecretKind.PICTURE
    ).values_list("group_id", "secret_hash"):
        taken.setdefault(group_id, []).append(secret_hash)
    assigned = {}
    grid = grid_for(school)
    seen, new_rows, updates, wanted_members = set(), [], [], {}
    for row, level, ident, composed in rows:
        group = groups[ident]
        birth_date = _date(row.birth_date) if row.birth_date else None
        values = {
            "group_id": group.pk, "jaargroep": level, "first_name": row.first_name,
            "last_name_prefix": row.prefix, "last_name": row.last_name, "birth_date": birth_date,
            "eckid": row.eckid, "active": True,
        }
        members = {groups[i].pk for i in composed}
        name = " ".join(filter(None, [row.first_name, row.prefix, row.last_name]))
        if _stable(row.key):
            old = by_key.get(row.key)
        else:
            candidates = by_eckid.get(row.eckid) if row.eckid else None
            candidates = candidates or by_identity.get(
                _pupil_identity(row.first_name, row.prefix, row.last_name, birth_date), [])
            candidates = [p for p in candidates if p["pk"] not in seen]
            old = candidates[0] if len(candidates) == 1 else None
        if old is None:
            new_rows.append((row, values, group, members))
            report.new.add(name)
        else:
            seen.add(old["pk"])
            wanted_members[old["pk"]] = members
            if old["group_id"] != group.pk:
                report.moved.add(name)
            elif any(old[k] != v for k, v in values.items()) or memberships.get(old["pk"], set()) != members:
                report.changed.add(name)
            if any(old[k] != v for k, v in values.items()):
                updates.append(Pupil(pk=old["pk"], **values))
    unchanged = len(rows) - len(new_rows) - len(updates)
    progress.tell(pupils=unchanged)
    now = timezone.now()  # bulk writes skip auto_now: publishers' "changes since" needs it
    for pupil in updates:
        pupil.updated_at = now
    for start in range(0, len(updates), BATCH):
        Pupil.objects.bulk_update(updates[start:start + BATCH], [*PUPIL_SYNCED_FIELDS, "updated_at"])
        progress.tell(pupils=unchanged + min(start + BATCH, len(updates)))
    # A pupil new here who left another school (same ECK iD) keeps their publishers' pseudonyms.
    inherited = Pupil.objects.subjects_by_eckid(
        {values["eckid"]: values["birth_date"] for _row, values, _group, _members in new_rows
         if values["eckid"]}, school=school)

    usernames = _UsernameMaker(school)
    for start in range(0, len(new_rows), BATCH):
        batch = new_rows[start:start + BATCH]
        users = User.objects.bulk_create([
            User(username=usernames.make(row.key), first_name=row.first_name[:USER_NAME_MAX],
                 last_name=" ".join(filter(None, [row.prefix, row.last_name]))[:USER_NAME_MAX],
                 kind=User.Kind.PUPIL, password="!")  # no usable Django password: see Pupil
            for row, _values, _group, _members in batch
        ])
        pupils = Pupil.objects.bulk_create([
            Pupil(user=user, school=school, external_id=row.key if _stable(row.key) else "",
                  inherited_subject=inherited.get(values["eckid"], ""),
                  **values, **_new_secret(group, values["jaargroep"], grid, school, taken, assigned))
            for user, (row, values, group, _members) in zip(users, batch, strict=True)
        ])
        for pupil, (_row, _values, _group, members) in zip(pupils, batch, strict=True):
            wanted_members[pupil.pk] = members
        progress.tell(pupils=progress.pupils + len(batch))

    _sync_memberships(through, memberships, wanted_members)
    gone = [p for p in current if p["pk"] not in seen and p["active"]]
    for pupil in gone:
        report.deactivated.add(" ".join(filter(None, [pupil["first_name"], pupil["last_name_prefix"],
                                                      pupil["last_name"]])))
    ids = [p["pk"] for p in gone]
    for start in range(0, len(ids), BATCH):
        Pupil.objects.filter(pk__in=ids[start:start + BATCH]).update(active=False, updated_at=now)


def _sync_memberships(through, current, wanted):
    """Samengestelde groepen of the pupils in the file: add what is new, remove what is gone."""
    remove = [(pupil_id, group_id) for pupil_id, groups in wanted.items()
              for group_id in current.get(pupil_id, set()) - groups]
    for pupil_id, group_id in remove:
        through.objects.filter(pupil_id=pupil_id, group_id=group_id).delete()
    added = [through(pupil_id=pupil_id, group_id=group_id) for pupil_id, groups in wanted.items()
             for group_id in groups - current.get(pupil_id, set())]
    through.objects.bulk_create(added, batch_size=BATCH)
    touched = sorted({pupil_id for pupil_id, _group_id in remove} | {row.pupil_id for row in added})
    for start in range(0, len(touched), BATCH):
        Pupil.objects.filter(pk__in=touched[start:start + BATCH]).update(updated_at=timezone.now())


class _UsernameMaker:
    """A pupil's (never typed) username: from the school and a stable key when it fits and is
    free, else random: keys may be 256 characters, differ only in case, or be "#" stand-ins."""

    def __init__(self, school):
        self.prefix = f"leerling-{school.brin}{school.vestiging}-".lower()
        self.taken = set(User.objects.filter(username__startswith=self.prefix)
                         .values_list("username", flat=True))

    def make(self, key):
        username = f"{self.prefix}{key}".lower()
        while not _stable(key) or len(username) > 150 or username in self.taken:
            username, key = f"{self.prefix}{secrets.token_hex(6)}", "random"
        self.taken.add(username)
        return username


def _new_secret(group, jaargroep, grid, school, taken, assigned):
    """A PIN from groep 4 up (and in VSO), a picture password for groups 1-3, special primary
    education and a pupil whose year level is unknown; unique within the group."""
    if jaargroep in PIN_LEVELS:
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
