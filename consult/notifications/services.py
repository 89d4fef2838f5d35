"""Writing notices, following, preferences, and describing notices for the page and for mail."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _, ngettext

from consult import jobs
from consult.charter.labels import article_heading, article_label
from consult.extensions import db
from consult.models import (
    Amendment, Article, Comment, Follow, Notice, NotificationPreference, Round, User, Version, Visibility,
    utcnow,
)
from consult.notifications.kinds import GROUP_OF, GROUPS, RHYTHMS

FOLLOWABLE = {"article": Article, "amendment": Amendment, "round": Round}


def reachable_people():
    """Who may be told anything: active accounts with a confirmed address."""
    return sa.select(User.id).where(User.active, User.deleted_at.is_(None), User.email_confirmed_at.is_not(None))


def tell(audience: sa.Select | Iterable[int], kind: str, payload: dict, *, actor_id: int | None = None) -> None:
    """A notice of `kind` to everyone in `audience` (ids, or a SELECT of user ids) but the actor,
    in one INSERT … SELECT however many they are, each with the rhythm they chose for its group.
    Mail follows the commit: a job mails what is due at once, digests gather the rest."""
    if not isinstance(audience, sa.Select):
        ids = set(audience) - {actor_id}
        if not ids:
            return
        audience = sa.select(User.id).where(User.id.in_(ids))
    group = GROUP_OF[kind]
    people = reachable_people().where(User.id.in_(audience))
    if actor_id is not None:
        people = people.where(User.id != actor_id)
    chosen = sa.select(NotificationPreference.rhythm).where(
        NotificationPreference.user_id == User.id, NotificationPreference.group == group).scalar_subquery()
    rows = people.with_only_columns(
        User.id, sa.literal(kind), sa.type_coerce(payload, sa.JSON), sa.literal(utcnow(), Notice.created_at.type),
        sa.func.coalesce(chosen, GROUPS[group].default))
    db.session.execute(sa.insert(Notice).from_select(
        ["user_id", "kind", "payload", "created_at", "rhythm"], rows))
    if GROUPS[group].default == "immediately" or db.session.scalar(sa.select(sa.exists().where(
            NotificationPreference.group == group, NotificationPreference.rhythm == "immediately"))):
        from consult.notifications import mailing  # the jobs import this module

        jobs.after_commit(mailing.mail_due_notices)


# --- following ----------------------------------------------------------------------------------


def follow(user: User, target: str, target_id: int) -> None:
    """Idempotent: following twice is following."""
    if not is_following(user, target, target_id):
        db.session.add(Follow(user_id=user.id, target=target, target_id=target_id))
        db.session.flush()


def unfollow(user: User, target: str, target_id: int) -> None:
    db.session.execute(sa.delete(Follow).where(Follow.user_id == user.id, Follow.target == target,
                                               Follow.target_id == target_id))


def is_following(user: User, target: str, target_id: int) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Follow).where(
        Follow.user_id == user.id, Follow.target == target, Follow.target_id == target_id)) > 0


def followers(*targets: tuple[str, int | None]):
    """A SELECT of the people who follow any of `targets` ((kind, id) pairs; a None id is skipped)."""
    wanted = [sa.and_(Follow.target == kind, Follow.target_id == target_id)
              for kind, target_id in targets if target_id is not None]
    return sa.select(Follow.user_id).where(sa.or_(*wanted)).distinct()


@dataclass(frozen=True)
class Followed:
    target: str
    target_id: int
    title: str
    link: str
    since: datetime


def followed_by(user: User, locale: str) -> list[Followed]:
    """What `user` follows, newest first, named and linked (three queries however many)."""
    follows = db.session.scalars(sa.select(Follow).where(Follow.user_id == user.id)
                                 .order_by(Follow.created_at.desc(), Follow.id.desc())).all()
    loaded = {kind: {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(
        [f.target_id for f in follows if f.target == kind])))} for kind, model in FOLLOWABLE.items()}
    shown = []
    for f in follows:
        thing = loaded[f.target].get(f.target_id)
        if thing is not None:
            shown.append(Followed(f.target, f.target_id, _name(thing, locale), _link(thing), f.created_at))
    return shown


def _name(thing, locale: str) -> str:
    if isinstance(thing, Article):
        text = thing.text(locale)
        return article_heading(thing, text) if text else article_label(thing, locale)
    if isinstance(thing, Amendment):
        return thing.title or _("Amendment %(id)s", id=thing.id)
    return thing.title(locale)


def _link(thing) -> str:
    if isinstance(thing, Article):
        return url_for("charter.article", article_id=thing.id)
    if isinstance(thing, Amendment):
        return url_for("amendments.show", amendment_id=thing.id)
    return url_for("rounds.show", round_id=thing.id)


# --- preferences --------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, str]:
    """The rhythm of every group for `user`: chosen, else the group's default."""
    chosen = dict(db.session.execute(sa.select(NotificationPreference.group, NotificationPreference.rhythm)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {name: chosen.get(name, group.default) for name, group in GROUPS.items()}


def set_preferences(user: User, rhythms: dict[str, str]) -> None:
    for name, rhythm in rhythms.items():
        if name not in GROUPS or rhythm not in RHYTHMS:
            raise ValueError(name)
        row = db.session.get(NotificationPreference, (user.id, name))
        if row is None:
            db.session.add(NotificationPreference(user_id=user.id, group=name, rhythm=rhythm))
        else:
            row.rhythm = rhythm
        # Notices already waiting for a digest follow the new choice.
        db.session.execute(sa.update(Notice).where(
            Notice.user_id == user.id, Notice.mailed_at.is_(None), Notice.kind.in_(GROUPS[name].kinds),
        ).values(rhythm=rhythm))
    db.session.flush()


# --- the in-app list ----------------------------------------------------------------------------


def notices_for(user: User, limit: int = 100) -> list[Notice]:
    return list(db.session.scalars(sa.select(Notice).where(Notice.user_id == user.id)
                                   .order_by(Notice.id.desc()).limit(limit)))


def unread_notice_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notice)
                             .where(Notice.user_id == user.id, Notice.read_at.is_(None)))


