"""The neutral document model shared by every importer and exporter.

Importers turn a file into a `Document`; `charter.services` turns documents into a Version and a
Version back into documents; each export format is one renderer of these dataclasses. Content
(titles, labels of figures, outcomes) arrives translated; the few fixed words a renderer prints
itself go through gettext, in the locale the caller forces.
"""

from dataclasses import dataclass, field

from consult.documents.blocks import ListBlock, read_blocks


ARTICLE_WORD = {"en": "Article", "fr": "Article", "es": "Artículo"}


class DocumentError(ValueError):
    """A file that cannot be read as a charter; the message is shown to the person importing."""


@dataclass
class DocArticle:
    number: str  # label as printed ("I", "A"), "" for unnumbered units such as a preamble
    title: str
    body: str  # Markdown
    numbering: str = ""  # "article" for "Article I", "point" for "A. Objective", "" unnumbered
    # Provenance, when asked for: one line per amendment the article incorporated.
    provenance: list[str] = field(default_factory=list)
    outdated: bool = False  # a translation not yet aligned with a change in another language

    def heading(self, article_word: str = "Article") -> str:
        """The heading as printed: "Article I. Right to the city", "A. Objective", "Preamble"."""
        if self.numbering == "article":
            return f"{article_word} {self.number}. {self.title}".rstrip(". ") if self.title else f"{article_word} {self.number}"
        if self.numbering == "point" or self.number:
            return f"{self.number}. {self.title}"
        return self.title


@dataclass
class DocSection:
    title: str
    articles: list[DocArticle] = field(default_factory=list)

    def is_own_text(self, article: DocArticle) -> bool:
        """The unnumbered article titled like its section is the section's own text (a preamble):
        printed under the section heading, without a heading of its own."""
        return not article.number and article.title == self.title


@dataclass
class Document:
    title: str
    locale: str
    sections: list[DocSection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    subtitle: str = ""  # the version's label: "Consultation draft 2026"

    @property
    def article_word(self) -> str:
        """How this language prints article numbers: "Article I", "Artículo I"."""
        return ARTICLE_WORD.get(self.locale, "Article")

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
                    "articles": [
                        {"number": a.number, "title": a.title, "paragraphs": paragraph_count(a.body)}
                        for a in s.articles
                    ],
                }
                for s in self.sections
            ],
            "warnings": [str(w) for w in self.warnings],
        }


def paragraph_count(markdown: str) -> int:
    """Paragraphs as a reader counts them: blocks of text, each list item counting as one."""
    def count(blocks) -> int:
        return sum(sum(count(item.blocks) for item in b.items) if isinstance(b, ListBlock) else 1 for b in blocks)

    return count(read_blocks(markdown))


# -- redlines: what changed between two versions ------------------------------------------------

@dataclass
class RedlineArticle:
    """One article followed across two versions by its lineage (renumbered or moved, it is the
    same article). `old_*` is empty for an added article, `new_*` for a removed one."""

    old_heading: str
    new_heading: str
    old_body: str
    new_body: str

    @property
    def status(self) -> str:
        if not self.old_heading and not self.old_body:
            return "added"
        if not self.new_heading and not self.new_body:
            return "removed"
        if (self.old_heading, self.old_body) == (self.new_heading, self.new_body):
            return "unchanged"
        return "changed"


@dataclass
class Redline:
    title: str
    locale: str
    from_label: str
    to_label: str
    articles: list[RedlineArticle] = field(default_factory=list)


# -- the consultation report ----------------------------------------------------------------------

@dataclass
class Figure:
    """A chart and the same numbers as a table."""

    title: str
    items: list[tuple[str, int]]


@dataclass
class ReportAmendment:
    reference: str  # "#12"
    heading: str  # "Change proposed by City of Lyon (France), in French"
    status: str  # translated outcome: "Accepted in part"
    answer: str  # the public answer, Markdown
    proposal: str  # the proposed text or a summary, Markdown
    supports: int = 0


@dataclass
class ReportArticle:
    heading: str
    amendments: list[ReportAmendment] = field(default_factory=list)


@dataclass
class Report:
    title: str
    subtitle: str
    locale: str
    totals: list[tuple[str, str]] = field(default_factory=list)  # ("Amendments", "30")
    figures: list[Figure] = field(default_factory=list)
    articles: list[ReportArticle] = field(default_factory=list)
