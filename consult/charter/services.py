"""Rules about the charter's text: building versions from documents, reading them efficiently,
and keeping translations aligned."""

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from consult import signals
from consult.comments import services as comment_services
from consult.documents.checks import is_aligned, place_keys
from consult.documents.model import Document
from consult.database import lock_row
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Article, ArticleText, Charter, Comment, Incorporation, Round, RoundState,
    Section, TextStatus, Version, VersionState, Visibility,
)
from consult.text.markdown import render_markdown
from consult.text.normalise import clean

MAIN_CHARTER_SLUG = "global-charter-agenda"


class AlignmentError(ValueError):
    """The language versions of a draft do not have the same structure."""


class MatchingError(ValueError):
    """A matching that cannot be saved: an article continued twice, or from another version."""


Place = tuple[int, int]  # an article of an imported document: (section index, article index)


def main_charter() -> Charter | None:
    return db.session.scalar(sa.select(Charter).where(Charter.slug == MAIN_CHARTER_SLUG))


def current_version(charter: Charter) -> Version | None:
    """The version people are consulted on; failing that, the latest published one."""
    for states in ((VersionState.in_consultation,), (VersionState.published,)):
        version = db.session.scalar(
            sa.select(Version)
            .where(Version.charter_id == charter.id, Version.state.in_(states))
            .order_by(Version.id.desc())
            .limit(1)
        )
        if version:
            return version
    return None


@dataclass
class Home:
    """What the home page says, and only what is true now."""

    published: Version | None  # the newest published version
    in_consultation: Version | None  # the draft people are consulted on, if any
    open_rounds: list[Round]  # taking part now: the only reason to invite people in
    coming_rounds: list[Round]
    past_rounds: list[Round]  # newest first, each with its public account


def home(charter: Charter) -> Home:
    """The charter's state for its home page: two queries."""
    latest = {}
    for version in db.session.scalars(sa.select(Version).where(
            Version.charter_id == charter.id, Version.state.in_((VersionState.published, VersionState.in_consultation)))
            .order_by(Version.id)):
        latest[version.state] = version
    rounds = list(db.session.scalars(
        sa.select(Round).join(Version, Version.id == Round.version_id).where(Version.charter_id == charter.id)
        .order_by(Round.opens_at).options(contains_eager(Round.version))))
    phases = {round_.id: round_.phase() for round_ in rounds}
    return Home(
        published=latest.get(VersionState.published),
        in_consultation=latest.get(VersionState.in_consultation),
        open_rounds=[r for r in rounds if phases[r.id] is RoundState.open],
        coming_rounds=[r for r in rounds if phases[r.id] is RoundState.scheduled],
        past_rounds=sorted((r for r in rounds if phases[r.id] is RoundState.closed),
                           key=lambda r: r.effective_close, reverse=True),
    )


def load_version(version: Version) -> list[Section]:
    """Sections with their articles and every text: three queries, however long the charter."""
    return list(
        db.session.scalars(
            sa.select(Section)
            .where(Section.version_id == version.id)
            .order_by(Section.position)
            .options(selectinload(Section.articles).selectinload(Article.texts))
            .execution_options(populate_existing=True)  # structure may have changed in this session
        )
    )


def article_with_texts(article_id: int) -> Article | None:
    """An article with its texts, section and version (and the version it is based on): one query."""
    return db.session.execute(
        sa.select(Article)
        .where(Article.id == article_id)
        .options(joinedload(Article.texts), joinedload(Article.section),
                 joinedload(Article.version).joinedload(Version.based_on))
    ).unique().scalar_one_or_none()


@dataclass
class Neighbours:
    previous: Article | None
    next: Article | None


# The article page's queries are built once per process, their values bound at each request:
# building a statement with subqueries costs more than running it on a warm database.


