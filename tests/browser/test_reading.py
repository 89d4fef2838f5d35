"""A visitor reads the charter: switches to Spanish, opens Article X, opens the side-by-side view."""

import re

from playwright.sync_api import expect


def test_visitor_switches_to_spanish_and_reads_article_x_side_by_side(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="Leer el borrador").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carta-Agenda Mundial de Derechos Humanos en la Ciudad")
    page.get_by_role("link", name=re.compile("Derecho a la vivienda")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Artículo X\. Derecho a la vivienda"))
    page.get_by_role("link", name=re.compile("tres idiomas")).click()
    columns = page.locator(".language-column")
    expect(columns).to_have_count(3)
    expect(columns.nth(0)).to_have_attribute("lang", "en")
    expect(columns.nth(0).get_by_role("heading")).to_have_text(re.compile("Article X. Right to housing"))
    expect(columns.nth(1).get_by_role("heading")).to_have_text(re.compile("Article X. Droit au logement"))
    expect(columns.nth(2).get_by_role("heading")).to_have_text(re.compile("Artículo X. Derecho a la vivienda"))


def test_the_table_of_contents_lists_every_section_and_article(page):
    page.goto("/charter/")
    expect(page.locator(".toc-section h2")).to_have_text(
        ["Preamble", "General provisions", "Agenda of rights and obligations", "Final provisions"])
    numbers = page.locator(".toc-section").nth(2).locator(".toc-number").all_inner_texts()
    roman = "I II III IV V VI VII VIII IX X XI XII XIII".split()
    assert numbers == [f"Article {n}" for n in roman]
