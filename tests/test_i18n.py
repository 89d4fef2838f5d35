"""Catalog hygiene, locale choice, and key pages in every language."""

import re

import pytest
from babel.messages.pofile import read_po

from consult import catalogs

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(locale):
    with open(catalogs.po_path(locale), "rb") as f:
        return read_po(f, locale=locale)


@pytest.mark.parametrize("locale", catalogs.TARGET_LOCALES)
def test_catalogs_have_no_empty_or_fuzzy_entry_and_keep_placeholders(locale):
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(("untranslated", ids[0]))
        elif any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids[0])) for s in strings):
            problems.append(("placeholders", ids[0]))
    assert problems == []
    assert not catalog.fuzzy


def test_re_extraction_gives_no_new_message():
    # Messages, not bytes: the header names the Babel version that wrote the file, which a fresh
    # install may not share.
    assert catalogs.messages(catalogs.extract()) == catalogs.messages(catalogs.POT_FILE.read_bytes()), \
        "run: flask --app wsgi translate update"


@pytest.mark.parametrize("locale", catalogs.TARGET_LOCALES)
def test_catalogs_hold_exactly_the_extracted_messages(locale):
    with open(catalogs.POT_FILE, "rb") as f:
        template_ids = {m.id for m in read_po(f) if m.id}
    assert {m.id for m in _catalog(locale) if m.id} == template_ids


LANDMARKS = {
    "home": {"en": "Consultation rounds", "fr": "Phases de consultation", "es": "Rondas de consulta"},
    "contents": {"en": "Table of contents", "fr": "Table des matières", "es": "Índice"},
    "article": {"en": "Right to the city", "fr": "Droit à la ville", "es": "Derecho a la ciudad"},
}


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
@pytest.mark.parametrize("page", ["home", "contents", "article"])
def test_key_pages_in_every_language(client, demo, locale, page):
    from consult.charter.services import current_version, load_version, main_charter

    version = current_version(main_charter())
    article_i = load_version(version)[2].articles[0]
    url = {"home": "/", "contents": f"/charter/versions/{version.id}/", "article": f"/charter/articles/{article_i.id}"}[page]
    html = client.get(f"{url}?lang={locale}").get_data(as_text=True)
    assert f'<html lang="{locale}">' in html
    assert LANDMARKS[page][locale] in html


def test_locale_order_preference_then_choice_then_browser(client, make_user, login):
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).get_data(as_text=True)
    client.post("/language/es", data={"next": "/"})
    assert 'lang="es"' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    login(make_user(locale="fr"))
    assert 'lang="fr"' in client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    client.post("/language/en", data={"next": "/"})  # a logged-in choice becomes the preference
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    assert 'lang="en"' in client.get("/?lang=xx").get_data(as_text=True)


def test_country_names_come_from_cldr_in_the_reader_language(app):
    from consult.i18n import country_choices, country_name

    assert country_name("DE", "fr") == "Allemagne"
    assert country_name("DE", "es") == "Alemania"
    names = dict(country_choices("es"))
    assert len(names) >= 249 and names["MX"] == "México"
