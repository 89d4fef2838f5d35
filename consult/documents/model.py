"""The neutral document model shared by every importer and exporter."""

from dataclasses import dataclass, field


class DocumentError(ValueError):
    """A file that cannot be read as a charter; the message is shown to the person importing."""


@dataclass
class DocArticle:
    number: str  # label as printed ("I", "A"), "" for unnumbered units such as a preamble
    title: str
    body: str  # Markdown
    numbering: str = ""  # "article" for "Article I", "point" for "A. Objective", "" unnumbered


@dataclass
class DocSection:
    title: str
    articles: list[DocArticle] = field(default_factory=list)


@dataclass
class Document:
    title: str
    locale: str
    sections: list[DocSection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def articles(self) -> list[DocArticle]:
        return [a for s in self.sections for a in s.articles]

    def outline(self) -> dict:
        """The structure as plain data: what `--dry-run` prints and what tests compare."""
        return {
            "title": self.title,
            "locale": self.locale,
            "sections": [
                {
                    "title": s.title,
                    "articles": [{"number": a.number, "title": a.title} for a in s.articles],
                }
                for s in self.sections
            ],
        }
