"""Reading across languages in Chromium: a Spanish reader opens a French amendment, asks for its
machine translation (no JavaScript needed: the form posts and the page comes back), sees it labelled
and in Spanish, and goes back to the original. Against the suite's fake LibreTranslate server."""

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from consult.extensions import db
from consult.models import Amendment, AmendmentKind, User, Visibility
from tests.browser.conftest import screenshot
from tests.fake_libretranslate import FakeLibreTranslate


@pytest.fixture
def fake():
    with FakeLibreTranslate() as server:
        yield server


@pytest.fixture
def translating(live_server, fake):
    live_server.config.update(TRANSLATION_BACKEND="libretranslate", TRANSLATION_URL=fake.url,
                              TRANSLATION_TIMEOUT=5, TRANSLATION_RETRIES=0)
    with live_server.app_context():
        amendment = db.session.scalars(sa.select(Amendment).where(
            Amendment.locale == "fr", Amendment.visibility == Visibility.visible,
            Amendment.kind == AmendmentKind.modify, Amendment.rationale != "").order_by(Amendment.id)).first()
        reader = db.session.scalars(sa.select(User).where(
            User.locale == "es", User.id != amendment.author_id, User.email.like("%@demo.test")).order_by(User.id)).first()
        found = amendment.id, reader.email
        db.session.remove()
    return found


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill("consult-demo")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("button", name=re.compile("Log out|Se déconnecter|Cerrar sesión"))).to_be_visible()


def test_a_spanish_reader_translates_a_french_amendment_and_back(browser, live_server, fake, translating):
    amendment_id, email = translating
    for width in (1280, 390):
        context = browser.new_context(base_url=live_server.test_url, locale="es-ES", viewport={"width": width, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        try:
            log_in(page, email)
            page.goto(f"/amendments/{amendment_id}")
            expect(page.locator("html")).to_have_attribute("lang", "es")
            button = page.locator(".translate-control button[type=submit]")
            expect(button).to_contain_text("Traducir al español")
            button.click()

            section = page.locator("section.machine-translation")
            expect(section).to_be_visible()
            expect(section).to_have_attribute("lang", "es")
            expect(section.locator(".machine-label strong")).to_be_visible()  # labelled as a machine's text
            expect(section.locator(".prose").first).to_contain_text("[es]")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"translation-amendment-es-{width}")
            serious = [v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
            assert serious == []

            section.locator(".machine-label a").click()  # show the original
            expect(page).to_have_url(re.compile(rf"/amendments/{amendment_id}$"))
            expect(page.locator("section.machine-translation")).to_have_count(0)
            expect(page.locator(".prose[lang=fr]").first).to_be_visible()
            assert "[es]" not in page.locator("main").inner_text()
        finally:
            context.close()
    assert len({r["q"] for r in fake.requests}) == len(fake.requests)  # the phone's visit was served from the cache