@functools.cache
def _neighbours() -> sa.Select:
    in_version = Article.version_id == sa.bindparam("version_id")
    before = sa.select(sa.func.max(Article.position)).where(in_version, Article.position < sa.bindparam("position"))
    after = sa.select(sa.func.min(Article.position)).where(in_version, Article.position > sa.bindparam("position"))
    return sa.select(Article).where(in_version, Article.position.in_(before.union_all(after))) \
        .options(joinedload(Article.texts))


def neighbours(article: Article) -> Neighbours:
    """The articles before and after this one, with their texts: one query."""
    found = db.session.scalars(_neighbours(), {"version_id": article.version_id, "position": article.position}) \
        .unique().all()
    return Neighbours(
        previous=next((a for a in found if a.position < article.position), None),
        next=next((a for a in found if a.position > article.position), None),
    )


@functools.cache
def _rounds_with_counts() -> sa.Select:
    amendments = sa.select(sa.func.count()).where(
        *_COUNTED_AMENDMENTS, Amendment.round_id == Round.id, Amendment.article_id == sa.bindparam("article_id")
    ).scalar_subquery()
    comments = sa.select(sa.func.count()).where(
        *_COUNTED_COMMENTS, Comment.round_id == Round.id, Comment.article_id == sa.bindparam("article_id")
    ).scalar_subquery()
    return sa.select(Round, amendments, comments).where(Round.version_id == sa.bindparam("version_id")) \
        .order_by(Round.opens_at)


def rounds_with_counts(article: Article) -> tuple[list[Round], dict[int, tuple[int, int]]]:
    """For the article page: the rounds of its version and, for each round's tab, the article's
    (amendments, comments) in it, counted as thread_counts() counts them: one query."""
    rows = db.session.execute(_rounds_with_counts(), {"article_id": article.id, "version_id": article.version_id}).all()
    return [row[0] for row in rows], {row[0].id: (row[1], row[2]) for row in rows if row[1] or row[2]}


def thread_counts(round_: Round) -> dict[int, tuple[int, int]]:
    """For the table of contents: amendments and comments per article in one round."""
    return _thread_counts("article_id", round_id=round_.id)


# What an article thread counts: visible amendments, new articles proposed after this one included;
# the comments of the article's own discussion, replies included (an amendment's are counted on it).
_COUNTED_AMENDMENTS = (Amendment.visibility == Visibility.visible,)
_COUNTED_COMMENTS = (comment_services.FOUND_BY_READERS, Comment.amendment_id.is_(None))


def _thread_counts(key: str, **match: int) -> dict[int, tuple[int, int]]:
    """(amendments, comments) of article threads grouped by `key` (_COUNTED_…): one query."""
    amendments = sa.select(getattr(Amendment, key), sa.func.count(), sa.literal(0)) \
        .where(*_COUNTED_AMENDMENTS, *(getattr(Amendment, k) == v for k, v in match.items())) \
        .group_by(getattr(Amendment, key))
    comments = sa.select(getattr(Comment, key), sa.literal(0), sa.func.count()) \
        .where(*_COUNTED_COMMENTS, *(getattr(Comment, k) == v for k, v in match.items())) \
        .group_by(getattr(Comment, key))
    counts: dict[int, tuple[int, int]] = {}
    for k, n_amendments, n_comments in db.session.execute(sa.union_all(amendments, comments)):
        before = counts.get(k, (0, 0))
        counts[k] = (before[0] + n_amendments, before[1] + n_comments)
    return counts


def pick_round(rounds: list[Round], wanted_id: int | None, user) -> Round | None:
    """The round asked for; else the open round this person may take part in; else any open one;
    else the latest."""
    from consult.permissions import Action, decide

    if wanted_id:
        for round_ in rounds:
            if round_.id == wanted_id:
                return round_
    organisation = getattr(user, "organisation", None) if user and user.is_authenticated else None
    home_region = organisation.region if organisation else None
    # A regional round of the person's own region first, then the global ones.
    open_rounds = sorted(
        (r for r in rounds if r.is_open()),
        key=lambda r: (r.region is not home_region, r.restricted_to_region, r.opens_at),
    )
    for round_ in open_rounds:
        if decide(user, Action.comment, round_):
            return round_
    if open_rounds:
        return open_rounds[0]
    return max(rounds, key=lambda r: r.closes_at, default=None)


