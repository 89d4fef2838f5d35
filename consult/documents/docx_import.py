"""Word importer: a .docx read into the same `Document` the Markdown importer makes.

The outline comes from Word's heading styles where the author used them (Title for the charter's
title, Heading 1 for sections, Heading 2 for articles). Styles are recognised by their built-in
name, their id or their outline level, because French and Spanish Word files call them "Titre 1"
or "Título 1". A level the author did not style is recognised from the text instead ("Article I.",
"ARTICLE II.", bold "A. Objective", bold all-capitals section titles), since many charters are
typed with bold lines rather than styles.

Bodies become Markdown: Word lists (numbering.xml) and typed "1." or "a)" paragraphs become
Markdown lists, bold and italic runs become emphasis, and every other character that Markdown
would read as markup is escaped. Only the text a reader sees once every tracked change is accepted
is kept: deleted and hidden text, field codes, tables of contents and footnote marks are left out.
Tables are kept as plain paragraphs, one per cell, with a warning, because their text usually
belongs to the charter.

This module trusts the package it is given: files from outside come through
`uploads.read_upload`, which checks the zip's sizes and refuses DTDs before anything is parsed.
"""

import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

import docx
from docx.document import Document as WordDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from flask_babel import lazy_gettext as _l
from lxml import etree

from consult.documents.headings import parse_article_heading
from consult.documents.model import DocArticle, DocSection, Document, DocumentError

NOT_A_WORD_FILE = _l(
    "This file is not a Word document (.docx). If it comes from another word processor, save it "
    "as a Word document (.docx) and try again."
)
DAMAGED = _l("The Word file is damaged or incomplete; save it again from Word and retry.")
NO_STRUCTURE = _l(
    "No sections or articles were found: use Word's heading styles (Heading 1 for sections, "
    "Heading 2 for articles) or headings such as “Article I.”."
)

# A heading is a line, not a paragraph of prose: longer text is never read as a heading.
SHORT_HEADING = 150

_W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_TOC_GALLERY = etree.XPath("./w:sdtPr/w:docPartObj/w:docPartGallery/@w:val", namespaces=_W)
_SDT_CONTENT = qn("w:sdtContent")
_BLOCK_CONTAINERS = {qn("w:customXml")}
# Inline wrappers whose runs are part of the text: links, smart tags, bidi overrides.
_INLINE_CONTAINERS = {qn("w:hyperlink"), qn("w:smartTag"), qn("w:customXml"), qn("w:bdo"), qn("w:dir")}
_INSERTED = {qn("w:ins"), qn("w:moveTo")}
_DELETED = {qn("w:del"), qn("w:moveFrom")}
_SPACE_LIKE = {qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:ptab")}
_NOTE_MARKS = {qn("w:footnoteReference"), qn("w:endnoteReference")}

# Style names and ids, lower-cased and reduced to ASCII letters, digits and hyphens: Word writes
# "heading 1" as the name but a localised id ("Titre1", "Ttulo1" — it drops accented letters).
_NOT_IN_STYLE_KEY = re.compile(r"[^a-z0-9-]")
_HEADING_STYLE = re.compile(r"^(?:heading|titre|ttulo|encabezado)([1-9])$")
_TOC_STYLE = re.compile(r"^(?:toc|tm|tdc|contents)[1-9]$")
_TOC_HEADING_STYLES = {"tocheading", "en-ttedetabledesmatires", "encabezadodetdc", "ttulodetdc", "contentsheading"}
_TITLE_STYLES = {"title", "titre", "ttulo"}
_SUBTITLE_STYLES = {"subtitle", "sous-titre", "subttulo"}

_PART = re.compile(
    r"^(?:part|partie|parte|chapter|chapitre|cap[ií]tulo|title|titre|t[ií]tulo)\s+"
    r"(?:[IVXLC]+|\d+|premi[eè]re?|primer[oa]?)\b",
    re.IGNORECASE,
)
_SECTION_NAMES = {
    "preamble", "préambule", "preámbulo",
    "general provisions", "dispositions générales", "disposiciones generales",
    "final provisions", "dispositions finales", "disposiciones finales",
}
_TYPED_ORDERED = re.compile(r"^(\d{1,3})[.)]\s+")
_TYPED_LETTERED = re.compile(r"^\(?([a-z])\)\s+")
_TYPED_BULLET = re.compile(r"^[•·▪◦‣–-]\s+")
_SPACES = re.compile(r"[ \t\r\n]+")
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<&])")
_MARKDOWN_LINE_START = re.compile(r"^(?:(#|>|[-+=~])|(\d{1,9})([.)]))")


