"""Searching from the header, in Chromium: typed in French, found stemmed and without accents, opened
with the keyboard; the results page in each language, on a desktop and on a phone, passes axe-core."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_search_from_the_header_in_french_and_open_the_amendment(page):
    page.goto("/")
    page.get_by_role("button", name="Français").click()
    # (The English names stand in until the French catalog has these new strings.)
    box = page.get_by_role("searchbox", name=re.compile("Rechercher dans la consultation|Search the consultation"))
    box.fill("expulsion relogements")  # the amendment says "expulsion sans relogement"
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=expulsion\+relogements"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#results-heading")).to_contain_text(re.compile("expulsion relogements"))
    result = page.locator(".search-result-amendment").first
    expect(result.locator("mark").first).to_be_visible()
    expect(result.locator(".excerpt mark", has_text=re.compile("relogement", re.I)).first).to_be_visible()
    link = result.get_by_role("link")
    title = link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/amendments/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("Amendement|Amendment"))
    assert title.split(":")[0] in page.get_by_role("heading", level=1).inner_text()


def test_accents_and_word_endings_do_not_matter(page):
    page.goto("/search/?q=democratica+participativa&language=es")
    expect(page.locator(".search-result").first.locator("mark").first).to_have_text(re.compile("democr[aá]tica|participativa", re.I))
    page.goto("/search/?q=" + "(NEAR \"housing*")
    expect(page.locator("#results-heading")).to_be_visible()


@pytest.mark.parametrize("locale, query", [("en", "housing"), ("fr", "logements"), ("es", "vivienda")])
@pytest.mark.parametrize("width", [1280, 390])
def test_results_page_in_each_language_and_width(browser, live_server, locale, query, width):
    context = browser.new_context(base_url=live_server.test_url, locale={"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}[locale],
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"/search/?q={query}")
        expect(page.locator("html")).to_have_attribute("lang", locale)
        expect(page.locator(".search-result").first).to_be_visible()
        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"search-{locale}-{width}")
        serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
    finally:
        context.close()
