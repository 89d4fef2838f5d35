"""Importing a draft: files read into the document model, shown for checking, then saved as a
new draft version with aligned language texts, linked to the version it revises.

The preview proposes which article of that version each new article continues (so history and
redlines follow it); the secretariat corrects the proposal, and what it confirms is saved.
Between the preview and the confirmation the documents wait in the instance folder (the
parsed model as JSON, not the upload), so confirming saves exactly what was previewed.
"""

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from consult import pending
from consult.charter import services as charter_services
from consult.charter.labels import article_heading
from consult.charter.services import Place
from consult.config import LOCALES
from consult.documents.checks import is_aligned, structure_warnings
from consult.documents.model import DocArticle, DocSection, Document, DocumentError
from consult.documents.uploads import read_upload
from consult.extensions import db
from consult.i18n import LANGUAGE_NAMES
from consult.models import Article, Charter, User, Version
from consult.moderation import audit

MAX_IMPORT_REQUEST = 64 * 1024 * 1024  # bytes: three files, each refused above MAX_UPLOAD_BYTES


@dataclass
class MatchRow:
    """A new article and the article of the revised version it continues (None: a new article)."""

    field: str  # the name of its choice in the confirmation form
    article: DocArticle
    continues: Article | None


@dataclass
class Preview:
    documents: dict[str, Document]
    warnings: list[str] = field(default_factory=list)
    previous: Version | None = None  # the version the draft revises
    continues: dict[Place, Article] = field(default_factory=dict)

    @property
    def can_save(self) -> bool:
        return is_aligned(self.documents)

    @property
    def source(self) -> Document:
        return self.documents[source_locale(self.documents)]

    @property
    def matching(self) -> list[MatchRow]:
        return [MatchRow(_choice_field(place), article, self.continues.get(place))
                for place, article in _places(self.source)]

    @functools.cached_property
    def previous_sections(self) -> list[tuple[str, list[tuple[Article, str]]]]:
        """The revised version's sections and articles, with their headings in the draft's
        source language: what each new article may continue."""
        if self.previous is None:
            return []
        locale = self.source.locale
        return [(section.title(locale), [(article, _heading(article, locale)) for article in section.articles])
                for section in charter_services.load_version(self.previous)]

    @property
    def removed(self) -> list[str]:
        """Headings of the revised version's articles that no new article continues."""
        continued = {article.id for article in self.continues.values()}
        return [heading for _title, articles in self.previous_sections
                for article, heading in articles if article.id not in continued]

    def matching_outline(self) -> dict | None:
        """The matching as plain data, for `--dry-run`: each new article and what it continues."""
        if self.previous is None:
            return None
        word = self.source.article_word
        return {
            "based_on": {"id": self.previous.id, "label": self.previous.label(self.source.locale)},
            "articles": [{"new": row.article.heading(word),
                          "continues": _heading(row.continues, self.source.locale) if row.continues else None}
                         for row in self.matching],
            "removed": self.removed,
        }

    @property
    def matching_problem(self) -> str | None:
        """Why the matching cannot be saved: an earlier article continued by two new ones."""
        seen: dict[int, DocArticle] = {}
        word = self.source.article_word
        for place, article in _places(self.source):
            if (earlier := self.continues.get(place)) is None:
                continue
            if earlier.id in seen:
                return _("“%(earlier)s” is chosen for both “%(first)s” and “%(second)s”, but only one article "
                         "can continue it: make the other a new article.",
                         earlier=_heading(earlier, self.source.locale), first=seen[earlier.id].heading(word),
                         second=article.heading(word))
            seen[earlier.id] = article
        return None


def source_locale(documents: dict[str, Document]) -> str:
    """The authoritative language of an imported draft: English when present."""
    return "en" if "en" in documents else next(iter(documents))


def _places(document: Document) -> list[tuple[Place, DocArticle]]:
    return [((s, a), article) for s, section in enumerate(document.sections)
            for a, article in enumerate(section.articles)]


def _choice_field(place: Place) -> str:
    return "article-%d-%d" % place


def _heading(article: Article, locale: str) -> str:
    text = article.text(locale)
    return article_heading(article, text) if text else article.number


def read_files(files: dict[str, tuple[str, bytes]], previous: Version | None = None
               ) -> tuple[Preview | None, dict[str, str]]:
    """Read one file per language ({locale: (filename, content)}): the preview, matched against
    the version it revises, or what is wrong with each file that could not be read."""
    documents, errors = {}, {}
    for locale, (filename, data) in files.items():
        try:
            documents[locale] = read_upload(filename, data, locale)
        except DocumentError as error:
            errors[locale] = str(error)
    return (None, errors) if errors else (preview_of(documents, previous), {})


