"""The public account's figures, kept between requests instead of counted on every one.

Counting who took part reads every contribution of a round; the page is read far more often than
a contribution is written. So the figures are computed once and kept in the instance folder under
a stamp: the rounds' tokens (replaced at random, at the end of the writing transaction, whenever
an amendment, comment, support or organisation is written — below, for the ORM's flushes and for
bulk statements alike; a round never written has none, and its figures are not kept) plus the weeks the weekly series covers (it grows with the clock). A stamp that
differs means the kept figures are not used: never stale. A token is read before the figures are
counted, so figures kept under it are at least as new as it (read committed included); a token of a
transaction rolled back is never seen again.
"""

import json
import logging
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from consult.extensions import db
from consult.models import Amendment, Comment, Organisation, Round, Support
from consult.models.rounds import RoundFiguresToken, new_figures_token

log = logging.getLogger(__name__)

_COUNTED_TABLES = {"amendments", "comments", "supports", "organisations"}
_CHANGED = "consult_figures_changed"  # in the session's info: round ids, or EVERY round


class _Every:
    pass


EVERY = _Every()


def _note(session: Session, round_ids) -> None:
    if round_ids is EVERY or session.info.get(_CHANGED) is EVERY:
        session.info[_CHANGED] = EVERY
    else:
        session.info.setdefault(_CHANGED, set()).update(round_ids)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    round_ids: set[int] = set()
    support_amendments: set[int] = set()
    # Noted until the next commit, rollbacks included: a token renewed for nothing costs nothing.
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Amendment, Comment)):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            history = sa.inspect(obj).attrs.round_id.history
            round_ids.update(r for r in (*history.added, *history.unchanged, *history.deleted) if r is not None)
        elif isinstance(obj, Support):
            history = sa.inspect(obj).attrs.amendment_id.history
            support_amendments.update(a for a in (*history.added, *history.unchanged, *history.deleted)
                                      if a is not None)
        elif isinstance(obj, Organisation) and obj not in session.new:
            _note(session, EVERY)  # its region or kind: every round's figures
    if support_amendments:
        round_ids.update(session.connection().execute(
            sa.select(Amendment.__table__.c.round_id).where(Amendment.__table__.c.id.in_(support_amendments))
        ).scalars())
    if round_ids:
        _note(session, round_ids)


@sa.event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    """insert/update/delete statements run through the session (no objects flushed): every round."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _COUNTED_TABLES:
        _note(state.session, EVERY)


@sa.event.listens_for(Session, "before_commit")
def _renew_tokens(session: Session) -> None:
    """The last act of the transaction, so that writers of one round wait on each other's token
    for an instant only; rounds in the order of their ids, so that they never deadlock."""
    session.flush()
    changed = session.info.pop(_CHANGED, None)
    if not changed:
        return
    connection = session.connection()
    if changed is EVERY:
        changed = connection.execute(sa.select(Round.__table__.c.id)).scalars().all()
    table = RoundFiguresToken.__table__
    upsert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[connection.dialect.name]
    for round_id in sorted(changed):
        token = new_figures_token()
        connection.execute(upsert(table).values(round_id=round_id, token=token)
                           .on_conflict_do_update(index_elements=["round_id"], set_={"token": token}))


# --- keeping ----------------------------------------------------------------------------------


def stamp(round_ids: list[int], weeks: tuple) -> str | None:
    """The present stamp of these rounds' figures (one small query), or None: not to be kept."""
    tokens = dict(_tokens(round_ids))
    if len(tokens) != len(round_ids) or None in tokens.values():
        return None
    return json.dumps([[i, tokens[i]] for i in sorted(round_ids)] + [[str(w) for w in weeks]])


def _tokens(round_ids: list[int]) -> list[tuple[int, str | None]]:
    table = RoundFiguresToken.__table__
    return db.session.execute(sa.select(table.c.round_id, table.c.token).where(table.c.round_id.in_(round_ids))).all()


def _path(round_ids: list[int]) -> Path | None:
    if not has_app_context():
        return None
    return Path(current_app.instance_path) / "figures" / f"rounds-{'-'.join(map(str, sorted(round_ids)))}.json"


def load(round_ids: list[int], stamp_: str | None) -> dict | None:
    path = _path(round_ids)
    if stamp_ is None or path is None:
        return None
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return kept.get("figures") if kept.get("stamp") == stamp_ else None


def keep(round_ids: list[int], stamp_: str | None, figures: dict) -> None:
    path = _path(round_ids)
    if stamp_ is None or path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as file:
            json.dump({"stamp": stamp_, "figures": figures}, file)
        os.replace(file.name, path)
    except OSError:
        log.warning("Could not keep the figures in %s", path, exc_info=True)
