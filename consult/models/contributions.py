"""What participants write: amendments (with their history and supports) and comments."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from consult.models.accounts import Organisation, User
from consult.models.base import Base, LabelledEnum, TimestampMixin, enum_column
from consult.models.charter import Article, Version
from consult.models.rounds import Round


class AmendmentKind(LabelledEnum):
    modify = "modify", _l("Change to an article")
    add = "add", _l("New article")
    delete = "delete", _l("Deletion of an article")


class AmendmentStatus(LabelledEnum):
    submitted = "submitted", _l("Awaiting an answer")
    accepted = "accepted", _l("Accepted")
    accepted_in_part = "accepted_in_part", _l("Accepted in part")
    rejected = "rejected", _l("Rejected")
    duplicate = "duplicate", _l("Duplicate")
    withdrawn = "withdrawn", _l("Withdrawn")
    incorporated = "incorporated", _l("Incorporated")


class Visibility(LabelledEnum):
    visible = "visible", _l("Visible")
    hidden = "hidden", _l("Hidden by a moderator")
    deleted = "deleted", _l("Deleted by its author")


class Stance(LabelledEnum):
    for_ = "for", _l("For")
    against = "against", _l("Against")
    neutral = "neutral", _l("Neutral")


class ModeratedMixin:
    """Moderation is state, never deletion: hidden content stays, with who hid it and why."""

    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.visible)
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class AttributedMixin:
    """Whose a contribution is. One a moderator recorded for an organisation (at an in-person
    meeting) is the organisation's: the moderator, its author in the data, only typed it in. Where
    a record names the person who spoke, that person is its author as for any contribution."""

    @hybrid_property
    def on_behalf_of_organisation(self) -> bool:
        return (self.recorded_by_id is not None and self.recorded_by_id == self.author_id
                and self.organisation_id is not None)

    @on_behalf_of_organisation.inplace.expression
    @classmethod
    def _on_behalf_of_organisation_expression(cls):
        return sa.and_(cls.recorded_by_id.is_not(None), cls.recorded_by_id == cls.author_id,
                       cls.organisation_id.is_not(None))


class Amendment(AttributedMixin, ModeratedMixin, TimestampMixin, Base):
    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id"), index=True)
    # modify/delete: the article amended; add: the article after which the new one goes.
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    kind: Mapped[AmendmentKind] = mapped_column(enum_column(AmendmentKind))
    locale: Mapped[str] = mapped_column(sa.String(8))
    base_title: Mapped[str] = mapped_column(sa.String(300), default="")
    base_text: Mapped[str] = mapped_column(sa.Text, default="")  # exactly what the author amended
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    rationale_html: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The organisation the author spoke for when submitting (people change organisations).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    # Contributions from in-person meetings are recorded by a moderator, with their source.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_source: Mapped[str | None] = mapped_column(sa.String(300))
    status: Mapped[AmendmentStatus] = mapped_column(enum_column(AmendmentStatus), default=AmendmentStatus.submitted)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answer_html: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("amendments.id"))
    incorporated_in_id: Mapped[int | None] = mapped_column(sa.ForeignKey("versions.id"))
    set_aside_reason: Mapped[str | None] = mapped_column(sa.Text)
    # A form carries a one-time token so a double click or a reload creates one record.
    submission_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    round: Mapped[Round] = relationship()
    article: Mapped[Article] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    duplicate_of: Mapped["Amendment | None"] = relationship(remote_side=[id])
    incorporated_in: Mapped[Version | None] = relationship()
    revisions: WriteOnlyMapped["AmendmentRevision"] = relationship(back_populates="amendment")
    supports: WriteOnlyMapped["Support"] = relationship(back_populates="amendment")

    __table_args__ = (
        sa.Index("ix_amendments_round_status", "round_id", "status"),
        # An article's amendments in a round, newest first, and their counts without reading a row.
        sa.Index("ix_amendments_thread", "round_id", "article_id", "id", "visibility"),
    )


class AmendmentRevision(Base):
    """An earlier wording of an amendment, kept when its author edits it."""

    __tablename__ = "amendment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(sa.ForeignKey("amendments.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    rationale: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime]

    amendment: Mapped[Amendment] = relationship(back_populates="revisions")

    __table_args__ = (sa.UniqueConstraint("amendment_id", "number"),)


class Support(Base):
    __tablename__ = "supports"

    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(sa.ForeignKey("amendments.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    created_at: Mapped[datetime]

    amendment: Mapped[Amendment] = relationship(back_populates="supports")
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("amendment_id", "user_id"),)


class Comment(AttributedMixin, ModeratedMixin, TimestampMixin, Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id"), index=True)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("amendments.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_source: Mapped[str | None] = mapped_column(sa.String(300))
    locale: Mapped[str] = mapped_column(sa.String(8))
    body: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    stance: Mapped[Stance | None] = mapped_column(enum_column(Stance))
    edited_at: Mapped[datetime | None]
    submission_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    round: Mapped[Round] = relationship()
    article: Mapped[Article] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    parent: Mapped["Comment | None"] = relationship(remote_side=[id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    organisation: Mapped[Organisation | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    # A discussion's first-level comments in order, and every count of a thread, from the index
    # alone: equality on round, article, amendment (or NULL) and parent (NULL), then id; visibility
    # last so that "comments readers find" is counted without reading the table.
    __table_args__ = (
        sa.Index("ix_comments_thread", "round_id", "article_id", "amendment_id", "parent_id", "id", "visibility"),
    )
