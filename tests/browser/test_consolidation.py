"""A moderator consolidates, the secretariat publishes, a visitor reads the new version."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in, log_out


def close_round(page, title: str) -> None:
    page.goto("/rounds/")
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_label("Reason, shown in the audit log").first.fill("The consultation period is over.")
    page.get_by_role("button", name="Close the round now").click()
    expect(page.get_by_role("status")).to_contain_text("Every contribution stays as it was")


def apply_and_confirm(page, amendment) -> None:
    amendment.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("It applies cleanly")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("is incorporated")


def start_consolidation(page) -> str:
    """Start consolidating the draft as "Consolidated draft 2027"; the workbench's address."""
    page.goto("/consolidation/")
    page.get_by_label("Name of the new version in English").fill("Consolidated draft 2027")
    page.get_by_label("Name of the new version in Français").fill("Projet consolidé 2027")
    page.get_by_label("Name of the new version in Español").fill("Borrador consolidado 2027")
    page.get_by_role("button", name="Start the consolidation").click()
    expect(page.get_by_role("status")).to_contain_text("consolidated draft has been created")
    return page.url


def set_aside_the_rest(page, overview: str) -> None:
    """Every accepted amendment still pending is set aside, with a reason."""
    page.goto(overview)
    pending = page.locator("td .badge-warning").filter(has_text=re.compile(r"^\d+$"))
    while pending.count():
        page.locator("tr", has=pending).first.get_by_role("link").first.click()
        while page.get_by_role("button", name="Set aside").count():
            page.get_by_label("Reason").first.fill("To be taken up in the next round.")
            page.get_by_role("button", name="Set aside").first.click()
        page.goto(overview)


def publish_as_secretariat(page, overview: str) -> None:
    log_in(page, "secretariat@demo.test")
    page.goto(overview)
    outdated = page.get_by_label("Publish although some translations are outdated")
    if outdated.count():
        outdated.check()
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_role("status")).to_contain_text("The new version is published")


def test_consolidate_publish_and_read(page):
    log_in(page, "moderator@demo.test")
    close_round(page, "Global online consultation")
    close_round(page, "Asia-Pacific regional consultation")
    # the "new article" amendment on digital rights is accepted first
    page.goto("/moderation/rounds/1/triage")
    new_article = page.locator("article.amendment", has_text="New article").filter(has_text="Droits numériques").first
    new_article.get_by_label("Accepted", exact=True).check()
    new_article.get_by_label("Public answer").fill("Accepted: a new article on digital rights.")
    new_article.get_by_role("button", name="Save the answer").click()

    overview = start_consolidation(page)

    page.get_by_role("link", name="Article I. Right to the city").click()
    article_i = page.url
    cards = page.locator("article.amendment")
    expect(cards).to_have_count(3)
    ids = [c.get_attribute("id") for c in cards.all()]
    apply_and_confirm(page, page.locator(f"#{ids[0]}"))
    apply_and_confirm(page, page.locator(f"#{ids[1]}"))
    page.locator(f"#{ids[2]}").get_by_role("button", name="Apply").click()
    expect(page.get_by_role("alert")).to_contain_text("Conflict")
    resolved = page.get_by_label("Text", exact=True)
    resolved.fill(resolved.input_value().replace("guaranteeing", "guaranteeing an adequate standard of living and", 1))
    screenshot(page, "conflict-en-1280")
    page.get_by_role("button", name="Save the resolved text").click()
    expect(page.get_by_role("status")).to_contain_text("is incorporated")

    # the new article, after Article VI, then numbered
    page.goto(overview)
    page.get_by_role("link", name=re.compile(r"^Article VI\.")).click()
    page.get_by_label("Number").first.fill("VI bis")
    page.get_by_role("button", name="Add it as a new article after this one").click()
    expect(page.get_by_role("status")).to_contain_text("new article has been added")
    page.locator("#number").fill("VII")
    page.get_by_role("button", name="Save the structure").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("VII")

    # French and Spanish of Article I were flagged outdated
    for locale, marker in (("fr", "un niveau de vie suffisant et"), ("es", "un nivel de vida adecuado y")):
        page.goto(article_i.split("?")[0] + f"/translate/{locale}")
        expect(page.locator(".redline ins").first).to_be_visible()
        body = page.get_by_label("Text", exact=True)
        body.fill(marker + " " + body.input_value())
        page.get_by_role("button", name="Save: the translation is up to date").click()
        expect(page.get_by_role("status")).to_contain_text("translation is up to date")

    set_aside_the_rest(page, overview)
    screenshot(page, "workbench-overview-en-1280")
    log_out(page)
    publish_as_secretariat(page, overview)
    log_out(page)

    page.goto("/charter/")
    expect(page.locator(".page-header .eyebrow")).to_contain_text("Consolidated draft 2027")
    page.get_by_role("link", name=re.compile("Right to the city")).first.click()
    provenance = page.locator(".provenance")
    expect(provenance.get_by_role("link")).to_have_count(4)  # three amendments and the comparison
    page.get_by_role("link", name=re.compile("See what changed since")).click()
    expect(page.locator(".redline ins").first).to_be_visible()
    screenshot(page, "compare-en-1280")
    page.goto("/charter/")
    expect(page.get_by_text("Digital rights", exact=False).or_(page.get_by_text("Droits numériques"))).to_be_visible()


def test_apply_all_that_merge_cleanly_in_every_article_at_once(page):
    log_in(page, "moderator@demo.test")
    close_round(page, "Global online consultation")
    close_round(page, "Asia-Pacific regional consultation")
    overview = start_consolidation(page)
    before = int(page.locator(".key-figures strong").first.inner_text())
    page.get_by_role("button", name="Apply all that merge cleanly, in every article…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply all that merge cleanly, in every article")
    articles = page.locator("section.apply-all-article")
    expect(articles.first).to_be_visible()
    confirm = page.get_by_role("button", name=re.compile(r"Confirm: incorporate \d+ amendments?"))
    applied = int(re.search(r"\d+", confirm.inner_text())[0])
    assert 0 < applied <= before
    expect(page.locator("main")).to_contain_text("In conflict")  # Article I's third amendment clashes
    change = page.locator("section.apply-all-article details").first
    change.get_by_text("See the change to the text").click()
    expect(change.locator(".redline").first).to_be_visible()
    screenshot(page, "apply-all-version-en-1280")
    confirm.click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(rf"{applied} amendments? incorporated in"))
    assert int(page.locator(".key-figures strong").first.inner_text()) == before - applied
    for locale in ("fr", "es"):
        page.goto(overview + f"?lang={locale}")
        form = page.locator("form.apply-all")
        form.evaluate(f"form => form.action += '?lang={locale}'")  # a logged-in person's own language wins otherwise
        form.locator("button").click()
        screenshot(page, f"apply-all-version-{locale}-1280")
