"""Recognising article headings as they are written in real charters, in en/fr/es."""

import re

_ARTICLE = re.compile(
    r"""^(?:article|art\.?|artículo|articulo)\s+
        (?P<num>premier|primero|[IVXLCDM]+|\d+)(?:er|º|°)?
        \s*[.:)\-–—]?\s*(?P<title>.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
# "A. Objective", "B) Scope"; a single capital letter, so "I. Title" is read as a Roman one.
_LETTERED = re.compile(r"^(?P<num>[A-Z]|[IVXLC]+)\s*[.)\-–—]\s+(?P<title>.+)$")
_FIRST = {"premier": "1", "primero": "1"}


def parse_article_heading(text: str) -> tuple[str, str, str]:
    """Split a heading into (number label, title, numbering). Unnumbered: ("", heading, "")."""
    text = " ".join(text.split())
    match = _ARTICLE.match(text)
    if match:
        number = match["num"]
        number = _FIRST.get(number.lower(), number.upper() if not number.isdigit() else number)
        return number, match["title"].strip(" .:-–—"), "article"
    match = _LETTERED.match(text)
    if match:
        return match["num"], match["title"].strip(), "point"
    return "", text, ""
