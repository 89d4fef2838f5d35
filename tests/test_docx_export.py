"""Word renderers: read back with python-docx (headings, tables, tracked changes, pictures) and
the chart PNG with Pillow. No database, no request: the renderers are pure functions."""

import io
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from PIL import Image

from consult.documents.chart_images import BAR, GAP, PAD, bar_chart_png
from consult.documents.docx_export import charter_docx, redline_docx, report_docx
from consult.documents.markdown_import import import_markdown
from consult.documents.model import Figure, Redline, RedlineArticle, Report, ReportAmendment, ReportArticle

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "charter"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def draft(locale: str):
    document = import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
    document.subtitle = "Consultation draft 2026"
    return document


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


def styled(word, style: str) -> list[str]:
    return [p.text for p in word.paragraphs if p.style.name == style]


def after(word, text: str, count: int) -> list:
    """The `count` paragraphs that follow the first paragraph reading `text`."""
    paragraphs = word.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.text == text)
    return paragraphs[index + 1 : index + 1 + count]


# -- the charter ----------------------------------------------------------------------------------

def test_charter_has_real_headings_in_document_order():
    document = draft("en")
    word = read(charter_docx([document]))
    assert styled(word, "Title") == [document.title]
    assert styled(word, "Subtitle") == ["Consultation draft 2026"]
    assert styled(word, "Heading 1") == [s.title for s in document.sections]
    headings = styled(word, "Heading 2")
    assert headings[:4] == ["A. Objective", "B. Scope of application", "C. Values and principles",
                            "Article I. Right to the city"]
    assert "Preamble" not in headings  # the preamble is its section's own text
    assert headings[-1] == "Role of the city in the international promotion of human rights"
    assert after(word, "Preamble", 1)[0].text.startswith("Whereas human rights are universal")


def test_lists_keep_their_markers_with_a_hanging_indent_and_emphasis_survives():
    word = read(charter_docx([draft("en")]))
    first, lettered = after(word, "Article I. Right to the city", 2)
    assert first.text.startswith("1.\tAll inhabitants have the right to a city")
    assert first.paragraph_format.first_line_indent < 0 < first.paragraph_format.left_indent
    assert lettered.text == "a)\ttake part in the life of the city on equal terms;"
    indents = [round(p.paragraph_format.left_indent.cm, 2) for p in (first, lettered)]
    assert indents == [0.8, 1.6]
    plan = next(p for p in word.paragraphs if p.text == "Suggested action plan")
    assert all(run.bold for run in plan.runs)
    assert not any(p.style.name.startswith("List") for p in word.paragraphs)  # no Word numbering


def test_page_language_and_properties():
    data = charter_docx([draft("fr")])
    word = read(data)
    section = word.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert section.orientation == WD_ORIENT.PORTRAIT and 1.5 <= section.left_margin.cm <= 2.5
    properties = word.core_properties
    assert properties.title == "Charte-Agenda mondiale des droits de l'Homme dans la Cité"
    assert properties.language == "fr-FR" and properties.author == "" and "python-docx" not in properties.comments
    default_language = word.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default_language.get(qn("w:val")) == "fr-FR"
    assert styled(word, "Heading 2")[3] == "Article I. Droit à la ville"


def test_provenance_and_outdated_translation_are_notes_around_the_text():
    document = draft("en")
    article = document.sections[2].articles[1]  # Article II
    article.provenance = ["#12 Change proposed by City of Lyon (France), accepted", "#15 Barcelona, accepted in part"]
    article.outdated = True
    word = read(charter_docx([document]))
    notes = [p for p in word.paragraphs if p.style.name == "Charter Note"]
    assert [p.text for p in notes] == [
        "This translation has not yet been updated after a change in another language.",
        "Incorporated amendments",
        "•\t#12 Change proposed by City of Lyon (France), accepted",
        "•\t#15 Barcelona, accepted in part",
    ]
    assert after(word, "Article II. Right to participatory democracy", 1)[0].text == notes[0].text
    assert notes[1].runs[0].bold and notes[0].style.font.italic and notes[0].style.font.size.pt == 9
    text = [p.text for p in word.paragraphs]
    assert text.index(notes[1].text) > text.index("Article II. Right to participatory democracy") + 3
    assert text.index(notes[3].text) < text.index("Article III. Right to civic peace and safety in the city")