def import_docx(data: bytes, locale: str) -> Document:
    """Read a Word document's outline and text; raises DocumentError with a message to show."""
    word = _open(data)
    styles = _Styles(word.styles.element)
    reader = _Reader(styles, _Numbering(word.part.numbering_part.element))
    if word.element.body is not None:
        reader.read_blocks(word.element.body)
    document = _Builder(locale, reader.paragraphs).build()
    if reader.footnotes:
        document.warnings.append(_l(
            "The footnotes (%(count)s) were not imported; add their text to the articles if it is needed.",
            count=reader.footnotes,
        ))
    if reader.tracked_changes:
        document.warnings.append(_l(
            "The file contains tracked changes: they were imported as if accepted (insertions kept, "
            "deletions left out)."
        ))
    return document


def _open(data: bytes) -> WordDocument:
    try:
        return docx.Document(io.BytesIO(data))
    except ValueError as error:  # python-docx: a package whose main part is not a Word document
        raise DocumentError(NOT_A_WORD_FILE) from error
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as error:
        raise DocumentError(DAMAGED) from error


# -- reading the XML: paragraphs as a reader sees them -------------------------------------------

def _val(element: etree._Element | None, tag: str) -> str | None:
    """The w:val of a child property element, as Word stores most settings."""
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _toggle(properties: etree._Element | None, tag: str) -> bool | None:
    """An on/off run property (w:b, w:i…): absent is None, so a style further up can decide."""
    child = properties.find(qn(tag)) if properties is not None else None
    if child is None:
        return None
    return child.get(qn("w:val"), "true") not in ("0", "false", "off")


