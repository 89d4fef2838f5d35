"""Akoma Ntoso 3.0 (OASIS LegalDocML) renderer of the document model.

Legal information systems read the charter as structure, not layout: sections, articles with
their number and heading, numbered paragraphs, lists, each with an eId following the AKN naming
convention, so that "sec_2__art_ii__para_2" names the same provision in every language. The
output validates against the official schema, eId uniqueness included.

One language gives an `<act>`. Several give a `<documentCollection>` whose body refers to each
language's expression, the acts themselves travelling in `<components>` at the root: inside the
collection the schema would forbid the same eId in two languages, and those shared eIds are the
point of the exercise.
"""

import datetime
import re
from collections import Counter

import pycountry
from flask_babel import gettext as _
from lxml import etree
from lxml.builder import ElementMaker

from consult.documents.blocks import Block, ListBlock, Paragraph, Run, read_blocks
from consult.documents.model import DocArticle, DocSection, Document

AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
E = ElementMaker(namespace=AKN_NS, nsmap={None: AKN_NS})
Element = etree._Element

COUNTRY = "int"  # an international text: no country's law
PLATFORM = ("consult", "/ontology/organization/consult", "Consultation platform")
AUTHOR = ("uclg", "/ontology/organization/uclg", "United Cities and Local Governments")


