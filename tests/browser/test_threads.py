"""Article threads as people use them, in Chromium."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("consult-demo")
    page.locator("form[action='/account/login'] button[type=submit]").click()
    expect(page.get_by_role("button", name=re.compile("Log out|Se déconnecter|Cerrar sesión"))).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name=re.compile("Log out|Se déconnecter|Cerrar sesión")).click()


def open_article(page, number_title: str, round_title: str | None = None) -> None:
    page.goto("/charter/")
    page.get_by_role("link", name=re.compile(number_title)).first.click()
    if round_title:
        page.get_by_role("navigation", name=re.compile("Consultation rounds|Phases de consultation|Rondas de consulta")) \
            .get_by_role("link", name=re.compile(round_title)).click()


def test_amend_in_french_then_support_and_reply_in_spanish(page):
    log_in(page, "participant@demo.test")
    open_article(page, "Right to housing", "Global online consultation")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_label("Language version you amend").select_option("fr")
    page.get_by_role("button", name="Use this language").click()
    body = page.get_by_label("Text of the article")
    expect(body).to_have_value(re.compile("logement"))
    original = body.input_value()
    body.fill(original.replace("logement", "logement digne et abordable", 1))
    page.get_by_label("Why this change?").fill("Le logement doit être abordable, pas seulement disponible.")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator(".preview ins").first).to_contain_text("digne et abordable")
    page.get_by_role("button", name="Submit the amendment").click()
    expect(page.get_by_role("status")).to_contain_text("Your amendment has been submitted")
    expect(page.locator(".redline ins").first).to_contain_text("digne et abordable")
    expect(page.locator(".redline ins .visually-hidden").first).to_have_text("[inserted: ")
    amendment_url = page.url
    screenshot(page, "amendment-en-1280")
    log_out(page)

    log_in(page, "asia@demo.test")
    page.goto(amendment_url)
    page.get_by_role("button", name="Español").click()
    page.get_by_role("button", name="Apoyar").click()
    expect(page.locator(".supports")).to_contain_text("1 persona")
    page.get_by_label("Su comentario").fill("Apoyamos esta enmienda: la **asequibilidad** es clave en Asia.")
    page.get_by_label("Idioma de redacción").select_option("es")
    page.get_by_label("A favor").check()
    page.get_by_role("button", name="Publicar el comentario").click()
    comment = page.locator(".comment").first
    expect(comment).to_contain_text("la asequibilidad es clave")
    expect(comment.locator(".stance")).to_have_text("A favor")
    expect(comment.locator(".badge[lang=es]")).to_be_visible()
    screenshot(page, "amendment-es-1280")


def test_visitor_filters_amendments_by_region(page):
    open_article(page, "Right to the city", "Preliminary online consultation")
    cards = page.locator("article.amendment")
    everyone = cards.count()
    assert everyone >= 2
    page.get_by_label("Region").select_option("africa")
    page.get_by_role("button", name="Apply").click()
    expect(cards).not_to_have_count(everyone)
    for text in cards.locator(".who-detail").all_inner_texts():
        assert "Africa" in text
    screenshot(page, "filtered-en-1280")


def test_another_region_is_refused_on_the_asia_pacific_round_and_keeps_its_text(page, live_server):
    from consult.extensions import db
    from consult.models import Round

    with live_server.app_context():
        asia_round = db.session.scalar(db.select(Round).where(Round.slug == "asia-pacific-regional-consultation")).id
    log_in(page, "participant@demo.test")
    open_article(page, "Right to the city", "Asia-Pacific regional consultation")
    expect(page.get_by_text("reserved for organisations of its region").first).to_be_visible()
    expect(page.locator("form.comment-form")).to_have_count(0)
    # A form opened earlier on this round (say, in another tab) is sent anyway:
    open_article(page, "Right to the city", "Global online consultation")
    page.locator("form.comment-form input[name=round_id]").last.evaluate(f"el => el.value = '{asia_round}'")
    page.get_by_label("Your comment").fill("A long comment I do not want to lose.")
    page.get_by_role("button", name="Publish the comment").click()
    expect(page.get_by_role("alert")).to_contain_text("reserved for organisations of its region")
    expect(page.locator("#kept-comment")).to_have_value("A long comment I do not want to lose.")


def test_a_closed_round_shows_everything_and_offers_no_form(page):
    log_in(page, "participant@demo.test")
    open_article(page, "Right to the city", "Preliminary online consultation")
    expect(page.locator("article.amendment").first).to_be_visible()
    expect(page.locator(".status-accepted").first).to_be_visible()
    expect(page.get_by_text("This round is closed").first).to_be_visible()
    expect(page.get_by_role("link", name="Propose a change")).to_have_count(0)
    expect(page.locator("form.comment-form")).to_have_count(0)
    expect(page.get_by_role("button", name="Support")).to_have_count(0)
    page.locator("article.amendment h3 a").first.click()
    expect(page.locator("form.comment-form")).to_have_count(0)
    expect(page.locator(".answer")).to_be_visible()