def mark_notices_read(user: User) -> None:
    db.session.execute(sa.update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
                       .values(read_at=utcnow()))


# --- describing notices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A notice as a person reads it, in their language."""

    notice: Notice
    text: str
    excerpt: str
    link: str
    place: str  # the round and article it is about, to group a digest by


def describe(notices: list[Notice], locale: str, link=url_for) -> list[Item]:
    """Notices in words, with a link (`link(endpoint, **values)`: url_for on a page, an absolute
    address in mail). What was hidden or deleted since is left out. A fixed number of queries."""
    ids = {key: {n.payload.get(f"{key}_id") for n in notices} - {None}
           for key in ("amendment", "comment", "article", "round", "version")}
    comments = _load(Comment, ids["comment"])
    ids["amendment"] |= {c.amendment_id for c in comments.values() if c.amendment_id}
    amendments = _load(Amendment, ids["amendment"])
    for contribution in (*comments.values(), *amendments.values()):
        ids["article"].add(contribution.article_id)
        ids["round"].add(contribution.round_id)
    articles, rounds = _load(Article, ids["article"]), _load(Round, ids["round"])
    versions = _load(Version, ids["version"])
    authors = _load(User, {c.author_id for c in (*comments.values(), *amendments.values())})
    items = []
    for notice in notices:
        p = notice.payload
        comment, amendment = comments.get(p.get("comment_id")), amendments.get(p.get("amendment_id"))
        if comment is not None and amendment is None and comment.amendment_id:
            amendment = amendments.get(comment.amendment_id)
        if _gone(comment, notice) or _gone(amendment, notice):
            continue
        contribution = comment or amendment
        article = articles.get(p.get("article_id") or (contribution.article_id if contribution else None))
        round_ = rounds.get(p.get("round_id") or (contribution.round_id if contribution else None))
        described = _words(notice.kind, p, locale, amendment=amendment, comment=comment, article=article,
                           round_=round_, version=versions.get(p.get("version_id")),
                           author=authors.get(contribution.author_id) if contribution else None)
        if described is None:
            continue
        text, excerpt = described
        items.append(Item(notice, text, excerpt, _where(link, comment, amendment, article, round_,
                                                        versions.get(p.get("version_id")), notice.kind),
                          " · ".join(x for x in (round_.title(locale) if round_ else "",
                                                 _name(article, locale) if article else "") if x)))
    return _supports_together(items, amendments)


