"""Markdown renderer of the document model: the same shape the Markdown importer reads."""

from consult.documents.model import Document

_LABEL = {"en": "Article", "fr": "Article", "es": "Artículo"}


def to_markdown(document: Document) -> str:
    lines = [f"# {document.title}", ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        for article in section.articles:
            if not article.number and article.title == section.title:
                lines += [article.body, ""]  # a preamble: text directly under its section
                continue
            if article.numbering == "article":
                heading = f"{_LABEL.get(document.locale, 'Article')} {article.number}. {article.title}"
            elif article.numbering == "point":
                heading = f"{article.number}. {article.title}"
            else:
                heading = article.title
            lines += [f"### {heading}", "", article.body, ""]
    return "\n".join(lines).rstrip() + "\n"
