"""The Word importer, the checks on uploaded files, and the cross-language structure checks.

Every Word file is built here, with python-docx and raw OOXML for what python-docx cannot write
(numbering definitions, fields, content controls, tracked changes); the malicious ones with
zipfile. No binary fixture is needed.
"""

import io
import struct
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from consult.documents import uploads
from consult.documents.blocks import ListBlock, Paragraph, read_blocks
from consult.documents.checks import is_aligned, structure_warnings
from consult.documents.docx_import import import_docx
from consult.documents.markdown_import import import_markdown
from consult.documents.model import DocArticle, DocSection, Document, DocumentError
from consult.documents.uploads import MAX_UPLOAD_BYTES, read_upload

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "charter"
W = nsdecls("w")
MIB = 1024 * 1024


# -- building Word files ------------------------------------------------------------------------

def save(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def add_body_xml(word, xml: str) -> None:
    """A block (paragraph, table, content control) in raw OOXML, at the end of the body."""
    word.element.body.sectPr.addprevious(parse_xml(xml))


def add_style(word, xml: str) -> None:
    word.styles.element.append(parse_xml(xml))


def define_list(word, list_id: int, levels: list[tuple[str, str]]) -> None:
    """A numbering definition as Word writes it: an abstract definition and a list using it."""
    numbering = word.part.numbering_part.element
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{list_id}">{lvls}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="{list_id}"><w:abstractNumId w:val="{list_id}"/></w:num>'))


def list_item(word, text: str, list_id: int, level: int = 0) -> None:
    paragraph = word.add_paragraph(text, style="List Paragraph")
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{list_id}"/></w:numPr>')
    )


def styled(word, text: str, style_id: str) -> None:
    """A paragraph in a style given by its id, as Word stores it (python-docx looks styles up by name)."""
    word.add_paragraph(text)._p.style = style_id


def bold_line(word, text: str) -> None:
    word.add_paragraph().add_run(text).bold = True


def toc_entry(style: str, text: str, anchor: str, page: int, before: str = "", after: str = "") -> str:
    """A cached table-of-contents line: a hyperlink holding the title and a PAGEREF field."""
    return (
        f'<w:p {W}><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{before}'
        f'<w:hyperlink w:anchor="{anchor}"><w:r><w:t>{text}</w:t></w:r><w:r><w:tab/></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {anchor} \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t>{page}</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
        f'</w:hyperlink>{after}</w:p>'
    )


TOC_STYLES = [
    f'<w:style {W} w:type="paragraph" w:styleId="TOC{n}"><w:name w:val="toc {n}"/>'
    '<w:basedOn w:val="Normal"/></w:style>'
    for n in (1, 2)
]


def charter_in_word() -> bytes:
    """A charter as the secretariat's Word would save it: styles, a TOC field, real lists."""
    word = docx.Document()
    for style in TOC_STYLES:
        add_style(word, style)
    define_list(word, 10, [("decimal", "%1."), ("lowerLetter", "%2)")])
    define_list(word, 11, [("lowerLetter", "%1)")])
    word.add_heading("Global Charter-Agenda for Human Rights in the City", 0)
    word.add_paragraph("Contents", style="TOC Heading")
    begin = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
             '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    add_body_xml(word, toc_entry("TOC1", "Preamble", "_Toc1", 1, before=begin))
    add_body_xml(word, toc_entry("TOC2", "Article I. Right to the city", "_Toc2", 2))
    # The field ends in a paragraph of its own, with no TOC style.
    add_body_xml(word, f'<w:p {W}><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')

    word.add_heading("Preamble", 1)
    whereas = word.add_paragraph("Whereas human rights are ")
    whereas.add_run("universal").bold = True
    whereas.add_run(" and ")
    whereas.add_run("indivisible").italic = True
    whereas.add_run(";")
    word.add_heading("Agenda of rights and obligations", 1)
    word.add_heading("Article I. Right to the city", 2)
    list_item(word, "All inhabitants have the right to:", 10)
    list_item(word, "take part in the life of the city;", 10, 1)
    list_item(word, "enjoy public spaces.", 10, 1)
    list_item(word, "The city undertakes to respect these rights.", 10)
    bold_line(word, "Suggested action plan")
    list_item(word, "Adopt a local strategy.", 11)
    list_item(word, "Publish a yearly report.", 11)
    word.add_heading("Article II. Right to participatory democracy", 2)
    word.add_paragraph("# is not a heading, *nor* [a link] <b>, and 2011. is not a list")
    word.add_heading("Note", 3)
    word.add_paragraph("Participation is open to all.")
    return save(word)


