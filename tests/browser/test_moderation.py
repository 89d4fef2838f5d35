"""Rounds and moderation as the secretariat and moderators use them, in Chromium."""

import re
from datetime import timedelta

from playwright.sync_api import expect

import sqlalchemy as sa

from consult.extensions import db
from consult.models import Amendment, AmendmentKind, Round, User, utcnow
from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in, log_out, open_article


def test_secretariat_creates_an_asia_pacific_round_opening_tomorrow(page):
    log_in(page, "secretariat@demo.test")
    page.goto("/rounds/")
    page.get_by_role("link", name="Create a round").click()
    page.get_by_label("Title in English").fill("Asia-Pacific follow-up consultation")
    page.get_by_label("Title in French").fill("Consultation de suivi Asie-Pacifique")
    page.get_by_label("Title in Spanish").fill("Consulta de seguimiento Asia-Pacífico")
    for language in ("English", "French", "Spanish"):
        page.get_by_label(f"Description in {language}").fill("Follow-up of the regional meeting.")
    page.get_by_label("Short name in addresses").fill("asia-pacific-follow-up")
    page.get_by_label("Region", exact=True).select_option("asia-pacific")
    tomorrow = utcnow() + timedelta(days=1)
    page.get_by_label("Opens (UTC)").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Closes (UTC)").fill((tomorrow + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Only organisations of its region take part").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("The round has been created")
    expect(page.locator(".page-header .state")).to_have_text("Scheduled")
    log_out(page)

    log_in(page, "asia@demo.test")
    open_article(page, "Right to the city", "Asia-Pacific follow-up consultation")
    expect(page.get_by_text("This round has not opened yet.").first).to_be_visible()
    expect(page.locator("form.comment-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Propose a change")).to_have_count(0)


def test_moderator_closes_an_open_round_early(page):
    open_article(page, "Right to the city", "Global online consultation")
    before = page.locator("article.amendment").count()
    log_in(page, "moderator@demo.test")
    page.goto("/rounds/")
    page.get_by_role("link", name="Global online consultation").click()
    page.get_by_label("Reason, shown in the audit log").first.fill("The steering board asked to close before the World Council.")
    page.get_by_role("button", name="Close the round now").click()
    expect(page.get_by_role("status")).to_contain_text("Every contribution stays as it was")
    expect(page.locator(".page-header .state")).to_have_text(re.compile("Closed|Concluded"))
    open_article(page, "Right to the city", "Global online consultation")
    expect(page.locator("article.amendment")).to_have_count(before)
    expect(page.locator("form.comment-form")).to_have_count(0)
    expect(page.get_by_role("link", name="Propose a change")).to_have_count(0)
    page.goto("/moderation/audit")
    expect(page.locator("table.audit")).to_contain_text("steering board asked to close")


