"""Checks across the language versions of an import, for the preview shown before saving.

A version is saved with the same places in every language (`charter.services` refuses anything
else), so the preview says where the languages disagree and whether they can be saved aligned.
Numbering that skips (I, II, IV) is reported too: it is most often a heading the author typed in
a way the importer did not recognise, so an article's text ended up inside the previous one.
"""

import re
from collections.abc import Iterator

from flask_babel import lazy_gettext as _l

from consult.documents.model import DocArticle, DocSection, Document
from consult.i18n import LANGUAGE_NAMES

_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def is_aligned(documents: dict[str, Document]) -> bool:
    """Same sections, and the same article numbers in each, in every language: what a version
    needs to be saved with its texts aligned article by article."""
    outlines = [[[a.number for a in s.articles] for s in doc.sections] for doc in documents.values()]
    return all(outline == outlines[0] for outline in outlines)


def structure_warnings(documents: dict[str, Document]) -> list[str]:
    """What to look at before saving, as lazy translatable strings; the first language is the
    reference the others are compared with."""
    warnings: list[str] = []
    for document in documents.values():
        warnings.extend(_numbering_gaps(document))
    languages = list(documents.values())
    for other in languages[1:]:
        warnings.extend(_differences(languages[0], other))
    return warnings


def _language(document: Document) -> str:
    return LANGUAGE_NAMES.get(document.locale, document.locale)


def _differences(reference: Document, other: Document) -> Iterator[str]:
    if len(reference.sections) != len(other.sections):
        yield _l(
            "%(language)s has %(count)s sections, %(reference)s has %(expected)s.",
            language=_language(other), count=len(other.sections),
            reference=_language(reference), expected=len(reference.sections),
        )
    for expected_section, section in zip(reference.sections, other.sections):
        expected, found = _places(expected_section), _places(section)
        for place, article in expected.items():
            if place not in found:
                yield _l(
                    "%(language)s: “%(article)s” (in %(reference)s) is missing from the section “%(section)s”.",
                    language=_language(other), article=article.heading(reference.article_word),
                    reference=_language(reference), section=section.title,
                )
        for place, article in found.items():
            if place not in expected:
                yield _l(
                    "%(language)s: “%(article)s” in the section “%(section)s” is not in %(reference)s.",
                    language=_language(other), article=article.heading(other.article_word),
                    section=section.title, reference=_language(reference),
                )


def _places(section: DocSection) -> dict[tuple[str, int], DocArticle]:
    """Articles by number; unnumbered ones (a preamble, final provisions) by their rank among
    the unnumbered, since their titles differ from one language to another."""
    places = {}
    unnumbered = 0
    for article in section.articles:
        if article.number:
            places[(article.number, 0)] = article
        else:
            places[("", unnumbered)] = article
            unnumbered += 1
    return places


def _numbering_gaps(document: Document) -> Iterator[str]:
    for section in document.sections:
        sequences: dict[tuple[str, bool], list[str]] = {}
        for article in section.articles:
            if article.number:
                sequences.setdefault((article.numbering, article.number.isdigit()), []).append(article.number)
        for numbers in sequences.values():
            values = _ordinals(numbers)
            for index in range(1, len(numbers)):
                if values and values[index] != values[index - 1] + 1:
                    yield _l(
                        "%(language)s: in the section “%(section)s”, the numbering goes from %(previous)s "
                        "to %(next)s.",
                        language=_language(document), section=section.title,
                        previous=numbers[index - 1], next=numbers[index],
                    )


def _ordinals(numbers: list[str]) -> list[int] | None:
    """Numbers as positions: 1, 2, 3 / A, B, C / I, II, III. "C" or "I" alone may be a letter or
    a Roman numeral; the reading that makes a regular sequence wins. None when neither fits."""
    if all(number.isdigit() for number in numbers):
        return [int(number) for number in numbers]
    upper = [number.upper() for number in numbers]
    letters = [ord(n) - ord("A") + 1 for n in upper] if all(len(n) == 1 and "A" <= n <= "Z" for n in upper) else None
    romans = [_roman_value(n) for n in upper] if all(_ROMAN.match(n) for n in upper) else None
    if letters and (not romans or _consecutive(letters)):
        return letters
    return romans


def _consecutive(values: list[int]) -> bool:
    return all(b == a + 1 for a, b in zip(values, values[1:]))


def _roman_value(numeral: str) -> int:
    values = [_ROMAN_VALUES[char] for char in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