# -- what the importer understands --------------------------------------------------------------

def test_a_word_file_with_styles_lists_and_a_table_of_contents():
    document = import_docx(charter_in_word(), "en")
    assert document.title == "Global Charter-Agenda for Human Rights in the City"
    assert [s.title for s in document.sections] == ["Preamble", "Agenda of rights and obligations"]
    preamble, article_i, article_ii = document.articles
    assert (preamble.number, preamble.title, preamble.numbering) == ("", "Preamble", "")
    assert preamble.body == "Whereas human rights are **universal** and *indivisible*;"
    assert (article_i.number, article_i.title, article_i.numbering) == ("I", "Right to the city", "article")
    assert article_i.body == (
        "1. All inhabitants have the right to:\n"
        "   - a) take part in the life of the city;\n"
        "   - b) enjoy public spaces.\n"
        "2. The city undertakes to respect these rights.\n"
        "\n"
        "**Suggested action plan**\n"
        "\n"
        "- a) Adopt a local strategy.\n"
        "- b) Publish a yearly report."
    )
    first_list = read_blocks(article_i.body)[0]
    assert isinstance(first_list, ListBlock) and first_list.ordered
    assert [item.marker for item in first_list.items[0].blocks[1].items] == ["a)", "b)"]
    assert (article_ii.number, article_ii.title) == ("II", "Right to participatory democracy")
    escaped, note, text = read_blocks(article_ii.body)
    assert isinstance(escaped, Paragraph)
    assert escaped.text == "# is not a heading, *nor* [a link] <b>, and 2011. is not a list"
    assert note.runs[0].bold and note.text == "Note"
    assert text.text == "Participation is open to all."
    assert document.warnings == []


def test_a_table_of_contents_in_a_content_control_tracked_changes_notes_hidden_text_and_tables():
    word = docx.Document()
    for style in TOC_STYLES:
        add_style(word, style)
    add_body_xml(word, (
        f'<w:sdt {W}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        '<w:docPartUnique/></w:docPartObj></w:sdtPr><w:sdtContent>'
        '<w:p><w:pPr><w:pStyle w:val="TOCHeading"/></w:pPr><w:r><w:t>Table des matières</w:t></w:r></w:p>'
        f'{toc_entry("TOC1", "Article I. Right to the city", "_Toc1", 1).replace(f" {W}", "")}'
        '</w:sdtContent></w:sdt>'
    ))
    word.add_heading("Agenda of rights and obligations", 1)
    word.add_heading("Article I. Right to the city", 2)
    add_body_xml(word, (
        f'<w:p {W}><w:r><w:t xml:space="preserve">The city </w:t></w:r>'
        '<w:del w:id="1" w:author="A"><w:r><w:delText xml:space="preserve">never </w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="A"><w:r><w:t xml:space="preserve">always </w:t></w:r></w:ins>'
        '<w:r><w:t>acts.</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
        '<w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden words.</w:t></w:r></w:p>'
    ))
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Short term"
    table.cell(0, 1).text = "Medium term"
    document = import_docx(save(word), "fr")
    assert [a.heading() for a in document.articles] == ["Article I. Right to the city"]
    assert document.articles[0].body == "The city always acts.\n\nShort term\n\nMedium term"
    assert [str(w) for w in document.warnings] == [
        "Tables (1, the first in “Article I. Right to the city”) were imported as plain paragraphs, one "
        "per cell; check that their text reads in the right order.",
        "The footnotes (1) were not imported; add their text to the articles if it is needed.",
        "The file contains tracked changes: they were imported as if accepted (insertions kept, "
        "deletions left out).",
    ]