def test_three_languages_side_by_side_in_a_landscape_table():
    documents = [draft("en"), draft("fr"), draft("es")]
    word = read(charter_docx(documents))
    assert word.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert word.sections[0].page_width > word.sections[0].page_height
    assert styled(word, "Title") == [documents[0].title]
    (table,) = word.tables
    header = table.rows[0]
    assert [c.text for c in header.cells] == ["English", "Français", "Español"]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert [c.text for c in table.rows[1].cells] == [d.title for d in documents]
    rows = [[cell.paragraphs[0].text for cell in row.cells] for row in table.rows]
    assert ["Agenda of rights and obligations", "Agenda des droits et obligations",
            "Agenda de derechos y obligaciones"] in rows
    assert ["Article I. Right to the city", "Article I. Droit à la ville", "Artículo I. Derecho a la ciudad"] in rows
    articles = sum(len(s.articles) for s in documents[0].sections)
    assert len(table.rows) == 2 + len(documents[0].sections) + articles
    article_row = table.rows[rows.index(["Article I. Right to the city", "Article I. Droit à la ville",
                                         "Artículo I. Derecho a la ciudad"])]
    french = article_row.cells[1]
    assert french.paragraphs[0].style.name == "Heading 2"
    assert french.paragraphs[1].text.startswith("1.\tTous les habitants")
    languages = {run._r.find(f"{W}rPr/{W}lang").get(qn("w:val")) for p in french.paragraphs for run in p.runs}
    assert languages == {"fr-FR"}


def test_side_by_side_leaves_a_cell_empty_where_a_language_lacks_an_article():
    english, spanish = draft("en"), draft("es")
    del spanish.sections[3].articles[2]
    table = read(charter_docx([english, spanish])).tables[0]
    last = table.rows[-1].cells
    assert last[0].paragraphs[0].text == "Role of the city in the international promotion of human rights"
    assert last[1].text == ""


def test_nothing_to_render_is_an_error():
    with pytest.raises(ValueError):
        charter_docx([])


# -- the redline: real tracked changes ------------------------------------------------------------

def resolve(paragraphs, *, accept: bool) -> list[str]:
    """The text Word shows after "accept all" (or "reject all"): what the marks really say."""
    gone = f"{W}del" if accept else f"{W}ins"
    text = ""
    for paragraph in paragraphs:
        for node in paragraph._p.iter(f"{W}t", f"{W}delText"):
            if node.getparent().getparent().tag != gone:
                text += node.text
        if paragraph._p.find(f"{W}pPr/{W}rPr/{gone}") is None:  # a paragraph mark that stays
            text += "\n"
    return text[:-1].split("\n")  # less the last paragraph's mark


def sample_redline() -> Redline:
    return Redline("Global Charter-Agenda", "en", "Charter 2011", "Draft 2026", [
        RedlineArticle("Article I. Right to the city", "Article I. Right to the city",
                       "1. The city shall act.\n2. Keep this.\n3. Drop this one.",
                       "1. The city must act quickly.\n2. Keep this.\n\nA **new** closing paragraph."),
        RedlineArticle("Article II. Democracy", "Article II. Democracy", "Same text.", "Same text."),
        RedlineArticle("Article IV. Housing", "Article III. Housing",
                       "1. Intro:\n   - a) first", "1. Intro:\n   - a) first\n   - b) second"),
        RedlineArticle("", "Article IV. Climate", "", "New text."),
        RedlineArticle("Article V. Old", "", "Gone for good.", ""),
    ])


