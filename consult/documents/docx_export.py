"""Word renderers of the document model: the charter (one language, or the languages side by
side), the redline between two versions, and the consultation report.

Word files are what the secretariat edits and circulates, so the structure is made of real
headings (navigation pane, screen readers), each file carries its language (spell-checking,
hyphenation) and lists are plain indented paragraphs that begin with their printed marker:
faithful to the text, and immune to Word's numbering engine renumbering them.
"""

import io
from datetime import UTC, datetime
from itertools import zip_longest

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as WordParagraph
from flask_babel import gettext as _
from flask_babel import ngettext

from consult.documents.blocks import Block, ListItem, Paragraph, Run, read_blocks
from consult.documents.chart_images import bar_chart_png
from consult.documents.model import (DocArticle, DocSection, Document, Figure, Redline, RedlineArticle, Report,
                                     ReportAmendment)
from consult.i18n import LANGUAGE_NAMES
from consult.text.redline import Change, word_diff

Container = WordDocument | _Cell

A4 = (Cm(21.0), Cm(29.7))
MARGIN = Cm(2.2)
INDENT = 0.8  # cm per list level; the marker hangs in it
CHART_WIDTH = Cm(15)
NOTE_STYLE = "Charter Note"
GREY = RGBColor(0x59, 0x59, 0x59)  # 7:1 on white
# Word wants a region; British English matches how the charter is written.
WORD_LANGUAGE = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES"}


# -- the charter ----------------------------------------------------------------------------------

def charter_docx(documents: list[Document]) -> bytes:
    """One document: the charter as printed. Several: one column per language, row by row."""
    if not documents:
        raise ValueError("no document to render")
    word = _charter(documents[0]) if len(documents) == 1 else _side_by_side(documents)
    return _save(word)


def _charter(document: Document) -> WordDocument:
    word = _new_word(document.locale, document.title)
    _title(word, document.title, document.subtitle)
    for section in document.sections:
        if section.title:
            word.add_paragraph(section.title, style="Heading 1")
        for article in section.articles:
            _write_article(word, section, article, document.article_word)
    return word


def _side_by_side(documents: list[Document]) -> WordDocument:
    """A landscape table, one column per language and one row per section heading or article,
    so that a reader compares the same article across languages at a glance."""
    first = documents[0]
    word = _new_word(first.locale, first.title, landscape=True)
    _title(word, first.title, first.subtitle)
    table = word.add_table(rows=0, cols=len(documents))
    table.style = "Table Grid"
    _header_row(table, [LANGUAGE_NAMES.get(d.locale, d.locale) for d in documents])
    for cell, document in zip(table.add_row().cells, documents):
        cell.paragraphs[0].add_run(document.title).bold = True
    for sections in zip_longest(*(d.sections for d in documents)):
        for cell, section in zip(table.add_row().cells, sections):
            if section and section.title:
                cell.add_paragraph(section.title, style="Heading 1")
        for articles in zip_longest(*(s.articles if s else [] for s in sections)):
            for cell, section, article, document in zip(table.add_row().cells, sections, articles, documents):
                if article:
                    _write_article(cell, section, article, document.article_word)
    for column, document in zip(table.columns, documents):
        for cell in column.cells:
            _tidy_cell(cell, _word_language(document.locale))
    return word


def _write_article(container: Container, section: DocSection, article: DocArticle, article_word: str) -> None:
    if not section.is_own_text(article):
        container.add_paragraph(article.heading(article_word), style="Heading 2")
    if article.outdated:
        _note(container, _("This translation has not yet been updated after a change in another language."))
    _write_blocks(container, read_blocks(article.body))
    if article.provenance:
        _note(container, _("Incorporated amendments"), bold=True)
        for line in article.provenance:
            _hang(container.add_paragraph(style=NOTE_STYLE), "•", level=1).add_run(line)


def _header_row(table: Table, labels: list[str]) -> None:
    """The language names, repeated at the top of every page the table runs onto."""
    row = table.add_row()
    row_properties = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        row_properties.append(OxmlElement(tag))
    for cell, label in zip(row.cells, labels):
        cell.paragraphs[0].add_run(label).bold = True


def _tidy_cell(cell: _Cell, language: str) -> None:
    """A new cell holds an empty paragraph: dropped once the cell has content of its own. Each
    run gets its column's language, for spell-checking and screen readers."""
    paragraphs = cell.paragraphs
    if len(paragraphs) > 1 and not paragraphs[0].text:
        cell._tc.remove(paragraphs[0]._p)
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            _set_language(run._r.get_or_add_rPr(), language)


# -- Markdown blocks --------------------------------------------------------------------------------

def _write_blocks(container: Container, blocks: list[Block], level: int = 0) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            paragraph = container.add_paragraph()
            if level:
                paragraph.paragraph_format.left_indent = Cm(INDENT * level)
            _write_runs(paragraph, block.runs)
        else:
            for item in block.items:
                _write_item(container, item, level + 1)