def rounds_of_version(version: Version) -> list[Round]:
    return list(db.session.scalars(sa.select(Round).where(Round.version_id == version.id).order_by(Round.opens_at)))


def create_version(
    charter: Charter,
    documents: dict[str, Document],
    *,
    slug: str,
    labels: dict[str, str],
    source_locale: str = "en",
    state: VersionState = VersionState.draft,
    based_on: Version | None = None,
    continues: dict[Place, Article] | None = None,
) -> Version:
    """Turn one imported document per locale into a Version with aligned article texts.

    An article that continues one of `based_on` (`continues`: the place of the new article in
    the documents → the article of `based_on`; by default `match_articles`) keeps its lineage,
    so history and redlines follow it; every other one starts a lineage of its own.
    """
    if source_locale not in documents:
        raise AlignmentError(f"the source language ({source_locale}) is missing")
    source = documents[source_locale]
    if not is_aligned({source_locale: source, **documents}):
        raise AlignmentError("the languages do not have the same sections and articles")
    if based_on is not None and continues is None:
        continues = match_articles(based_on, source)
    _check_continuations(based_on, continues or {})

    version = Version(
        charter=charter, slug=slug, labels=labels, state=state, source_locale=source_locale, based_on=based_on
    )
    db.session.add(version)
    position = 0
    for s_index, doc_section in enumerate(source.sections):
        section = Section(
            version=version,
            position=s_index,
            titles={loc: doc.sections[s_index].title for loc, doc in documents.items()},
        )
        db.session.add(section)
        for a_index, doc_article in enumerate(doc_section.articles):
            position += 1
            article = Article(
                version=version, section=section, number=doc_article.number,
                numbering=doc_article.numbering, position=position,
            )
            if previous := (continues or {}).get((s_index, a_index)):
                article.lineage_id = previous.lineage_id
            for locale, doc in documents.items():
                translated = doc.sections[s_index].articles[a_index]
                article.texts.append(
                    ArticleText(
                        locale=locale,
                        title=translated.title,
                        body=translated.body,
                        body_html=render_markdown(translated.body),
                        status=TextStatus.source if locale == source_locale else TextStatus.current,
                        source_revision=None if locale == source_locale else 1,
                    )
                )
            db.session.add(article)
    db.session.flush()
    signals.version_created.send(version)
    return version


def _check_continuations(based_on: Version | None, continues: dict[Place, Article]) -> None:
    """A lineage is continued once per version, and only from the version revised."""
    if continues and based_on is None:
        raise MatchingError("articles continue a version, but the draft is based on none")
    if any(article.version_id != based_on.id for article in continues.values()):
        raise MatchingError("an article continues one that is not in the version the draft is based on")
    continued = [article.id for article in continues.values()]
    if len(set(continued)) != len(continued):
        raise MatchingError("an article of the earlier version is continued by two articles")


# -- which article of the earlier version each article of a new draft continues ---------------

# Two different articles of the charter share at most some 0.4 (their titles all say "Right
# to…"); an article carried over, even reworded, shares more.
MIN_SIMILARITY = 0.45
SAME_NUMBER_BONUS = 0.3  # same number (by value) in the same section: first among the similar
SAME_SECTION_BONUS = 0.1
TITLE_WEIGHT = 0.4  # the title's share of a pair's similarity; the body has the rest


