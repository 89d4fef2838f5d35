"""Machine translations of what participants wrote, kept so that each text is sent to the service once
per language. A row is keyed by a digest of the source text (so an edited text is another key: a
translation is never stale), the source language and the target language."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from consult.models.base import Base, LabelledEnum, enum_column


class TranslationState(LabelledEnum):
    pending = "pending", _l("Being translated")
    done = "done", _l("Translated")
    failed = "failed", _l("The service failed")


class MachineTranslation(Base):
    __tablename__ = "machine_translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # sha256 of the source as sent: its format ("text" or "markdown"), a newline, the text.
    source_hash: Mapped[str] = mapped_column(sa.String(64))
    source_locale: Mapped[str] = mapped_column(sa.String(8))
    target_locale: Mapped[str] = mapped_column(sa.String(8))
    state: Mapped[TranslationState] = mapped_column(enum_column(TranslationState), default=TranslationState.pending)
    # Plain text for a title; for Markdown, the translated HTML, sanitised as every stored HTML is.
    text: Mapped[str | None] = mapped_column(sa.Text)
    characters: Mapped[int] = mapped_column(default=0)  # characters sent to the service
    error: Mapped[str | None] = mapped_column(sa.String(300))
    requested_at: Mapped[datetime]
    created_at: Mapped[datetime | None] = mapped_column(index=True)  # when the translation arrived

    __table_args__ = (sa.UniqueConstraint("source_hash", "source_locale", "target_locale"),)
