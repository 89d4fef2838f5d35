"""Registration and authentication rules."""

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from consult.extensions import db
from consult.models import Organisation, OrganisationKind, Region, Role, User

# Checked against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def organisations_for_choice() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


def find_or_create_organisation(name: str, kind: OrganisationKind, country: str, region: Region) -> Organisation:
    """A newcomer's organisation is created unverified; the secretariat verifies it later."""
    name = " ".join(name.split())
    existing = db.session.scalar(sa.select(Organisation).where(sa.func.lower(Organisation.name) == name.lower()))
    if existing:
        return existing
    organisation = Organisation(name=name, kind=kind, country=country.upper(), region=region, verified_at=None)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def register(
    *,
    email: str,
    name: str,
    password: str,
    locale: str,
    organisation: Organisation | None,
    country: str | None = None,
    role: Role = Role.participant,
) -> User | None:
    """Create the account; None when the address is taken (the caller answers the same way)."""
    if find_user(email) is not None:
        return None
    user = User(
        email=normalise_email(email),
        name=" ".join(name.split()),
        password_hash=hash_password(password),
        locale=locale,
        organisation=organisation,
        country=(country or (organisation.country if organisation else None) or None),
        role=role,
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_preferences(user: User, *, name: str | None = None, locale: str | None = None) -> None:
    if name is not None:
        user.name = " ".join(name.split())
    if locale is not None:
        user.locale = locale
    db.session.flush()