def _int(value: str | None, default: int) -> int:
    """A number attribute, bounded: a list starting at two billion is an attack, not a charter
    (lettered numbering would print the letter value/26 times)."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return max(-MAX_LIST_NUMBER, min(number, MAX_LIST_NUMBER))


def _style_key(text: str | None) -> str:
    return _NOT_IN_STYLE_KEY.sub("", (text or "").lower())


@dataclass(frozen=True)
class _Role:
    kind: str  # "title", "subtitle", "heading", "toc" or "body"
    level: int = 0  # headings: 1 for a section, 2 for an article, deeper ones stay in the text


_BODY = _Role("body")


def _role_by_name(key: str) -> _Role | None:
    if key in _TITLE_STYLES:
        return _Role("title")
    if key in _SUBTITLE_STYLES:
        return _Role("subtitle")
    if key in _TOC_HEADING_STYLES or _TOC_STYLE.match(key):
        return _Role("toc")
    match = _HEADING_STYLE.match(key)
    return _Role("heading", int(match[1])) if match else None


def _role_by_outline(properties: etree._Element | None) -> _Role | None:
    """w:outlineLvl 0–8 makes a paragraph a heading of that level; 9 is body text."""
    level = _val(properties, "w:outlineLvl")
    if level is None:
        return None
    number = _int(level, 9)
    return _Role("heading", number + 1) if 0 <= number < 9 else _BODY


class _Styles:
    """What a paragraph or run inherits from its style and the styles that one is based on."""

    def __init__(self, styles: etree._Element):
        self._by_id = {style.get(qn("w:styleId")): style for style in styles.iterchildren(qn("w:style"))}
        defaults = [
            style_id for style_id, style in self._by_id.items()
            if style.get(qn("w:type")) == "paragraph" and _toggle_attribute(style, "w:default")
        ]
        self._default_paragraph = defaults[0] if defaults else None
        self._roles: dict[str | None, _Role] = {}
        self._flags: dict[tuple[str | None, str], bool | None] = {}

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        seen = set()
        while style_id in self._by_id and style_id not in seen:
            seen.add(style_id)
            style = self._by_id[style_id]
            yield style
            style_id = _val(style, "w:basedOn")

    def paragraph_style(self, properties: etree._Element | None) -> str | None:
        return _val(properties, "w:pStyle") or self._default_paragraph

    def role(self, style_id: str | None) -> _Role:
        if style_id not in self._roles:
            self._roles[style_id] = self._find_role(style_id)
        return self._roles[style_id]

    def _find_role(self, style_id: str | None) -> _Role:
        for style in self.chain(style_id):
            role = (_role_by_name(_style_key(_val(style, "w:name")))
                    or _role_by_name(_style_key(style.get(qn("w:styleId"))))
                    or _role_by_outline(style.find(qn("w:pPr"))))
            if role:
                return role
        return _BODY

    def flag(self, style_id: str | None, tag: str) -> bool | None:
        """A run property (w:b, w:i, w:caps, w:vanish) as the style chain sets it."""
        key = (style_id, tag)
        if key not in self._flags:
            values = (_toggle(style.find(qn("w:rPr")), tag) for style in self.chain(style_id))
            self._flags[key] = next((value for value in values if value is not None), None)
        return self._flags[key]

    def list_reference(self, style_id: str | None) -> etree._Element | None:
        """The w:numPr a style puts on its paragraphs (list and numbered-heading styles)."""
        for style in self.chain(style_id):
            properties = style.find(qn("w:pPr"))
            numbering = properties.find(qn("w:numPr")) if properties is not None else None
            if numbering is not None:
                return numbering
        return None


def _toggle_attribute(element: etree._Element, name: str) -> bool:
    return element.get(qn(name), "0") in ("1", "true", "on")


@dataclass(frozen=True)
class _Mark:
    """The number or bullet Word prints before a list paragraph."""

    kind: str  # "ordered" (1, 2…), "lettered" (a, b… and i, ii…), "bullet" or "none"
    level: int
    value: int
    label: str  # this level's number as printed: "3", "c", "iv"
    text: str  # the whole prefix as printed: "Article III.", "1.2.", "•"


_LETTERED_FORMATS = {"lowerLetter", "upperLetter", "lowerRoman", "upperRoman"}
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


MAX_LIST_NUMBER = 10_000  # far beyond any charter's paragraphs


def _format_number(value: int, number_format: str) -> str:
    if number_format in ("lowerLetter", "upperLetter"):
        # Word goes on a…z, aa…zz, aaa…
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1) if value > 0 else ""
        return letter.upper() if number_format == "upperLetter" else letter
    if number_format in ("lowerRoman", "upperRoman"):
        roman = ""
        for amount, digits in _ROMAN:
            count, value = divmod(value, amount)
            roman += digits * count
        return roman.upper() if number_format == "upperRoman" else roman
    if number_format in ("bullet", "none"):
        return ""
    if number_format == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _mark_kind(number_format: str) -> str:
    if number_format in ("bullet", "none"):
        return number_format
    return "lettered" if number_format in _LETTERED_FORMATS else "ordered"


class _Numbering:
    """Word's list numbering, replayed in document order so each item gets the number Word shows.

    Counters belong to the abstract definition: two lists sharing one continue each other's
    numbering, unless a list restarts a level with a w:startOverride.
    """

    def __init__(self, numbering: etree._Element):
        self._abstracts = {a.get(qn("w:abstractNumId")): a for a in numbering.iterchildren(qn("w:abstractNum"))}
        self._lists = {n.get(qn("w:numId")): n for n in numbering.iterchildren(qn("w:num"))}
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()

    def mark(self, list_id: str, level: int) -> _Mark | None:
        instance = self._lists.get(list_id)
        if instance is None:
            return None
        abstract_id = _val(instance, "w:abstractNumId") or ""
        levels = self._levels(instance, abstract_id)
        if level not in levels:
            return None
        counters = self._counters.setdefault(abstract_id, {})
        if list_id not in self._started:
            self._started.add(list_id)
            for override in instance.iterchildren(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    counters[_int(override.get(qn("w:ilvl")), 0)] = _int(start, 1) - 1
        counters[level] = counters.get(level, self._start(levels[level]) - 1) + 1
        for deeper in [key for key in counters if key > level]:
            del counters[deeper]

        def printed(match: re.Match) -> str:
            referenced = int(match[1]) - 1
            definition = levels.get(referenced)
            if definition is None:
                return ""
            value = counters.get(referenced, self._start(definition))
            return _format_number(value, _val(definition, "w:numFmt") or "decimal")

        number_format = _val(levels[level], "w:numFmt") or "decimal"
        text = re.sub(r"%([1-9])", printed, _val(levels[level], "w:lvlText") or "")
        value = counters[level]
        return _Mark(_mark_kind(number_format), level, value, _format_number(value, number_format), text.strip())

    def _levels(self, instance: etree._Element, abstract_id: str) -> dict[int, etree._Element]:
        abstract = self._abstracts.get(abstract_id)
        levels = {
            _int(lvl.get(qn("w:ilvl")), 0): lvl
            for lvl in (abstract.iterchildren(qn("w:lvl")) if abstract is not None else [])
        }
        for override in instance.iterchildren(qn("w:lvlOverride")):
            replacement = override.find(qn("w:lvl"))
            if replacement is not None:
                levels[_int(override.get(qn("w:ilvl")), 0)] = replacement
        return levels

    @staticmethod
    def _start(level: etree._Element) -> int:
        return _int(_val(level, "w:start"), 1)


@dataclass
class _Run:
    text: str
    bold: bool = False
    italic: bool = False
    caps: bool = False


@dataclass
class _Paragraph:
    runs: list[_Run]
    role: _Role
    mark: _Mark | None
    table: int  # which table the paragraph is in, counting from 1; 0 outside tables

    @cached_property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @cached_property
    def heading(self) -> str:
        """The text as a heading: with the number Word prints before it, if any."""
        prefix = self.mark.text if self.mark and self.mark.kind != "bullet" else ""
        return f"{prefix} {self.text}".strip()

    @property
    def bold(self) -> bool:
        """Bold throughout, or a heading style of its own (deeper headings, Subtitle)."""
        visible = [run for run in self.runs if run.text.strip()]
        return self.role.kind in ("heading", "subtitle") or all(run.bold for run in visible)

    @property
    def capitals(self) -> bool:
        letters = [char for char in self.text if char.isalpha()]
        visible = [run for run in self.runs if run.text.strip()]
        return len(letters) >= 3 and (all(char.isupper() for char in letters) or all(run.caps for run in visible))


@dataclass
class _Field:
    """A complex field (w:fldChar begin … separate … end): Word shows its result, not its code."""

    code: str = ""
    in_result: bool = False

    @property
    def shows_text(self) -> bool:
        return self.in_result and not _is_toc(self.code)


def _is_toc(field_code: str) -> bool:
    """A table of contents field (" TOC \\o "1-3" \\h "): its cached entries are not charter text."""
    return field_code.upper().split()[:1] == ["TOC"]


class _Reader:
    """Walks the body in order and keeps the paragraphs a reader of the final text would see."""

    def __init__(self, styles: _Styles, numbering: _Numbering):
        self._styles = styles
        self._numbering = numbering
        self._fields: list[_Field] = []  # open fields; a table of contents spans many paragraphs
        self.paragraphs: list[_Paragraph] = []
        self.footnotes = 0
        self.tables = 0
        self.tracked_changes = False

    def read_blocks(self, container: etree._Element, table: int = 0) -> None:
        for child in container:
            if child.tag == qn("w:p"):
                self._paragraph(child, table)
            elif child.tag == qn("w:tbl"):
                if not table:
                    self.tables += 1
                for row in child.iterchildren(qn("w:tr")):
                    for cell in row.iterchildren(qn("w:tc")):
                        self.read_blocks(cell, table or self.tables)
            elif child.tag == qn("w:sdt") and "Table of Contents" not in _TOC_GALLERY(child):
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    self.read_blocks(content, table)
            elif child.tag in _BLOCK_CONTAINERS:
                self.read_blocks(child, table)

    def _paragraph(self, paragraph: etree._Element, table: int) -> None:
        properties = paragraph.find(qn("w:pPr"))
        style_id = self._styles.paragraph_style(properties)
        runs = _tidy(list(self._runs(paragraph, style_id)))  # read even when skipped: fields span paragraphs
        role = self._styles.role(style_id)
        if role.kind in ("heading", "body"):
            role = _role_by_outline(properties) or role
        if role.kind == "toc" or not runs:
            return
        reference = self._list_reference(properties, style_id)
        mark = self._numbering.mark(*reference) if reference else None
        self.paragraphs.append(_Paragraph(runs, role, mark, table))

    def _list_reference(self, properties: etree._Element | None, style_id: str | None) -> tuple[str, int] | None:
        direct = properties.find(qn("w:numPr")) if properties is not None else None
        inherited = self._styles.list_reference(style_id)
        list_id = _val(direct, "w:numId") or _val(inherited, "w:numId")
        level = _val(direct, "w:ilvl") or _val(inherited, "w:ilvl")
        if not list_id or list_id == "0":  # numId 0 switches off a style's numbering
            return None
        return list_id, _int(level, 0)

    def _runs(self, container: etree._Element, style_id: str | None) -> Iterator[_Run]:
        for child in container:
            if child.tag == qn("w:r"):
                run = self._run(child, style_id)
                if run:
                    yield run
            elif child.tag in _DELETED:
                self.tracked_changes = True
            elif child.tag in _INSERTED:
                self.tracked_changes = True
                yield from self._runs(child, style_id)
            elif child.tag == qn("w:sdt"):
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    yield from self._runs(content, style_id)
            elif child.tag == qn("w:fldSimple"):
                if not _is_toc(child.get(qn("w:instr")) or ""):
                    yield from self._runs(child, style_id)
            elif child.tag in _INLINE_CONTAINERS:
                yield from self._runs(child, style_id)

    def _run(self, run: etree._Element, style_id: str | None) -> _Run | None:
        properties = run.find(qn("w:rPr"))
        hidden = self._flag(properties, style_id, "w:vanish")
        text = []
        for child in run:
            if child.tag == qn("w:fldChar"):
                self._field_char(child.get(qn("w:fldCharType")))
            elif child.tag == qn("w:instrText") and self._fields:
                self._fields[-1].code += child.text or ""
            elif hidden or not all(f.shows_text for f in self._fields):
                continue
            elif child.tag == qn("w:t"):
                text.append(child.text or "")
            elif child.tag in _SPACE_LIKE:
                text.append(" ")
            elif child.tag == qn("w:noBreakHyphen"):
                text.append("-")
            elif child.tag in _NOTE_MARKS:
                self.footnotes += 1
        if not text:
            return None
        return _Run(
            "".join(text),
            bold=self._flag(properties, style_id, "w:b"),
            italic=self._flag(properties, style_id, "w:i"),
            caps=self._flag(properties, style_id, "w:caps"),
        )

    def _flag(self, properties: etree._Element | None, style_id: str | None, tag: str) -> bool:
        """A run property: set on the run, else by its character style, else by the paragraph's."""
        for value in (_toggle(properties, tag),
                      self._styles.flag(_val(properties, "w:rStyle"), tag),
                      self._styles.flag(style_id, tag)):
            if value is not None:
                return value
        return False

    def _field_char(self, kind: str | None) -> None:
        if kind == "begin":
            self._fields.append(_Field())
        elif kind == "separate" and self._fields:
            self._fields[-1].in_result = True
        elif kind == "end" and self._fields:
            self._fields.pop()


