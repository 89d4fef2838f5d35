"""The secretariat imports a draft in a real browser, checks the preview, saves it and downloads
files of a version; the pages have no serious accessibility violation in any language."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import _log_in
from tests.conftest import ROOT

SEEDS = ROOT / "seeds" / "charter"


def serious_violations(page) -> list[str]:
    return [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_import_preview_confirm_and_download(page, locale):
    _log_in(page, "secretariat@demo.test")
    page.goto(f"/imports/new?lang={locale}")
    page.locator(".language-switcher button[lang='%s']" % locale).click()
    failures = {}
    if problems := serious_violations(page):
        failures["import"] = problems
    page.locator("#label_en").fill("Draft from the browser")
    # French from the 2011 text: its structure differs, so the preview must say so and refuse
    page.locator("#file_en").set_input_files(str(SEEDS / "draft.en.md"))
    page.locator("#file_fr").set_input_files(str(SEEDS / "2011.fr.md"))
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".warnings li").first).to_be_visible()
    expect(page.locator("form[action='/imports/confirm']")).to_have_count(0)
    screenshot(page, f"import-preview-misaligned-{locale}")

    page.goto("/imports/new")
    page.locator("#label_en").fill("Draft from the browser")
    for code in ("en", "fr", "es"):
        page.locator(f"#file_{code}").set_input_files(str(SEEDS / f"draft.{code}.md"))
    # the draft revises the newest version unless another is chosen
    assert page.locator("#based_on").input_value() == page.locator("#based_on option").first.get_attribute("value")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".import-outline")).to_be_visible()
    expect(page.locator(".warnings")).to_have_count(0)
    # the matching with the version in consultation: every article continues its own
    expect(page.locator(".import-matching")).to_be_visible()
    expect(page.locator("#article-2-0 option:checked")).to_have_text("Article I. Right to the city")
    expect(page.locator(".import-removed")).to_have_count(0)
    screenshot(page, f"import-preview-{locale}")
    if problems := serious_violations(page):
        failures["preview"] = problems
    page.locator("form[action='/imports/confirm'] button[type=submit]").click()
    expect(page.locator(".toc")).to_be_visible()  # the new draft's table of contents

    page.locator("a[href*='/exports/versions/']").first.click()
    if problems := serious_violations(page):
        failures["files"] = problems
    screenshot(page, f"files-{locale}")
    with page.expect_download() as download:
        page.locator("form:has(input[value=charter]) button[type=submit]").click()
    assert download.value.suggested_filename == f"global-charter-agenda-draft-from-the-browser.{locale}.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF")
    assert failures == {}
