"""A newcomer registers for their organisation, logs in, sets their language, logs out."""

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def test_newcomer_registers_logs_in_sets_language_and_logs_out(page):
    page.goto("/")
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Your name").fill("Lucía Fernández")
    page.get_by_label("E-mail address").fill("lucia@municipio.example")
    page.get_by_label("Password", exact=True).fill("una clave bastante larga")
    page.get_by_label("Repeat the password").fill("una clave bastante larga")
    page.get_by_label("for an organisation not yet on the platform").check()
    page.get_by_label("Name of the organisation").fill("Municipalidad de Rosario")
    page.get_by_label("Kind of organisation").select_option("local-government")
    page.get_by_label("UCLG region").select_option("latin-america")
    page.get_by_label("Country").select_option("AR")
    page.get_by_label("I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("status")).to_contain_text("Thank you for registering")
    expect(page.get_by_label("E-mail address")).to_have_value("lucia@municipio.example")
    page.get_by_label("Password").fill("una clave bastante larga")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Lucía Fernández")

    page.get_by_role("link", name="My account").click()
    expect(page.locator(".facts")).to_contain_text("Municipalidad de Rosario")
    expect(page.locator(".facts")).to_contain_text("Awaiting verification")
    page.get_by_label("Preferred language").select_option("es")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    screenshot(page, "settings-es")
    page.get_by_role("button", name="Cerrar sesión").click()
    expect(page.get_by_role("link", name="Iniciar sesión")).to_be_visible()


def test_a_mistake_in_the_form_keeps_what_was_typed(page):
    page.goto("/account/register")
    page.get_by_label("Your name").fill("Kwame Mensah")
    page.get_by_label("E-mail address").fill("kwame@accra.example")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_label("as an individual").check()
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing you typed has been lost")
    expect(page.get_by_label("Your name")).to_have_value("Kwame Mensah")
    expect(page.get_by_label("E-mail address")).to_have_value("kwame@accra.example")
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()


def test_logging_out_ends_the_login_in_a_browser_that_copied_its_cookies(browser, live_server):
    """Someone copies the cookies of a "keep me logged in" login; the owner's logout ends their copy too."""
    contexts = [browser.new_context(base_url=live_server.test_url, locale="en-GB") for _ in range(2)]
    owner, copy = (context.new_page() for context in contexts)
    owner.goto("/account/login")
    owner.get_by_label("E-mail address").fill("participant@demo.test")
    owner.get_by_label("Password").fill("consult-demo")
    owner.get_by_label("Keep me logged in on this device").check()
    owner.locator("form[action='/account/login'] button[type=submit]").click()
    expect(owner.get_by_role("status")).to_contain_text("Welcome")

    cookies = contexts[0].cookies()
    assert {c["name"] for c in cookies} >= {"session", "remember_token"}
    contexts[1].add_cookies(cookies)
    copy.goto("/account/settings")
    expect(copy.get_by_role("heading", name="My account", exact=True)).to_be_visible()

    owner.get_by_role("button", name="Log out", exact=True).click()
    expect(owner.get_by_role("link", name="Log in")).to_be_visible()
    copy.goto("/account/settings")
    expect(copy.get_by_role("heading", name="Log in")).to_be_visible()
    contexts[1].clear_cookies(name="session")  # the remember cookie alone no longer logs in either
    copy.goto("/account/settings")
    expect(copy.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot(copy, "copied-cookies-after-logout")
    for context in contexts:
        context.close()
