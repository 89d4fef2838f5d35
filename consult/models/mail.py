"""The outbox: every mail the platform sends, written in the transaction of the act that causes it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from consult.models.base import Base, utcnow


class OutgoingMail(Base):
    """One message to one address, rendered in the recipient's language when it was written.

    A job delivers it after the commit (consult.mail.delivery); a row whose act was rolled back
    never existed, so it is never sent. Its Message-ID is its key: a delivery repeated after a
    lost job writes the same message, which mail programs recognise as one."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # what the mail is about: confirm_email, reset_password…
    recipient: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    headers: Mapped[dict | None] = mapped_column(sa.JSON)  # extra headers, e.g. List-Unsubscribe
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # A delivery holds the row until then; a job that died holding it lets go when it passes.
    claimed_until: Mapped[datetime | None]
    next_attempt_at: Mapped[datetime | None]  # after a failure, the retry's time (backoff)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    given_up_at: Mapped[datetime | None]  # after MAIL_MAX_ATTEMPTS failures; the secretariat can retry

    @property
    def is_undelivered(self) -> bool:
        return self.sent_at is None

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.kind} to {self.recipient!r}>"
