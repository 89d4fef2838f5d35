"""Following an article in Chromium: another person's amendment arrives in the daily digest at a
real SMTP server, its link works, and one-click unsubscribe stops the next digest."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in, log_out, open_article
from tests.smtp import parts


def run_daily_digests(app) -> int:
    from consult.notifications import mailing

    with app.app_context():
        return mailing.send_digests("daily")


def propose_on_housing(page, words: str) -> None:
    open_article(page, "Right to housing", "Global online consultation")
    page.get_by_role("link", name="Propose a change").click()
    body = page.get_by_label("Text of the article")
    body.fill(body.input_value() + "\n\n" + words)
    page.get_by_label("Why this change?").fill("Because " + words.lower())
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.get_by_role("status")).to_contain_text("Your amendment has been submitted")


def test_follow_an_article_get_the_digest_and_unsubscribe_in_one_click(page, browser, live_server, live_smtp):
    log_in(page, "participant@demo.test")
    open_article(page, "Right to housing", "Global online consultation")
    page.get_by_role("button", name="Follow this article").click()
    expect(page.get_by_role("button", name=re.compile("Following"))).to_be_visible()
    screenshot(page, "following-article-en")
    page.goto("/my/following")
    expect(page.locator(".following")).to_contain_text("Right to housing")
    screenshot(page, "what-i-follow-en")
    log_out(page)

    log_in(page, "asia@demo.test")
    propose_on_housing(page, "Housing must be close to work.")
    amendment_path = re.search(r"/amendments/\d+", page.url).group(0)
    log_out(page)

    run_daily_digests(live_server)
    digest = next(m for m in live_smtp.wait_for(1) if m["To"] == "participant@demo.test")
    text = parts(digest)[0]
    link = re.search(r"https?://\S+" + re.escape(amendment_path), text).group(0)
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Amendment")

    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mail_program = browser.new_context()  # no session, no cookies: as a mail program posts
    response = mail_program.request.post(unsubscribe, form={"List-Unsubscribe": "One-Click"})
    assert response.status == 200
    mail_program.close()

    before = len(live_smtp.messages)
    log_in(page, "asia@demo.test")
    propose_on_housing(page, "Housing must have light.")
    log_out(page)
    run_daily_digests(live_server)
    assert [m for m in live_smtp.messages[before:] if m["To"] == "participant@demo.test"] == []


def test_notification_settings_in_three_languages(page):
    log_in(page, "participant@demo.test")
    for language, button in (("en", "English"), ("fr", "Français"), ("es", "Español")):
        page.goto("/my/notifications")
        page.get_by_role("button", name=button).click()
        expect(page.locator("html")).to_have_attribute("lang", language)
        screenshot(page, f"notification-settings-{language}")
    page.locator("input[name=followed][value=weekly]").check()
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator("input[name=followed][value=weekly]")).to_be_checked()
