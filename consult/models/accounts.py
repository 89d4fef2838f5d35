"""Organisations and users."""

import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from consult.models.base import Base, LabelledEnum, TimestampMixin, enum_column, utcnow


class Region(LabelledEnum):
    """UCLG's world regions and sections; `global` is only for rounds open to everyone."""

    global_ = "global", _l("Global")
    africa = "africa", _l("Africa")
    asia_pacific = "asia-pacific", _l("Asia-Pacific")
    eurasia = "eurasia", _l("Eurasia")
    europe = "europe", _l("Europe")
    latin_america = "latin-america", _l("Latin America")
    mewa = "mewa", _l("Middle East and West Asia")
    north_america = "north-america", _l("North America")
    metropolitan = "metropolitan", _l("Metropolitan section")
    forum_of_regions = "forum-of-regions", _l("Forum of Regions")

    @classmethod
    def of_organisations(cls) -> list["Region"]:
        return [r for r in cls if r is not cls.global_]


class OrganisationKind(LabelledEnum):
    local_government = "local-government", _l("Local government")
    regional_government = "regional-government", _l("Regional government")
    association = "association", _l("Association of local governments")
    civil_society = "civil-society", _l("Civil society organisation")
    academia = "academia", _l("Academia")
    international = "international", _l("International organisation")
    other = "other", _l("Other")


class Role(LabelledEnum):
    participant = "participant", _l("Participant")
    moderator = "moderator", _l("Moderator")
    secretariat = "secretariat", _l("Secretariat")


def organisation_name_key(name: str) -> str:
    """What makes two organisation names one: their letters and digits, whatever the case, accents,
    spaces or punctuation ("Ville de Bogotá" and "VILLE DE BOGOTA" are one), so no name can be squatted."""
    without_accents = "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if ch.isalnum())
    return (unicodedata.normalize("NFC", without_accents) or " ".join(name.split()).casefold())[:200]


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    # Kept in step with `name`. Unique: a second organisation of the same name is refused by the
    # database too. Empty only for organisations that matched an older one when keys were added.
    name_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True, index=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    region: Mapped[Region] = mapped_column(enum_column(Region))
    verified_at: Mapped[datetime | None]

    members: Mapped[list["User"]] = relationship(back_populates="organisation", foreign_keys="User.organisation_id")
    # Read only: a member becomes the contact through User.is_contact.
    contact: Mapped["User | None"] = relationship(
        primaryjoin="and_(User.organisation_id == Organisation.id, User.is_contact)", viewonly=True, uselist=False)
    membership_requests: Mapped[list["User"]] = relationship(
        back_populates="requested_organisation", foreign_keys="User.requested_organisation_id",
        order_by="User.requested_at")

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        self.name_key = organisation_name_key(name)
        return name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.participant)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # Individuals have no organisation; they say where they live for the statistics.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    active: Mapped[bool] = mapped_column(default=True)
    # The organisation's contact, who approves requests to join it once it is verified. Kept on the
    # member (not as organisations.contact_id) so the contact is always a member and the two tables
    # do not refer to each other; one per organisation, which accounts.services keeps.
    is_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A request to join an organisation, until its contact or the secretariat decides: one at a
    # time, and it gives nothing — only `organisation` counts for taking part.
    requested_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    requested_at: Mapped[datetime | None]
    # Set when the person opened the link mailed to their address; until then they read but do
    # not take part (consult.permissions).
    email_confirmed_at: Mapped[datetime | None]
    # Which privacy notice they accepted, and when (consult.accounts.privacy).
    privacy_notice_version: Mapped[str | None] = mapped_column(sa.String(20))
    privacy_accepted_at: Mapped[datetime | None]
    # A deleted account: its personal data are gone, its contributions stay, shown as those of
    # "a former participant" with their organisation. The row stays so the record stays whole.
    deleted_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(back_populates="members", foreign_keys=[organisation_id])
    requested_organisation: Mapped[Organisation | None] = relationship(
        back_populates="membership_requests", foreign_keys=[requested_organisation_id])

    # The secret of the login this request belongs to, set when it starts or resumes
    # (consult.accounts.services). Flask-Login keeps get_id() in the session and in the remember
    # cookie, so deleting the login's row ends both, wherever they were copied to.
    session_token = None

    def get_id(self) -> str:
        if self.session_token is None:
            raise RuntimeError("start a login (accounts.services.start_session) before login_user()")
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def region(self) -> Region | None:
        return self.organisation.region if self.organisation else None

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"


class LoginSession(Base):
    """One login on one device. Only a hash of its secret is stored: the table itself logs no one in."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # SHA-256, hex
    remember: Mapped[bool] = mapped_column(default=False)  # "keep me logged in" was ticked
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()
