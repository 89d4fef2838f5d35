"""The secretariat's acts on people and organisations, each audited."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from consult.extensions import db
from consult.models import Organisation, Role, User, utcnow
from consult.moderation import audit


def verify(actor: User, organisation: Organisation) -> None:
    if organisation.verified_at is None:
        organisation.verified_at = utcnow()
        audit.record(actor, "verify_organisation", organisation, name=organisation.name)
        db.session.flush()


class AdminError(ValueError):
    pass


def set_role(actor: User, user: User, role: Role) -> None:
    """No one changes their own role: a secretariat cannot lock itself out, nor promote itself."""
    if user.id == actor.id:
        raise AdminError("own_role")
    if user.role is not role:
        audit.record(actor, "set_role", user, previous=user.role, role=role, email=user.email)
        user.role = role
        db.session.flush()


def organisations() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation)
                                   .options(selectinload(Organisation.members), selectinload(Organisation.contact))
                                   .order_by(Organisation.verified_at.is_not(None), Organisation.name)))


def people() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.name).options(joinedload(User.organisation))))
