from pathlib import Path

import pytest

from consult.documents.headings import number_values, parse_article_heading
from consult.documents.markdown_import import import_markdown
from consult.documents.model import DocumentError

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "charter"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


@pytest.mark.parametrize(
    "heading, expected",
    [
        ("Article I", ("I", "", "article")),
        ("ARTICLE II. Right to participatory democracy", ("II", "Right to participatory democracy", "article")),
        ("Art. 3", ("3", "", "article")),
        ("Article premier", ("1", "", "article")),
        ("Article 2 – Objet", ("2", "Objet", "article")),
        ("Artículo 1. Derecho a la ciudad", ("1", "Derecho a la ciudad", "article")),
        ("Artículo I - Derecho a la ciudad", ("I", "Derecho a la ciudad", "article")),
        ("A. Objective", ("A", "Objective", "point")),
        ("B) Scope of application", ("B", "Scope of application", "point")),
        ("ARTICLE III", ("III", "", "article")),
        ("Article première", ("1", "", "article")),
        ("Artículo primero. Derecho a la ciudad", ("1", "Derecho a la ciudad", "article")),
        ("Artículo 1.º Derecho a la ciudad", ("1", "Derecho a la ciudad", "article")),
        ("Article 1er – Objet", ("1", "Objet", "article")),
        ("Article Second", ("2", "", "article")),
        ("Artículo tercero", ("3", "", "article")),
        ("Article Individual rights", ("", "Article Individual rights", "")),  # no "I" read out of a word
        ("1. Right to the city", ("", "1. Right to the city", "")),  # a numbered paragraph, unless at article level
        ("Preamble", ("", "Preamble", "")),
        ("Role of the city in the international promotion of human rights",
         ("", "Role of the city in the international promotion of human rights", "")),
    ],
)
def test_headings_met_in_real_charters(heading, expected):
    assert parse_article_heading(heading) == expected


def test_a_bare_number_is_an_article_where_articles_are():
    assert parse_article_heading("1. Right to the city", article_level=True) == ("1", "Right to the city", "article")
    document = import_markdown("# T\n\n## Rights\n\n### 1. Right to the city\n\ntext\n\n### 2) Housing\n\ntext\n", "en")
    assert [(a.number, a.title, a.numbering) for a in document.articles] == [
        ("1", "Right to the city", "article"), ("2", "Housing", "article")]


@pytest.mark.parametrize("labels, values", [
    (["I", "2", "III", "4"], [1, 2, 3, 4]),  # styles mixed in one sequence
    (["A", "B", "C"], [1, 2, 3]),
    (["C", "D", "E"], [3, 4, 5]),
    (["I"], [1]),  # a lone I is Roman, a lone C a letter
    (["C"], [3]),
    (["XXXIX", "XL"], [39, 40]),
    (["I", "V"], [1, 5]),
    (["XIIbis"], [None]),
])
def test_numbers_are_read_by_value(labels, values):
    assert number_values(labels) == values


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_the_consultation_draft_has_the_charter_structure(locale):
    document = import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
    sections = document.sections
    assert len(sections) == 4
    preamble, general, agenda, final = sections
    assert [a.number for a in preamble.articles] == [""]
    assert [a.number for a in general.articles] == ["A", "B", "C"]
    assert [a.number for a in agenda.articles] == ROMAN + ["XIII"]
    assert len(final.articles) == 3 and all(a.number == "" for a in final.articles)
    for article in document.articles:
        assert 80 <= len(article.body.split()) <= 210, article.title
    assert not document.warnings


def test_the_three_languages_say_different_words_for_the_same_structure():
    titles = {
        locale: import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale).sections[2].articles[0].title
        for locale in ("en", "fr", "es")
    }
    assert titles == {"en": "Right to the city", "fr": "Droit à la ville", "es": "Derecho a la ciudad"}


def test_body_keeps_lists_and_deeper_headings():
    document = import_markdown("# T\n\n## Part\n\n### Article 1. One\n\n1. first\n2. second\n\n#### Note\n\ntext\n", "en")
    body = document.articles[0].body
    assert "1. first" in body and "#### Note" in body and "text" in body


def test_a_file_with_no_structure_is_refused():
    with pytest.raises(DocumentError):
        import_markdown("Just a paragraph of prose, nothing else.", "en")
