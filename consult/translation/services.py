"""Machine translation of contributions, on request: what is translated, the cache, the job that asks
the service, and what pages show.

A contribution is split into pieces (an amendment's proposed title and text, its rationale, the
moderators' public answer; a comment's text). Each piece is cached under a digest of its source,
its source language and the target language, so a text is sent once per language, and an edited
text is another key: its old translation is simply never looked up again.

Markdown is rendered to the platform's sanitised HTML and sent as HTML (the service translates the
words and keeps the markup, so lists, emphasis and link targets come back as they went); what comes
back is sanitised again by the same allow-list before it is stored.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from markupsafe import Markup

from consult import jobs
from consult.extensions import db, spend_contribution
from consult.models import Amendment, AmendmentKind, Comment, MachineTranslation, TranslationState, utcnow
from consult.text.markdown import render_markdown, sanitise_html
from consult.translation.client import TranslationError, translator

# A job not done after this long was lost (a worker killed, a queue emptied): asking again queues it anew.
LOST_AFTER = timedelta(minutes=2)
AUTO = "auto"  # the service detects the language (a moderator may answer in any language)


@dataclass(frozen=True)
class Piece:
    name: str  # title | body | rationale | answer
    fmt: str  # text | markdown
    source: str
    locale: str  # the source language, or AUTO

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.fmt}\n{self.source}".encode()).hexdigest()

    @property
    def key(self) -> tuple[str, str]:
        return self.digest, self.locale


def pieces_of(contribution: Amendment | Comment) -> list[Piece]:
    locale = contribution.locale
    if isinstance(contribution, Comment):
        return [Piece("body", "markdown", contribution.body, locale)] if contribution.body else []
    pieces = []
    if contribution.kind is not AmendmentKind.delete:
        if contribution.title:
            pieces.append(Piece("title", "text", contribution.title, locale))
        if contribution.body:
            pieces.append(Piece("body", "markdown", contribution.body, locale))
    if contribution.rationale:
        pieces.append(Piece("rationale", "markdown", contribution.rationale, locale))
    if contribution.answer:
        pieces.append(Piece("answer", "markdown", contribution.answer, AUTO))
    return pieces


def _kind(contribution) -> str:
    return "comment" if isinstance(contribution, Comment) else "amendment"


def _rows(pieces: list[Piece], target: str) -> dict[tuple[str, str], MachineTranslation]:
    """The cached rows of these pieces into `target`: one query, whatever the number of pieces."""
    if not pieces:
        return {}
    rows = db.session.scalars(sa.select(MachineTranslation).where(
        MachineTranslation.target_locale == target,
        MachineTranslation.source_hash.in_({p.digest for p in pieces}),
    ))
    return {(row.source_hash, row.source_locale): row for row in rows}


def _lost(row: MachineTranslation) -> bool:
    return row.state is TranslationState.pending and row.requested_at < utcnow() - LOST_AFTER


# --- what pages show ------------------------------------------------------------------------------


@dataclass
class Shown:
    """A contribution's translation into `target` as a page shows it. state: done (every piece is
    translated), pending (some are being translated), failed (the service failed), or missing
    (never asked, or the text changed since: ask again)."""

    target: str
    state: str
    texts: dict[str, str] = field(default_factory=dict)  # piece name → plain text (title) or sanitised HTML

    @property
    def done(self) -> bool:
        return self.state == "done"

    def get(self, name: str):
        text = self.texts.get(name)
        if text is None:
            return None
        return text if name == "title" else Markup(text)


def _shown(pieces: list[Piece], rows: dict, target: str) -> Shown:
    found = [rows.get(p.key) for p in pieces]
    if not pieces or any(row is None for row in found):
        return Shown(target, "missing")
    if any(row.state is TranslationState.failed for row in found):
        return Shown(target, "failed")
    if any(row.state is TranslationState.pending for row in found):
        return Shown(target, "missing" if any(_lost(row) for row in found) else "pending")
    return Shown(target, "done", {p.name: row.text for p, row in zip(pieces, found, strict=True)})


def shown(contribution: Amendment | Comment, target: str) -> Shown:
    pieces = pieces_of(contribution)
    return _shown(pieces, _rows(pieces, target), target)


def cached_for(contributions, target: str) -> dict[int, Shown]:
    """The translations into `target` already cached for a page's contributions, by id: one query for
    the whole page. Contributions written in `target` have none."""
    wanted = {c.id: pieces_of(c) for c in contributions if c.locale != target}
    rows = _rows([p for pieces in wanted.values() for p in pieces], target)
    found = {id_: _shown(pieces, rows, target) for id_, pieces in wanted.items()}
    return {id_: s for id_, s in found.items() if s.done}


# --- asking -----------------------------------------------------------------------------------------


def request(contribution: Amendment | Comment, target: str, user) -> str:
    """Ask for the contribution's translation into `target` on behalf of `user`: what is cached costs
    nothing; the rest is queued as one job after the commit, and counted against the person's
    RATELIMIT_TRANSLATIONS (ContributionLimitReached past it). Returns the state (see Shown)."""
    pieces = pieces_of(contribution)
    rows = _rows(pieces, target)
    missing = [p for p in pieces if p.key not in rows]
    again = [row for p in pieces if (row := rows.get(p.key)) is not None
             and (row.state is TranslationState.failed or _lost(row))]
    if not missing and not again:
        return _shown(pieces, rows, target).state
    spend_contribution("translations", user)
    now = utcnow()
    for piece in {p.key: p for p in missing}.values():
        _insert_pending(piece, target, now)
    for row in again:
        row.state, row.error, row.requested_at = TranslationState.pending, None, now
    db.session.flush()
    jobs.after_commit(translate_contribution, _kind(contribution), contribution.id, target)
    return "pending"


def _insert_pending(piece: Piece, target: str, now) -> None:
    """A pending row; if another request made it meanwhile, theirs stands (and its job does the work)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(MachineTranslation).values(
        source_hash=piece.digest, source_locale=piece.locale, target_locale=target,
        state=TranslationState.pending, characters=0, requested_at=now,
    ).on_conflict_do_nothing())


