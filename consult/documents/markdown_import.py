"""Markdown importer: `#` title, `##` sections, `###` articles; deeper headings stay in the body.

Body text that sits directly under a section heading (a preamble) becomes one unnumbered
article titled like the section, so every unit of the charter owns a thread.
"""

from markdown_it import MarkdownIt

from consult.documents.headings import parse_article_heading
from consult.documents.model import DocArticle, DocSection, Document, DocumentError

_parser = MarkdownIt("commonmark")


def import_markdown(source: str, locale: str) -> Document:
    lines = source.splitlines()
    headings = [
        (token.map[0], int(token.tag[1]), _parser.parseInline(lines[token.map[0]].lstrip("# ").rstrip(" #"))[0].content)
        for token in _parser.parse(source)
        if token.type == "heading_open" and token.map and token.level == 0 and token.tag in ("h1", "h2", "h3")
    ]
    document = Document(title="", locale=locale)
    section: DocSection | None = None
    bounds = [h[0] for h in headings] + [len(lines)]

    def body_after(index: int) -> str:
        start = headings[index][0] + 1
        return "\n".join(lines[start : bounds[index + 1]]).strip()

    for index, (line_no, level, text) in enumerate(headings):
        if level == 1:
            document.title = text
        elif level == 2:
            section = DocSection(title=text)
            document.sections.append(section)
            intro = body_after(index)
            if intro:
                section.articles.append(DocArticle(number="", title=text, body=intro))
        elif level == 3:
            if section is None:
                document.warnings.append(f"line {line_no + 1}: article '{text}' before any section")
                section = DocSection(title="")
                document.sections.append(section)
            number, title, numbering = parse_article_heading(text)
            section.articles.append(DocArticle(number, title, body_after(index), numbering))
    if not document.articles:
        raise DocumentError("no sections or articles were found")
    return document
