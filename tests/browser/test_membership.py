"""A newcomer asks to join Gwangju at registration; its contact approves in the browser; only then
may the newcomer propose in the Asia-Pacific round, which is reserved for the region's organisations."""

import sqlalchemy as sa
from playwright.sync_api import expect

from consult.extensions import db
from consult.models import Round
from tests.browser.conftest import screenshot
from tests.browser.test_mail_flows import link_from

PASSWORD = "a long enough password"


def log_in(page, email: str, password: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("status").first).to_contain_text("Welcome")


def test_the_contact_approves_a_request_and_the_newcomer_can_then_propose(browser, live_server, live_smtp, page):
    with live_server.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.slug == "asia-pacific-regional-consultation"))
        article_id = round_.version.sections[2].articles[0].id
        amend = f"/charter/articles/{article_id}/amend?round={round_.id}&kind=delete"
        db.session.remove()

    page.goto("/account/register")
    page.get_by_label("Your name").fill("Min-jun Choi")
    page.get_by_label("E-mail address").fill("minjun@gwangju.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("for an organisation already on the platform").check()
    page.get_by_label("Organisation", exact=True).select_option(label="Gwangju Metropolitan City")
    page.get_by_label("Country").select_option("KR")
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".flashes")).to_contain_text("You asked to join Gwangju Metropolitan City")
    [mail] = live_smtp.wait_for(1)
    page.goto(link_from(mail, "/account/confirm/"))  # the address confirmed, as from the mailbox

    log_in(page, "minjun@gwangju.example", PASSWORD)
    page.get_by_role("link", name="My account").click()
    expect(page.locator(".facts")).to_contain_text("Taking part as an individual")
    expect(page.get_by_text("You asked to join Gwangju Metropolitan City")).to_be_visible()
    page.goto(amend)
    expect(page.get_by_text("Your request to join an organisation is still waiting")).to_be_visible()

    contact_context = browser.new_context(base_url=live_server.test_url, locale="en-GB")
    contact = contact_context.new_page()
    log_in(contact, "asia@demo.test", "consult-demo")
    contact.get_by_role("link", name="Requests to join").click()
    expect(contact.get_by_role("heading", name="Requests to join Gwangju Metropolitan City")).to_be_visible()
    contact.get_by_role("button", name="Approve the request of Min-jun Choi").click()
    expect(contact.locator(".flashes")).to_contain_text("Min-jun Choi is now a member of Gwangju Metropolitan City")
    screenshot(contact, "membership-approved")
    contact_context.close()

    page.goto(amend)
    page.get_by_label("Why this change?").fill("Article I is covered by the new general provisions.")
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.locator(".flashes")).to_contain_text("Your amendment has been submitted")
    expect(page.locator(".who").first).to_contain_text("Gwangju Metropolitan City")
