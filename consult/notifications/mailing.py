"""Mail of notices: at once (a job after the commit, and every minute for any a lost job left),
and the daily and weekly digests, built in batches of people with a fixed number of queries each."""

from collections import defaultdict
from itertools import groupby

import sqlalchemy as sa
from flask_babel import force_locale, lazy_gettext as _l
from huey import crontab

from consult import jobs
from consult.accounts import tokens
from consult.extensions import db
from consult.mail import compose
from consult.models import Notice, User, utcnow
from consult.notifications import services
from consult.notifications.kinds import GROUP_OF

BATCH = 200  # people per batch of digests, notices per batch of immediate mail
PER_PLACE = 5  # entries of one round and article in a digest before "and N more"
PER_DIGEST = 60


def unsubscribe_headers(user: User, groups: list[str]) -> tuple[dict, str, str]:
    """RFC 8058 one-click unsubscribe for these groups, and the addresses for the mail's footer."""
    unsubscribe = compose.external_url("notifications.unsubscribe",
                                       token=tokens.sign("unsubscribe", {"user": user.id, "groups": groups}))
    preferences = compose.external_url("notifications.preferences_by_link",
                                       token=tokens.sign("preferences", {"user": user.id}))
    return ({"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
            unsubscribe, preferences)


def _by_locale(users: dict[int, User], notices: list[Notice]) -> dict[int, list]:
    """Each person's notices described in their own language: one description per language, not per person."""
    described = defaultdict(list)
    for locale, group in groupby(sorted(notices, key=lambda n: users[n.user_id].locale or "en"),
                                 key=lambda n: users[n.user_id].locale or "en"):
        with force_locale(locale):
            for item in services.describe(list(group), locale, link=compose.external_url):
                described[item.notice.user_id].append(item)
    return described


@jobs.task()
def mail_due_notices() -> int:
    """A mail for every notice due at once. Marked in the transaction that writes the mail: never twice."""
    sent = 0
    while True:
        notices = db.session.scalars(sa.select(Notice).where(Notice.rhythm == "immediately", Notice.mailed_at.is_(None))
                                     .order_by(Notice.id).limit(BATCH)).all()
        if not notices:
            return sent
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({n.user_id for n in notices})))}
        mails = []
        for user_id, items in _by_locale(users, notices).items():
            user = users[user_id]
            for item in items:
                headers, unsubscribe, preferences = unsubscribe_headers(user, [GROUP_OF[item.notice.kind]])
                mails.append(compose.render(user, "notice", subject=_subject(item), headers=headers, item=item,
                                            unsubscribe=unsubscribe, preferences=preferences))
        compose.queue_all(mails)
        db.session.execute(sa.update(Notice).where(Notice.id.in_([n.id for n in notices])).values(mailed_at=utcnow()))
        db.session.commit()
        sent += len(mails)


def _subject(item) -> str:
    text = item.text
    return text if len(text) <= 120 else text[:119] + "…"


@jobs.periodic_task(crontab(minute="*"))
def mail_due_notices_regularly() -> int:
    return mail_due_notices.call_local()


def send_digests(rhythm: str) -> int:
    """One mail per person with something new, for every notice of `rhythm` not yet mailed, grouped
    by round and article, newest first, in the person's language. Batches of BATCH people."""
    started, after, sent = utcnow(), 0, 0
    while True:
        user_ids = db.session.scalars(
            sa.select(Notice.user_id).where(Notice.rhythm == rhythm, Notice.mailed_at.is_(None),
                                            Notice.created_at <= started, Notice.user_id > after)
            .group_by(Notice.user_id).order_by(Notice.user_id).limit(BATCH)).all()
        if not user_ids:
            return sent
        after = user_ids[-1]
        users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
        notices = db.session.scalars(
            sa.select(Notice).where(Notice.user_id.in_(user_ids), Notice.rhythm == rhythm, Notice.mailed_at.is_(None),
                                    Notice.created_at <= started).order_by(Notice.id.desc())).all()
        mails = []
        for user_id, items in _by_locale(users, notices).items():
            user = users[user_id]
            groups = sorted({GROUP_OF[item.notice.kind] for item in items})
            headers, unsubscribe, preferences = unsubscribe_headers(user, groups)
            places = defaultdict(list)
            for item in items[:PER_DIGEST]:  # newest first, as read; the rest is counted
                places[item.place].append(item)
            mails.append(compose.render(
                user, "digest", headers=headers, unsubscribe=unsubscribe, preferences=preferences,
                subject=_l("Your daily news from the consultation") if rhythm == "daily"
                else _l("Your weekly news from the consultation"),
                places=[(place, entries[:PER_PLACE], len(entries) - PER_PLACE) for place, entries in places.items()],
                count=len(items), left_out=max(0, len(items) - PER_DIGEST)))
        compose.queue_all(mails)
        db.session.execute(sa.update(Notice).where(Notice.id.in_([n.id for n in notices])).values(mailed_at=utcnow()))
        db.session.commit()
        sent += len(mails)


@jobs.periodic_task(crontab(hour="6", minute="0"))
def daily_digests() -> int:
    return send_digests("daily")


@jobs.periodic_task(crontab(day_of_week="1", hour="6", minute="5"))
def weekly_digests() -> int:
    return send_digests("weekly")
