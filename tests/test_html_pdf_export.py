"""Print-ready HTML and PDF of charters, redlines and reports: pure renderers, no app needed.

PDFs are read back with pypdf, so the checks are on what a reader gets: pages, orientation,
text in the right language, metadata.
"""

import io
import socket
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
import weasyprint

from consult.documents.html_export import (
    RefusingFetcher, charter_html, charter_pdf, redline_html, redline_pdf, report_html, report_pdf,
)
from consult.documents.markdown_import import import_markdown
from consult.documents.model import (
    DocArticle, DocSection, Document, Figure, Redline, RedlineArticle, Report, ReportAmendment, ReportArticle,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "charter"
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "track", "wbr"}


class Outline(HTMLParser):
    """Checks that every element is closed in order, and keeps headings and lang attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.open: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.langs: list[str] = []
        self.classes: list[str] = []
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()
        assert not self.open, f"unclosed: {self.open}"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "lang" in attributes:
            self.langs.append(attributes["lang"])
        self.classes += (attributes.get("class") or "").split()
        if tag in VOID:
            return
        self.open.append(tag)
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        if tag in ("h1", "h2", "h3", "h4") and self._heading is not None:
            self.headings.append((tag, " ".join("".join(self._heading).split())))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)

    def texts(self, tag: str) -> list[str]:
        return [text for level, text in self.headings if level == tag]


def seed(locale: str) -> Document:
    document = import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
    document.subtitle = {"en": "Consultation draft", "fr": "Projet soumis à consultation", "es": "Borrador"}[locale]
    return document


def pdf_text(pdf: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text with line breaks (and the hyphens they may carry) joined up."""
    return " ".join(text.replace("-\n", "").split())


@pytest.fixture(scope="module")
def english() -> Document:
    document = seed("en")
    document.articles[4].provenance = ["Amendment 12 by City of Lyon (Open round), accepted"]
    document.articles[5].outdated = True
    return document


@pytest.fixture(scope="module")
def three() -> list[Document]:
    return [seed(locale) for locale in ("en", "fr", "es")]


@pytest.fixture(scope="module")
def english_pdf(english) -> bytes:
    return charter_pdf([english])


@pytest.fixture(scope="module")
def redline() -> Redline:
    return Redline("Global Charter-Agenda", "en", from_label="Charter 2011", to_label="Draft 2026", articles=[
        RedlineArticle("Article I. Right to the city", "Article I. Right to the city",
                       "The city protects housing.", "The city guarantees decent housing."),
        RedlineArticle("Article II. Old title", "Article III. New title", "Same text.", "Same text."),
        RedlineArticle("Article IV. Culture", "Article IV. Culture", "Unchanged body.", "Unchanged body."),
        RedlineArticle("", "Article V. Climate justice", "", "Cities reduce emissions."),
        RedlineArticle("Article VI. Obsolete", "", "Telegraph offices.", ""),
    ])


@pytest.fixture(scope="module")
def report() -> Report:
    return Report(
        title="Report of the consultation: Open round", subtitle="Draft 2026", locale="en",
        totals=[("Participants", "128"), ("Amendments", "3")],
        figures=[Figure("Amendments by outcome", [("Accepted", 2), ("Rejected", 1)]),
                 Figure("Participants by region", [("Europe", 40), ("Latin America and the Caribbean", 33)]),
                 Figure("Participants by kind of organisation", [])],
        articles=[
            ReportArticle("Article I. Right to the city", [
                ReportAmendment("#12", "Change proposed by City of Lyon (France), in French", "Accepted in part",
                                "We kept the reference to **public spaces**.", "Add *public spaces*.", supports=14),
                ReportAmendment("#15", "Change proposed by <script>alert(1)</script>, in Spanish", "Rejected",
                                "Out of scope.", "A longer text.", supports=1),
            ]),
            ReportArticle("Article X. Right to housing", []),
        ],
    )


# -- the charter, one language ------------------------------------------------------------------

