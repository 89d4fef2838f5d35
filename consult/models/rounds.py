"""Consultation rounds. A round's phase follows from the clock plus explicit moderator acts."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.accounts import Region
from consult.models.base import Base, LabelledEnum, TimestampMixin, TranslatedFieldsMixin, enum_column, utcnow
from consult.models.charter import Version


class RoundState(LabelledEnum):
    scheduled = "scheduled", _l("Scheduled")
    open = "open", _l("Open")
    closed = "closed", _l("Closed")
    concluded = "concluded", _l("Concluded")


def new_figures_token() -> str:
    return uuid.uuid4().hex


class Round(TranslatedFieldsMixin, TimestampMixin, Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("versions.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    titles: Mapped[dict[str, str]]
    descriptions: Mapped[dict[str, str]]
    region: Mapped[Region] = mapped_column(enum_column(Region), default=Region.global_)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    # Set when a moderator closes the round before closes_at; the dates stay as announced.
    closed_early_at: Mapped[datetime | None]
    allows_amendments: Mapped[bool] = mapped_column(default=True)
    allows_comments: Mapped[bool] = mapped_column(default=True)
    allows_supports: Mapped[bool] = mapped_column(default=True)
    restricted_to_region: Mapped[bool] = mapped_column(default=False)
    requires_verified_organisation: Mapped[bool] = mapped_column(default=False)

    version: Mapped[Version] = relationship()

    def title(self, locale: str) -> str:
        return self.pick(self.titles, locale)

    def description(self, locale: str) -> str:
        return self.pick(self.descriptions, locale)

    @property
    def effective_close(self) -> datetime:
        return self.closed_early_at or self.closes_at

    def phase(self, now: datetime | None = None) -> RoundState:
        """scheduled, open or closed from the clock; `concluded` needs the amendments (services)."""
        now = now or utcnow()
        if now < self.opens_at:
            return RoundState.scheduled
        if now < self.effective_close:
            return RoundState.open
        return RoundState.closed

    def is_open(self, now: datetime | None = None) -> bool:
        return self.phase(now) is RoundState.open


class RoundFiguresToken(Base):
    """Replaced (at random, so never reused) as the last act of a transaction that wrote a
    contribution, support or organisation the round's figures count: the figures kept between
    requests are those computed under the present token (consult/rounds/figures_cache.py). A table
    of its own: writers hold the round's row FOR SHARE, and updating it would deadlock them."""

    __tablename__ = "round_figures_tokens"

    round_id: Mapped[int] = mapped_column(sa.ForeignKey("rounds.id"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), default=new_figures_token)
