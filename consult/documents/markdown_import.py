"""Markdown importer: `#` title, `##` sections, `###` articles; deeper headings stay in the body.

Body text that sits directly under a section heading (a preamble) becomes one unnumbered
article titled like the section, so every unit of the charter owns a thread. What the outline
cannot hold (text before the first section, a second title, a deeper heading that reads like an
article heading) is reported in the document's warnings, as translatable messages.
"""

from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt

from consult.documents.headings import parse_article_heading
from consult.documents.model import DocArticle, DocSection, Document, DocumentError

_parser = MarkdownIt("commonmark")


NO_STRUCTURE = _l(
    "No sections or articles were found: start each section with “## ” and each article with “### ”, "
    "for example “### Article I. Right to the city”."
)


def import_markdown(source: str, locale: str) -> Document:
    lines = source.splitlines()
    tokens = [
        token for token in _parser.parse(source)
        if token.type == "heading_open" and token.map and token.level == 0
    ]
    all_headings = [
        (token.map[0], int(token.tag[1]), _parser.parseInline(lines[token.map[0]].lstrip("# ").rstrip(" #"))[0].content)
        for token in tokens
    ]
    headings = [heading for heading in all_headings if heading[1] <= 3]
    title_lines = {line for token in tokens if token.tag == "h1" for line in range(*token.map)}
    document = Document(title="", locale=locale)
    document.warnings.extend(_unplaced(lines, all_headings, title_lines))
    section: DocSection | None = None
    bounds = [h[0] for h in headings] + [len(lines)]

    def body_after(index: int) -> str:
        start = headings[index][0] + 1
        return "\n".join(lines[start : bounds[index + 1]]).strip()

    for index, (line_no, level, text) in enumerate(headings):
        if level == 1 and document.title:
            document.warnings.append(_l(
                "Line %(line)s: a second title, “%(title)s”, was left out with any text under it; only "
                "the first “# ” line is the title.",
                line=line_no + 1, title=text,
            ))
        elif level == 1:
            document.title = text
        elif level == 2:
            section = DocSection(title=text)
            document.sections.append(section)
            intro = body_after(index)
            if intro:
                section.articles.append(DocArticle(number="", title=text, body=intro))
        elif level == 3:
            if section is None:
                document.warnings.append(_l(
                    "Line %(line)s: the article “%(title)s” comes before any section; it was put in a "
                    "section without a title.",
                    line=line_no + 1, title=text,
                ))
                section = DocSection(title="")
                document.sections.append(section)
            number, title, numbering = parse_article_heading(text, article_level=True)
            section.articles.append(DocArticle(number, title, body_after(index), numbering))
    if not document.articles:
        raise DocumentError(NO_STRUCTURE)
    return document


def _unplaced(lines: list[str], headings: list[tuple[int, int, str]], title_lines: set[int]) -> list[str]:
    """What the outline cannot hold: text before the first section, and deeper headings that
    read like article headings (most likely an article given the wrong level)."""
    warnings = []
    structure = [line_no for line_no, level, _ in headings if level in (2, 3)]
    first_text = next(
        (n for n, line in enumerate(lines[: structure[0] if structure else 0])
         if line.strip() and n not in title_lines),
        None,
    )
    if first_text is not None:
        warnings.append(_l(
            "Line %(line)s: the text before the first section was left out; put it under a “## ” "
            "section heading if it belongs to the charter.",
            line=first_text + 1,
        ))
    for line_no, level, text in headings:
        if level > 3 and parse_article_heading(text)[2] == "article":
            warnings.append(_l(
                "Line %(line)s: “%(title)s” looks like an article heading but is a level-%(level)s "
                "heading, so it was kept as text; write it with “### ” if it is an article.",
                line=line_no + 1, title=text, level=level,
            ))
    return warnings