@dataclass(frozen=True)
class _Fingerprint:
    """What an article's text is compared by: its title's words and its body's word pairs."""

    title: tuple[str, ...]
    body: frozenset

    @classmethod
    def of(cls, title: str, body: str) -> "_Fingerprint":
        words = _plain_words(body)
        return cls(tuple(_plain_words(title)), frozenset(zip(words, words[1:])) or frozenset(words))

    def similarity(self, other: "_Fingerprint") -> float:
        title = difflib.SequenceMatcher(None, self.title, other.title, autojunk=False).ratio() \
            if self.title or other.title else 1.0
        shared = len(self.body & other.body)
        body = 2 * shared / (len(self.body) + len(other.body)) if self.body or other.body else 1.0
        return TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * body


def _plain_words(text: str) -> list[str]:
    """Words without case, accents or Markdown, so typography is no difference."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.findall(r"\w+", "".join(c for c in decomposed if not unicodedata.combining(c)))


def match_articles(previous: Version, document: Document) -> dict[Place, Article]:
    """Which article of `previous` each article of a new draft continues, so its history and
    redlines follow it across renumbering, moves and rewording.

    Pairs whose texts share enough (title words, the body's word pairs) are candidates, whatever
    their place: an article may be renumbered or moved. Among them the same number — by value: I,
    1 and premier are one — in the same section comes first, then the same section, then the most
    similar; the best pairs are taken first. A pair that shares too little is no continuation,
    whatever its number: the old article was removed and the new one added.
    """
    old = [
        (s_index, key, article, _Fingerprint.of(*_title_and_body(article, document.locale)))
        for s_index, section in enumerate(load_version(previous))
        for key, article in zip(place_keys(section.articles), section.articles)
    ]
    scored = []
    for s_index, section in enumerate(document.sections):
        for a_index, (key, doc_article) in enumerate(zip(place_keys(section.articles), section.articles)):
            fingerprint = _Fingerprint.of(doc_article.title, doc_article.body)
            for old_section, old_key, article, old_fingerprint in old:
                similarity = fingerprint.similarity(old_fingerprint)
                if similarity >= MIN_SIMILARITY:
                    same_section = old_section == s_index
                    score = similarity + (SAME_SECTION_BONUS if same_section else 0) \
                        + (SAME_NUMBER_BONUS if same_section and key == old_key else 0)
                    scored.append((score, (s_index, a_index), article))
    matched: dict[Place, Article] = {}
    taken: set[int] = set()
    for _score, place, article in sorted(scored, key=lambda pair: -pair[0]):  # stable: ties in document order
        if place not in matched and article.id not in taken:
            matched[place] = article
            taken.add(article.id)
    return matched


def _title_and_body(article: Article, locale: str) -> tuple[str, str]:
    text = article.text(locale)
    return (text.title, text.body) if text else ("", "")


class StaleText(Exception):
    """Someone saved this text since the form was opened; carries what they saved."""

    def __init__(self, current: ArticleText):
        super().__init__(f"article text {current.id} is at revision {current.revision}")
        self.current = current


def update_article_text(article: Article, locale: str, *, title: str, body: str,
                        expected_revision: int | None = None) -> ArticleText:
    """Save one language of an article.

    A change in any language marks the others outdated, remembering which language changed and
    what it said when they were last aligned; saving an outdated text aligns it again. With
    `expected_revision`, a save made from an older revision raises StaleText instead.
    """
    title, body = clean(title), clean(body)
    text = article.exact_text(locale)
    if text is not None and expected_revision is not None:
        # Read the revision again under a row lock: two saves from the same revision must not both
        # pass the check (PostgreSQL; SQLite already queues writers).
        lock_row(text)
        if text.revision != expected_revision:
            raise StaleText(text)
    if text is None:
        text = ArticleText(locale=locale, title=title, body=body, body_html="", status=TextStatus.current)
        article.texts.append(text)
        previous_body = None
    elif (text.title, text.body) == (title, body) and text.status is not TextStatus.outdated:
        return text
    else:
        previous_body = text.body
        text.revision += 1
    changed = (previous_body is not None and previous_body != body) or text.title != title
    text.title, text.body, text.body_html = title, body, render_markdown(body)
    text.status = TextStatus.source if locale == article.version.source_locale else TextStatus.current
    text.outdated_by = text.outdated_from = None
    if changed:
        for other in article.texts:
            if other is not text and other.status is not TextStatus.outdated:
                other.status = TextStatus.outdated
                other.outdated_by = locale
                other.outdated_from = previous_body
    db.session.flush()
    return text


def versions_of(charter: Charter, *, include_drafts: bool) -> list[Version]:
    query = sa.select(Version).where(Version.charter_id == charter.id).order_by(Version.id)
    if not include_drafts:
        query = query.where(Version.state.in_((VersionState.in_consultation, VersionState.published, VersionState.archived)))
    return list(db.session.scalars(query))


def compare(old: Version, new: Version) -> list[tuple[Article | None, Article | None]]:
    """Articles of two versions paired by lineage, in the new version's order; removed ones last.
    Renumbered or moved articles are paired all the same."""
    old_articles = [a for s in load_version(old) for a in s.articles]
    by_lineage = {a.lineage_id: a for a in old_articles}
    pairs = [(by_lineage.pop(a.lineage_id, None), a) for s in load_version(new) for a in s.articles]
    return pairs + [(a, None) for a in old_articles if a.lineage_id in by_lineage]


def _older_unanswered(lineage_id, version_id) -> sa.Select:
    return (sa.select(Amendment).join(Article, Article.id == Amendment.article_id)
            .where(Article.lineage_id == lineage_id, Article.version_id != version_id,
                   Amendment.status == AmendmentStatus.submitted, Amendment.kind == AmendmentKind.modify))


def _incorporated_into(article_id) -> sa.Select:
    return sa.select(Amendment).join(Incorporation, Incorporation.amendment_id == Amendment.id) \
        .where(Incorporation.article_id == article_id)


def older_unanswered(article: Article) -> list[Amendment]:
    """Amendments still awaiting an answer on earlier versions of this article (same lineage)."""
    return list(db.session.scalars(_older_unanswered(article.lineage_id, article.version_id).order_by(Amendment.id)))


def incorporated_into(article: Article) -> list[Amendment]:
    return list(db.session.scalars(_incorporated_into(article.id).order_by(Incorporation.at)))


@functools.cache
def _history() -> sa.Select:
    incorporated = _incorporated_into(sa.bindparam("article_id")) \
        .add_columns(sa.literal(0).label("which"), Incorporation.at.label("at"))
    older = _older_unanswered(sa.bindparam("lineage_id"), sa.bindparam("version_id")) \
        .add_columns(sa.literal(1).label("which"), sa.null().label("at"))  # by id
    both = sa.union_all(incorporated, older).subquery()
    return sa.select(aliased(Amendment, both), both.c.which).order_by(both.c.which, both.c.at, both.c.id)


def history_of(article: Article) -> tuple[list[Amendment], list[Amendment]]:
    """(incorporated_into(), older_unanswered()) in one query, for the article page."""
    lists: tuple[list, list] = ([], [])
    values = {"article_id": article.id, "lineage_id": article.lineage_id, "version_id": article.version_id}
    for amendment, which in db.session.execute(_history(), values):
        lists[which].append(amendment)
    return lists


def document_of(version: Version, locale: str) -> Document:
    """A version in one language as the neutral document model, for every exporter."""
    from consult.documents.model import DocArticle, DocSection

    document = Document(title=version.charter.title(locale), locale=locale)
    for section in load_version(version):
        doc_section = DocSection(title=section.title(locale))
        for article in section.articles:
            text = article.text(locale)
            doc_section.articles.append(DocArticle(article.number, text.title if text else "", text.body if text else "",
                                                   article.numbering))
        document.sections.append(doc_section)
    return document
