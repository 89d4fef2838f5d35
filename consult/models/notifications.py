"""What people are told: notices, what they follow, and how often they want mail."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from consult.models.base import Base, utcnow


class Notice(Base):
    """One thing one person is told (their amendment answered, a reply, news of what they follow).
    Shown in the app; mailed at once, in a digest, or never, as `rhythm` said when it was written."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # what happened: amendment_answered, reply, …
    payload: Mapped[dict[str, Any]]  # the ids it is about: amendment_id, comment_id, round_id, article_id…
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # The person's preference for this kind when it was written: immediately, daily, weekly, never.
    rhythm: Mapped[str] = mapped_column(sa.String(12), default="never", server_default="never")
    mailed_at: Mapped[datetime | None]  # in a mail of its own or in a digest; None: still to come

    __table_args__ = (sa.Index("ix_notices_digest", "rhythm", "mailed_at", "user_id"),)


class Follow(Base):
    """A person follows an article, an amendment or a round: news of it comes to them."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    target: Mapped[str] = mapped_column(sa.String(10))  # article, amendment, round
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "target", "target_id", name="uq_follows_user_target"),
        sa.Index("ix_follows_target", "target", "target_id"),
    )


class NotificationPreference(Base):
    """How often a person wants mail of one group of notices; without a row, the group's default."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    rhythm: Mapped[str] = mapped_column(sa.String(12))


class RoundAnnouncement(Base):
    """That a round's opening, coming close or closing has been told, so it is told once."""

    __tablename__ = "round_announcements"

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id"), primary_key=True)
    what: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # opened, closing, closed
    at: Mapped[datetime] = mapped_column(default=utcnow)
