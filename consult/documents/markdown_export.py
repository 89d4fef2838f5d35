"""Markdown renderer of the document model: the same shape the Markdown importer reads."""

from consult.documents.model import Document


def to_markdown(document: Document) -> str:
    lines = [f"# {document.title}", ""]
    for section in document.sections:
        lines += [f"## {section.title}", ""]
        for article in section.articles:
            if section.is_own_text(article):
                lines += [article.body, ""]  # a preamble: text directly under its section
                continue
            lines += [f"### {article.heading(document.article_word)}", "", article.body, ""]
    return "\n".join(lines).rstrip() + "\n"
