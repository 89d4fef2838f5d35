"""Moderation acts: reports, hiding and restoring, answering amendments, recording in-person
contributions. Each writes its audit event in the same transaction; none deletes anything."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.amendments.services import AmendmentFilters
from consult.database import lock_row
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Article, ArticleAssignment, Comment, Report, Role, Round, User,
    Visibility, utcnow,
)
from consult import signals
from consult.moderation import audit
from consult.text.markdown import render_markdown

ANSWERS = (AmendmentStatus.accepted, AmendmentStatus.accepted_in_part, AmendmentStatus.rejected, AmendmentStatus.duplicate)


class ModerationError(ValueError):
    """A rule was broken; `code` names which, for the view to say it in the reader's language."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class AnswerConflict(ModerationError):
    """Another moderator answered the amendment since this one saw it: nothing is overwritten."""

    def __init__(self, amendment: Amendment):
        super().__init__("conflict")
        self.amendment = amendment


def answer_version(amendment: Amendment) -> str:
    """The amendment's answer as a moderator saw it, carried by the answer form and compared under
    the row lock: a different value then means someone answered (or withdrew) it meanwhile."""
    at = amendment.answered_at.isoformat(timespec="microseconds") if amendment.answered_at else ""
    return f"{amendment.status.value}|{at}"


def report(reporter: User, target: Amendment | Comment, reason: str) -> Report:
    kind = "amendment_id" if isinstance(target, Amendment) else "comment_id"
    item = Report(reporter_id=reporter.id, reason=reason.strip(), **{kind: target.id})
    db.session.add(item)
    db.session.flush()
    signals.report_filed.send(item, target=target)
    return item


def open_reports() -> list[Report]:
    return list(db.session.scalars(
        sa.select(Report).where(Report.resolved_at.is_(None)).order_by(Report.created_at)
        .options(joinedload(Report.reporter))
    ))


def hide(moderator: User, target: Amendment | Comment, reason: str) -> None:
    if not reason.strip():
        raise ModerationError("reason_required")
    if target.visibility is not Visibility.visible:
        raise ModerationError("not_visible")
    target.visibility = Visibility.hidden
    target.hidden_reason = reason.strip()
    target.hidden_at = utcnow()
    target.hidden_by_id = moderator.id
    _resolve_reports(moderator, target)
    audit.record(moderator, "hide", target, reason=reason.strip())
    db.session.flush()
    signals.contribution_hidden.send(target, moderator=moderator, reason=reason.strip())


def restore(moderator: User, target: Amendment | Comment, reason: str) -> None:
    """Only what a moderator hid comes back; what its author deleted stays deleted."""
    if not reason.strip():
        raise ModerationError("reason_required")
    if target.visibility is not Visibility.hidden:
        raise ModerationError("not_hidden")
    target.visibility = Visibility.visible
    audit.record(moderator, "restore", target, reason=reason.strip(), was_hidden_because=target.hidden_reason)
    target.hidden_reason = None
    db.session.flush()
    signals.contribution_restored.send(target, moderator=moderator, reason=reason.strip())


def dismiss_report(moderator: User, item: Report) -> None:
    item.resolved_at, item.resolved_by_id = utcnow(), moderator.id
    audit.record(moderator, "dismiss_report", item)
    db.session.flush()


def _resolve_reports(moderator: User, target) -> None:
    column = Report.amendment_id if isinstance(target, Amendment) else Report.comment_id
    for item in db.session.scalars(sa.select(Report).where(column == target.id, Report.resolved_at.is_(None))):
        item.resolved_at, item.resolved_by_id = utcnow(), moderator.id