def _write_item(container: Container, item: ListItem, level: int) -> None:
    """The item's first paragraph carries the marker; what follows is indented under its text."""
    first, rest = item.blocks[:1], item.blocks[1:]
    if not (first and isinstance(first[0], Paragraph)):
        first, rest = [Paragraph([])], item.blocks
    paragraph = _hang(container.add_paragraph(), item.marker, level)
    _write_runs(paragraph, first[0].runs)
    _write_blocks(container, rest, level)


def _hang(paragraph: WordParagraph, marker: str, level: int) -> WordParagraph:
    """Marker, tab, text: a hanging indent keeps wrapped lines aligned with the text."""
    indent = Cm(INDENT * level)
    paragraph.paragraph_format.left_indent = indent
    paragraph.paragraph_format.first_line_indent = -Cm(INDENT)
    paragraph.paragraph_format.tab_stops.add_tab_stop(indent)
    paragraph.add_run(f"{marker}\t")
    return paragraph


def _write_runs(paragraph: WordParagraph, runs: list[Run]) -> None:
    for run in runs:
        word_run = paragraph.add_run(run.text)  # python-docx turns "\n" into a line break
        if run.bold:
            word_run.bold = True
        if run.italic:
            word_run.italic = True


def _note(container: Container, text: str, *, bold: bool = False) -> WordParagraph:
    paragraph = container.add_paragraph(style=NOTE_STYLE)
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    return paragraph


# -- the redline ----------------------------------------------------------------------------------

class _Revisions:
    """Word tracked changes (w:ins, w:del): the Review tab lists them and accepts or rejects each.
    Every revision needs an id unique in the document, an author and a date."""

    def __init__(self, author: str) -> None:
        self.author = author
        self.date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.count = 0

    def mark(self, op: str) -> BaseOxmlElement:
        self.count += 1
        element = OxmlElement("w:ins" if op == "insert" else "w:del")
        element.set(qn("w:id"), str(self.count))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        return element


def redline_docx(redline: Redline) -> bytes:
    """Every article with its heading; the changed ones with their text as tracked changes."""
    word = _new_word(redline.locale, redline.title)
    _title(word, redline.title, _("Changes from %(old)s to %(new)s", old=redline.from_label, new=redline.to_label))
    _write_legend(word)
    revisions = _Revisions(author=redline.to_label)
    for article in redline.articles:
        _write_change(word, article, revisions)
    return _save(word)


def _write_legend(word: WordDocument) -> None:
    """How to read the marks, in words as well as in the marks themselves: no colour needed."""
    _note(word, _("How to read the changes"), bold=True)
    # One sentence per mark, translated whole; the sample words inside it carry the mark itself.
    for sentence, sample, strike in ((_("%(text)s is struck through.", text="\0"), _("Deleted text"), True),
                                     (_("%(text)s is underlined.", text="\0"), _("Inserted text"), False)):
        before, _marker, after = sentence.partition("\0")
        paragraph = word.add_paragraph(before, style=NOTE_STYLE)
        font = paragraph.add_run(sample).font
        if strike:
            font.strike = True
        else:
            font.underline = True
        paragraph.add_run(after)
    _note(word, _("They are tracked changes: accept or reject each one in the Review tab of your word "
                  "processor. If you do not see them, show all markup."))


def _write_change(word: WordDocument, article: RedlineArticle, revisions: _Revisions) -> None:
    status = article.status
    heading = article.new_heading or article.old_heading
    if status == "changed" and article.old_heading != article.new_heading:
        heading = f"{article.old_heading} → {article.new_heading}"
    word.add_paragraph(heading, style="Heading 1")
    if status in ("added", "removed"):
        word.add_paragraph().add_run(_("New article") if status == "added" else _("Article removed")).bold = True
    if status == "unchanged":
        word.add_paragraph(_("No change."))
        return
    if article.old_body == article.new_body:
        return
    for line, end in _lines(word_diff(_plain_text(article.old_body), _plain_text(article.new_body))):
        _write_tracked(word.add_paragraph(), line, end, revisions)


def _plain_text(markdown: str) -> str:
    """The body as a reader sees it, one line per paragraph or list item, each starting with its
    marker and one tab per level of nesting: the diff then compares text, not Markdown syntax."""
    lines: list[str] = []

    def walk(blocks: list[Block], depth: int) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                lines.append("\t" * depth + block.text)
                continue
            for item in block.items:
                first = item.blocks[0] if item.blocks and isinstance(item.blocks[0], Paragraph) else None
                lines.append("\t" * depth + item.marker + (f" {first.text}" if first else ""))
                walk(item.blocks[1:] if first else item.blocks, depth + 1)

    walk(read_blocks(markdown), 0)
    return "\n".join(lines)


def _lines(changes: list[Change]) -> list[tuple[list[Change], str]]:
    """Split the diff into paragraphs, each with the operation of the line break that ends it:
    a paragraph mark inserted or deleted is itself a tracked change."""
    lines: list[list[Change]] = [[]]
    ends: list[str] = []
    for change in changes:
        for index, piece in enumerate(change.text.split("\n")):
            if index:
                ends.append(change.op)
                lines.append([])
            if piece:
                lines[-1].append(Change(change.op, piece))
    ends.append("equal")
    return list(zip(lines, ends))


