"""The secretariat writes an announcement to the people of a region in English and French, sees
it and how many receive it, sends it; the outbox holds one mail per person, in their language.
In Chromium, through the real form."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from consult.extensions import db
from consult.models import OutgoingMail
from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in

BODY_EN = "Dear focal points,\n\nThe regional meeting takes place in **Dakar**:\n\n- on 12 May\n- at City Hall"
BODY_FR = ("Chères et chers points focaux,\n\nLa réunion régionale a lieu à **Dakar** :\n\n"
           "- le 12 mai\n- à l'hôtel de ville")


def write(page) -> None:
    page.get_by_label("The people of a region").check()
    page.get_by_label("Region", exact=True).select_option(label="Africa")
    page.get_by_label("Subject in English").fill("Regional meeting in Dakar")
    page.get_by_label("Message in English").fill(BODY_EN)
    page.get_by_label("Subject in French").fill("Réunion régionale à Dakar")
    page.get_by_label("Message in French").fill(BODY_FR)


def test_write_preview_and_send_an_announcement_to_a_region(page, live_server):
    log_in(page, "secretariat@demo.test")
    page.goto("/moderation/")
    page.get_by_role("link", name="Write an announcement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write an announcement")
    screenshot(page, "announcement-form-en-1280")

    page.get_by_label("The participants of a round").check()  # but no round chosen, and no English
    page.get_by_label("Subject in French").fill("Réunion régionale à Dakar")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing you typed has been lost")
    expect(page.locator("#round_id-error")).to_contain_text("Choose the round")
    expect(page.locator("#subject_en-error")).to_contain_text("Write the subject in English")
    expect(page.locator("#body_fr-error")).to_contain_text("Write the message too")
    expect(page.get_by_label("Subject in French")).to_have_value("Réunion régionale à Dakar")
    screenshot(page, "announcement-errors-en-1280")

    write(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the announcement")
    expect(page.locator(".page-header")).to_contain_text("The people of the region Africa")
    french = page.locator("section.announcement-version").nth(1)
    expect(french.locator("h3")).to_have_text("Réunion régionale à Dakar")
    expect(french.locator(".prose li")).to_have_count(2)
    expect(page.locator("section.announcement-version").nth(2)).to_contain_text("receive the English version")
    screenshot(page, "announcement-preview-en-1280")
    send = page.get_by_role("button", name=re.compile(r"Send to \d+ (person|people)"))
    count = int(re.search(r"\d+", send.inner_text()).group(0))
    assert count >= 2

    page.get_by_role("button", name="Change the announcement").click()  # back, nothing lost
    expect(page.get_by_label("Message in French")).to_have_value(BODY_FR)
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name=re.compile(r"Send to \d+")).click()
    expect(page.get_by_role("status").first).to_contain_text(f"on its way to {count} people")

    with live_server.app_context():
        rows = db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.kind == "announcement")).all()
        assert len(rows) == count and all(row.sent_at is not None for row in rows)
        by_locale = {row.recipient: row.locale for row in rows}
    outbox = Path(live_server.config["MAIL_OUTBOX_DIR"])
    files = [message_from_bytes(path.read_bytes(), policy=policy.default) for path in outbox.glob("*.eml")]
    announced = [m for m in files if m["Subject"] in ("Regional meeting in Dakar", "Réunion régionale à Dakar")]
    assert sorted(m["To"] for m in announced) == sorted(by_locale)
    for message in announced:
        french = by_locale[message["To"]] == "fr"
        assert message["Subject"] == ("Réunion régionale à Dakar" if french else "Regional meeting in Dakar")
        text = message.get_body(("plain",)).get_content()
        assert ("le 12 mai" if french else "on 12 May") in text  # line breaks survived the preview's round trip
        html = message.get_body(("html",)).get_content()
        assert "<strong>Dakar</strong>" in html and "<li>" in html
        assert message["List-Unsubscribe"].startswith(f"<{live_server.test_url}/notifications/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert any(by_locale[m["To"]] == "fr" for m in announced)


def test_screenshots_at_phone_width(browser, live_server):
    context = browser.new_context(base_url=live_server.test_url, locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, "secretariat@demo.test")
    page.goto("/announcements")
    screenshot(page, "announcement-form-en-390")
    write(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the announcement")
    screenshot(page, "announcement-preview-en-390")
    context.close()