def answer(moderator: User, amendment: Amendment, status: AmendmentStatus, text: str,
           duplicate_of: Amendment | int | None = None, *, expected: str | None = None) -> None:
    """The public answer to an amendment. A rejection needs a reason; a duplicate names the original
    (the amendment, or its number as a moderator typed it). `expected` is answer_version() as the
    moderator saw it: if it changed meanwhile, AnswerConflict, and nothing changes."""
    if status not in ANSWERS:
        raise ModerationError("bad_status")
    if status is AmendmentStatus.rejected and not text.strip():
        raise ModerationError("rejection_needs_reason")
    original = _original(amendment, duplicate_of) if status is AmendmentStatus.duplicate else None
    lock_row(amendment)  # its author may be withdrawing it this moment
    if amendment.status is AmendmentStatus.withdrawn:
        raise ModerationError("withdrawn")
    if expected is not None and answer_version(amendment) != expected:
        raise AnswerConflict(amendment)
    previous = amendment.status
    amendment.status = status
    amendment.answer = text.strip()
    amendment.answer_html = render_markdown(text)
    amendment.answered_at = utcnow()
    amendment.answered_by_id = moderator.id
    amendment.duplicate_of_id = original.id if original else None
    audit.record(moderator, "answer", amendment, status=status, previous=previous, answer=text.strip(),
                 duplicate_of=amendment.duplicate_of_id)
    db.session.flush()
    signals.amendment_answered.send(amendment, moderator=moderator, previous=previous)


def _original(amendment: Amendment, duplicate_of: Amendment | int | None) -> Amendment:
    """What a duplicate duplicates: another amendment of the same article in the same round."""
    if duplicate_of is None:
        raise ModerationError("duplicate_needs_original")
    original = db.session.get(Amendment, duplicate_of) if isinstance(duplicate_of, int) else duplicate_of
    if original is None:
        raise ModerationError("duplicate_unknown")
    if original.id == amendment.id:
        raise ModerationError("duplicate_of_itself")
    if (original.round_id, original.article_id) != (amendment.round_id, amendment.article_id):
        raise ModerationError("duplicate_elsewhere")
    return original


@dataclass
class BulkOutcome:
    answered: list[Amendment] = field(default_factory=list)
    # each amendment not answered, with the code of the rule it broke (or the permission's reason)
    refused: list[tuple[Amendment, str]] = field(default_factory=list)


def answer_many(moderator: User, amendments: list[Amendment], status: AmendmentStatus, texts: dict[str, str],
                duplicate_of: int | None = None, *, expected: dict[int, str] | None = None,
                permitted=lambda amendment: True) -> BulkOutcome:
    """One answer given to several amendments, each in its own language (English when its language
    has no text). Each gets its own answer, audit event and notification, through answer(); one
    refused (`permitted` says no, a rule is broken, answered or withdrawn meanwhile) is reported and
    nothing of it changes, while the others are answered, all in the caller's one transaction."""
    outcome = BulkOutcome()
    expected = expected or {}
    for amendment in amendments:
        decision = permitted(amendment)
        if not decision:
            outcome.refused.append((amendment, str(getattr(decision, "reason", "")) or "not_allowed"))
            continue
        text = (texts.get(amendment.locale) or "").strip() or (texts.get("en") or "").strip()
        try:
            with db.session.begin_nested():
                answer(moderator, amendment, status, text, duplicate_of, expected=expected.get(amendment.id))
        except ModerationError as error:
            outcome.refused.append((amendment, error.code))
        else:
            outcome.answered.append(amendment)
    return outcome


def saved_answers() -> list:
    from consult.models import SavedAnswer

    return list(db.session.scalars(sa.select(SavedAnswer).order_by(SavedAnswer.title, SavedAnswer.id)))


def save_answer_template(moderator: User, item, *, title: str, texts: dict[str, str]):
    """Create (item None) or change a saved answer."""
    from consult.models import SavedAnswer

    if item is None:
        item = SavedAnswer(created_by_id=moderator.id)
        db.session.add(item)
    item.title = title.strip()
    for locale in ("en", "fr", "es"):
        setattr(item, f"text_{locale}", (texts.get(locale) or "").strip())
    db.session.flush()
    audit.record(moderator, "save_answer_template", item, title=item.title)
    return item


def delete_answer_template(moderator: User, item) -> None:
    """Only the template goes: the answers given with it are copies and stay."""
    audit.record(moderator, "delete_answer_template", item, title=item.title)
    db.session.delete(item)
    db.session.flush()


