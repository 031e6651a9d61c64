"""Steps the school-login browser tests share: a teacher connects this browser to a group as its
classroom device, and a pupil picks their tile and types on the PIN pad."""

from playwright.sync_api import expect

PIN_LABEL = "Je wachtwoord (4 cijfers)"
WRONG = "Dat klopt niet. Probeer het nog eens."
LOCKED = "Je account is even op slot. Vraag je juf of meester."


def log_in_teacher(page, username="juf"):
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill("correct-horse-battery")
    page.get_by_role("button", name="Inloggen").click()


def set_up_classroom_device(page, group_name="Groep 5a"):
    """The teacher logs in, turns this browser into the classroom device of the group and is
    logged out again: the page ends on the group's name tiles."""
    page.goto("/leerkracht/inloggen/?next=/klas/")
    log_in_teacher(page)
    page.get_by_role("button", name=f"Dit apparaat gebruiken voor {group_name}").click()
    expect(page.get_by_role("heading", level=1, name=group_name)).to_be_visible()
    expect(page.get_by_text("Klik op je naam.")).to_be_visible()


def open_tile(page, label):
    page.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hallo {label.split()[0]}!")


def expect_pin_pad(page):
    """The on-screen pad appears once pupil-login.js runs; from then on 4 digits submit."""
    expect(page.get_by_label(PIN_LABEL)).to_be_visible()
    expect(page.get_by_role("button", name="OK")).to_be_visible()


def type_on_pad(page, digits):
    for digit in digits:
        page.get_by_role("button", name=digit, exact=True).click()