def charter_akn(documents: list[Document], *, work_uri: str, version_date: datetime.date, version_id: str) -> bytes:
    """The charter as Akoma Ntoso: an act for one language, a collection for several.

    `work_uri` names the charter ("/akn/int/act/charter/global"); each language is an expression
    of it, "<work_uri>/eng@<version_id>", dated `version_date`.
    """
    if not documents:
        raise ValueError("no document to render")
    frbr = _Frbr(work_uri, version_date, version_id)
    if len(documents) == 1:
        root = E.akomaNtoso(_act(documents[0], frbr))
    else:
        root = E.akomaNtoso(
            _collection(documents, frbr),
            E.components(*(E.component(_act(d, frbr), eId=f"cmp_{_language_code(d.locale)}") for d in documents)),
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- metadata --------------------------------------------------------------------------------------

class _Frbr:
    """The FRBR identity of the charter: one work, an expression per language, this file."""

    def __init__(self, work_uri: str, version_date: datetime.date, version_id: str) -> None:
        self.work = work_uri.rstrip("/")
        self.date = version_date.isoformat()
        self.version = version_id

    def expression(self, language: str) -> str:
        return f"{self.work}/{language}@{self.version}"

    def identification(self, title: str, languages: list[str], expression_language: str) -> Element:
        expression = self.expression(expression_language)
        return E.identification(
            E.FRBRWork(
                E.FRBRthis(value=f"{self.work}/!main"), E.FRBRuri(value=self.work),
                E.FRBRalias(value=title, name="title"),
                self._date(), self._author(AUTHOR), E.FRBRcountry(value=COUNTRY),
            ),
            E.FRBRExpression(
                E.FRBRthis(value=f"{expression}/!main"), E.FRBRuri(value=expression),
                self._date(), self._author(AUTHOR),
                E.FRBRversionNumber(value=self.version),
                *(E.FRBRlanguage(language=language) for language in languages),
            ),
            E.FRBRManifestation(
                E.FRBRthis(value=f"{expression}/!main.xml"), E.FRBRuri(value=f"{expression}.akn"),
                self._date(), self._author(PLATFORM),
            ),
            source=f"#{PLATFORM[0]}",
        )

    def _date(self) -> Element:
        return E.FRBRdate(date=self.date, name="version")

    @staticmethod
    def _author(organisation: tuple[str, str, str]) -> Element:
        return E.FRBRauthor(href=f"#{organisation[0]}")


def _meta(identification: Element, notes: list[Element]) -> Element:
    references = E.references(
        *(E.TLCOrganization(eId=eid, href=href, showAs=name) for eid, href, name in (PLATFORM, AUTHOR)),
        source=f"#{PLATFORM[0]}",
    )
    meta = E.meta(identification, references)
    if notes:
        meta.append(E.notes(*notes, source=f"#{PLATFORM[0]}"))
    return meta


def _language_code(locale: str) -> str:
    """ISO 639-2 (terminology) code, as FRBR URIs and FRBRlanguage want it: "eng", "fra", "spa"."""
    language = pycountry.languages.get(alpha_2=locale.split("_")[0].split("-")[0])
    return language.alpha_3 if language else locale


def _collection(documents: list[Document], frbr: _Frbr) -> Element:
    languages = [_language_code(d.locale) for d in documents]
    body = E.collectionBody(*(
        E.component(E.documentRef(href=frbr.expression(language), showAs=document.title), eId=f"cmp_{index}")
        for index, (language, document) in enumerate(zip(languages, documents), start=1)
    ))
    identification = frbr.identification(documents[0].title, languages, "mul")
    return E.documentCollection(_meta(identification, []), body, name="charter")


# -- the act ---------------------------------------------------------------------------------------

class _Ids:
    """eIds after the naming convention ("sec_2__art_i__para_1"), unique within one act, as the
    schema requires even when a text numbers two things alike."""

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._counts: Counter[tuple[str, str]] = Counter()

    def __call__(self, parent: str, kind: str, num: str | None = None) -> str:
        """`num` as printed ("I", "1.", "a)"); "" for an unnumbered one of a numbered kind
        ("para_nn_1"); None for kinds that are only counted ("list_1")."""
        label = re.sub(r"\W|_", "", (num or "").lower())
        if not label:
            self._counts[(parent, kind)] += 1
            label = f"{'' if num is None else 'nn_'}{self._counts[(parent, kind)]}"
        base = f"{parent}__{kind}_{label}" if parent else f"{kind}_{label}"
        eid, suffix = base, 1
        while eid in self._used:
            suffix += 1
            eid = f"{base}_{suffix}"
        self._used.add(eid)
        return eid


class _ActWriter:
    """Writes one language's act; collects its notes (provenance, outdated translation) for meta."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.ids = _Ids()
        self.notes: list[Element] = []

    def preamble(self, section: DocSection) -> Element:
        recitals = E.recitals(eId=self.ids("", "recs"))
        if section.title:
            recitals.append(E.heading(section.title))
        article = section.articles[0]
        for block in read_blocks(article.body):
            eid = self.ids(recitals.get("eId"), "rec")
            recitals.append(E.recital(*self.blocks([block], eid), eId=eid))
        self.annotate(recitals, article)
        return E.preamble(recitals)

    def section(self, section: DocSection) -> Element:
        element = E.section(eId=self.ids("", "sec"))
        if section.title:
            element.append(E.heading(section.title))
        articles = list(section.articles)
        own = articles.pop(0) if articles and section.is_own_text(articles[0]) else None
        if own and not articles:
            self.body(element, read_blocks(own.body))
        elif own:
            element.append(E.intro(*self.blocks(read_blocks(own.body), element.get("eId"))))
        if own:
            self.annotate(element, own)
        for article in articles:
            element.append(self.article(article, element.get("eId")))
        return element

    def article(self, article: DocArticle, parent: str) -> Element:
        element = E.article(eId=self.ids(parent, "art", article.number))
        num = _num(article, self.document.article_word)
        if num:
            element.append(E.num(num))
        if article.title:
            element.append(E.heading(article.title))
        self.body(element, read_blocks(article.body))
        self.annotate(element, article)
        return element

    def body(self, element: Element, blocks: list[Block]) -> None:
        """Numbered paragraphs (a top-level ordered list) become `<paragraph>`s, the text before
        them the `<intro>`, any other text between or after them an `<hcontainer name="text">`;
        a body without numbered paragraphs is plain `<content>`."""
        eid = element.get("eId")
        if not any(isinstance(b, ListBlock) and b.ordered for b in blocks):
            element.append(E.content(*self.blocks(blocks, eid)))
            return
        loose: list[Block] = []
        for block in blocks:
            if not (isinstance(block, ListBlock) and block.ordered):
                loose.append(block)
                continue
            self.loose_text(element, loose)
            loose = []
            for item in block.items:
                paragraph = E.paragraph(E.num(item.marker), eId=self.ids(eid, "para", item.marker))
                paragraph.append(E.content(*self.blocks(item.blocks or [Paragraph([])], paragraph.get("eId"))))
                element.append(paragraph)
        self.loose_text(element, loose)

    def loose_text(self, element: Element, blocks: list[Block]) -> None:
        """Text around numbered paragraphs: the intro before the first, a container after."""
        if not blocks:
            return
        eid = element.get("eId")
        content = self.blocks(blocks, eid)
        if element.find(f"{{{AKN_NS}}}paragraph") is None:
            element.append(E.intro(*content))
        else:
            element.append(E.hcontainer(E.content(*content), name="text", eId=self.ids(eid, "hcontainer")))

    def blocks(self, blocks: list[Block], parent: str) -> list[Element]:
        elements = []
        for block in blocks:
            if isinstance(block, Paragraph):
                elements.append(_p(block.runs))
                continue
            block_list = E.blockList(eId=self.ids(parent, "list"))
            for item in block.items:
                num = "" if item.marker == "•" else item.marker  # a bullet is no number
                element = E.item(eId=self.ids(block_list.get("eId"), "item", num))
                if num:
                    element.append(E.num(num))
                element.extend(self.blocks(item.blocks or [Paragraph([])], element.get("eId")))
                block_list.append(element)
            elements.append(block_list)
        return elements

    def annotate(self, element: Element, article: DocArticle) -> None:
        """Editorial notes live in meta; the provision's heading points to them."""
        notes: list[tuple[str, list[Element]]] = []
        if article.outdated:
            message = _("This translation has not yet been updated after a change in another language.")
            notes.append(("outdated", [E.p(message)]))
        if article.provenance:
            lines = [E.p(line) for line in article.provenance]
            notes.append(("provenance", [E.heading(_("Incorporated amendments")), *lines]))
        for kind, content in notes:
            eid, marker = self.ids("", "note"), str(len(self.notes) + 1)
            placement = {"marker": marker, "class": kind}
            self.notes.append(E.note(*content, eId=eid, placementBase=f"#{element.get('eId')}", **placement))
            _anchor(element).append(E.noteRef(href=f"#{eid}", **placement))


def _act(document: Document, frbr: _Frbr) -> Element:
    if not document.sections:
        raise ValueError("a charter without sections")
    writer = _ActWriter(document)
    sections = list(document.sections)
    preamble = writer.preamble(sections.pop(0)) if _has_preamble(sections) else None
    body = E.body(*(writer.section(section) for section in sections))
    language = _language_code(document.locale)
    meta = _meta(frbr.identification(document.title, [language], language), writer.notes)
    act = E.act(meta, name="charter")
    if preamble is not None:
        act.append(preamble)
    act.append(body)
    return act


def _has_preamble(sections: list[DocSection]) -> bool:
    """The first section is only its own text, with some text in it, and others follow (a body
    cannot be empty)."""
    first = sections[0]
    return (len(sections) > 1 and len(first.articles) == 1 and first.is_own_text(first.articles[0])
            and bool(read_blocks(first.articles[0].body)))


def _num(article: DocArticle, article_word: str) -> str:
    """The number as printed: "Article I", "A."; nothing for an unnumbered article."""
    if not article.number:
        return ""
    return f"{article_word} {article.number}" if article.numbering == "article" else f"{article.number}."


def _anchor(element: Element) -> Element:
    """Where a note reference goes: the heading, else the number, else a heading made for it."""
    for tag in ("heading", "num"):
        found = element.find(f"{{{AKN_NS}}}{tag}")
        if found is not None:
            return found
    heading = E.heading()
    element.insert(0, heading)
    return heading


def _p(runs: list[Run]) -> Element:
    """A paragraph of text with its bold and italic runs; hard line breaks as `<br/>`."""
    paragraph = E.p()
    for run in runs:
        container = paragraph
        if run.bold:
            container = etree.SubElement(container, f"{{{AKN_NS}}}b")
        if run.italic:
            container = etree.SubElement(container, f"{{{AKN_NS}}}i")
        for index, line in enumerate(run.text.split("\n")):
            if index:
                etree.SubElement(container, f"{{{AKN_NS}}}br")
            _append_text(container, line)
    return paragraph


def _append_text(element: Element, text: str) -> None:
    """Mixed content: text goes after the element's last child, or inside it when it has none."""
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text