def test_report_then_hide_shows_a_placeholder(page):
    log_in(page, "asia@demo.test")
    page.goto("/charter/")
    open_article(page, "Right to the city", "Global online consultation")
    page.get_by_label("Your comment").fill("This is an off-topic advertisement for a hotel.")
    page.get_by_role("button", name="Publish the comment").click()
    log_out(page)

    log_in(page, "participant@demo.test")
    open_article(page, "Right to the city", "Global online consultation")
    comment = page.locator(".comment", has_text="advertisement for a hotel")
    comment.get_by_role("link", name="Report").click()
    page.get_by_label("What is wrong with it?").fill("Advertising, not a contribution.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("The moderators will look at it")
    log_out(page)

    log_in(page, "moderator@demo.test")
    page.goto("/moderation/")
    expect(page.locator("#reports-heading")).to_contain_text("1 open report")
    page.locator("table.data").first.get_by_role("link").first.click()
    page.get_by_label("Reason").fill("Advertising is not allowed in the consultation.")
    page.get_by_role("button", name="Hide").click()
    expect(page.get_by_role("status")).to_contain_text("nothing is deleted")
    log_out(page)

    open_article(page, "Right to the city", "Global online consultation")
    expect(page.get_by_text("A moderator hid this comment: Advertising is not allowed in the consultation.")).to_be_visible()
    expect(page.get_by_text("advertisement for a hotel")).to_have_count(0)


def test_moderator_answers_three_amendments_one_as_duplicate_and_the_account_shows_them(page):
    log_in(page, "moderator@demo.test")
    page.goto("/moderation/")
    page.get_by_role("row", name=re.compile("Global online consultation")).get_by_role("link", name="Triage").click()
    page.get_by_label("Status").select_option("submitted")
    page.get_by_role("button", name="Apply").click()
    # find an article with two unanswered amendments, for the duplicate
    group = page.locator("section.triage-group").filter(has=page.locator("article.amendment").nth(1)).first
    first, second = group.locator("article.amendment").nth(0), group.locator("article.amendment").nth(1)
    first_id = first.get_attribute("id").split("-")[1]
    second_id = second.get_attribute("id").split("-")[1]

    first.get_by_label("Accepted", exact=True).check()
    first.get_by_label("Public answer").fill("Accepted: this wording will be in the consolidated draft.")
    first.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Amendment {first_id}: Accepted")

    page.goto("/moderation/rounds/1/triage")
    second = page.locator(f"#amendment-{second_id}")
    second.get_by_label("Duplicate", exact=True).check()
    second.get_by_label("Duplicate of amendment number").fill(first_id)
    second.get_by_label("Public answer").fill("Same proposal as the earlier one.")
    second.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Amendment {second_id}: Duplicate")

    page.goto("/moderation/rounds/1/triage?status=submitted")
    third = page.locator("article.amendment").first
    third_id = third.get_attribute("id").split("-")[1]
    third.get_by_label("Rejected", exact=True).check()
    third.get_by_role("button", name="Save the answer").click()
    expect(page.locator(f"#amendment-{third_id} .error")).to_contain_text("A rejection needs a reason")
    third = page.locator(f"#amendment-{third_id}")
    third.get_by_label("Rejected", exact=True).check()
    third.get_by_label("Public answer").fill("Outside what a charter of local governments can promise.")
    third.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Amendment {third_id}: Rejected")
    screenshot(page, "triage-en-1280")

    page.goto("/rounds/1")
    outcomes = page.locator("table.outcomes")
    expect(outcomes.get_by_role("row", name=re.compile(f"Amendment {second_id}\\b"))).to_contain_text(f"Duplicate of Amendment {first_id}")
    expect(outcomes.get_by_role("row", name=re.compile(f"Amendment {third_id}\\b"))).to_contain_text("Outside what a charter")
    expect(page.locator("svg.chart")).to_have_count(6)
    expect(page.locator("#figure-status table")).to_contain_text("Rejected")
    for locale in ("en", "fr", "es"):
        page.goto(f"/rounds/1?lang={locale}")
        screenshot(page, f"account-{locale}-1280")


def add_amendments(live_server, round_slug: str, n: int) -> None:
    """Enough amendments on the round's first amended article for a triage of several pages."""
    with live_server.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.slug == round_slug))
        sample = db.session.scalar(sa.select(Amendment).where(Amendment.round_id == round_.id).order_by(Amendment.id))
        author = db.session.get(User, sample.author_id)
        db.session.add_all(Amendment(
            round=round_, article_id=sample.article_id, kind=AmendmentKind.modify, locale="en",
            base_title=sample.base_title, base_text=sample.base_text, title=sample.base_title,
            body=f"{sample.base_text} Proposal {i}.", rationale=f"Reason {i}", rationale_html=f"<p>Reason {i}</p>",
            author=author, organisation_id=author.organisation_id) for i in range(n))
        db.session.commit()
        db.session.remove()


def test_a_refused_answer_on_page_2_stays_beside_its_form_with_what_was_typed(page, live_server):
    add_amendments(live_server, "global-online-consultation", 25)
    log_in(page, "moderator@demo.test")
    page.goto("/moderation/rounds/1/triage?status=submitted")
    page.get_by_role("navigation", name="Pages").first.get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    card = page.locator("article.amendment").nth(3)
    card_id = card.get_attribute("id")
    number = card_id.split("-")[1]

    card.get_by_label("Rejected", exact=True).check()
    card.get_by_role("button", name="Save the answer").click()
    card = page.locator(f"#{card_id}")
    expect(card.locator(".error")).to_have_text("A rejection needs a reason in the public answer.")
    expect(card.get_by_label("Rejected", exact=True)).to_be_checked()
    expect(card.get_by_label("Public answer")).to_be_focused()
    expect(card.get_by_label("Public answer")).to_be_in_viewport()
    expect(page.locator(".error")).to_have_count(1)
    expect(page.get_by_text("page 2 of 2")).to_be_visible()

    # the reason typed, but "duplicate" of itself chosen by mistake: refused, and the reason is kept
    reason = "Outside what a charter of local governments can promise.\nSee the answer to the first one."
    card.get_by_label("Public answer").fill(reason)
    card.get_by_label("Duplicate", exact=True).check()
    card.get_by_label("Duplicate of amendment number").fill(number)
    card.get_by_role("button", name="Save the answer").click()
    card = page.locator(f"#{card_id}")
    expect(card.locator(".error")).to_contain_text("cannot duplicate itself")
    expect(card.get_by_label("Duplicate of amendment number")).to_be_focused()
    expect(card.get_by_label("Public answer")).to_have_value(reason)
    screenshot(page, "triage-refused-answer-en-1280")

    card.get_by_label("Rejected", exact=True).check()
    card.get_by_label("Duplicate of amendment number").fill("")
    card.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_role("status")).to_contain_text(f"Amendment {number}: Rejected")
    expect(page).to_have_url(re.compile(r"page=2.*status=submitted|status=submitted.*page=2"))
    with live_server.app_context():
        saved = db.session.get(Amendment, int(number))
        assert saved.status.value == "rejected" and saved.answer == reason  # the CRLF a browser sends is not stored
        db.session.remove()