def _supports_together(items: list[Item], amendments: dict) -> list[Item]:
    """Supports of one amendment read as one line ("3 people support…"), where the newest was."""
    supports: dict[tuple[int, int], list[Item]] = {}
    for item in items:
        if item.notice.kind == "support":
            supports.setdefault((item.notice.user_id, item.notice.payload["amendment_id"]), []).append(item)
    together = []
    for item in items:
        if item.notice.kind != "support":
            together.append(item)
            continue
        group = supports.pop((item.notice.user_id, item.notice.payload["amendment_id"]), None)
        if group:
            amendment = amendments[item.notice.payload["amendment_id"]]
            title = amendment.title or _("Amendment %(id)s", id=amendment.id)
            together.append(Item(item.notice, ngettext(
                "%(num)s person supports your amendment “%(title)s”.",
                "%(num)s people support your amendment “%(title)s”.", len(group), title=title),
                "", item.link, item.place))
    return together


def _load(model, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    return {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}


def _gone(contribution, notice: Notice) -> bool:
    """Hidden or deleted content is never mailed, nor listed — except to tell its author it was hidden."""
    if contribution is None or notice.kind == "contribution_hidden":
        return False
    return contribution.visibility is not Visibility.visible


def _excerpt(text: str, length: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + "…"


def _who(author: User | None, contribution) -> str:
    if author is None or author.deleted_at is not None:
        return _("a former participant")
    return author.name


def _words(kind: str, p: dict, locale: str, *, amendment, comment, article, round_, version, author):
    title = (amendment.title or _("Amendment %(id)s", id=amendment.id)) if amendment else ""
    what = _("your comment") if comment else _("your amendment")
    if kind == "amendment_answered" and amendment:
        return (_("Your amendment “%(title)s” has been answered: %(status)s.", title=title,
                  status=amendment.status.label), _excerpt(amendment.answer or ""))
    if kind == "amendment_incorporated" and amendment:
        return _("Your amendment “%(title)s” is in the new version of the charter.", title=title), ""
    if kind == "contribution_hidden":
        return _("A moderator hid %(what)s.", what=what), p.get("reason", "")
    if kind == "contribution_restored":
        return _("A moderator restored %(what)s.", what=what), p.get("reason", "")
    if kind == "reply" and comment:
        return _("%(name)s replied to your comment.", name=_who(author, comment)), _excerpt(comment.body)
    if kind == "comment_on_amendment" and comment:
        return (_("%(name)s commented on your amendment “%(title)s”.", name=_who(author, comment), title=title),
                _excerpt(comment.body))
    if kind == "support" and amendment:
        return title, ""  # reworded with the number of supports (_supports_together)
    if kind == "followed_amendment" and amendment:
        return (_("%(name)s proposes an amendment: “%(title)s”.", name=_who(author, amendment), title=title),
                _excerpt(amendment.rationale))
    if kind == "followed_comment" and comment:
        return _("%(name)s commented.", name=_who(author, comment)), _excerpt(comment.body)
    if kind == "round_opened" and round_:
        return _("The round “%(round)s” is open for you to take part.", round=round_.title(locale)), ""
    if kind == "round_closing" and round_:
        return _("The round “%(round)s” closes in less than three days.", round=round_.title(locale)), ""
    if kind == "version_published" and version:
        return _("A new version of the charter is published: %(version)s.", version=version.label(locale)), ""
    if kind == "report_filed":
        return _("A contribution was reported to the moderators."), _excerpt(p.get("reason", ""))
    if kind == "round_closed_waiting" and round_:
        return (_("The round “%(round)s” has closed with %(num)s amendments waiting for an answer.",
                  round=round_.title(locale), num=p.get("waiting", 0)), "")
    return None


def _where(link, comment, amendment, article, round_, version, kind) -> str:
    if kind == "report_filed":
        return link("moderation.index")
    if comment is not None:
        return link("comments.show", comment_id=comment.id)
    if amendment is not None:
        return link("amendments.show", amendment_id=amendment.id)
    if kind == "round_closed_waiting" and round_ is not None:
        return link("moderation.triage", round_id=round_.id)
    if round_ is not None:
        return link("rounds.show", round_id=round_.id)
    if version is not None:
        return link("charter.version_contents", version_id=version.id)
    if article is not None:
        return link("charter.article", article_id=article.id)
    return link("charter.home")
