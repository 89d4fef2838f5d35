"""Announcements of the secretariat: one message, in English, French and Spanish, mailed through the
outbox to an audience — everyone, the participants of a round, the people of a region, or the
people who may take part in a round. Each person gets the version in their language, or the
English one when that language was left empty; people who chose "never" for announcements are
left out. Mail only: no notice is written in the app (an announcement is about no contribution,
and the in-app list describes notices from what they are about)."""

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l

from consult.extensions import db
from consult.mail import compose
from consult.models import (
    Amendment, Comment, NotificationPreference, Organisation, Region, Round, Support, User,
)
from consult.moderation import audit
from consult.notifications import services
from consult.notifications.mailing import unsubscribe_headers
from consult.notifications.subscribers import eligible_people
from consult.text.markdown import render_markdown

GROUP = "announcements"
KIND = "announcement"
BATCH = 500  # recipients loaded, rendered and written at a time
LOCALES = ("en", "fr", "es")


class AudienceKind(StrEnum):
    everyone = "everyone"
    participants = "participants"
    region = "region"
    eligible = "eligible"


AUDIENCE_LABELS = {
    AudienceKind.everyone: _l("Everyone with an account"),
    AudienceKind.participants: _l("The participants of a round"),
    AudienceKind.region: _l("The people of a region"),
    AudienceKind.eligible: _l("The people who may take part in a round"),
}


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    round: Round | None = None
    region: Region | None = None

    def people(self) -> sa.Select:
        """A SELECT of the ids of the people it reaches (active, confirmed, not deleted)."""
        if self.kind is AudienceKind.participants:
            return services.reachable_people().where(User.id.in_(participants(self.round)))
        if self.kind is AudienceKind.region:
            return services.reachable_people().join(Organisation, Organisation.id == User.organisation_id).where(
                Organisation.region == self.region)
        if self.kind is AudienceKind.eligible:
            return eligible_people(self.round)
        return services.reachable_people()

    def describe(self, locale: str) -> str:
        """In words, in the current language (the page's)."""
        if self.kind is AudienceKind.region:
            return _("The people of the region %(region)s", region=self.region.label)
        if self.kind is AudienceKind.participants:
            return _("The participants of the round “%(round)s”", round=self.round.title(locale))
        if self.kind is AudienceKind.eligible:
            return _("The people who may take part in the round “%(round)s”", round=self.round.title(locale))
        return _("Everyone with an account")


def participants(round_: Round) -> sa.CompoundSelect:
    """The ids of the people who took part in `round_`: who proposed an amendment or commented in it
    (for what a moderator recorded on behalf of an organisation, that organisation's contact), and
    who supported an amendment of it. Whatever became of the contribution since."""

    def authors(model):
        return sa.select(model.author_id).where(model.round_id == round_.id,
                                                sa.not_(model.on_behalf_of_organisation))

    def contacts(model):
        return sa.select(User.id).join(model, model.organisation_id == User.organisation_id).where(
            model.round_id == round_.id, model.on_behalf_of_organisation, User.is_contact)

    supporters = sa.select(Support.user_id).join(Amendment, Amendment.id == Support.amendment_id).where(
        Amendment.round_id == round_.id)
    return sa.union(authors(Amendment), authors(Comment), contacts(Amendment), contacts(Comment), supporters)


@dataclass(frozen=True)
class Announcement:
    """What the secretariat wrote: a subject and a Markdown body per language (English required)."""

    audience: Audience
    subjects: dict[str, str]
    bodies: dict[str, str]
    id = None  # for the audit log: an announcement is not stored apart from its mails

    def __post_init__(self):
        if not (self.subjects.get("en", "").strip() and self.bodies.get("en", "").strip()):
            raise ValueError("an announcement needs its English subject and body")

    def written_in(self, locale: str) -> bool:
        return bool(self.subjects.get(locale, "").strip() and self.bodies.get(locale, "").strip())

    def version_for(self, locale: str) -> str:
        """The language of the version a person of `locale` gets: theirs, else English."""
        return locale if self.written_in(locale) else "en"


@dataclass(frozen=True)
class Message:
    """One language's version, as mailed."""

    locale: str
    subject: str
    text: str  # the Markdown as written: readable as plain text
    html: str  # rendered and sanitised


def messages(announcement: Announcement) -> dict[str, Message]:
    """Each written language's version, rendered once (not once per recipient)."""
    return {locale: Message(locale, " ".join(announcement.subjects[locale].split()),
                            announcement.bodies[locale].strip(),
                            render_markdown(announcement.bodies[locale], heading_offset=1))
            for locale in LOCALES if announcement.written_in(locale)}


def _declined():
    """True for a person who chose never to receive announcements."""
    return sa.exists().where(NotificationPreference.user_id == User.id, NotificationPreference.group == GROUP,
                             NotificationPreference.rhythm == "never")


def _locale_of(locale: str | None) -> str:
    return locale if locale in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"]


@dataclass
class Preview:
    messages: dict[str, Message]
    by_language: Counter = field(default_factory=Counter)  # recipients, by the language of their account
    declined: int = 0  # people of the audience who chose not to receive announcements

    @property
    def recipients(self) -> int:
        return sum(self.by_language.values())


def preview(announcement: Announcement) -> Preview:
    """What would be sent and to how many, in one query however many people."""
    declined = _declined()
    counted = db.session.execute(
        sa.select(User.locale, sa.func.count(), sa.func.sum(sa.case((declined, 1), else_=0)))
        .where(User.id.in_(announcement.audience.people())).group_by(User.locale)).all()
    result = Preview(messages(announcement))
    for locale, total, refused in counted:
        result.by_language[_locale_of(locale)] += int(total) - int(refused or 0)
        result.declined += int(refused or 0)
    return result


def send(actor: User, announcement: Announcement) -> Preview:
    """A mail to each person of the audience who did not decline announcements, in their language
    (or English), with a one-click unsubscribe from announcements; and an audit event. Written in
    the caller's transaction, in batches of BATCH people (three queries a batch), delivered after
    the commit. Returns what was sent, counted as in the preview."""
    sent = Preview(messages(announcement))
    wanted = sa.select(User).where(User.id.in_(announcement.audience.people()), sa.not_(_declined()))
    after = 0
    while True:
        people = db.session.scalars(wanted.where(User.id > after).order_by(User.id).limit(BATCH)).all()
        if not people:
            break
        after = people[-1].id
        mails = []
        for person in people:
            locale = _locale_of(person.locale)
            message = sent.messages[announcement.version_for(locale)]
            headers, unsubscribe, preferences = unsubscribe_headers(person, [GROUP])
            mails.append(compose.render(person, KIND, subject=message.subject, locale=locale, headers=headers,
                                        message=message, fallback=message.locale != locale,
                                        unsubscribe=unsubscribe, preferences=preferences))
            sent.by_language[locale] += 1
        compose.queue_all(mails)
        if len(people) < BATCH:
            break  # a short batch was the last: no query to find nothing more
    if not sent.recipients:
        return sent  # nothing sent, nothing to record
    sent.declined = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.id.in_(announcement.audience.people()), _declined()))
    audience = announcement.audience
    audit.record(actor, "send_announcement", announcement, audience=audience.kind.value,
                 round=audience.round.id if audience.round else None,
                 region=audience.region.value if audience.region else None,
                 subject=announcement.subjects["en"], languages=sorted(sent.messages),
                 recipients=sent.recipients, by_language=dict(sent.by_language), declined=sent.declined)
    db.session.flush()
    return sent