def test_a_french_file_with_localised_style_names_and_article_premier():
    word = docx.Document()
    # Other tools write the localised name; Word keeps the English one with a localised id.
    add_style(word, f'<w:style {W} w:type="paragraph" w:styleId="Titre"><w:name w:val="Titre"/></w:style>')
    add_style(word, f'<w:style {W} w:type="paragraph" w:styleId="Titre1"><w:name w:val="Titre 1"/></w:style>')
    add_style(word, f'<w:style {W} w:type="paragraph" w:styleId="Titre2"><w:name w:val="heading 2"/></w:style>')
    styled(word, "Charte-Agenda mondiale des droits de l'Homme dans la Cité", "Titre")
    styled(word, "Préambule", "Titre1")
    word.add_paragraph("Considérant que les droits humains sont universels ;")
    styled(word, "Agenda des droits et obligations", "Titre1")
    styled(word, "Article premier – Droit à la ville", "Titre2")
    word.add_paragraph("Tous les habitants ont droit à la ville.")
    styled(word, "Article 2 – Droit à la démocratie participative", "Titre2")
    word.add_paragraph("Tous les habitants ont le droit de participer.")
    document = import_docx(save(word), "fr")
    assert document.title == "Charte-Agenda mondiale des droits de l'Homme dans la Cité"
    assert document.outline()["sections"] == [
        {"title": "Préambule", "articles": [{"number": "", "title": "Préambule", "paragraphs": 1}]},
        {"title": "Agenda des droits et obligations", "articles": [
            {"number": "1", "title": "Droit à la ville", "paragraphs": 1},
            {"number": "2", "title": "Droit à la démocratie participative", "paragraphs": 1},
        ]},
    ]


def test_a_spanish_file_whose_heading_styles_only_have_outline_levels():
    word = docx.Document()
    add_style(word, f'<w:style {W} w:type="paragraph" w:styleId="Parte"><w:name w:val="Parte de la carta"/>'
                    '<w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>')
    add_style(word, f'<w:style {W} w:type="paragraph" w:styleId="Articulo"><w:name w:val="Artículo de la carta"/>'
                    '<w:basedOn w:val="Parte"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>')
    word.add_paragraph("Carta-Agenda Mundial de Derechos Humanos en la Ciudad", style="Title")
    styled(word, "Agenda de derechos y obligaciones", "Parte")
    styled(word, "Artículo 1. Derecho a la ciudad", "Articulo")
    word.add_paragraph("Todos los habitantes tienen derecho a la ciudad.")
    styled(word, "Artículo 2. Derecho a la democracia participativa", "Articulo")
    word.add_paragraph("Todos los habitantes tienen derecho a participar.")
    document = import_docx(save(word), "es")
    assert [s.title for s in document.sections] == ["Agenda de derechos y obligaciones"]
    assert [(a.number, a.title, a.numbering) for a in document.articles] == [
        ("1", "Derecho a la ciudad", "article"), ("2", "Derecho a la democracia participativa", "article"),
    ]
    assert document.article_word == "Artículo" and not document.warnings


def test_a_file_without_heading_styles_is_read_from_its_bold_lines():
    word = docx.Document()
    bold_line(word, "GLOBAL CHARTER-AGENDA FOR HUMAN RIGHTS IN THE CITY")
    bold_line(word, "PREAMBLE")
    word.add_paragraph("Whereas human rights are universal;")
    bold_line(word, "GENERAL PROVISIONS")
    bold_line(word, "A. Objective")
    word.add_paragraph("The Charter-Agenda aims to promote human rights.")
    bold_line(word, "AGENDA OF RIGHTS AND OBLIGATIONS")
    bold_line(word, "ARTICLE I.")
    bold_line(word, "RIGHT TO THE CITY")
    word.add_paragraph("1. All inhabitants have the right to:")
    word.add_paragraph("a) take part in the life of the city;")
    word.add_paragraph("b) enjoy public spaces.")
    word.add_paragraph("2. The city undertakes to respect these rights.")
    bold_line(word, "Suggested action plan")
    word.add_paragraph("a) Adopt a local strategy.")
    bold_line(word, "ARTICLE II. Right to participatory democracy")
    word.add_paragraph("All inhabitants have the right to participate.")
    document = import_docx(save(word), "en")
    assert document.title == "GLOBAL CHARTER-AGENDA FOR HUMAN RIGHTS IN THE CITY"
    assert [s.title for s in document.sections] == [
        "PREAMBLE", "GENERAL PROVISIONS", "AGENDA OF RIGHTS AND OBLIGATIONS",
    ]
    assert [(a.number, a.title, a.numbering) for a in document.articles] == [
        ("", "PREAMBLE", ""), ("A", "Objective", "point"),
        ("I", "RIGHT TO THE CITY", "article"), ("II", "Right to participatory democracy", "article"),
    ]
    assert document.articles[2].body == (
        "1. All inhabitants have the right to:\n"
        "   - a) take part in the life of the city;\n"
        "   - b) enjoy public spaces.\n"
        "2. The city undertakes to respect these rights.\n"
        "\n"
        "**Suggested action plan**\n"
        "\n"
        "- a) Adopt a local strategy."
    )
    assert not document.warnings


