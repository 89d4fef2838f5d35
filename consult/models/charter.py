"""The charter and its versions, sections, articles and per-locale article texts."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.base import Base, LabelledEnum, TimestampMixin, TranslatedFieldsMixin, enum_column


class VersionState(LabelledEnum):
    draft = "draft", _l("Draft")
    in_consultation = "in_consultation", _l("In consultation")
    consolidating = "consolidating", _l("Consolidating")
    published = "published", _l("Published")
    archived = "archived", _l("Archived")


class TextStatus(LabelledEnum):
    source = "source", _l("Source text")
    current = "current", _l("Translation up to date")
    outdated = "outdated", _l("Translation outdated")


class Charter(TranslatedFieldsMixin, TimestampMixin, Base):
    __tablename__ = "charters"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    titles: Mapped[dict[str, str]]

    versions: Mapped[list["Version"]] = relationship(back_populates="charter", order_by="Version.id")

    def title(self, locale: str) -> str:
        return self.pick(self.titles, locale)


class Version(TranslatedFieldsMixin, TimestampMixin, Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(sa.ForeignKey("charters.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    labels: Mapped[dict[str, str]]
    state: Mapped[VersionState] = mapped_column(enum_column(VersionState), default=VersionState.draft)
    source_locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id"))
    published_at: Mapped[datetime | None]

    charter: Mapped[Charter] = relationship(back_populates="versions")
    based_on: Mapped["Version | None"] = relationship(remote_side=[id])
    sections: Mapped[list["Section"]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("charter_id", "slug"),)

    def label(self, locale: str) -> str:
        return self.pick(self.labels, locale)


class Section(TranslatedFieldsMixin, Base):
    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"), index=True)
    position: Mapped[int]
    titles: Mapped[dict[str, str]]

    version: Mapped[Version] = relationship(back_populates="sections")
    articles: Mapped[list["Article"]] = relationship(back_populates="section", order_by="Article.position")

    def title(self, locale: str) -> str:
        return self.pick(self.titles, locale)


def new_lineage() -> str:
    return uuid.uuid4().hex


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"), index=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("sections.id"), index=True)
    # Label as printed ("I", "A"); empty for unnumbered units such as the preamble.
    number: Mapped[str] = mapped_column(sa.String(16), default="")
    # "article" prints as "Article I", "point" as "A.", "" prints no number.
    numbering: Mapped[str] = mapped_column(sa.String(16), default="")
    position: Mapped[int]  # order within the whole version
    # The same article across versions, whatever its number or section becomes.
    lineage_id: Mapped[str] = mapped_column(sa.String(32), default=new_lineage, index=True)

    version: Mapped[Version] = relationship()
    section: Mapped[Section] = relationship(back_populates="articles")
    texts: Mapped[list["ArticleText"]] = relationship(back_populates="article", cascade="all, delete-orphan")

    __table_args__ = (sa.UniqueConstraint("version_id", "lineage_id"),)

    def text(self, locale: str) -> "ArticleText | None":
        """The text to show a reader of `locale`: theirs, else the source, else any that has words
        (a new article may exist in one language only until it is translated)."""
        written = {t.locale: t for t in self.texts if t.title or t.body}
        return written.get(locale) or written.get(self.version.source_locale) or next(iter(written.values()), None) \
            or self.exact_text(locale)

    def exact_text(self, locale: str) -> "ArticleText | None":
        """The text in exactly this language, for editing it."""
        return next((t for t in self.texts if t.locale == locale), None)


class ArticleText(TimestampMixin, Base):
    __tablename__ = "article_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown as written
    body_html: Mapped[str] = mapped_column(sa.Text)  # sanitised at write time; what pages show
    status: Mapped[TextStatus] = mapped_column(enum_column(TextStatus), default=TextStatus.current)
    # Optimistic concurrency: every save bumps it; a save made from an older revision is a conflict.
    revision: Mapped[int] = mapped_column(default=1)
    # For translations: the source text's revision this translation was last aligned with.
    source_revision: Mapped[int | None]
    # When another language's text changed: which one, and its body as it was when this text
    # was last aligned with it, so the translator sees a redline of exactly what changed.
    outdated_by: Mapped[str | None] = mapped_column(sa.String(8))
    outdated_from: Mapped[str | None] = mapped_column(sa.Text)

    article: Mapped[Article] = relationship(back_populates="texts")

    __table_args__ = (sa.UniqueConstraint("article_id", "locale"),)


class Incorporation(Base):
    """Provenance: an article of a consolidated version took in an amendment, by whom and when."""

    __tablename__ = "incorporations"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    amendment_id: Mapped[int] = mapped_column(sa.ForeignKey("amendments.id"), unique=True)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime]
