"""Every Dutch string has an English translation, and the compiled catalogue is up to date."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)


def _text(quoted):
    return "".join(re.findall(r'"(.*)"', quoted)).encode().decode("unicode_escape").encode(
        "latin-1").decode()


def po_entries():
    po = (LOCALE / "django.po").read_text()
    return {_text(m[1]): _text(m[2]) for m in ENTRY.finditer(po) if _text(m[1])}


def test_every_string_is_translated_to_english():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if not msgstr]
    assert untranslated == []


def test_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [msgid for msgid, msgstr in po_entries().items() if catalogue.gettext(msgid) != msgstr]
    assert stale == []


def test_plural_strings_are_translated_too():
    po = (LOCALE / "django.po").read_text()
    assert re.findall(r'^msgstr\[\d\] ""\n(?!")', po, re.MULTILINE) == []
