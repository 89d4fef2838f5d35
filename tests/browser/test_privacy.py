"""A participant reads the privacy notice, downloads their data and deletes their account; what
they wrote stays, as a former participant's."""

import json

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_threads import log_in, open_article

COMMENT = "Housing first: every city should publish its vacancy figures."


def test_a_participant_downloads_their_data_then_deletes_their_account(page):
    page.goto("/")
    page.get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    screenshot(page, "privacy-notice-1280")

    log_in(page, "participant@demo.test")
    open_article(page, "Right to housing", "Global online consultation")
    page.get_by_label("Your comment").fill(COMMENT)
    page.get_by_role("button", name="Publish the comment").click()
    expect(page.locator(".comment").filter(has_text=COMMENT)).to_contain_text("Hanna Pichler")
    article = page.url

    page.get_by_role("link", name="My account").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["account"]["email"] == "participant@demo.test" and data["account"]["name"] == "Hanna Pichler"
    assert COMMENT in [c["body"] for c in data["comments"]] and data["amendments"]

    screenshot(page, "settings-your-data-1280")
    page.get_by_role("button", name="Delete my account").click()  # without the password: refused
    expect(page.get_by_role("alert")).to_contain_text("Your account was not deleted")
    page.get_by_label("Current password").last.fill("consult-demo")
    page.get_by_label("I understand that my account and personal data will be deleted").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account and your personal data have been deleted")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto(article)
    comment = page.locator(".comment").filter(has_text=COMMENT)
    expect(comment).to_contain_text("a former participant, City of Graz")
    comment.screenshot(path=str(SCREENSHOTS / "comment-of-a-former-participant-1280.png"))
    expect(page.locator("main")).not_to_contain_text("Hanna Pichler")

    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("participant@demo.test")
    page.get_by_label("Password").fill("consult-demo")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("alert").or_(page.locator(".flash-error"))).to_contain_text("do not match an account")


def test_the_privacy_pages_on_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server.test_url, locale="en-GB", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto("/privacy")
    screenshot(page, "privacy-notice-375")
    log_in(page, "asia@demo.test")
    page.goto("/account/settings#privacy")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Your account was not deleted")
    screenshot(page, "settings-your-data-375")
    context.close()
