"""Locale selection and locale-aware formatting of countries, regions and dates."""

import unicodedata
from datetime import datetime

import pycountry
from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_time, format_timedelta, get_locale, gettext
from flask_login import current_user

from consult.models import utcnow

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}  # each in its own language


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config["LOCALES"])


def select_locale() -> str:
    """An explicit ?lang= (kept in the session), the saved preference, the session, the browser, English."""
    if not has_request_context():  # CLI and tests: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    locales = supported_locales()
    explicit = request.args.get("lang")
    if explicit in locales:
        session["lang"] = explicit
        return explicit
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("lang") in locales:
        return session["lang"]
    return request.accept_languages.best_match(locales) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return str(get_locale() or "en")


def language_name(code: str) -> str:
    """A language's name as the reader writes it in a sentence: "espagnol", "francés", "French"
    (LANGUAGE_NAMES are for choosing a language, each in its own)."""
    return Locale.parse(current_locale()).languages.get(code, code)


def country_name(code: str | None, locale: str | None = None) -> str:
    if not code:
        return ""
    return Locale.parse(locale or current_locale()).territories.get(code.upper(), code)


def country_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """ISO 3166-1 countries (pycountry) named in the reader's language (CLDR), sorted for them."""
    names = Locale.parse(locale or current_locale()).territories
    choices = [(c.alpha_2, names.get(c.alpha_2, c.name)) for c in pycountry.countries]
    return sorted(choices, key=lambda item: _collation_key(item[1]))


def _collation_key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def datetime_utc(value: datetime | None) -> str:
    """A long date and a short time as the reader writes them, in UTC and saying so (rounds are global)."""
    if value is None:
        return ""
    pattern = get_locale().datetime_formats["long"]  # e.g. "{1} 'at' {0}", "{1}, {0}"
    combined = pattern.format(format_time(value, "short"), format_date(value, "long")).replace("'", "")
    return gettext("%(when)s UTC", when=combined)


def date_only(value: datetime | None) -> str:
    return format_date(value, "long") if value else ""


def time_until(value: datetime) -> str:
    return format_timedelta(value - utcnow(), granularity="day", add_direction=True)