@dataclass(frozen=True)
class Progress:
    name: str
    answered: int  # the answers standing now that this moderator gave
    waiting: int  # amendments awaiting an answer in the articles assigned to them


def progress() -> dict[int, list[Progress]]:
    """Per round, each moderator's answered and waiting amendments, most answered first."""
    answered = db.session.execute(
        sa.select(Amendment.round_id, User.id, User.name, sa.func.count())
        .join(User, User.id == Amendment.answered_by_id)
        .where(Amendment.status.in_(ANSWERS))
        .group_by(Amendment.round_id, User.id, User.name))
    waiting = db.session.execute(
        sa.select(Amendment.round_id, User.id, User.name, sa.func.count())
        .join(ArticleAssignment, sa.and_(ArticleAssignment.round_id == Amendment.round_id,
                                         ArticleAssignment.article_id == Amendment.article_id))
        .join(User, User.id == ArticleAssignment.moderator_id)
        .where(Amendment.status == AmendmentStatus.submitted, Amendment.visibility == Visibility.visible)
        .group_by(Amendment.round_id, User.id, User.name))
    figures: dict[tuple[int, int, str], list[int]] = {}
    for index, rows in enumerate((answered, waiting)):
        for round_id, user_id, name, count in rows:
            figures.setdefault((round_id, user_id, name), [0, 0])[index] = count
    result: dict[int, list[Progress]] = {}
    for (round_id, _user_id, name), (done, left) in sorted(figures.items(), key=lambda item: (-item[1][0], item[0][2])):
        result.setdefault(round_id, []).append(Progress(name, done, left))
    return result


# --- who answers what ----------------------------------------------------------------------------


def assignments(round_: Round) -> dict[int, User]:
    """Each assigned article of the round (its id) with its moderator."""
    rows = db.session.execute(sa.select(ArticleAssignment.article_id, User).join(User, User.id == ArticleAssignment.moderator_id)
                              .where(ArticleAssignment.round_id == round_.id))
    return {article_id: moderator for article_id, moderator in rows}


def assign(actor: User, round_: Round, wanted: dict[int, int | None]) -> int:
    """Set who answers each article given (a moderator's id, or None for nobody); the articles not
    given keep theirs. Returns how many changed; each change is an audit event."""
    from consult.permissions import is_moderator

    current = {row.article_id: row for row in db.session.scalars(
        sa.select(ArticleAssignment).where(ArticleAssignment.round_id == round_.id))}
    moderators = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_([m for m in wanted.values() if m]))) if is_moderator(user)}
    articles = {article.id: article for article in db.session.scalars(sa.select(Article).where(
        Article.version_id == round_.version_id, Article.id.in_(list(wanted))))}
    changed = 0
    for article_id, moderator_id in wanted.items():
        row = current.get(article_id)
        if article_id not in articles or (moderator_id and moderator_id not in moderators):
            raise ModerationError("not_allowed")
        if (row.moderator_id if row else None) == moderator_id:
            continue
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        if moderator_id:
            db.session.add(ArticleAssignment(round_id=round_.id, article_id=article_id, moderator_id=moderator_id,
                                             assigned_by_id=actor.id))
        audit.record(actor, "assign_article", articles[article_id], round_id=round_.id,
                     moderator=moderators[moderator_id].name if moderator_id else None,
                     previous=row.moderator.name if row else None)
        changed += 1
    db.session.flush()
    return changed


def assign_unassigned(actor: User, round_: Round, moderator_id: int) -> int:
    """Every article of the round nobody answers yet, to one moderator."""
    taken = set(db.session.scalars(sa.select(ArticleAssignment.article_id).where(ArticleAssignment.round_id == round_.id)))
    free = db.session.scalars(sa.select(Article.id).where(Article.version_id == round_.version_id))
    return assign(actor, round_, {article_id: moderator_id for article_id in free if article_id not in taken})


def moderators() -> list[User]:
    """Who can be given articles to answer."""
    return list(db.session.scalars(sa.select(User).where(User.role.in_((Role.moderator, Role.secretariat)),
                                                         User.deleted_at.is_(None)).order_by(User.name)))


