"""A teacher prints home login codes for a group of 26 (two pupils called Sem) and the PDF that
Chromium makes on A4 holds 8 whole cards a page, nothing printed over anything, each QR code
readable and leading to /thuis/code/#<code>."""

import io
import re

import pdfplumber
import zxingcpp
from playwright.sync_api import expect

from tests.factories import GroupFactory, PupilFactory, SchoolFactory, TeacherFactory

CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")
MM = 72 / 25.4  # PDF points per millimetre
# The sheet as the print stylesheet draws it: A4, 10 mm margins, 2 x 4 cards of 95 x 69 mm.
MARGIN, CARD_W, CARD_H = 10 * MM, 95 * MM, 69 * MM
CELLS = [(MARGIN + col * CARD_W, MARGIN + row * CARD_H, MARGIN + (col + 1) * CARD_W,
          MARGIN + (row + 1) * CARD_H) for row in range(4) for col in range(2)]
NAMES = ["Anna", "Bram", "Cas", "Daan", "Emma", "Finn", "Guus", "Hanna", "Isa", "Jesse", "Kiki",
         "Levi", "Mila", "Noah", "Olaf", "Puck", "Quinten", "Roos", "Sara", "Tijn", "Umut", "Vera",
         "Wout", "Yara"]


def cell_of(box):
    """The card cell that holds ``box`` (x0, top, x1, bottom) whole, or None."""
    for n, (x0, top, x1, bottom) in enumerate(CELLS):
        if box[0] >= x0 - 0.5 and box[2] <= x1 + 0.5 and box[1] >= top - 0.5 and box[3] <= bottom + 0.5:
            return n
    return None


def overlap(a, b):
    return min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > 0.5 and \
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0.5


def print_group_cards(page, teacher, group):
    """The teacher logs in and makes and prints new codes for the whole group."""
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(teacher.user.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"/leerkracht/groep/{group.pk}/")
    page.get_by_role("link", name="Codes voor de hele groep afdrukken").click()
    page.get_by_role("button", name="Nieuwe codes maken en afdrukken").click()
    expect(page.get_by_role("button", name="Afdrukken")).to_be_visible()

def test_a_group_of_26_prints_as_8_whole_cards_a_page_with_readable_qr_codes(page, live_server, settings):
    settings.SITE_URL = live_server.url
    group = GroupFactory(name="Groep 5a")
    PupilFactory(group=group, first_name="Sem", last_name="Bakker", home_login_enabled=True)
    PupilFactory(group=group, first_name="Sem", last_name="Visser", home_login_enabled=True)
    for name in NAMES:
        PupilFactory(group=group, first_name=name, home_login_enabled=True)
    teacher = TeacherFactory(school=group.school, groups=[group])

    print_group_cards(page, teacher, group)
    on_screen = page.locator("[data-code]").all_inner_texts()
    assert len(set(on_screen)) == 26

    pdf = pdfplumber.open(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(pdf.pages) == 4  # 8 + 8 + 8 + 2

    printed, scanned, labels = [], [], []
    for number, sheet in enumerate(pdf.pages, start=1):
        words = sheet.extract_words()
        # Every word lies whole inside one card: nothing runs past a cutting line or off the page.
        outside = [w["text"] for w in words if cell_of((w["x0"], w["top"], w["x1"], w["bottom"])) is None]
        assert outside == [], f"page {number}: text outside the cards"
        # Nothing is printed over anything else.
        clashes = [(a["text"], b["text"])
                   for i, a in enumerate(words) for b in words[i + 1:] if overlap(a, b)]
        assert clashes == [], f"page {number}: text printed over text"
        codes = [w for w in words if CODE.fullmatch(w["text"])]
        cells = [cell_of((w["x0"], w["top"], w["x1"], w["bottom"])) for w in codes]
        assert len(codes) == (8 if number < 4 else 2)
        assert cells == list(range(len(codes)))  # one card a cell, filled in reading order
        printed += [w["text"] for w in codes]
        labels += [w["text"] for w in words if w["text"] in {"Sem", "B.", "V."}]

        picture = sheet.to_image(resolution=200).original
        urls = [result.text for result in zxingcpp.read_barcodes(picture)]
        assert len(urls) == len(codes), f"page {number}: every QR code decodes"
        scanned += urls

    assert sorted(printed) == sorted(on_screen)
    assert sorted(scanned) == sorted(f"{live_server.url}/thuis/code/#{code}" for code in on_screen)
    # The two Sems get the cards their tiles show: "Sem B." and "Sem V.", never two plain "Sem".
    assert sorted(labels) == ["B.", "Sem", "Sem", "V."]


def test_one_pupils_card_prints_on_one_page(page, live_server, settings):
    settings.SITE_URL = live_server.url
    emma = PupilFactory(first_name="Emma", home_login_enabled=True)
    teacher = TeacherFactory(school=emma.school, groups=[emma.group])
    page.goto("/leerkracht/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(teacher.user.username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(f"/leerkracht/leerling/{emma.pk}/")
    page.get_by_role("link", name="Thuis login code afdrukken").click()
    page.get_by_role("button", name="Nieuwe codes maken en afdrukken").click()
    code = page.locator("[data-code]").inner_text()

    pdf = pdfplumber.open(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    words = pdf.pages[0].extract_words()
    assert [cell_of((w["x0"], w["top"], w["x1"], w["bottom"])) for w in words if w["text"] == code] == [0]
    assert [r.text for r in zxingcpp.read_barcodes(pdf.pages[0].to_image(resolution=200).original)] == [
        f"{live_server.url}/thuis/code/#{code}"
    ]


def test_cards_with_long_names_keep_every_line_inside_the_cutting_lines(page, live_server, settings):
    """A long school name and a long first name must not push the card's last line ("Vraag het
    de leerkracht.") past the bottom cutting line, where the card clips it off."""
    settings.SITE_URL = live_server.url
    school = SchoolFactory(name="Christelijke Basisschool De Wegwijzer")
    group = GroupFactory(school=school, name="Groep 5a")
    PupilFactory(group=group, first_name="Maximiliaan-Alexander", last_name="Jansen", home_login_enabled=True)
    for name in NAMES[:4]:
        PupilFactory(group=group, first_name=name, home_login_enabled=True)
    teacher = TeacherFactory(school=school, groups=[group])

    print_group_cards(page, teacher, group)

    pdf = pdfplumber.open(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    words = pdf.pages[0].extract_words()
    # Each card's last word, in the card's own cell: cards 0..4 in reading order.
    last_words = [cell_of((w["x0"], w["top"], w["x1"], w["bottom"]))
                  for w in words if w["text"] == "leerkracht."]
    assert last_words == [0, 1, 2, 3, 4]
    outside = [w["text"] for w in words if cell_of((w["x0"], w["top"], w["x1"], w["bottom"])) is None]
    assert outside == []
    assert "Maximiliaan-Alexander" in [w["text"] for w in words]  # the name itself is never cut short
