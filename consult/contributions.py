"""What amendments, comments and supports share: idempotent creation, race-safe unique inserts,
and the round's state read under its lock."""

import secrets
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from consult.database import lock_row
from consult.extensions import db
from consult.models import Round, RoundState

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


class RoundClosed(Exception):
    """The round closed (or is not yet open) by the time the contribution was written: nothing is saved."""


def lock_open_round(round_: Round) -> None:
    """Call first in every write of a contribution: wait for a close under way, then read the round's
    state afresh. The lock is shared among contributions and held to the commit; closing takes it
    exclusively (rounds.services.close_early), so once a close has answered nothing more is saved.
    On SQLite, the write lock (consult.database) does the same."""
    lock_row(round_, shared=True)
    if round_.phase() is not RoundState.open:
        raise RoundClosed()