TRIAGE_PAGE_SIZE = 20


@dataclass
class TriagePage:
    items: list[Amendment]
    total: int
    page: int
    pages: int
    # How many amendments each article shown has under the filters, on every page together.
    per_article: dict[int, int] = field(default_factory=dict)


def _triage_conditions(round_: Round, filters: AmendmentFilters, assigned_to: User | None = None) -> list:
    conditions = [Amendment.round_id == round_.id, *filters.conditions()]
    if assigned_to is not None:
        conditions.append(Amendment.article_id.in_(sa.select(ArticleAssignment.article_id).where(
            ArticleAssignment.round_id == round_.id, ArticleAssignment.moderator_id == assigned_to.id)))
    return conditions


def triage(round_: Round, filters: AmendmentFilters, page: int = 1, assigned_to: User | None = None) -> TriagePage:
    """One page of a round's amendments in the article order, filtered: what the moderators
    answer (only the articles assigned to `assigned_to`, if given). Paginated so the page costs the
    same whatever the size of the round."""
    conditions = _triage_conditions(round_, filters, assigned_to)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(*conditions))
    pages = max(1, -(-total // TRIAGE_PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(
        sa.select(Amendment).join(Article, Article.id == Amendment.article_id).where(*conditions)
        .order_by(Article.position, Amendment.id).limit(TRIAGE_PAGE_SIZE).offset((page - 1) * TRIAGE_PAGE_SIZE)
        .options(joinedload(Amendment.author), joinedload(Amendment.organisation),
                 joinedload(Amendment.article).selectinload(Article.texts), joinedload(Amendment.recorded_by))
    ))
    per_article = dict(db.session.execute(
        sa.select(Amendment.article_id, sa.func.count()).where(
            *conditions, Amendment.article_id.in_(list({a.article_id for a in items})))
        .group_by(Amendment.article_id)).all()) if items else {}
    return TriagePage(items=items, total=total, page=page, pages=pages, per_article=per_article)


# A change still to weigh beside others: not withdrawn, not hidden, not already taken into a new version.
_STANDING = (Amendment.visibility == Visibility.visible,
             Amendment.status.not_in((AmendmentStatus.withdrawn, AmendmentStatus.incorporated)))


@dataclass(frozen=True)
class Overlap:
    """Amendments of one article, in one language and on one base text, whose edits touch the same
    words: what would collide in the workbench, to be answered together."""
    article_id: int
    locale: str
    base_text: str
    members: tuple[int, ...]
    passages: tuple[tuple[int, int], ...]  # the base text's ranges they change together


def overlaps(round_: Round, article_ids) -> dict[int, Overlap]:
    """Each amendment of these articles in the round that overlaps others, with its group: across
    every page of the triage (its filters aside), among the changes still standing (not withdrawn,
    not hidden; an accepted one stays, as the others may duplicate it). Reads plain columns, and
    costs the diffs of these articles' amendments, never the whole round's."""
    from consult.text.merge import overlap_groups

    rows = db.session.execute(
        sa.select(Amendment.id, Amendment.article_id, Amendment.locale, Amendment.base_text, Amendment.body)
        .where(Amendment.round_id == round_.id, Amendment.article_id.in_(list(article_ids)),
               Amendment.kind == AmendmentKind.modify, *_STANDING)
        .order_by(Amendment.id)).all() if article_ids else []
    by_base: dict[tuple, dict[int, str]] = {}
    for row in rows:
        if row.body != row.base_text:
            by_base.setdefault((row.article_id, row.locale, row.base_text), {})[row.id] = row.body
    found: dict[int, Overlap] = {}
    for (article_id, locale, base_text), proposals in by_base.items():
        for group in overlap_groups(base_text, proposals):
            overlap = Overlap(article_id, locale, base_text, group.members, group.passages)
            found.update(dict.fromkeys(group.members, overlap))
    return found