def test_charter_html_is_a_standalone_book(english):
    html = charter_html([english])
    outline = Outline(html)
    assert html.startswith("<!doctype html>") and '<html lang="en">' in html
    assert "<link" not in html and "<style>" in html and "@page" in html  # stylesheet inlined
    assert outline.texts("h1") == ["Global Charter-Agenda for Human Rights in the City"]
    assert outline.texts("h2")[1:] == ["Preamble", "General provisions", "Agenda of rights and obligations",
                                       "Final provisions", "Incorporated amendments"]  # the appendix
    assert outline.texts("h2")[0] == "Table of contents"
    assert "Preamble" not in outline.texts("h3")  # a section's own text has no heading of its own
    assert outline.texts("h3")[:4] == ["A. Objective", "B. Scope of application", "C. Values and principles",
                                       "Article I. Right to the city"]
    assert html.count('href="#s3-a1"') == 1 and 'id="s3-a1"' in html  # the contents link to the articles
    assert "lettered" in outline.classes  # "- a) …" items lose their bullets


def test_charter_notes_for_provenance_and_outdated_translations(english):
    html = charter_html([english])
    assert "Incorporated amendments" in html and "Amendment 12 by City of Lyon (Open round), accepted" in html
    assert "This translation has not yet been updated after a change in another language." in html


def test_content_is_escaped_and_sanitised():
    body = 'Text <img src="http://example.invalid/a.png">\n\n![remote](http://example.invalid/b.png)'
    document = Document(title="<script>alert(1)</script> Charter", locale="en", subtitle="A & B", sections=[
        DocSection("Part <b>one</b>", [DocArticle("I", "Title <i>x</i>", body, "article")]),
    ])
    html = charter_html([document])
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Charter" in html
    assert "Part &lt;b&gt;one&lt;/b&gt;" in html and "A &amp; B" in html
    assert "<img" not in html and "&lt;img" in html  # typed HTML shows as text, Markdown images are dropped
    Outline(html)


def test_charter_pdf_pages_text_and_metadata(english_pdf):
    reader, text = pdf_text(english_pdf)
    assert len(reader.pages) > 1
    assert reader.metadata.title == "Global Charter-Agenda for Human Rights in the City · Consultation draft"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    box = reader.pages[0].mediabox
    assert round(box.width) == 595 and round(box.height) == 842  # A4 portrait
    for heading in ("Table of contents", "Preamble", "Article I. Right to the city", "Article XIII. Right to a"):
        assert heading in text
    assert "Incorporated amendments" in text


def test_charter_pdf_contents_give_page_numbers(english_pdf):
    reader, _ = pdf_text(english_pdf)
    contents = reader.pages[0].extract_text()
    line = next(line for line in contents.splitlines() if "Article I. Right to the city" in line)
    page = int(line.rstrip().rsplit(" ", 1)[-1].strip(". "))
    assert page > 1 and "Article I. Right to the city" in reader.pages[page - 1].extract_text()


# -- several languages side by side ------------------------------------------------------------

def test_side_by_side_html_marks_each_column_language(three):
    html = charter_html(three)
    outline = Outline(html)
    assert '<html lang="en">' in html  # the words the renderer prints are in the caller's locale
    assert {"en", "fr", "es"} <= set(outline.langs)
    assert '<th scope="col" lang="fr">Français</th>' in html and '<th scope="col" lang="es">Español</th>' in html
    assert {"Article I. Right to the city", "Article I. Droit à la ville", "Artículo I. Derecho a la ciudad"} <= set(
        outline.texts("h3"))
    assert {"Preamble", "Préambule", "Preámbulo"} <= set(outline.texts("h2"))


def test_side_by_side_pdf_is_landscape_and_in_three_languages(three):
    reader, text = pdf_text(charter_pdf(three))
    assert len(reader.pages) > 1
    assert all(page.mediabox.width > page.mediabox.height for page in reader.pages)
    for heading in ("Article I. Right to the city", "Article I. Droit à la ville", "Artículo I. Derecho a la ciudad"):
        assert heading in flat(text)
    assert "FRANÇAIS" in text and "ESPAÑOL" in text  # the language row, repeated on each page


def test_side_by_side_keeps_a_missing_translation_in_its_column():
    full = Document("Charter", "en", [DocSection("Part", [DocArticle("I", "One", "Text one.", "article"),
                                                          DocArticle("II", "Two", "Text two.", "article")])])
    short = Document("Charte", "fr", [DocSection("Partie", [DocArticle("I", "Un", "Texte un.", "article")])])
    html = charter_html([full, short])
    Outline(html)
    assert "Article II. Two" in html and html.count('<td lang="fr">') >= 3


