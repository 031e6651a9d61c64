"""Every Dutch string has an English translation, and the compiled catalogue is up to date."""

import ast
import gettext
import re
from pathlib import Path

import pytest
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


# The parents' and pupils' pages are also in Arabic, Turkish, Polish and Ukrainian (teachers'
# pages may stay Dutch and English). Every string these files use must be translated in each.

FAMILY_LANGUAGES = ["ar", "tr", "pl", "uk"]
FAMILY_SOURCES = [
    # Pages every visitor can meet.
    "templates/base.html", "templates/400.html", "templates/403.html", "templates/403_csrf.html",
    "templates/404.html", "templates/500.html", "templates/lockout.html", "templates/throttled.html",
    # Parents: home page, /thuis/, code entry, set and forgot password, children's tiles, help, mails.
    "templates/home.html", "templates/homelogin/code.html", "templates/homelogin/guardian_login.html",
    "templates/homelogin/guardian_forgot.html", "templates/homelogin/guardian_set_password.html",
    "templates/accounts/set_password.html",
    "templates/homelogin/guardian_children.html", "templates/homelogin/help.html",
    "templates/homelogin/email/home_code.html", "templates/homelogin/email/home_code.txt",
    "templates/homelogin/email/set_password.html", "templates/homelogin/email/set_password.txt",
    "homelogin/code_forms.py", "homelogin/guardian_forms.py", "homelogin/guardian_views.py",
    "homelogin/code_views.py", "homelogin/cards.py", "homelogin/services.py",
    "accounts/password_links.py",
    # Parents' own pages: devices, rescue codes, what publishers know, the download.
    "templates/homelogin/_family_links.html", "templates/homelogin/_guardian_header.html",
    "templates/homelogin/guardian_devices.html", "templates/homelogin/guardian_rescue_code.html",
    "templates/homelogin/_rescue_code.html", "templates/homelogin/guardian_publishers.html",
    "templates/homelogin/inzage_download.html", "homelogin/family_views.py",
    "homelogin/family_forms.py", "homelogin/inzage.py", "homelogin/devices.py",
    "homelogin/models.py",  # a device without a name is "apparaat van <date>" on the parent's pages
    # Anyone: the page the proxy shows while the application is down.
    "templates/503.html",
    # Pupils: tiles, PIN, pictures (and their names), the software overview.
    "templates/pupils/tile_picker.html", "templates/pupils/_tiles_intro.html",
    "templates/pupils/classroom_tiles.html", "templates/pupils/secret.html",
    "templates/pupils/_read_aloud.html",
    "templates/pupils/overview.html", "templates/pupils/classroom_not_connected.html",
    "templates/software/not_licensed.html", "pupils/forms.py", "pupils/pictures.py",
]
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATIZED_CALL = re.compile(r"\b(n?gettext)\((u'(?:[^'\\]|\\.)*'(?:, u'(?:[^'\\]|\\.)*')?)")


def family_msgids():
    """(msgid, plural or None) of every string in FAMILY_SOURCES, read from the sources the way
    makemessages reads them, so a new string fails here even before the catalogues are made."""
    from django.utils.translation.template import templatize

    found = set()
    for name in FAMILY_SOURCES:
        source = (Path(settings.BASE_DIR) / name).read_text()
        if name.endswith(".py"):
            for node in ast.walk(ast.parse(source)):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT_FUNCTIONS
                        and node.args and isinstance(node.args[0], ast.Constant)):
                    plural = node.args[1].value if node.func.id.startswith("n") else None
                    found.add((node.args[0].value, plural))
        else:
            for function, args in TEMPLATIZED_CALL.findall(templatize(source)):
                strings = ast.literal_eval(f"({args},)")
                found.add((strings[0], strings[1] if function == "ngettext" else None))
    return found


def test_the_family_sources_hold_the_strings_we_expect():
    msgids = {msgid for msgid, _plural in family_msgids()}
    assert {"Ik heb een thuis login code", "Lees voor", "appel", "zon", "Verstuur"} <= msgids
    assert ("Klik op je plaatje.", "Klik op je %(n)s plaatjes, in de goede volgorde.") in family_msgids()


@pytest.mark.parametrize("language", FAMILY_LANGUAGES)
def test_parents_and_pupils_pages_are_translated(language):
    with open(Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog
    missing = [
        msgid for msgid, plural in sorted(family_msgids(), key=str)
        if not (catalogue.get((msgid, 0)) if plural else catalogue.get(msgid))
    ]
    assert missing == []


@pytest.mark.parametrize("language", FAMILY_LANGUAGES)
def test_compiled_family_catalogue_matches_its_po_file(language):
    folder = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES"
    po = (folder / "django.po").read_text()
    with open(folder / "django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    stale = [_text(m[1]) for m in ENTRY.finditer(po)
             if _text(m[1]) and _text(m[2]) and catalogue.gettext(_text(m[1])) != _text(m[2])]
    assert stale == []
    assert "#, fuzzy\nmsgid" not in po.split('msgstr ""\n', 1)[1]  # no guessed translation ships


@pytest.mark.parametrize("language", FAMILY_LANGUAGES)
def test_every_plural_form_is_filled_in(language):
    po = (Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po").read_text()
    for entry in po.split("\n\n"):
        # Each form's text, its continuation lines included (msgmerge wraps long lines).
        forms = ["".join(re.findall(r'"(.*)"', form))
                 for form in re.findall(r'^msgstr\[\d\] ((?:".*"\n?)+)', entry, re.MULTILINE)]
        if forms and any(forms):
            assert all(forms), entry
