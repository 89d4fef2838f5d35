"""Checks across the language versions of an import, for the preview shown before saving.

A version is saved with the same places in every language (`charter.services` refuses anything
else), so the preview says where the languages disagree and whether they can be saved aligned.
Numbers are compared by value, so `Article I` in English and `Article premier` in French are the
same place. Numbering that skips (I, II, IV) is reported too: it is most often a heading the
author typed in a way the importer did not recognise, so an article's text ended up inside the
previous one.
"""

from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Protocol

from flask_babel import lazy_gettext as _l

from consult.documents.headings import number_values
from consult.documents.model import DocArticle, DocSection, Document
from consult.i18n import LANGUAGE_NAMES


class Numbered(Protocol):
    """An article as imported (DocArticle) or as saved (models.Article)."""

    number: str
    numbering: str


def place_keys(articles: Sequence[Numbered]) -> list[tuple]:
    """What tells the articles of one section apart across languages and versions: a numbered
    one by its numbering and the value of its number (I, 1 and premier are one); an unnumbered
    one (a preamble, final provisions) by its rank among the unnumbered, since titles differ
    from one language to another."""
    values = {}
    for sequence in _sequences(articles):
        values.update(zip(map(id, sequence), number_values([a.number for a in sequence])))
    keys, unnumbered = [], 0
    for article in articles:
        if not article.number:
            keys.append(("", unnumbered))
            unnumbered += 1
        else:  # a label that is no number ("XIIbis") is its own key
            value = values[id(article)]
            keys.append((article.numbering, value if value is not None else article.number.upper()))
    return keys


def _sequences(articles: Sequence[Numbered]) -> list[list[Numbered]]:
    """The numbered articles of a section, one sequence per numbering (articles, lettered parts)."""
    sequences: dict[str, list[Numbered]] = {}
    for article in articles:
        if article.number:
            sequences.setdefault(article.numbering, []).append(article)
    return list(sequences.values())


def is_aligned(documents: dict[str, Document]) -> bool:
    """Same sections, and the same article places in each, in every language: what a version
    needs to be saved with its texts aligned article by article."""
    outlines = [[place_keys(s.articles) for s in doc.sections] for doc in documents.values()]
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


def _places(section: DocSection) -> dict[tuple, DocArticle]:
    return dict(zip(place_keys(section.articles), section.articles))


def _numbering_gaps(document: Document) -> Iterator[str]:
    for section in document.sections:
        for sequence in _sequences(section.articles):
            values = number_values([a.number for a in sequence])
            for (previous, next_), (before, after) in zip(pairwise(sequence), pairwise(values)):
                if None not in (before, after) and after != before + 1:
                    yield _l(
                        "%(language)s: in the section “%(section)s”, the numbering goes from %(previous)s "
                        "to %(next)s.",
                        language=_language(document), section=section.title,
                        previous=previous.number, next=next_.number,
                    )
