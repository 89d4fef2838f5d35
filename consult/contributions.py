"""What amendments and comments share: idempotent creation and race-safe unique inserts."""

import secrets
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.extensions import db

T = TypeVar("T")


def new_submission_token() -> str:
    """Put in every contribution form: the same token twice means the same submission."""
    return secrets.token_urlsafe(24)


def create_once(model: type[T], token: str | None, build: Callable[[], T]) -> tuple[T, bool]:
    """Create the record unless one with this submission token exists (double click, reload,
    two tabs). Returns (record, created). A concurrent duplicate loses on the unique constraint
    inside a savepoint, and the winner's record is returned."""
    if token:
        existing = db.session.scalar(sa.select(model).where(model.submission_token == token))
        if existing is not None:
            return existing, False
    record = build()
    record.submission_token = token or None
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        existing = db.session.scalar(sa.select(model).where(model.submission_token == token)) if token else None
        if existing is None:
            raise
        return existing, False
    return record, True
