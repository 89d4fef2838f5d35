"""Redlines as a reader sees the text: structure, formatting, safe HTML, bounded cost. Pure: no app."""

import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from consult.text.redline import has_changes, inline_redline_html, redline_html, structural_diff, word_diff

SEED = Path(__file__).parent.parent / "seeds" / "charter" / "2011.en.md"
VOID = {"br", "hr"}


def article_one() -> str:
    text = SEED.read_text()
    article = text[text.index("### Article I."):text.index("### Article II.")]
    return article.split("\n", 1)[1].strip()


class Marks(HTMLParser):
    """Checks that elements nest and close, and collects what each <ins> and <del> shows."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []
        self.marks: list[tuple[str, str]] = []  # (tag, visible text)
        self.visible: list[str] = []
        self.feed(html)
        self.close()
        assert not self.open, f"unclosed: {self.open}"

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.open.append((tag, dict(attrs).get("class") or ""))
        if tag in ("ins", "del"):
            self.marks.append((tag, ""))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1][0] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data):
        if any(cls == "visually-hidden" for _tag, cls in self.open):
            return
        self.visible.append(data)
        for depth in range(len(self.open) - 1, -1, -1):
            if self.open[depth][0] in ("ins", "del"):
                tag, text = self.marks[-1]
                self.marks[-1] = (tag, text + data)
                break

    def text(self) -> str:
        return "".join(self.visible)


def test_one_inserted_word_is_one_mark_with_that_word():
    body = article_one()
    html = redline_html(body, body.replace("decent living", "decent affordable living"))
    assert Marks(html).marks == [("ins", "affordable ")]
    assert html.count("<ins>") == 1 and "<del>" not in html
    assert '<span class="visually-hidden">[inserted: </span>affordable <span class="visually-hidden">]</span>' in html


def test_line_ends_are_not_changes():
    body = article_one()
    crlf = body.replace("\n", "\r\n")
    for old, new in ((crlf, body), (body, crlf), (body.replace("\n", "\r"), crlf)):
        html = redline_html(old, new)
        assert "<ins>" not in html and "<del>" not in html
        assert not has_changes(old, new)
        assert all(change.op == "equal" for change in word_diff(old, new))
    assert "<ins>" not in inline_redline_html("Right to\r\nthe city", "Right to\nthe city")


def test_formatted_text_never_markdown_source():
    body = article_one()
    html = redline_html(body, body.replace("Suggested action plan", "Suggested plan of action"))
    text = Marks(html).text()
    assert "**" not in html and "**" not in text
    assert not re.search(r"^\s*[-*+] ", text, re.MULTILINE)
    assert "<p><strong>Suggested</strong> <del><span class=\"visually-hidden\">[deleted: </span><strong>action plan</strong>" in html
    # numbered points and lettered sub-points are lists showing their own labels, once
    assert '<ol class="redline-list"><li>\n<span class="redline-marker">1.</span> All inhabitants' in html
    assert '<ul class="redline-list"><li>\n<span class="redline-marker">a)</span> take part' in html
    assert "a) a)" not in text and "• a)" not in text


def test_headings_bold_and_emphasis_kept():
    html = redline_html("## Heading\n\nSome *stressed* words.", "## Heading\n\nSome *stressed* new words.")
    assert '<p class="redline-heading"><strong>Heading</strong></p>' in html
    assert "<em>stressed</em>" in html and "#" not in html


def test_whole_items_are_marked_and_deleted_ones_keep_their_number():
    html = redline_html("1. One thing.\n2. Another thing.\n3. A third.", "1. One thing.\n2. A third.\n3. A brand new point here.")
    marks = Marks(html)
    assert ("del", "2. Another thing.") in marks.marks
    assert ("ins", "3. A brand new point here.") in marks.marks
    assert '<li class="redline-deleted">' in html and '<li class="redline-inserted">' in html
    assert "A third." in marks.text() and len(marks.marks) == 2  # renumbered "A third." is no change


def test_new_text_is_all_inserted_and_a_removed_one_all_deleted():
    added = Marks(redline_html("", "First paragraph.\n\n- a) point"))
    assert added.marks == [("ins", "First paragraph."), ("ins", "a) point")]
    removed = Marks(redline_html("Gone.", ""))
    assert removed.marks == [("del", "Gone.")]


def test_user_text_is_escaped():
    html = redline_html("Plain text.", "Plain <script>alert(1)</script> text & <b>more</b>.")
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    title = inline_redline_html("A title", 'A "title" <img src=x onerror=alert(1)>')
    assert "<img" not in title and "&lt;img" in title
    labels = redline_html("a", "b", deleted_label="<deleted>", inserted_label="<inserted>")
    assert "&lt;deleted&gt;" in labels and "<deleted>" not in labels


def test_unchanged_paragraphs_collapse_into_a_count():
    paragraphs = [f"Paragraph number {n} of the article." for n in range(1, 7)]
    new = list(paragraphs)
    new[3] = "Paragraph number 4 of the amended article."
    html = redline_html("\n\n".join(paragraphs), "\n\n".join(new), changed_only=True,
                        unchanged=lambda count: f"{count} left out")
    notes = re.findall(r'<p class="redline-omitted">([^<]*)</p>', html)
    assert notes == ["3 left out", "2 left out"]
    assert Marks(html).marks == [("ins", "amended ")]
    assert "Paragraph number 1" not in html
    full = redline_html("\n\n".join(paragraphs), "\n\n".join(new))
    assert "redline-omitted" not in full and "Paragraph number 1" in full


def test_titles_inline():
    html = inline_redline_html("Right to the city", "Right to a city")
    assert "<p" not in html and Marks(html).marks == [("del", "the"), ("ins", "a")]


def test_a_pasted_flood_of_two_words_finishes_with_the_right_shape():
    """20,000 characters of two alternating words: the cost is bounded (see the benchmark); here
    only that the result is whole and true."""
    body = article_one()
    flood = ("right city " * 2000)[:20000]
    for new in (flood, body + "\n\n" + flood, body.replace("decent", flood)):
        html = redline_html(body, new)
        marks = Marks(html)
        assert marks.marks and all(text.strip() for _tag, text in marks.marks)
        assert "".join(text for tag, text in marks.marks if tag == "ins").count("right city") >= 1800
    replaced = structural_diff(body, flood)
    assert [entry.op for entry in replaced].count("insert") == 1
    assert all(entry.op == "delete" for entry in replaced if entry.op != "insert")
    scrambled = Marks(redline_html("right city " * 1000, "city right right " * 700))
    assert scrambled.marks  # coarse past the time budget, but marks only what changed, never empty


# -- properties -----------------------------------------------------------------------------------

WORDS = st.sampled_from(["city", "right", "the", "of", "**housing**", "*all*", "<b>", "&", ",", ".", "a)", "-"])
LINE = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
BLOCK = st.one_of(LINE, LINE.map(lambda s: "- " + s), LINE.map(lambda s: "1. " + s), LINE.map(lambda s: "   - a) " + s),
                  LINE.map(lambda s: "## " + s))
TEXT = st.lists(BLOCK, max_size=6).map("\n\n".join)


@settings(max_examples=80, deadline=None)
@given(TEXT, TEXT, st.booleans())
def test_marks_are_never_empty_and_html_is_well_formed(old, new, changed_only):
    html = redline_html(old, new.replace("\n", "\r\n"), changed_only=changed_only)
    marks = Marks(html)
    assert all(text.strip() for _tag, text in marks.marks), html
    assert "<b>" not in html and "**" not in marks.text()
    if old == new:
        assert not marks.marks


@settings(max_examples=40, deadline=None)
@given(TEXT, TEXT)
def test_word_diff_rebuilds_both_texts(old, new):
    changes = word_diff(old, new)
    assert "".join(c.text for c in changes if c.op != "insert") == old
    assert "".join(c.text for c in changes if c.op != "delete") == new
    assert all(c.text for c in changes)