def _tidy(runs: list[_Run]) -> list[_Run]:
    """Whitespace collapsed as Word displays it, runs of the same formatting merged, ends trimmed."""
    merged: list[_Run] = []
    for run in runs:
        text = _SPACES.sub(" ", run.text)
        if not merged or merged[-1].text.endswith(" "):
            text = text.lstrip(" ")
        if not text:
            continue
        previous = merged[-1] if merged else None
        if previous and (previous.bold, previous.italic, previous.caps) == (run.bold, run.italic, run.caps):
            previous.text += text
        else:
            merged.append(_Run(text, run.bold, run.italic, run.caps))
    while merged:
        merged[-1].text = merged[-1].text.rstrip(" ")
        if merged[-1].text:
            break
        merged.pop()
    return merged


# -- from paragraphs to sections, articles and Markdown bodies -----------------------------------

def _is_short(paragraph: _Paragraph) -> bool:
    return len(paragraph.heading) <= SHORT_HEADING and not (paragraph.mark and paragraph.mark.kind == "bullet")


def _is_article_line(paragraph: _Paragraph) -> bool:
    """"Article I. Right to the city", "ARTICLE II.", "Art. 3" — but not a sentence that starts
    with "Article 5 of the Convention…", hence the lower-case test on what follows the number."""
    _, title, numbering = parse_article_heading(paragraph.heading)
    return _is_short(paragraph) and numbering == "article" and not title[:1].islower()