# -- redlines ------------------------------------------------------------------------------------

def test_redline_html_marks_changes_with_hidden_labels(redline):
    html = redline_html(redline)
    outline = Outline(html)
    assert outline.texts("h1") == ["Global Charter-Agenda"]
    assert "Changes from Charter 2011 to Draft 2026" in html
    assert "<del><span class=\"visually-hidden\">[deleted: </span>protects<" in html
    assert "visually-hidden" in html and ".visually-hidden" in html  # labels kept in the text, hidden by the CSS
    assert "Article II. Old title → Article III. New title" in outline.texts("h2")
    assert "New article" in html and "Article removed" in html and html.count("No change.") == 1


def test_redline_pdf_shows_deleted_and_inserted_words(redline):
    reader, text = pdf_text(redline_pdf(redline))
    text = flat(text)
    assert reader.metadata.title.startswith("Global Charter-Agenda")
    for words in ("protects", "guarantees decent", "Cities reduce emissions.", "Telegraph offices.",
                  "Deleted text", "Inserted text", "No change.", "New article", "Article removed"):
        assert words in text


def test_redline_lines_keep_list_shape():
    html = redline_html(Redline("T", "en", "a", "b", [RedlineArticle(
        "A", "A", "1. First point\n   - a) sub\n\n**Plan**", "1. First point, amended\n   - a) sub\n\n**Plan**")]))
    redline = Outline(html)  # the text as a reader sees it: lists as lists, bold without asterisks
    assert '<ol class="redline-list"><li>\n<span class="redline-marker">1.</span> First point<ins>' in html
    assert '<ul class="redline-list"><li>\n<span class="redline-marker">a)</span> sub\n</li></ul>' in html
    assert "<p><strong>Plan</strong></p>" in html and "**" not in html and "- a)" not in html
    assert redline.texts("h2") == ["A"]


# -- the report ----------------------------------------------------------------------------------

def test_report_html_has_figures_tables_and_answers(report):
    html = report_html(report)
    outline = Outline(html)
    assert outline.texts("h2") == ["Figures", "Outcome of every amendment"]
    assert html.count("<svg") == 3 and 'id="figure-2-title"' in html
    assert "<th scope=\"row\">Latin America and the Caribbean</th><td>33</td>" in html
    assert "<dt>Participants</dt><dd>128</dd>" in html
    assert "We kept the reference to <strong>public spaces</strong>." in html
    assert "14 supports" in html and "1 support<" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Article X. Right to housing" not in html  # an article without amendments is left out


def test_report_pdf_contains_figures_and_answers(report):
    _, text = pdf_text(report_pdf(report))
    text = flat(text)
    for words in ("Amendments by outcome", "Participants by region", "Participants by kind of organisation",
                  "We kept the reference to public spaces.", "Out of scope.", "Accepted in part", "14 supports"):
        assert words in text


def test_empty_report_says_so():
    html = report_html(Report(title="Report", subtitle="", locale="fr"))
    assert '<html lang="fr">' in html and "No amendments were proposed." in html and "<svg" not in html
    Outline(html)


# -- nothing is fetched --------------------------------------------------------------------------

def test_the_fetcher_refuses_every_url():
    for url in ("http://example.invalid/a.png", "https://example.invalid/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            RefusingFetcher().fetch(url)


def test_no_network_even_for_remote_images(monkeypatch):
    asked: list[str] = []
    refuse = RefusingFetcher.fetch

    def record(self, url, headers=None):
        asked.append(url)
        return refuse(self, url, headers)

    def no_socket(*args, **kwargs):
        raise AssertionError("the renderer opened a network connection")

    monkeypatch.setattr(RefusingFetcher, "fetch", record)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    monkeypatch.setattr(socket.socket, "connect", no_socket)
    html = '<!doctype html><html lang="en"><body><p>x</p><img src="http://example.invalid/a.png" alt=""></body></html>'
    weasyprint.HTML(string=html, url_fetcher=RefusingFetcher()).write_pdf()
    assert asked == ["http://example.invalid/a.png"]  # asked, and refused

    asked.clear()
    image = DocArticle("I", "One", "![x](http://example.invalid/b.png)", "article")
    document = Document("Charter", "en", [DocSection("Part", [image])])
    charter_pdf([document])
    assert asked == []  # bodies are sanitised: nothing to fetch at all

