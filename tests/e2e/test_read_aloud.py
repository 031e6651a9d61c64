"""'Lees voor' reads the instruction aloud with the browser's speech synthesis, in the page's
language; on the picture page it then also says each picture's name. The browser's speech
synthesis is replaced by a recorder, so the test hears exactly what would be spoken."""

from playwright.sync_api import expect

from tests.e2e.helpers import PIN_LABEL, open_tile, set_up_classroom_device, type_on_pad
from tests.factories import PupilFactory

RECORDER = """
window.spoken = [];
const voices = %s;
Object.defineProperty(window, "speechSynthesis", {configurable: true, value: {
  speak(utterance) { window.spoken.push({text: utterance.text, lang: utterance.lang}); },
  cancel() {}, getVoices() { return voices; }, addEventListener() {},
}});
window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
"""
VOICES = '[{"lang": "nl-NL", "name": "Stem"}, {"lang": "ar-SA", "name": "صوت"}]'


def spoken(page):
    return page.evaluate("window.spoken")


def test_lees_voor_reads_the_tile_page_in_dutch(page, teacher, pupil):
    page.add_init_script(RECORDER % VOICES)
    set_up_classroom_device(page)
    page.get_by_role("button", name="Lees voor").click()
    assert spoken(page) == [{"text": "Klik op je naam.", "lang": "nl"}]


def test_lees_voor_speaks_arabic_on_an_arabic_picture_page(page, teacher, group):
    PupilFactory(group=group, first_name="Daan", pictures=["hond", "appel", "fiets"])
    page.add_init_script(RECORDER % VOICES)
    set_up_classroom_device(page)
    page.get_by_label("Taal").select_option("ar")
    page.get_by_role("button", name="Kies").click()
    page.get_by_role("link", name="Daan", exact=True).click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("button", name="اقرأ بصوت عالٍ").click()
    page.get_by_role("button", name="كلب").click()  # hond
    assert spoken(page) == [
        {"text": "انقر على صورك الـ 3 بالترتيب الصحيح.", "lang": "ar"},
        {"text": "كلب", "lang": "ar"},
    ]
    expect(page.get_by_role("status")).to_have_text("الصورة 1 من 3: كلب")


def test_picture_names_stay_silent_until_the_child_asks_for_read_aloud(page, teacher, group):
    PupilFactory(group=group, first_name="Daan", pictures=["hond", "appel", "fiets"])
    page.add_init_script(RECORDER % VOICES)
    set_up_classroom_device(page)
    open_tile(page, "Daan")
    page.get_by_role("button", name="hond").click()
    assert spoken(page) == []  # a whole table would hear the password otherwise
    expect(page.get_by_role("button", name="Opnieuw kiezen")).to_be_visible()


def test_without_a_voice_for_the_language_the_button_stays_hidden(page, teacher, pupil):
    page.add_init_script(RECORDER % '[{"lang": "en-GB", "name": "Voice"}]')
    set_up_classroom_device(page)
    expect(page.get_by_text("Klik op je naam.")).to_be_visible()
    expect(page.get_by_role("button", name="Lees voor")).to_be_hidden()


def test_the_four_pin_circles_fill_in_and_are_announced(page, teacher, pupil):
    set_up_classroom_device(page)
    open_tile(page, "Emma")
    expect(page.get_by_label(PIN_LABEL)).to_be_visible()
    type_on_pad(page, "13")
    expect(page.locator(".pin-dot-filled")).to_have_count(2)
    expect(page.get_by_role("status")).to_have_text("2 van 4")
    page.get_by_role("button", name="Wissen").click()
    expect(page.locator(".pin-dot-filled")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text("1 van 4")


def test_opnieuw_kiezen_is_hidden_before_a_picture_is_chosen(page, teacher, group):
    PupilFactory(group=group, first_name="Daan", pictures=["hond", "appel", "fiets"])
    set_up_classroom_device(page)
    open_tile(page, "Daan")
    expect(page.get_by_role("button", name="hond")).to_be_visible()
    expect(page.get_by_role("button", name="Opnieuw kiezen")).to_be_hidden()
