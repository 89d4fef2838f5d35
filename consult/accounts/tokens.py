"""Signed, expiring links for mails: each purpose has its own salt, so a link made for one thing
(confirming an address) is worthless for another (choosing a password)."""

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class LinkExpired(ValueError):
    pass


class LinkInvalid(ValueError):
    pass


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"consult.{purpose}")


def sign(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: timedelta) -> dict:
    """The payload; LinkExpired once `max_age` has passed, LinkInvalid for anything else."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age.total_seconds())
    except SignatureExpired as error:
        raise LinkExpired from error
    except BadSignature as error:
        raise LinkInvalid from error
    if not isinstance(payload, dict):
        raise LinkInvalid
    return payload


def fingerprint(secret: str) -> str:
    """A short digest of a value the link must still match, e.g. the password hash: once the
    password has changed, every reset link made before it stops working (single use)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]
