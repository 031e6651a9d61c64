from playwright.sync_api import expect


def test_home_page_in_dutch_with_pupils_and_parents_way_in(page, assert_accessible):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    pupils = page.get_by_role("region", name="Leerlingen")
    expect(pupils).to_be_visible()
    code_button = pupils.get_by_role("link", name="Ik heb een thuis login code")
    expect(code_button).to_be_visible()
    expect(code_button).to_have_attribute("href", "/thuis/code/")
    expect(page.get_by_role("link", name="Inloggen als ouder/verzorger")).to_have_attribute(
        "href", "/thuis/"
    )
    assert_accessible(page)


def test_language_switcher_in_the_footer_turns_the_page_english(page, assert_accessible):
    page.goto("/")
    page.get_by_label("Taal").select_option("en")
    page.get_by_role("button", name="Kies").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="I have a home login code")).to_be_visible()
    assert_accessible(page)