def test_article_numbers_printed_by_word_numbering_and_heading_1_used_for_the_title():
    word = docx.Document()
    define_list(word, 20, [("upperRoman", "Article %1."), ("decimal", "%2.")])
    word.add_heading("Global Charter-Agenda for Human Rights in the City", 1)
    word.add_heading("Agenda of rights and obligations", 1)
    for title in ("Right to the city", "Right to participatory democracy"):
        heading = word.add_heading(title, 2)
        heading._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="20"/></w:numPr>')
        )
        list_item(word, "The right.", 20, 1)
        list_item(word, "The duty.", 20, 1)
    document = import_docx(save(word), "en")
    assert document.title == "Global Charter-Agenda for Human Rights in the City"
    assert [(a.number, a.title, a.body) for a in document.articles] == [
        ("I", "Right to the city", "1. The right.\n2. The duty."),
        ("II", "Right to participatory democracy", "1. The right.\n2. The duty."),
    ]


def test_what_cannot_be_placed_is_reported():
    word = docx.Document()
    word.add_paragraph("Draft prepared by the secretariat.")
    word.add_heading("Agenda of rights and obligations", 1)
    word.add_heading("Article I. Right to the city", 2)
    word.add_paragraph("All inhabitants have the right to the city.")
    word.add_paragraph("Article II. Right to participatory democracy")
    document = import_docx(save(word), "en")
    assert [a.number for a in document.articles] == ["I"]
    assert [str(w) for w in document.warnings] == [
        "“Article II. Right to participatory democracy” looks like an article heading, but the other "
        "articles use the Heading 2 style; it was kept as text of “Article I. Right to the city”. Give "
        "it the Heading 2 style if it is an article.",
        "The text before the first section (“Draft prepared by the secretariat.”) was left out: put it "
        "under a section heading if it belongs to the charter.",
    ]


def test_the_markdown_importer_reports_what_it_cannot_place_too():
    source = "Draft.\n\n# Charter\n\n### Article 1. One\n\ntext\n\n#### Article 2. Two\n\ntext\n\n# Again\n"
    assert [str(w) for w in import_markdown(source, "en").warnings] == [
        "Line 1: the text before the first section was left out; put it under a “## ” section heading if it "
        "belongs to the charter.",
        "Line 9: “Article 2. Two” looks like an article heading but is a level-4 heading, so it was kept as "
        "text; write it with “### ” if it is an article.",
        "Line 5: the article “Article 1. One” comes before any section; it was put in a section without a title.",
        "Line 13: a second title, “Again”, was left out with any text under it; only the first “# ” line is "
        "the title.",
    ]


# -- round trip with the seeds ------------------------------------------------------------------

def word_from(document: Document) -> bytes:
    """The document as a person would type it in Word: heading styles, typed list markers."""
    word = docx.Document()
    word.add_heading(document.title, 0)
    for section in document.sections:
        word.add_heading(section.title, 1)
        for article in section.articles:
            if article.number or article.title != section.title:
                word.add_heading(article.heading(document.article_word), 2)
            write_blocks(word, read_blocks(article.body), marker="")

    return save(word)


