"""The core path as people walk it in Chromium, on the demo: propose → answer → consolidate →
publish. Chromium sends a textarea's line ends as CRLF, which is what these tests are for."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from consult.extensions import db
from consult.models import Amendment, Article, ArticleText, Version, VersionState
from tests.browser.conftest import screenshot
from tests.browser.test_consolidation import (
    apply_and_confirm, close_round, publish_as_secretariat, set_aside_the_rest, start_consolidation,
)
from tests.browser.test_threads import log_in, log_out, open_article

GLOBAL_ROUND = "Global online consultation"


def propose(page, article_title: str, old: str, new: str) -> str:
    """Type a change into the amendment form, preview it, submit it; the amendment's address."""
    open_article(page, article_title, GLOBAL_ROUND)
    page.get_by_role("link", name="Propose a change").click()
    body = page.get_by_label("Text of the article")
    typed = body.input_value()
    assert old in typed
    body.fill(typed.replace(old, new, 1))
    page.get_by_label("Why this change?").fill("A clearer text.\nSee the second line.")
    page.get_by_role("button", name="Preview the change").click()
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.get_by_role("status")).to_contain_text("Your amendment has been submitted")
    return page.url


def stored_text(app, article_number: str, state: VersionState) -> str:
    with app.app_context():
        return db.session.scalar(
            sa.select(ArticleText.body).join(Article).join(Version)
            .where(Article.number == article_number, Version.state == state, ArticleText.locale == "en"))


def test_a_one_word_change_typed_in_the_browser_shows_that_word_and_nothing_else(page, live_server):
    before = stored_text(live_server, "VIII", VersionState.in_consultation)
    log_in(page, "participant@demo.test")
    open_article(page, "Right to peaceful meeting", GLOBAL_ROUND)
    page.get_by_role("link", name="Propose a change").click()
    body = page.get_by_label("Text of the article")
    body.fill(body.input_value().replace("Create a public register", "Create a free public register", 1))
    page.get_by_label("Why this change?").fill("Registration should cost nothing.")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator(".preview ins")).to_have_count(1)
    expect(page.locator(".preview del")).to_have_count(0)
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.get_by_role("status")).to_contain_text("Your amendment has been submitted")

    redline = page.locator(".redline").first
    expect(redline.locator("ins")).to_have_count(1)
    expect(redline.locator("ins")).to_contain_text("free")
    expect(redline.locator("del")).to_have_count(0)
    assert "**" not in redline.inner_text()
    screenshot(page, "one-word-amendment-en-1280")
    with live_server.app_context():
        amendment = db.session.scalar(sa.select(Amendment).order_by(Amendment.id.desc()))
        assert amendment.base_text == before and "\r" not in amendment.body
        assert amendment.body == before.replace("Create a public register", "Create a free public register", 1)


def test_two_browser_amendments_merge_without_conflict_into_the_published_text(page, live_server):
    before = stored_text(live_server, "VII", VersionState.in_consultation)
    first = ("to promote dialogue", "to actively promote dialogue")
    second = ("Support independent and community media.", "Support independent, local and community media.")

    log_in(page, "participant@demo.test")
    first_url = propose(page, "Freedom of conscience", *first)
    log_out(page)
    log_in(page, "asia@demo.test")
    second_url = propose(page, "Freedom of conscience", *second)
    log_out(page)

    log_in(page, "moderator@demo.test")
    for url in (first_url, second_url):
        amendment_id = url.rstrip("/").split("/")[-1].split("#")[0]
        page.goto("/moderation/rounds/1/triage?status=submitted")
        card = page.locator(f"#amendment-{amendment_id}")
        while not card.count():
            page.get_by_role("link", name=re.compile("Next")).first.click()
            card = page.locator(f"#amendment-{amendment_id}")
        card.get_by_label("Accepted", exact=True).check()
        card.get_by_label("Public answer").fill("Accepted as proposed.")
        card.get_by_role("button", name="Save the answer").click()
        expect(page.get_by_role("status").first).to_be_visible()
    close_round(page, GLOBAL_ROUND)
    close_round(page, "Asia-Pacific regional consultation")

    overview = start_consolidation(page)
    page.get_by_role("link", name=re.compile(r"^Article VII\.")).click()
    cards = page.locator("article.amendment")
    expect(cards).to_have_count(2)
    ids = [c.get_attribute("id") for c in cards.all()]
    for card_id in ids:
        apply_and_confirm(page, page.locator(f"#{card_id}"))
    screenshot(page, "workbench-two-browser-amendments-en-1280")

    set_aside_the_rest(page, overview)
    log_out(page)
    publish_as_secretariat(page, overview)

    published = stored_text(live_server, "VII", VersionState.published)
    assert published == before.replace(*first, 1).replace(*second, 1)