def _is_point_line(paragraph: _Paragraph) -> bool:
    """A bold lettered or Roman heading: "A. Objective", "IV. Right of women and men to equality"."""
    return _is_short(paragraph) and paragraph.bold and parse_article_heading(paragraph.heading)[2] == "point"


def _is_section_line(paragraph: _Paragraph) -> bool:
    """"Part I – …", "PREAMBLE", "GENERAL PROVISIONS", a bold "Preamble"."""
    if not _is_short(paragraph):
        return False
    if _PART.match(paragraph.heading):
        return True
    return paragraph.bold and (paragraph.capitals or paragraph.heading.lower().rstrip(" .:") in _SECTION_NAMES)


def _is_title_line(paragraph: _Paragraph) -> bool:
    """A first line set apart (bold or capitals) that is not itself a section or an article."""
    return (
        _is_short(paragraph)
        and (paragraph.bold or paragraph.capitals)
        and not _PART.match(paragraph.heading)
        and paragraph.heading.lower().rstrip(" .:") not in _SECTION_NAMES
        and not parse_article_heading(paragraph.heading)[2]
    )


def _excerpt(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _escape(text: str) -> str:
    return _MARKDOWN_INLINE.sub(r"\\\1", text)


def _escape_line_start(line: str) -> str:
    """A paragraph starting with "#", "-", "1." must not turn into a heading or a list."""
    match = _MARKDOWN_LINE_START.match(line)
    if not match:
        return line
    if match[1]:
        return "\\" + line
    return f"{match[2]}\\{match[3]}{line[match.end():]}"


def _inline(runs: list[_Run], bold: bool = False) -> str:
    """Runs as Markdown: escaped text, emphasis around the words (not the spaces) it covers."""
    parts = []
    for run in runs:
        text = _escape(run.text)
        core = text.strip(" ")
        strong, emphasis = bold or run.bold, run.italic
        if not core or not (strong or emphasis):
            parts.append(text)
            continue
        marker = "***" if strong and emphasis else "**" if strong else "*"
        lead, trail = text[: len(text) - len(text.lstrip(" "))], text[len(text.rstrip(" ")):]
        parts.append(f"{lead}{marker}{core}{marker}{trail}")
    return _escape_line_start("".join(parts))


def _drop_prefix(runs: list[_Run], length: int) -> list[_Run]:
    """The runs without their first `length` characters (a typed "1. " may span runs)."""
    kept = []
    for run in runs:
        cut = min(length, len(run.text))
        length -= cut
        if run.text[cut:]:
            kept.append(_Run(run.text[cut:], run.bold, run.italic, run.caps))
    return kept


@dataclass
class _ListEntry:
    level: int
    column: int  # where the item's text starts: nested items are indented to it
    kind: str


@dataclass
class _Unit:
    """An article being filled: its Markdown blocks, and the lists open at its end."""

    article: DocArticle
    blocks: list[tuple[bool, str]] = field(default_factory=list)  # (is a list item, Markdown)
    lists: list[_ListEntry] = field(default_factory=list)

    def add(self, paragraph: _Paragraph, bold: bool) -> None:
        item = self._list_item(paragraph)
        if item is None:
            self.lists.clear()
            self.blocks.append((False, _inline(paragraph.runs, bold)))
            return
        kind, level, number, runs = item
        while self.lists and self.lists[-1].level >= level:
            self.lists.pop()
        indent = self.lists[-1].column if self.lists else 0
        marker = f"{number}. " if kind == "ordered" else "- "
        label = f"{number}) " if kind == "lettered" else ""
        self.lists.append(_ListEntry(level, indent + len(marker), kind))
        self.blocks.append((True, " " * indent + marker + label + _inline(runs, bold)))

    def _list_item(self, paragraph: _Paragraph) -> tuple[str, int, str, list[_Run]] | None:
        """(kind, level, number, text runs) for a Word list item or a typed "1." / "a)" one.

        Lettered points typed right after a numbered paragraph are its points, as in the
        charter's "1. … the right to: a) … b) …", so they are nested under it.
        """
        mark = paragraph.mark
        if mark and mark.kind in ("ordered", "lettered", "bullet"):
            number = str(mark.value) if mark.kind == "ordered" else mark.label
            return mark.kind, mark.level, number, paragraph.runs
        text = paragraph.text
        if match := _TYPED_ORDERED.match(text):
            return "ordered", 0, match[1], _drop_prefix(paragraph.runs, match.end())
        if match := _TYPED_LETTERED.match(text):
            under_number = any(entry.kind == "ordered" and entry.level == 0 for entry in self.lists)
            return "lettered", 1 if under_number else 0, match[1], _drop_prefix(paragraph.runs, match.end())
        if match := _TYPED_BULLET.match(text):
            return "bullet", 0, "", _drop_prefix(paragraph.runs, match.end())
        return None

    def markdown(self) -> str:
        out = ""
        previous_is_item = False
        for is_item, text in self.blocks:
            if out:
                out += "\n" if is_item and previous_is_item else "\n\n"
            out += text
            previous_is_item = is_item
        return out


def _one_level_up(paragraphs: list[_Paragraph]) -> list[_Paragraph]:
    """Files saved from web pages or other editors often give the charter's title Heading 1, its
    sections Heading 2 and its articles Heading 3. When the articles sit at level 3 and Heading 1
    is used once, every heading moves up one level and that Heading 1 becomes the title."""
    headings = [p for p in paragraphs if p.role.kind == "heading"]
    level_counts = Counter(p.role.level for p in headings)
    articles_at = Counter(p.role.level for p in headings if _is_article_line(p))
    if level_counts[1] != 1 or not articles_at[3] or articles_at[3] < articles_at[2] or \
            any(p.role.kind == "title" for p in paragraphs):
        return paragraphs
    return [replace(p, role=_Role("title") if p.role.level == 1 else _Role("heading", p.role.level - 1))
            if p.role.kind == "heading" else p for p in paragraphs]


class _Builder:
    """Places each paragraph: the title, a section, an article, or text of the current article."""

    def __init__(self, locale: str, paragraphs: list[_Paragraph]):
        self.document = Document(title="", locale=locale)
        self.paragraphs = _one_level_up(paragraphs)
        paragraphs = self.paragraphs
        levels = {p.role.level for p in paragraphs if p.role.kind == "heading"}
        self.styled_sections = 1 in levels
        self.styled_articles = 2 in levels
        self.styled_title = any(p.role.kind == "title" for p in paragraphs)
        # A line met more than once ("SUGGESTED ACTION PLAN" in every article) is not a section.
        self.heading_counts = Counter(p.heading.lower() for p in paragraphs)
        self.section: DocSection | None = None
        self.unit: _Unit | None = None
        self.units: list[_Unit] = []
        self.left_out: list[str] = []  # text before the first section
        self.table_places: dict[int, str] = {}  # where each table's text went

    def build(self) -> Document:
        for index, paragraph in enumerate(self.paragraphs):
            if self._completes_heading(paragraph):
                self.unit.article.title = paragraph.text
                continue
            kind = self._classify(paragraph, index)
            if kind == "title":
                self.document.title = paragraph.text
            elif kind == "subtitle":
                self.document.subtitle = paragraph.text
            elif kind == "section":
                self._start_section(paragraph.heading)
            elif kind == "article":
                self._start_article(paragraph)
            else:
                self._add_text(paragraph)
        for unit in self.units:
            unit.article.body = unit.markdown()
        sections = self.document.sections
        if not self.document.title and sections and not sections[0].articles:
            # Heading 1 used for the charter's title: a first "section" with nothing in it.
            self.document.title = sections.pop(0).title
        if self.table_places:
            self.document.warnings.append(_l(
                "Tables (%(count)s, the first in “%(place)s”) were imported as plain paragraphs, one per "
                "cell; check that their text reads in the right order.",
                count=len(self.table_places), place=next(iter(self.table_places.values())),
            ))
        if self.left_out:
            self.document.warnings.append(_l(
                "The text before the first section (“%(start)s”) was left out: put it under a "
                "section heading if it belongs to the charter.",
                start=_excerpt(self.left_out[0]),
            ))
        if not self.document.articles:
            raise DocumentError(NO_STRUCTURE)
        return self.document

    def _classify(self, paragraph: _Paragraph, index: int) -> str:
        role = paragraph.role
        if role.kind == "title":
            if not self.document.title:
                return "title"
            self._warn_unplaced(_l(
                "A second title, “%(text)s”, was kept as text of “%(place)s”.",
                text=paragraph.text, place=self._place(),
            ))
            return "text"
        if role.kind == "subtitle" and self.section is None and not self.document.subtitle:
            return "subtitle"
        if role.kind == "heading" and role.level == 1:
            # A file that puts every heading in Heading 1 still has articles.
            return "article" if not self.styled_articles and _is_article_line(paragraph) else "section"
        if role.kind == "heading" and role.level == 2:
            return "article"
        if paragraph.table:
            return "text"
        if index == 0 and not self.styled_title and _is_title_line(paragraph):
            return "title"
        if not self.styled_articles and _is_article_line(paragraph):
            return "article"
        if not self.styled_sections and _is_section_line(paragraph) and not self._repeated(paragraph):
            return "section"
        if not self.styled_articles and _is_point_line(paragraph):
            return "article"
        if self.styled_articles and _is_article_line(paragraph):
            self._warn_unplaced(_l(
                "“%(text)s” looks like an article heading, but the other articles use the Heading 2 "
                "style; it was kept as text of “%(place)s”. Give it the Heading 2 style if it is an article.",
                text=paragraph.heading, place=self._place(),
            ))
        return "text"

    def _repeated(self, paragraph: _Paragraph) -> bool:
        return self.heading_counts[paragraph.heading.lower()] > 1

    def _completes_heading(self, paragraph: _Paragraph) -> bool:
        """A bold line right after a bare "ARTICLE II." is its title: a common way of typing it."""
        article = self.unit.article if self.unit and not self.unit.blocks else None
        return (
            article is not None and article.numbering == "article" and not article.title
            and paragraph.bold and _is_short(paragraph) and not paragraph.mark and not paragraph.table
            and paragraph.role.kind not in ("title", "toc")
            and not (paragraph.role.kind == "heading" and paragraph.role.level <= 2)
            and not parse_article_heading(paragraph.heading)[2]
            and not _PART.match(paragraph.heading) and not _TYPED_ORDERED.match(paragraph.text)
        )

    def _place(self) -> str:
        if self.unit:
            return self.unit.article.heading(self.document.article_word)
        return self.section.title if self.section else ""

    def _warn_unplaced(self, message: str) -> None:
        """Only where the text lands in an article: before any section it is reported as left out."""
        if self.section:
            self.document.warnings.append(message)

    def _start_section(self, title: str) -> None:
        self.section = DocSection(title=title)
        self.document.sections.append(self.section)
        self.unit = None

    def _start_article(self, paragraph: _Paragraph) -> None:
        number, title, numbering = parse_article_heading(paragraph.heading, article_level=True)
        if not numbering and paragraph.mark and paragraph.mark.kind == "ordered":
            number, title, numbering = str(paragraph.mark.value), paragraph.text, "article"
        if self.section is None:
            self.document.warnings.append(_l(
                "The article “%(title)s” comes before any section; it was put in a section without a title.",
                title=paragraph.heading,
            ))
            self._start_section("")
        self._open_unit(DocArticle(number, title, "", numbering))

    def _open_unit(self, article: DocArticle) -> None:
        self.section.articles.append(article)
        self.unit = _Unit(article)
        self.units.append(self.unit)

    def _add_text(self, paragraph: _Paragraph) -> None:
        if self.section is None:
            self.left_out.append(paragraph.text)
            return
        if self.unit is None:  # text right under a section heading: the section's own unit
            self._open_unit(DocArticle("", self.section.title, ""))
        if paragraph.table:
            self.table_places.setdefault(paragraph.table, self._place())
        self.unit.add(paragraph, bold=paragraph.role.kind in ("heading", "subtitle", "title"))
