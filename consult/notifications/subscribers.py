"""Who is told what, for each thing that happens (consult.signals). Nobody is told of their own
act; a person told for one reason (a reply) is not told again for another (a followed thread)."""

from datetime import timedelta

import sqlalchemy as sa
from huey import crontab

from consult import jobs, signals
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentStatus, Comment, Follow, Organisation, Region, Role, Round, RoundAnnouncement, User, utcnow,
)
from consult.notifications import services
from consult.notifications.services import followers, tell


def _author_of(contribution: Amendment | Comment) -> int | None:
    """Whom to tell about a contribution: its author — or, for one a moderator typed in for an
    organisation, the organisation's contact (the moderator only recorded it)."""
    if contribution.on_behalf_of_organisation:
        return db.session.scalar(sa.select(User.id).where(User.organisation_id == contribution.organisation_id,
                                                          User.is_contact))
    return contribution.author_id


def _about(contribution: Amendment | Comment) -> dict:
    key = "amendment_id" if isinstance(contribution, Amendment) else "comment_id"
    return {key: contribution.id, "round_id": contribution.round_id, "article_id": contribution.article_id}


def on_amendment_proposed(amendment: Amendment, **_) -> None:
    services.follow(amendment.author, "amendment", amendment.id)
    tell(followers(("article", amendment.article_id), ("round", amendment.round_id)), "followed_amendment",
         _about(amendment), actor_id=amendment.author_id)


def on_comment_posted(comment: Comment, **_) -> None:
    told = {comment.author_id}
    if comment.parent_id is not None:
        parent_author = _author_of(db.session.get(Comment, comment.parent_id))
        if parent_author not in told:
            tell([parent_author], "reply", _about(comment), actor_id=comment.author_id)
            told.add(parent_author)
    if comment.amendment_id is not None:
        amendment_author = _author_of(db.session.get(Amendment, comment.amendment_id))
        if amendment_author not in told:
            tell([amendment_author], "comment_on_amendment", _about(comment), actor_id=comment.author_id)
            told.add(amendment_author)
    people = followers(("amendment", comment.amendment_id), ("article", comment.article_id),
                       ("round", comment.round_id))
    tell(people.where(Follow.user_id.not_in([i for i in told if i is not None])), "followed_comment",
         _about(comment), actor_id=comment.author_id)
    services.follow(comment.author, *(("amendment", comment.amendment_id) if comment.amendment_id
                                      else ("article", comment.article_id)))


def on_amendment_answered(amendment: Amendment, moderator: User, **_) -> None:
    tell([_author_of(amendment)], "amendment_answered", _about(amendment), actor_id=moderator.id)


def on_amendment_incorporated(amendment: Amendment, moderator: User, **_) -> None:
    tell([_author_of(amendment)], "amendment_incorporated", _about(amendment), actor_id=moderator.id)


def on_hidden(target: Amendment | Comment, moderator: User, reason: str, **_) -> None:
    tell([_author_of(target)], "contribution_hidden", {**_about(target), "reason": reason}, actor_id=moderator.id)


def on_restored(target: Amendment | Comment, moderator: User, reason: str, **_) -> None:
    tell([_author_of(target)], "contribution_restored", {**_about(target), "reason": reason}, actor_id=moderator.id)


def on_supported(amendment: Amendment, supporter: User, **_) -> None:
    tell([_author_of(amendment)], "support", _about(amendment), actor_id=supporter.id)


def _moderators():
    return sa.select(User.id).where(User.role.in_([Role.moderator, Role.secretariat]))


def on_report_filed(report, target, **_) -> None:
    tell(_moderators(), "report_filed", {**_about(target), "report_id": report.id, "reason": report.reason},
         actor_id=report.reporter_id)


def _tell_moderators_round_closed(round_: Round, actor_id: int | None = None) -> None:
    if _announced(round_, "closed"):
        return
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Amendment).where(
        Amendment.round_id == round_.id, Amendment.status == AmendmentStatus.submitted))
    if waiting:
        tell(_moderators(), "round_closed_waiting", {"round_id": round_.id, "waiting": waiting}, actor_id=actor_id)


def on_round_closed(round_: Round, actor: User, **_) -> None:
    _tell_moderators_round_closed(round_, actor.id)


def on_version_published(version, actor: User, **_) -> None:
    tell(services.reachable_people(), "version_published", {"version_id": version.id}, actor_id=actor.id)


def _announced(round_: Round, what: str) -> bool:
    """Record that `what` was told of `round_`; False the first time only (one row per round and what)."""
    if db.session.get(RoundAnnouncement, (round_.id, what)) is not None:
        return True
    db.session.add(RoundAnnouncement(round_id=round_.id, what=what))
    db.session.flush()
    return False


def eligible_people(round_: Round):
    """Who may take part in `round_`: everyone, or the members of its region's organisations."""
    people = services.reachable_people()
    if round_.restricted_to_region and round_.region is not Region.global_:
        people = people.join(Organisation, Organisation.id == User.organisation_id).where(
            Organisation.region == round_.region)
    return people


def announce_rounds(now=None) -> None:
    """Rounds that opened, that close within three days, that closed: each told once."""
    now = now or utcnow()
    for round_ in db.session.scalars(sa.select(Round).where(Round.opens_at <= now)):
        close = round_.effective_close
        if close > now and not _announced(round_, "opened"):
            tell(eligible_people(round_), "round_opened", {"round_id": round_.id})
        if now < close <= now + timedelta(days=3) and not _announced(round_, "closing"):
            tell(eligible_people(round_), "round_closing", {"round_id": round_.id})
        if close <= now:
            _tell_moderators_round_closed(round_)


@jobs.periodic_task(crontab(minute="*/10"))
def announce_rounds_regularly() -> None:
    announce_rounds()
    db.session.commit()


HANDLERS = {
    signals.amendment_proposed: on_amendment_proposed,
    signals.comment_posted: on_comment_posted,
    signals.amendment_answered: on_amendment_answered,
    signals.amendment_incorporated: on_amendment_incorporated,
    signals.contribution_hidden: on_hidden,
    signals.contribution_restored: on_restored,
    signals.amendment_supported: on_supported,
    signals.report_filed: on_report_filed,
    signals.round_closed: on_round_closed,
    signals.version_published: on_version_published,
}


def connect() -> None:
    for signal, handler in HANDLERS.items():
        signal.connect(handler, weak=False)
