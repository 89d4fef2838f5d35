"""Personal API tokens: made and revoked by their owner; only a SHA-256 hash of the secret is stored,
the secret is shown once."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from consult.extensions import db
from consult.models import ApiToken, User, utcnow

PREFIX = "cst_"  # recognisable in a leaked log or repository
NAME_LENGTH = 80
USE_RECORDED_EVERY = timedelta(minutes=5)  # last_used_at: not a write per request


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its secret, which is never stored nor shown again."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(" ".join(name.split()) or "API")[:NAME_LENGTH], secret_hash=digest(secret))
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def user_for(secret: str) -> User | None:
    """The account a secret opens: none when unknown, revoked, or the account inactive or deleted."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.secret_hash == digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active or user.deleted_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > USE_RECORDED_EVERY:
        token.last_used_at = now
    return user
