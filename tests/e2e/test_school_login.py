"""School login on a classroom device: a teacher connects the device to a group, pupils pick
their name tile and log in with a PIN or picture password, see their software and log out."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import (
    LOCKED,
    PIN_LABEL,
    WRONG,
    expect_pin_pad,
    log_in_teacher,
    open_tile,
    set_up_classroom_device,
    type_on_pad,
)
from tests.factories import LicenceFactory, PupilFactory


def wrong_pin(page, pin="2468"):
    """One wrong PIN typed into the field (the 4th digit submits the form)."""
    expect_pin_pad(page)
    with page.expect_navigation():
        page.get_by_label(PIN_LABEL).fill(pin)


def test_teacher_sets_up_device_and_pupil_logs_in_with_pin_pad(
    page, assert_accessible, teacher, pupil, other_school
):
    LicenceFactory(school=pupil.school, software__name="Rekenroute")
    LicenceFactory(school=other_school, software__name="Taaltuin")

    # A fresh device is not a classroom device yet; a teacher logs in from there.
    page.goto("/klas/")
    expect(page.get_by_role("heading", name="Dit apparaat is nog geen klassencomputer")).to_be_visible()
    page.get_by_role("link", name="Inloggen als leerkracht").click()
    expect(page.get_by_role("heading", name="Inloggen voor leerkrachten")).to_be_visible()
    log_in_teacher(page)
    expect(page).to_have_url(re.compile(r"/klas/$"))
    expect(page.get_by_role("heading", name="Klassencomputer instellen")).to_be_visible()
    page.get_by_role("button", name="Dit apparaat gebruiken voor Groep 5a").click()

    # The teacher is logged out; the device shows the group's name tiles.
    expect(page).to_have_url(re.compile(r"/klas/$"))
    expect(page.get_by_role("heading", level=1, name="Groep 5a")).to_be_visible()
    expect(page.get_by_role("heading", name="Klassencomputer instellen")).to_have_count(0)
    expect(page.get_by_role("link", name="Emma", exact=True)).to_be_visible()
    assert_accessible(page)

    open_tile(page, "Emma")
    expect(page.get_by_label(PIN_LABEL)).to_be_visible()
    expect(page.get_by_role("button", name="Wissen")).to_be_visible()
    expect(page.get_by_role("button", name="OK")).to_be_visible()
    assert_accessible(page)

    type_on_pad(page, "1357")

    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()
    expect(page.get_by_role("link", name="Rekenroute")).to_be_visible()
    expect(page.get_by_role("link", name="Taaltuin")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("button", name="Uitloggen").click()
    expect(page).to_have_url(re.compile(r"/klas/$"))
    expect(page.get_by_role("heading", level=1, name="Groep 5a")).to_be_visible()
    expect(page.get_by_role("link", name="Emma", exact=True)).to_be_visible()


def test_pupil_logs_in_with_three_pictures(page, assert_accessible, teacher, group):
    PupilFactory(group=group, first_name="Daan", pictures=["hond", "appel", "fiets"])
    LicenceFactory(school=group.school, software__name="Rekenroute")
    set_up_classroom_device(page)

    open_tile(page, "Daan")
    expect(page.get_by_role("heading", name="Klik op je 3 plaatjes, in de goede volgorde.")).to_be_visible()
    assert_accessible(page)

    status = page.get_by_role("status")
    for count, name in enumerate(["hond", "appel"], start=1):
        page.get_by_role("button", name=name, exact=True).click()
        expect(status).to_contain_text(f"plaatje {count} van 3")
    page.get_by_role("button", name="fiets", exact=True).click()

    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("heading", level=1, name="Hallo Daan!")).to_be_visible()
    expect(page.get_by_role("link", name="Rekenroute")).to_be_visible()


def test_wrong_pin_shows_friendly_message_and_right_pin_still_works(page, teacher, pupil):
    set_up_classroom_device(page)
    open_tile(page, "Emma")

    type_on_pad(page, "2468")

    expect(page.get_by_role("alert")).to_have_text(WRONG)
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()
    expect(page.get_by_label(PIN_LABEL)).to_have_value("")

    type_on_pad(page, "1357")

    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_ten_wrong_pins_lock_the_pupil_even_for_the_right_pin(new_page, teacher, pupil):
    page = new_page()
    set_up_classroom_device(page)
    open_tile(page, "Emma")
    # A second tab of the same device with Emma's PIN pad still open, from before the lock.
    other_tab = page.context.new_page()
    other_tab.goto(page.url)
    expect_pin_pad(other_tab)

    for _attempt in range(9):
        wrong_pin(page)
        expect(page.get_by_role("alert")).to_have_text(WRONG)
    wrong_pin(page)

    expect(page.get_by_role("alert")).to_have_text(LOCKED)
    expect(page.get_by_label(PIN_LABEL)).to_have_count(0)

    # The 11th attempt, with the right PIN, is refused.
    other_tab.get_by_label(PIN_LABEL).fill("1357")
    expect(other_tab.get_by_role("alert")).to_have_text(LOCKED)
    expect(other_tab).not_to_have_url(re.compile(r"/overzicht/$"))
    expect(other_tab.get_by_role("button", name="Uitloggen")).to_have_count(0)

    # Picking the tile again still shows the lock, not the PIN pad.
    page.get_by_role("link", name="Terug").click()
    open_tile(page, "Emma")
    expect(page.get_by_role("alert")).to_have_text(LOCKED)
    expect(page.get_by_label(PIN_LABEL)).to_have_count(0)


def test_keyboard_only_login(page, teacher, pupil):
    LicenceFactory(school=pupil.school, software__name="Rekenroute")
    set_up_classroom_device(page)
    tile = page.get_by_role("link", name="Emma", exact=True)

    for _press in range(10):
        page.keyboard.press("Tab")
        if tile.evaluate("el => el === document.activeElement"):
            break
    expect(tile).to_be_focused()
    page.keyboard.press("Enter")

    expect_pin_pad(page)
    expect(page.get_by_label(PIN_LABEL)).to_be_focused()
    # A pupil types the 4 digits and presses Enter out of habit, while the 4th digit has
    # already submitted the form: that must still end on the overview.
    page.keyboard.type("1357")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/overzicht/$"))
    expect(page.get_by_role("heading", level=1, name="Hallo Emma!")).to_be_visible()
    expect(page.get_by_role("link", name="Rekenroute")).to_be_visible()


def test_pupils_with_the_same_first_name_get_their_last_initial(page, teacher, group, pupil):
    PupilFactory(group=group, first_name="Sem", last_name="Bakker")
    PupilFactory(group=group, first_name="Sem", last_name="Visser")
    set_up_classroom_device(page)

    tiles = page.get_by_role("list").get_by_role("link")
    expect(tiles).to_have_text(["Emma", "Sem B.", "Sem V."])
    expect(page.get_by_role("link", name="Sem", exact=True)).to_have_count(0)