@jobs.task()
def translate_contribution(kind: str, contribution_id: int, target: str) -> None:
    """Ask the service for every piece still pending, then store what came back. The service is asked
    with no transaction open (a slow service must not hold SQLite's write lock)."""
    model = Comment if kind == "comment" else Amendment
    contribution = db.session.get(model, contribution_id)
    if contribution is None:
        return
    pieces = pieces_of(contribution)
    rows = _rows(pieces, target)
    todo = list({p.key: p for p in pieces
                 if (row := rows.get(p.key)) is not None and row.state is TranslationState.pending}.values())
    db.session.rollback()  # end the read before the service is asked
    if not todo:
        return
    service = translator()
    results: dict[tuple[str, str], tuple[str, int]] = {}
    error = None
    for piece in todo:
        try:
            results[piece.key] = _translate(service, piece, target)
        except TranslationError as failure:
            error = str(failure)[:300]
            break  # the service is down or refusing: the rest would fail the same way
    now = utcnow()
    for row in _rows(todo, target).values():
        if row.state is not TranslationState.pending:
            continue
        if (result := results.get((row.source_hash, row.source_locale))) is not None:
            row.text, row.characters = result
            row.state, row.created_at, row.error = TranslationState.done, now, None
        else:
            row.state, row.error = TranslationState.failed, error or "not translated"
    db.session.commit()


def _translate(service, piece: Piece, target: str) -> tuple[str, int]:
    if piece.fmt == "markdown":
        html = render_markdown(piece.source)
        return sanitise_html(service.translate(html, piece.locale, target, html=True)), len(html)
    text = service.translate(piece.source, piece.locale, target)
    return " ".join(text.split())[:1000], len(piece.source)


# --- for the secretariat ----------------------------------------------------------------------------


def characters_per_day(days: int = 30) -> list[tuple[str, int, int]]:
    """(day, characters sent, texts translated) for the last `days` days with any, newest first."""
    day = sa.func.date(MachineTranslation.created_at)
    rows = db.session.execute(
        sa.select(day, sa.func.sum(MachineTranslation.characters), sa.func.count())
        .where(MachineTranslation.state == TranslationState.done,
               MachineTranslation.created_at >= utcnow() - timedelta(days=days))
        .group_by(day).order_by(day.desc())
    )
    return [(str(d), int(chars or 0), int(count)) for d, chars, count in rows]