def test_redline_changes_are_word_tracked_changes_that_accept_and_reject_correctly():
    word = read(redline_docx(sample_redline()))
    body = after(word, "Article I. Right to the city", 4)
    assert body[3].style.name == "Heading 1"
    body = body[:3]
    assert resolve(body, accept=True) == ["1. The city must act quickly.", "2. Keep this.", "A new closing paragraph."]
    assert resolve(body, accept=False) == ["1. The city shall act.", "2. Keep this.", "3. Drop this one."]
    xml = word.element.body
    deleted = xml.findall(f".//{W}del/{W}r/{W}delText")
    inserted = xml.findall(f".//{W}ins/{W}r/{W}t")
    assert "shall" in {d.text for d in deleted} and "must" in {i.text for i in inserted}
    assert not xml.findall(f".//{W}del/{W}r/{W}t")  # deleted text must be w:delText
    marks = xml.findall(f".//{W}ins") + xml.findall(f".//{W}del")
    assert all(m.get(qn("w:author")) == "Draft 2026" and m.get(qn("w:date")).endswith("Z") for m in marks)
    ids = [m.get(qn("w:id")) for m in marks]
    assert len(ids) == len(set(ids))


def test_redline_headings_statuses_and_unchanged_articles():
    word = read(redline_docx(sample_redline()))
    assert styled(word, "Title") == ["Global Charter-Agenda"]
    assert styled(word, "Subtitle") == ["Changes from Charter 2011 to Draft 2026"]
    assert styled(word, "Heading 1") == ["Article I. Right to the city", "Article II. Democracy",
                                         "Article IV. Housing → Article III. Housing", "Article IV. Climate",
                                         "Article V. Old"]
    assert after(word, "Article II. Democracy", 1)[0].text == "No change."
    added, text = after(word, "Article IV. Climate", 2)
    assert added.text == "New article" and added.runs[0].bold
    assert resolve([text], accept=True) == ["New text."] and resolve([text], accept=False) == [""]
    removed, text = after(word, "Article V. Old", 2)
    assert removed.text == "Article removed"
    assert resolve([text], accept=False) == ["Gone for good."] and resolve([text], accept=True) == [""]


def test_redline_keeps_list_nesting_as_indentation():
    word = read(redline_docx(sample_redline()))
    intro, first, second = after(word, "Article IV. Housing → Article III. Housing", 3)
    assert not intro.paragraph_format.left_indent
    assert round(first.paragraph_format.left_indent.cm, 2) == round(second.paragraph_format.left_indent.cm, 2) == 0.8
    assert resolve([intro, first, second], accept=True) == ["1. Intro:", "a) first", "b) second"]
    assert resolve([intro, first, second], accept=False) == ["1. Intro:", "a) first"]


def test_redline_legend_reads_without_colour():
    word = read(redline_docx(sample_redline()))
    struck = next(p for p in word.paragraphs if p.text.startswith("Deleted text"))
    underlined = next(p for p in word.paragraphs if p.text.startswith("Inserted text"))
    assert struck.text == "Deleted text is struck through." and struck.runs[0].font.strike
    assert underlined.text == "Inserted text is underlined." and underlined.runs[0].font.underline
    assert any("Review" in p.text for p in word.paragraphs)


# -- the report -------------------------------------------------------------------------------------

def sample_report(articles: bool = True) -> Report:
    return Report(
        "Consultation report", "Round 1 · 2026", "en",
        totals=[("Amendments", "30"), ("Comments", "112")],
        figures=[Figure("Amendments by outcome", [("Accepted", 12), ("Rejected", 9)]),
                 Figure("Participants by region", [("Africa", 4), ("Europe", 11), ("Asia-Pacific", 6)]),
                 Figure("Not yet counted", [])],
        articles=[
            ReportArticle("Article I. Right to the city", [
                ReportAmendment("#12", "Change proposed by City of Lyon (France), in French", "Accepted in part",
                                "We kept **most** of it.", "1. All inhabitants *must* act.\n2. Second.", supports=3),
                ReportAmendment("#13", "Change proposed by Bogotá (Colombia), in Spanish", "Rejected",
                                "Out of scope.", "Remove the article.", supports=1),
            ]),
            ReportArticle("Article II. Democracy", []),
        ] if articles else [],
    )