def preview_of(documents: dict[str, Document], previous: Version | None = None,
               continues: dict[Place, Article] | None = None) -> Preview:
    """What the preview shows; without `continues`, the matching proposed against `previous`."""
    warnings = [_("%(language)s: %(warning)s", language=LANGUAGE_NAMES[locale], warning=warning)
                for locale, document in documents.items() for warning in document.warnings]
    if continues is None:
        source = documents[source_locale(documents)]
        continues = charter_services.match_articles(previous, source) if previous else {}
    return Preview(documents, warnings + [str(w) for w in structure_warnings(documents)], previous, continues)


def chosen_continuations(preview: Preview, choices: Mapping[str, str]) -> dict[Place, Article]:
    """The matching as the secretariat confirmed it: for each new article the id of the article it
    continues, or nothing for a new article (so is anything that is not one of the revised version's)."""
    by_id = {str(article.id): article for _title, articles in preview.previous_sections for article, _h in articles}
    return {place: by_id[choice] for place, _article in _places(preview.source)
            if (choice := choices.get(_choice_field(place), "")) in by_id}


def revisable_versions() -> list[Version]:
    """The versions a new draft may revise, newest first; the first is the default."""
    charter = charter_services.main_charter()
    return charter_services.versions_of(charter, include_drafts=True)[::-1] if charter else []


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "draft"


def _free_slug(charter: Charter, label: str) -> str:
    base = slugify(label)
    taken = set(db.session.scalars(sa.select(Version.slug).where(Version.charter_id == charter.id)))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_draft(actor: User | None, documents: dict[str, Document], labels: dict[str, str],
                 previous: Version | None = None, continues: dict[Place, Article] | None = None) -> Version:
    """A new draft version of the main charter (created if there is none yet), its language
    texts aligned article by article, based on `previous` with its articles continued as
    `continues` says (by default as `charter.services.match_articles` proposes)."""
    source = source_locale(documents)
    charter = charter_services.main_charter()
    if charter is None:
        charter = Charter(slug=charter_services.MAIN_CHARTER_SLUG,
                          titles={loc: doc.title for loc, doc in documents.items() if doc.title})
        db.session.add(charter)
        db.session.flush()
    fallback = labels.get(source) or next(label for label in labels.values() if label)
    labels = {loc: labels.get(loc) or fallback for loc in LOCALES}
    if previous is not None and continues is None:
        continues = charter_services.match_articles(previous, documents[source])
    version = charter_services.create_version(charter, documents, slug=_free_slug(charter, labels[source]),
                                              labels=labels, source_locale=source, based_on=previous,
                                              continues=continues or {})
    audit.record(actor, "import_version", version, languages=sorted(documents),
                 articles=len(documents[source].articles), based_on=previous.id if previous else None,
                 continued=len(continues or {}))
    return version


# -- the wait between preview and confirmation ------------------------------------------------


def keep_for_confirmation(actor: User, preview: Preview, labels: dict[str, str]) -> str:
    """Store the previewed documents; returns the token the confirmation form carries."""
    documents = {loc: dataclasses.asdict(dataclasses.replace(doc, warnings=[])) for loc, doc in preview.documents.items()}
    return pending.keep("imports", actor.id, {"labels": labels, "documents": documents,
                                              "based_on": preview.previous.id if preview.previous else None})


@dataclass
class Pending:
    """A previewed import waiting for its confirmation."""

    documents: dict[str, Document]
    labels: dict[str, str]
    previous: Version | None  # the version it revises


def claim(actor: User, token: str) -> Pending | None:
    """Take what this person previewed under this token, once (consult.pending); None also when
    the version it revises has been deleted since."""
    payload = pending.claim("imports", actor.id, token)
    if payload is None:
        return None
    previous = db.session.get(Version, payload["based_on"]) if payload.get("based_on") else None
    if payload.get("based_on") and previous is None:
        return None
    return Pending({loc: _document(data) for loc, data in payload["documents"].items()}, payload["labels"], previous)


def _document(data: dict) -> Document:
    sections = [DocSection(s["title"], [DocArticle(**a) for a in s["articles"]]) for s in data["sections"]]
    return Document(title=data["title"], locale=data["locale"], sections=sections, subtitle=data.get("subtitle", ""))