def write_blocks(word, blocks, marker: str) -> None:
    for block in blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                write_blocks(word, item.blocks, marker=f"{item.marker} ")
        else:
            paragraph = word.add_paragraph(marker)
            for run in block.runs:
                added = paragraph.add_run(run.text)
                added.bold, added.italic = run.bold or None, run.italic or None
        marker = ""


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_the_seed_draft_survives_a_trip_through_word(locale):
    markdown = import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
    from_word = import_docx(word_from(markdown), locale)
    assert from_word.outline() == markdown.outline()
    assert from_word.articles[4].body.startswith("1. ") and "\n   - a) " in from_word.articles[4].body


# -- checks on uploaded files -------------------------------------------------------------------

def rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.pop(info.filename, None) or source.read(info))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def with_zeros(data: bytes, size: int) -> bytes:
    """A Word file plus a part of `size` zero bytes, written in chunks so the test stays light."""
    out = io.BytesIO(rezip(data, {}))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/media/zeros.bin", "w") as part:
            for _ in range(size // MIB):
                part.write(bytes(MIB))
    return out.getvalue()


def refused(filename: str, data: bytes) -> str:
    with pytest.raises(DocumentError) as error:
        read_upload(filename, data, "en")
    return str(error.value)


NOT_A_DOCUMENT = "This file is not a Word document (.docx) or a Markdown text file."
NOT_WORD = ("This file is not a Word document (.docx). If it comes from another word processor, save it "
            "as a Word document (.docx) and try again.")
DAMAGED = "The Word file is damaged or incomplete; save it again from Word and retry."
TOO_BIG_OPEN = "Once uncompressed, this file would take more than 50 MB; it is refused to protect the server."
ENTITIES = "The file contains XML entity declarations, which Word never writes; it is refused."
XLSX = {
    "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    "_rels/.rels": b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": b"<workbook/>",
}
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<w:document {W}><w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>'
)


def test_a_charter_in_markdown_is_read_as_markdown():
    source = (SEEDS / "draft.fr.md").read_bytes()
    assert read_upload("draft.md", source, "fr").outline() == import_markdown(source.decode(), "fr").outline()
    assert read_upload("charte.txt", b"\xef\xbb\xbf" + source, "fr").title.startswith("Charte-Agenda")


def test_a_word_file_is_recognised_by_its_content_not_its_name():
    assert read_upload("charter.md", charter_in_word(), "en").articles[1].number == "I"


