"""Invitations: the secretariat invites a focal point by mail, to an account attached to their organisation."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.models.accounts import Organisation, User
from consult.models.base import Base, utcnow


class Invitation(Base):
    """One person invited from one uploaded list (`batch`). Accepting it creates their account,
    confirmed (the link proved the address) and a member of `organisation`; it is used once."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)  # lower-cased
    name: Mapped[str] = mapped_column(sa.String(120))
    # None: invited as an individual. An organisation not yet on the platform is created when sent.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    organisation_name: Mapped[str | None] = mapped_column(sa.String(200))  # as written in the list
    country: Mapped[str | None] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    position: Mapped[str | None] = mapped_column(sa.String(120))  # their role in the organisation
    locale: Mapped[str] = mapped_column(sa.String(8))  # the mail's language, and the account's
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    batch: Mapped[str] = mapped_column(sa.String(40), index=True)  # one upload's invitations share it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)  # the last link sent; it expires from then
    accepted_at: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.email!r}>"
