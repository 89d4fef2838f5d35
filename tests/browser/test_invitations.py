"""The secretariat invites focal points from a CSV file; one of them accepts from the mail and
takes part at once, as a member of their organisation. In Chromium, through the real forms."""

import re
from email import message_from_bytes, policy
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_threads import log_in, open_article

LIST = ("\ufeffNom;Courriel;Organisation;Pays;Rôle;Langue\r\n"
        "Élise Martin;elise@grenoble.example;VILLE DE GRENOBLE;FR;Adjointe aux droits humains;fr\r\n"
        "Sin Correo;;Ville de Grenoble;FR;;es\r\n"
        "Kofi Mensah;kofi@accra.example;City of Accra;GH;Focal point;en\r\n")


def invitation_link(outbox: Path, address: str) -> str:
    for path in outbox.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == address:
            text = message.get_body(("plain",)).get_content()
            return re.search(r"https?://\S+/invitations/\S+", text).group(0)
    raise AssertionError(f"no mail to {address} in {outbox}")


def test_invite_from_a_list_then_accept_and_comment(browser, live_server, live_smtp, page, tmp_path):
    csv_file = tmp_path / "focal-points.csv"
    csv_file.write_text(LIST, encoding="utf-8")
    log_in(page, "secretariat@demo.test")
    page.goto("/moderation/")
    page.get_by_role("link", name="Invitations").click()
    page.get_by_role("link", name="Invite people from a list").click()
    screenshot(page, "invitations-upload-en")
    page.get_by_label("List of people (CSV)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Read the list").click()

    errors = page.locator("section.warnings")
    expect(errors).to_contain_text("The e-mail address is missing.")
    expect(errors).to_contain_text("City of Accra is not on the platform")
    screenshot(page, "invitations-preview-en")
    page.get_by_role("button", name="Send 1 invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("1 invitation is on its way")
    expect(page.locator("table.data").last).to_contain_text("Élise Martin")
    screenshot(page, "invitations-list-en")

    [mail] = live_smtp.wait_for(1)  # through a real SMTP server, in the invitation's language
    assert mail["To"] == "elise@grenoble.example" and mail["Content-Language"] == "fr"
    link = re.search(r"https?://\S+/invitations/\S+", mail.get_body(("plain",)).get_content()).group(0)
    context = browser.new_context(base_url=live_server.test_url, locale="en-GB")
    invited = context.new_page()
    invited.goto(link)
    expect(invited.locator("html")).to_have_attribute("lang", "en")  # the page in the browser's language
    expect(invited.get_by_label("Your name")).to_have_value("Élise Martin")
    expect(invited.get_by_label("Preferred language")).to_have_value("fr")
    invited.get_by_label("New password", exact=True).fill("un mot de passe assez long")
    invited.get_by_label("Repeat the new password").fill("un mot de passe assez long")
    screenshot(invited, "invitations-accept-en")
    invited.get_by_role("button", name="Create my account").click()
    expect(invited.get_by_role("alert")).to_contain_text("Nothing you typed has been lost")  # the notice unticked
    invited.get_by_label("New password", exact=True).fill("un mot de passe assez long")
    invited.get_by_label("Repeat the new password").fill("un mot de passe assez long")
    invited.get_by_label("I have read and accept the privacy notice").check()
    invited.get_by_role("button", name="Create my account").click()
    expect(invited.locator("html")).to_have_attribute("lang", "fr")  # their language from now on
    expect(invited.get_by_role("status")).to_contain_text("Élise Martin")

    open_article(invited, "Droit au logement|Right to housing")
    invited.locator("form.comment-form").first.locator("textarea").fill(
        "Grenoble soutient cet article : le logement est un droit.")
    invited.locator("form.comment-form").first.locator("button[name=submit]").click()
    expect(invited.locator(".comment").first).to_contain_text("Grenoble soutient cet article")
    expect(invited.locator(".comment").first).to_contain_text("Ville de Grenoble")

    invited.goto(link)  # used
    expect(invited.locator("h1")).to_contain_text(re.compile("invitation"))
    context.close()

    page.reload()
    expect(page.locator("table.data").last).to_contain_text("Accepted on")


def test_screenshots_at_phone_width(browser, live_server, tmp_path):
    context = browser.new_context(base_url=live_server.test_url, locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    csv_file = tmp_path / "list.csv"
    csv_file.write_text(LIST, encoding="utf-8")
    log_in(page, "secretariat@demo.test")
    page.goto("/invitations/new")
    screenshot(page, "invitations-upload-phone")
    page.get_by_label("List of people (CSV)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Read the list").click()
    screenshot(page, "invitations-preview-phone")
    page.get_by_role("button", name="Send 1 invitation").click()
    link = invitation_link(Path(live_server.config["MAIL_OUTBOX_DIR"]), "elise@grenoble.example")
    page.get_by_role("button", name=re.compile("Log out")).click()
    page.goto(link)
    screenshot(page, "invitations-accept-phone")
    context.close()
