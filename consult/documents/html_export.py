"""Print-ready HTML of the document model, and PDF made from that same HTML by WeasyPrint.

The HTML stands alone (it is also the "html" download): the print stylesheet is inlined and
nothing refers to another file, so WeasyPrint is given a fetcher that refuses every URL and the
renderer never reaches the network, whatever a body contains. Templates use a private Jinja
environment, so no Flask request is needed; their fixed words go through Flask-Babel, in the
locale the caller forces.
"""

from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from typing import NoReturn

from flask_babel import get_locale, gettext, ngettext
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from consult.documents.charts import bar_chart
from consult.documents.model import DocArticle, DocSection, Document, Figure, Redline, Report
from consult.i18n import LANGUAGE_NAMES
from consult.text.markdown import render_markdown
from consult.text.redline import redline_html as text_redline_html



class RefusingFetcher(URLFetcher):
    """Every URL is refused: the documents are self-contained, and a sanitised body that still
    named a remote image must not make the server fetch it."""

    def fetch(self, url: str, headers: dict | None = None) -> NoReturn:
        raise ValueError(f"the PDF renderer fetches nothing: {url}")


def _markdown(text: str, heading_offset: int = 3) -> Markup:
    """Charter Markdown as sanitised HTML, its headings pushed under the heading that holds it."""
    return Markup(render_markdown(text, heading_offset=heading_offset))


def _word_redline(old: str, new: str) -> Markup:
    """The redline of two Markdown texts as the reader sees them: paragraphs, lists, bold."""
    return Markup(text_redline_html(old, new, deleted_label=gettext("deleted:"), inserted_label=gettext("inserted:")))


# WeasyPrint styles an inline SVG from the SVG's own <style> only, not from the page's CSS; the
# site cannot carry this inside the chart (its CSP refuses inline styles), so the print adds it.
_CHART_STYLE = ('<style>text { font-family: "Liberation Sans", Arial, sans-serif; font-size: 13px; fill: #1c2430; }'
                " .chart-value { font-weight: bold; }</style>")


def _chart(figure: Figure, index: int) -> Markup:
    svg = bar_chart(figure.title, figure.items, chart_id=f"figure-{index}",
                    description=gettext("The figures are in the table below."))
    return Markup(svg.replace("<title", _CHART_STYLE + "<title", 1))


_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.install_gettext_callables(gettext, ngettext, newstyle=True)
_env.filters["markdown"] = _markdown
_env.globals.update(word_redline=_word_redline, language_name=LANGUAGE_NAMES.get,
                    chart=_chart)


@dataclass
class _Unit:
    """One article in every language, None where a language lacks it."""

    articles: list[DocArticle | None]
    section_text: bool  # the section's own text: printed without a heading, not in the contents


@dataclass
class _Part:
    sections: list[DocSection | None]
    units: list[_Unit]


def _aligned(documents: list[Document]) -> list[_Part]:
    """Sections and articles of every language paired by position, as translations share one
    structure; a language missing a unit leaves its cell empty rather than shifting the rest."""
    parts = []
    for sections in zip_longest(*(d.sections for d in documents)):
        units = [
            _Unit(list(cells), any(s and a and s.is_own_text(a) for s, a in zip(sections, cells)))
            for cells in zip_longest(*(s.articles if s else [] for s in sections))
        ]
        parts.append(_Part(list(sections), units))
    return parts


def charter_html(documents: list[Document]) -> str:
    """One language as a book (cover, contents, a page per section); several side by side, in
    landscape columns, each column in its own language."""
    if not documents:
        raise ValueError("no document to render")
    if len(documents) == 1:
        return _env.get_template("documents/charter.html").render(document=documents[0])
    return _env.get_template("documents/charter_columns.html").render(
        documents=documents, parts=_aligned(documents), lang=str(get_locale() or documents[0].locale))


def redline_html(redline: Redline) -> str:
    return _env.get_template("documents/redline.html").render(redline=redline)


def report_html(report: Report) -> str:
    return _env.get_template("documents/report.html").render(report=report)


def _pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1), so screen readers get headings, lists and tables; its title and
    language come from the HTML's <title> and lang."""
    return HTML(string=html, base_url=None, url_fetcher=RefusingFetcher()).write_pdf(pdf_variant="pdf/ua-1")


def charter_pdf(documents: list[Document]) -> bytes:
    return _pdf(charter_html(documents))


def redline_pdf(redline: Redline) -> bytes:
    return _pdf(redline_html(redline))


def report_pdf(report: Report) -> bytes:
    return _pdf(report_html(report))