def in_other_languages(round_: Round, overlap: Overlap, limit: int = 100) -> list:
    """(id, locale, title) of the standing amendments of the group's article in other languages: they
    cannot be compared word for word with the group, so they are listed beside it."""
    return db.session.execute(
        sa.select(Amendment.id, Amendment.locale, Amendment.title)
        .where(Amendment.round_id == round_.id, Amendment.article_id == overlap.article_id,
               Amendment.locale != overlap.locale, *_STANDING)
        .order_by(Amendment.id).limit(limit)).all()


def languages_of_articles(round_: Round, article_ids) -> dict[int, dict[str, int]]:
    """Per article, how many of its amendments in the round are in each language: those in another
    language than a group's cannot be compared word for word, and are flagged beside it."""
    rows = db.session.execute(
        sa.select(Amendment.article_id, Amendment.locale, sa.func.count())
        .where(Amendment.round_id == round_.id, Amendment.article_id.in_(list(article_ids)),
               Amendment.visibility == Visibility.visible, Amendment.status != AmendmentStatus.withdrawn)
        .group_by(Amendment.article_id, Amendment.locale).order_by(Amendment.article_id, Amendment.locale)
    ).all() if article_ids else []
    result: dict[int, dict[str, int]] = {}
    for article_id, locale, count in rows:
        result.setdefault(article_id, {})[locale] = count
    return result


def answer_group(moderator: User, kept: Amendment, others: list[Amendment], kept_texts: dict[str, str],
                 duplicate_texts: dict[str, str], *, expected: dict[int, str] | None = None,
                 permitted=lambda amendment: True) -> BulkOutcome:
    """An overlap group in one step: `kept` accepted, each of `others` a duplicate of it, each with
    its own answer, audit event and notice. When `kept` cannot be accepted, nothing is answered:
    the others would be duplicates of an amendment not accepted."""
    outcome = answer_many(moderator, [kept], AmendmentStatus.accepted, kept_texts, expected=expected,
                          permitted=permitted)
    if outcome.refused:
        outcome.refused.extend((other, "group_not_answered") for other in others)
        return outcome
    rest = answer_many(moderator, others, AmendmentStatus.duplicate, duplicate_texts, kept.id, expected=expected,
                       permitted=permitted)
    outcome.answered.extend(rest.answered)
    outcome.refused.extend(rest.refused)
    return outcome


def triage_page_of(amendment: Amendment, filters: AmendmentFilters, assigned_to: User | None = None) -> int | None:
    """The triage page that shows this amendment under these filters; None if they leave it out."""
    conditions = _triage_conditions(amendment.round, filters, assigned_to)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(
            *conditions, Amendment.id == amendment.id)):
        return None
    position = amendment.article.position
    before = db.session.scalar(
        sa.select(sa.func.count()).select_from(Amendment).join(Article, Article.id == Amendment.article_id)
        .where(*conditions, sa.or_(Article.position < position,
                                   sa.and_(Article.position == position, Amendment.id < amendment.id))))
    return before // TRIAGE_PAGE_SIZE + 1


def record_contribution(moderator: User, round_, article, organisation, *, kind: str, locale: str, body: str,
                        rationale: str, source: str, token: str | None = None):
    """A contribution made at an in-person meeting, entered by a moderator for an organisation."""
    from consult.amendments import services as amendments
    from consult.comments import services as comments
    from consult.models import AmendmentKind

    if kind == "amendment":
        base = article.text(locale)
        record, created = amendments.propose(
            moderator, round_, article,
            amendments.Proposal(AmendmentKind.modify, locale, base.title if base else "", body, rationale or source),
            token=token, recorded_by=moderator, recorded_source=source)
    else:
        record, created = comments.post(moderator, round_, article, body=body, locale=locale, token=token,
                                        recorded_by=moderator, recorded_source=source)
    if created:
        record.organisation = organisation
        audit.record(moderator, f"record_{kind}", record, organisation=organisation.name, source=source)
        db.session.flush()
    return record


def audit_log(*, action: str = "", actor_id: int | None = None, object_type: str = "", limit: int = 200) -> list:
    from consult.models import AuditEvent

    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    return list(db.session.scalars(query))


def audit_actions() -> list[str]:
    from consult.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