@pytest.mark.parametrize("filename, data, message", [
    ("x.docx", bytes(range(256)) * 4, DAMAGED),
    ("x.bin", bytes(range(256)) * 4, NOT_A_DOCUMENT),
    ("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), NOT_A_DOCUMENT),
    ("charter.pdf", b"%PDF-1.7\n1 0 obj\n", NOT_A_DOCUMENT),
    ("charter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
     "This file is in the old Word format (.doc): open it in Word, save it as a Word document (.docx) and try again."),
    ("empty.docx", b"", "The file is empty."),
    ("budget.xlsx", zip_of(XLSX), NOT_WORD),
    ("charter.odt", zip_of({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), NOT_WORD),
    ("notes.md", b"Just a paragraph of prose, nothing else.",
     "No sections or articles were found: start each section with “## ” and each article with “### ”, "
     "for example “### Article I. Right to the city”."),
])
def test_files_that_are_not_charters_are_refused_with_a_clear_message(filename, data, message):
    assert refused(filename, data) == message


def test_a_truncated_word_file_is_refused():
    data = charter_in_word()
    assert refused("charter.docx", data[: len(data) // 2]) == DAMAGED


def test_a_corrupt_part_is_refused():
    data = rezip(charter_in_word(), {"word/document.xml": b"<w:document"})
    assert refused("charter.docx", data) == DAMAGED


def test_an_enormous_file_is_refused_before_anything_is_read():
    assert refused("charter.md", b"#" * (MAX_UPLOAD_BYTES + 1)) == (
        "The file is larger than 10 MB. Pictures are not imported: remove them, save the file again and retry."
    )


def test_a_zip_bomb_is_refused_from_the_zip_directory(monkeypatch):
    bomb = with_zeros(charter_in_word(), 200 * MIB)
    assert len(bomb) < MIB

    def never(*args, **kwargs):
        raise AssertionError("a part was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    assert refused("charter.docx", bomb) == TOO_BIG_OPEN


def test_a_part_compressed_like_a_bomb_is_refused():
    assert refused("charter.docx", with_zeros(charter_in_word(), 2 * MIB)) == (
        "Part of this file is compressed more than 100 to 1, which Word never does; it is refused to "
        "protect the server."
    )


def test_sizes_are_checked_while_reading_too(monkeypatch):
    """Should the directory lie, reading stops at the limits rather than at the declared sizes."""
    monkeypatch.setattr(uploads, "_check_directory", lambda entries: None)
    assert "compressed more than 100 to 1" in refused("charter.docx", with_zeros(charter_in_word(), 200 * MIB))
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", MIB)
    monkeypatch.setattr(uploads, "MAX_COMPRESSION_RATIO", 10_000)
    assert refused("charter.docx", with_zeros(charter_in_word(), 2 * MIB)) == (
        "Once uncompressed, this file would take more than 1 MB; it is refused to protect the server."
    )


def test_a_zip_whose_directory_understates_the_sizes_is_refused():
    data = with_zeros(charter_in_word(), 200 * MIB)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/media/zeros.bin")
    lying = bytearray(data)
    struct.pack_into("<L", lying, info.header_offset + 22, 1000)  # local header: uncompressed size
    entry = lying.find(b"PK\x01\x02")
    while struct.unpack_from("<L", lying, entry + 42)[0] != info.header_offset:
        entry = lying.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<L", lying, entry + 24, 1000)  # central directory: uncompressed size
    assert refused("charter.docx", bytes(lying)) == DAMAGED


def test_a_zip_with_too_many_parts_is_refused():
    many = zip_of({f"word/media/{n}.txt": b"" for n in range(uploads.MAX_PARTS + 1)})
    assert refused("charter.docx", many) == (
        "The file has more than 2000 internal parts; it is refused to protect the server."
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xml_entity_declarations_are_refused_before_parsing(encoding):
    evil = rezip(charter_in_word(), {"word/document.xml": BILLION_LAUGHS.encode(encoding)})
    assert refused("charter.docx", evil) == ENTITIES


def test_a_dtd_in_a_part_not_named_xml_is_refused_too():
    data = charter_in_word()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(b"</Types>", b'<Override PartName="/word/extra.bin" ContentType="application/'
                                       b'vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>')
    evil = rezip(data, {"[Content_Types].xml": types, "word/extra.bin": BILLION_LAUGHS.encode()})
    assert refused("charter.docx", evil) == ENTITIES


def test_a_word_file_without_structure_is_refused():
    word = docx.Document()
    word.add_paragraph("Minutes of the meeting of the working group.")
    word.add_paragraph("The group met in Florence.")
    assert refused("minutes.docx", save(word)) == (
        "No sections or articles were found: use Word's heading styles (Heading 1 for sections, "
        "Heading 2 for articles) or headings such as “Article I.”."
    )


# -- checks across languages --------------------------------------------------------------------

def charter(locale: str, *sections: tuple[str, list[str]]) -> Document:
    return Document(title="Charter", locale=locale, sections=[
        DocSection(title, [
            DocArticle(n, f"Title {n}", "text", "article") if n else DocArticle("", "Provision", "text")
            for n in numbers
        ])
        for title, numbers in sections
    ])


def test_the_seed_drafts_are_aligned_and_raise_no_warning():
    documents = {
        locale: import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
        for locale in ("en", "fr", "es")
    }
    assert is_aligned(documents)
    assert structure_warnings(documents) == []


def test_an_article_missing_in_one_language():
    documents = {
        "en": charter("en", ("Preamble", [""]), ("Agenda", ["I", "II", "III"]), ("Final", ["", "", ""])),
        "fr": charter("fr", ("Préambule", [""]), ("Agenda", ["I", "III", "IV"]), ("Finales", ["", ""])),
    }
    assert not is_aligned(documents)
    assert [str(w) for w in structure_warnings(documents)] == [
        "Français: in the section “Agenda”, the numbering goes from I to III.",
        "Français: “Article II. Title II” (in English) is missing from the section “Agenda”.",
        "Français: “Article IV. Title IV” in the section “Agenda” is not in English.",
        "Français: “Provision” (in English) is missing from the section “Finales”.",
    ]


def test_sections_differing_in_count():
    documents = {"en": charter("en", ("A", ["1"]), ("B", ["1"])), "es": charter("es", ("A", ["1"]))}
    assert not is_aligned(documents)
    assert [str(w) for w in structure_warnings(documents)] == ["Español has 1 sections, English has 2."]


@pytest.mark.parametrize("numbers, jump", [
    (["I", "II", "IV"], "from II to IV"),
    (["1", "2", "4"], "from 2 to 4"),
    (["A", "B", "D"], "from B to D"),
    (["I", "V"], "from I to V"),
])
def test_numbering_that_skips(numbers, jump):
    warnings = structure_warnings({"en": charter("en", ("Agenda", numbers))})
    assert [str(w) for w in warnings] == [f"English: in the section “Agenda”, the numbering goes {jump}."]


@pytest.mark.parametrize("numbers", [["C", "D", "E"], ["VIII", "IX", "X"], ["1", "2", "3"]])
def test_regular_numbering_raises_nothing(numbers):
    assert structure_warnings({"en": charter("en", ("Part", numbers))}) == []


def test_numbering_in_mixed_styles_is_one_sequence():
    source = "# Charter\n\n## Agenda\n\n" + "".join(
        f"### {heading}\n\ntext\n\n" for heading in ("Article premier", "Art. 2", "ARTICLE III", "Article IV.", "5. Five"))
    document = import_markdown(source, "en")
    assert [a.number for a in document.articles] == ["1", "2", "III", "IV", "5"]  # the labels the draft used
    assert structure_warnings({"en": document}) == []


def test_languages_numbered_in_different_styles_are_aligned():
    def draft(locale: str, *headings: str) -> Document:
        return import_markdown("# C\n\n## Rights\n\n" + "".join(f"### {h}\n\ntext\n\n" for h in headings), locale)

    documents = {"en": draft("en", "Article I. City", "Article II. Democracy"),
                 "fr": draft("fr", "Article 1. Ville", "Article deuxième. Démocratie"),
                 "es": draft("es", "Artículo primero. Ciudad", "Artículo 2. Democracia")}
    assert is_aligned(documents) and structure_warnings(documents) == []
    documents["es"] = draft("es", "Artículo primero. Ciudad", "Artículo 3. Democracia")
    assert not is_aligned(documents)


def test_a_list_numbered_from_two_billion_cannot_blow_up_the_text():
    """Lettered numbering repeats its letter value/26 times: a huge start is bounded, not obeyed."""
    word = docx.Document()
    word.add_heading("Rights", level=1)
    word.add_heading("Article I. Right to the city", level=2)
    numbering = word.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="99"><w:lvl w:ilvl="0"><w:start w:val="2000000000"/>'
        '<w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%1)"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="99"><w:abstractNumId w:val="99"/></w:num>'))
    for text in ("first point", "second point"):
        word.add_paragraph(text)._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W}><w:ilvl w:val="0"/><w:numId w:val="99"/></w:numPr>'))
    body = import_docx(save(word), "en").articles[0].body
    assert "first point" in body and "second point" in body
    assert len(body) < 2_000


def test_a_word_file_saved_by_libreoffice_with_headings_one_level_down():
    """A real producer's file: the title is Heading 1, sections Heading 2, articles Heading 3."""
    data = (Path(__file__).parent / "fixtures" / "charter-es-libreoffice.docx").read_bytes()
    imported = read_upload("charter.docx", data, "es")
    seed = import_markdown((Path(__file__).parents[1] / "seeds" / "charter" / "draft.es.md").read_text("utf-8"), "es")
    assert imported.title == seed.title
    assert [(s.title, [(a.number, a.title) for a in s.articles]) for s in imported.sections] == \
        [(s.title, [(a.number, a.title) for a in s.articles]) for s in seed.sections]
    article_i = imported.sections[2].articles[0]
    assert article_i.body.startswith("1. Todos los habitantes") and "   - a) participar" in article_i.body