def _write_tracked(paragraph: WordParagraph, line: list[Change], end: str, revisions: _Revisions) -> None:
    level, line = _dedent(line)
    if level:
        paragraph.paragraph_format.left_indent = Cm(INDENT * level)
    for change in line:
        run = _text_run(change.text, deleted=change.op == "delete")
        if change.op == "equal":
            paragraph._p.append(run)
        else:
            mark = revisions.mark(change.op)
            mark.append(run)
            paragraph._p.append(mark)
    if end != "equal":
        mark_properties = OxmlElement("w:rPr")
        mark_properties.append(revisions.mark(end))
        paragraph._p.get_or_add_pPr().insert_element_before(mark_properties, "w:sectPr", "w:pPrChange")


def _dedent(line: list[Change]) -> tuple[int, list[Change]]:
    """Leading tabs give the nesting level (an indent), not text."""
    level, rest = 0, list(line)
    while rest and rest[0].text.startswith("\t"):
        change = rest.pop(0)
        text = change.text.lstrip("\t")
        level = max(level, len(change.text) - len(text))
        if text:
            rest.insert(0, Change(change.op, text))
            break
    return level, rest


def _text_run(text: str, *, deleted: bool) -> BaseOxmlElement:
    """A run of text; deleted text must be w:delText, or Word reports the file as damaged."""
    run = OxmlElement("w:r")
    content = OxmlElement("w:delText" if deleted else "w:t")
    content.set(qn("xml:space"), "preserve")
    content.text = text
    run.append(content)
    return run


# -- the report ------------------------------------------------------------------------------------

def report_docx(report: Report) -> bytes:
    """Totals, each figure as a chart and a table, then the outcome of every amendment."""
    word = _new_word(report.locale, report.title)
    _title(word, report.title, report.subtitle)
    if report.totals:
        _number_table(word, report.totals)
    if report.figures:
        word.add_paragraph(_("Figures"), style="Heading 1")
        for figure in report.figures:
            _write_figure(word, figure)
    word.add_paragraph(_("Outcome of every amendment"), style="Heading 1")
    articles = [article for article in report.articles if article.amendments]
    if not articles:
        word.add_paragraph(_("No amendments were proposed."))
    for article in articles:
        word.add_paragraph(article.heading, style="Heading 2")
        for amendment in article.amendments:
            _write_amendment(word, amendment)
    return _save(word)


def _write_figure(word: WordDocument, figure: Figure) -> None:
    word.add_paragraph(figure.title, style="Heading 2")
    if not figure.items:
        word.add_paragraph(_("Nothing yet."))
        return
    picture = word.add_paragraph().add_run().add_picture(io.BytesIO(bar_chart_png(figure)), width=CHART_WIDTH)
    numbers = "; ".join(f"{label}: {value}" for label, value in figure.items)
    picture._inline.docPr.set("descr", f"{figure.title}. {numbers}")
    _number_table(word, [(label, str(value)) for label, value in figure.items])


def _number_table(word: WordDocument, rows: list[tuple[str, str]]) -> None:
    table = word.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        label_cell, value_cell = table.add_row().cells
        label_cell.text = label
        value_cell.text = value
        value_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word.add_paragraph()


def _write_amendment(word: WordDocument, amendment: ReportAmendment) -> None:
    word.add_paragraph(f"{amendment.reference} {amendment.heading}", style="Heading 3")
    outcome = word.add_paragraph()
    outcome.add_run(amendment.status).bold = True
    outcome.add_run(" · " + ngettext("%(num)s support", "%(num)s supports", amendment.supports))
    for label, markdown in ((_("Proposal"), amendment.proposal), (_("Public answer"), amendment.answer)):
        word.add_paragraph().add_run(label).bold = True
        _write_blocks(word, read_blocks(markdown))


# -- the Word file itself ----------------------------------------------------------------------------

def _new_word(locale: str, title: str, *, landscape: bool = False) -> WordDocument:
    """An A4 document in the given language, with the note style the renderers use."""
    word = docx.Document()
    section = word.sections[0]
    width, height = A4
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = MARGIN
    language = _word_language(locale)
    _set_language(word.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0], language)
    properties = word.core_properties
    properties.title, properties.language = title, language
    properties.author = properties.last_modified_by = properties.comments = ""
    properties.created = properties.modified = datetime.now(UTC)
    note = word.styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = word.styles["Normal"]
    note.font.size, note.font.italic, note.font.color.rgb = Pt(9), True, GREY
    note.paragraph_format.space_after = Pt(3)
    return word


def _title(word: WordDocument, title: str, subtitle: str) -> None:
    word.add_paragraph(title, style="Title")
    if subtitle:
        word.add_paragraph(subtitle, style="Subtitle")


def _word_language(locale: str) -> str:
    return WORD_LANGUAGE.get(locale, locale.replace("_", "-"))


def _set_language(run_properties: BaseOxmlElement, language: str) -> None:
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_properties.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), language)


def _save(word: WordDocument) -> bytes:
    output = io.BytesIO()
    word.save(output)
    return output.getvalue()
