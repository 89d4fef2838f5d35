"""Reports on contributions and the append-only audit log."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.accounts import User
from consult.models.base import Base, utcnow


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comments.id"), index=True)
    amendment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("amendments.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    __table_args__ = (
        sa.CheckConstraint("(comment_id IS NULL) <> (amendment_id IS NULL)", name="one_target"),
    )


class AuditEvent(Base):
    """Every moderator and secretariat act. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


@sa.event.listens_for(AuditEvent, "before_update")
@sa.event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, target: AuditEvent) -> None:
    raise ValueError(f"audit events are append-only (event {target.id})")


class SavedAnswer(Base):
    """A reusable answer text the moderators keep, in the three languages. Choosing one fills an
    answer form; deleting one deletes only this template, never an answer given with it."""

    __tablename__ = "saved_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    text_fr: Mapped[str] = mapped_column(sa.Text, default="")
    text_es: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def text(self, locale: str) -> str:
        """The text in this language, falling back to English."""
        return getattr(self, f"text_{locale}", "") or self.text_en


class ArticleAssignment(Base):
    """Which moderator answers an article's amendments in a round: one each, set by the secretariat.
    Changing it replaces the row; the audit log keeps who assigned what."""

    __tablename__ = "article_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    moderator_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    moderator: Mapped[User] = relationship(foreign_keys=[moderator_id])

    __table_args__ = (sa.UniqueConstraint("round_id", "article_id"),)