def test_report_figures_are_pictures_with_alt_text_and_tables():
    word = read(report_docx(sample_report()))
    assert styled(word, "Title") == ["Consultation report"] and styled(word, "Subtitle") == ["Round 1 · 2026"]
    assert len(word.inline_shapes) == 2  # the empty figure has no chart
    first = word.inline_shapes[0]
    assert first._inline.docPr.get("descr") == "Amendments by outcome. Accepted: 12; Rejected: 9"
    assert round(first.width.cm) == 15
    tables = [[[c.text for c in row.cells] for row in table.rows] for table in word.tables]
    assert tables == [[["Amendments", "30"], ["Comments", "112"]],
                      [["Accepted", "12"], ["Rejected", "9"]],
                      [["Africa", "4"], ["Europe", "11"], ["Asia-Pacific", "6"]]]
    assert after(word, "Not yet counted", 1)[0].text == "Nothing yet."


def test_report_amendments_under_their_article():
    word = read(report_docx(sample_report()))
    assert styled(word, "Heading 1") == ["Figures", "Outcome of every amendment"]
    assert styled(word, "Heading 2") == ["Amendments by outcome", "Participants by region", "Not yet counted",
                                         "Article I. Right to the city"]  # no amendment, no heading
    assert styled(word, "Heading 3") == ["#12 Change proposed by City of Lyon (France), in French",
                                         "#13 Change proposed by Bogotá (Colombia), in Spanish"]
    outcome, proposal_label, first, second, answer_label, answer = after(
        word, "#12 Change proposed by City of Lyon (France), in French", 6)
    assert outcome.text == "Accepted in part · 3 supports" and outcome.runs[0].bold
    assert proposal_label.text == "Proposal" and answer_label.text == "Public answer"
    assert first.text == "1.\tAll inhabitants must act." and any(r.italic and r.text == "must" for r in first.runs)
    assert second.text == "2.\tSecond."
    assert answer.text == "We kept most of it." and any(r.bold and r.text == "most" for r in answer.runs)
    assert after(word, "#13 Change proposed by Bogotá (Colombia), in Spanish", 1)[0].text == "Rejected · 1 support"


def test_report_without_amendments_says_so():
    word = read(report_docx(sample_report(articles=False)))
    assert after(word, "Outcome of every amendment", 1)[0].text == "No amendments were proposed."


# -- the chart image --------------------------------------------------------------------------------

def test_bar_chart_png_is_print_sized_and_proportional():
    figure = Figure("Amendments by outcome", [("Accepted", 12), ("Accepted in part", 6), ("Rejected", 0)])
    image = Image.open(io.BytesIO(bar_chart_png(figure)))
    assert image.format == "PNG" and image.width >= 1700  # 15 cm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    taller = Image.open(io.BytesIO(bar_chart_png(Figure("x", figure.items * 2))))
    assert taller.height > image.height

    def bar_length(row: int) -> int:
        """Coloured (non-grey) pixels across the middle of the row-th bar."""
        y = PAD + row * (BAR + GAP) + BAR // 2
        pixels = [image.getpixel((x, y)) for x in range(image.width)]
        return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)

    longest, half, none = bar_length(0), bar_length(1), bar_length(2)
    assert longest > 500 and abs(half - longest / 2) < 10 and none == 0


def test_bar_chart_png_of_nothing_is_still_an_image():
    image = Image.open(io.BytesIO(bar_chart_png(Figure("Empty", []))))
    assert image.width >= 1700 and image.height > 0
