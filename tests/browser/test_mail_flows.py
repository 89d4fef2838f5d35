"""The account flows that go through the mailbox, in Chromium, with a real SMTP server: the
links in the mails are followed as a person would."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in, open_article
from tests.smtp import parts


def link_from(message, path: str) -> str:
    found = re.search(r"https?://[^\s\"<]+" + re.escape(path) + r"[^\s\"<]*", parts(message)[0])
    assert found, parts(message)[0]
    return found.group(0)


def test_register_confirm_by_mail_then_contribute(page, live_smtp):
    page.goto("/account/register")
    page.get_by_label("Your name").fill("Nadia Benali")
    page.get_by_label("E-mail address").fill("nadia@ville.example")
    page.get_by_label("Password", exact=True).fill("un mot de passe assez long")
    page.get_by_label("Repeat the password").fill("un mot de passe assez long")
    page.get_by_label("Preferred language").select_option("fr")
    page.get_by_label("as an individual").check()
    page.get_by_label("Country").select_option("MA")
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a link to nadia@ville.example")

    page.get_by_label("Password").fill("un mot de passe assez long")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.locator("form.unconfirmed")).to_be_visible()  # reminded on every page
    screenshot(page, "unconfirmed-fr")
    open_article(page, "Droit au logement|Right to housing")
    expect(page.locator("form.comment-form")).to_have_count(0)  # reading, not yet taking part

    [message] = live_smtp.wait_for(1)
    assert message["To"] == "nadia@ville.example" and message["Content-Language"] == "fr"
    page.goto(link_from(message, "/account/confirm/"))
    expect(page.get_by_role("status")).to_contain_text("nadia@ville.example")
    expect(page.locator("form.unconfirmed")).to_have_count(0)

    open_article(page, "Droit au logement|Right to housing")
    page.locator("form.comment-form").first.locator("textarea").fill(
        "Le logement est un droit : merci pour cet article.")
    page.locator("form.comment-form").first.locator("button[name=submit]").click()
    expect(page.locator(".comment").first).to_contain_text("Le logement est un droit")


def test_forgotten_password_reset_from_the_mail_then_log_in(page, live_smtp):
    page.goto("/account/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("participant@demo.test")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to choose a new password is on its way")

    [message] = live_smtp.wait_for(1)
    assert message["To"] == "participant@demo.test"
    page.goto(link_from(message, "/account/password/reset/"))
    page.get_by_label("New password", exact=True).fill("a fresh and long password")
    page.get_by_label("Repeat the new password").fill("a fresh and long password")
    screenshot(page, "reset-password-en")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your new password is saved")

    page.get_by_label("Password").fill("a fresh and long password")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome")

    page.goto(link_from(message, "/account/password/reset/"))  # a second time: used
    expect(page.locator("h1")).to_have_text("This link does not work")


def test_a_demo_participant_is_confirmed(page):
    log_in(page, "participant@demo.test")
    expect(page.locator("form.unconfirmed")).to_have_count(0)
