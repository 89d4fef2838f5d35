"""Search: what is indexed (public texts only), keeping the index current when things change, the
rebuild, and the results page's read model."""

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload
from markupsafe import Markup

from consult.extensions import db
from consult.models import (
    Amendment, Article, ArticleText, Comment, Round, SearchEntry, Version, Visibility,
)
from consult.search import analysis, index
from consult.search.index import KINDS, PUBLIC_STATES, Entry, Filters, Hit

PAGE_SIZE = 20
MAX_PAGES = 50  # past the 1,000 best, a person refines the query; nobody pages that far
MAX_RESULTS = PAGE_SIZE * MAX_PAGES  # what the index ranks at most (index.find's candidates)
MIN_QUERY = 2  # characters
MAX_QUERY = 200  # characters kept of a query
MAX_WORDS = 12  # words kept of a query: each is one more condition


# --- what is indexed -----------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")


def text_of(markup: str | None) -> str:
    """Plain text of stored (sanitised) HTML: what is indexed and excerpted."""
    return html.unescape(_TAG.sub(" ", markup or "")).strip()


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"(^|\s)(#+|[-*+>]|\d+[.)])\s|[*_`]+")


def markdown_text(markdown: str) -> str:
    """Plain text of Markdown, near enough for an excerpt: links' text kept, markup signs dropped
    (an amendment's proposed text is stored as Markdown only)."""
    return _MARKUP.sub(r"\1", _LINK.sub(r"\1", markdown or ""))


def _is_public(version: Version) -> bool:
    return version.state in PUBLIC_STATES


def article_entries(version: Version) -> list[Entry]:
    texts = db.session.scalars(
        sa.select(ArticleText).join(Article).where(Article.version_id == version.id)
        .where(sa.or_(ArticleText.title != "", ArticleText.body != ""))
    )
    return [Entry("article", t.id, t.locale, version.id, None, t.title, text_of(t.body_html)) for t in texts]


def amendment_entry(amendment: Amendment) -> Entry:
    return Entry("amendment", amendment.id, amendment.locale, amendment.round.version_id, amendment.round_id,
                 amendment.title or amendment.base_title,
                 "\n".join((amendment.body, amendment.rationale, amendment.answer or "")))


def comment_entry(comment: Comment) -> Entry:
    return Entry("comment", comment.id, comment.locale, comment.round.version_id, comment.round_id, "",
                 text_of(comment.body_html))


def index_version(version: Version) -> None:
    """A version's articles are found once it is public (in consultation, published, archived); a draft's
    or a consolidation's texts change without notice until then, and are read again when it is published."""
    index.remove_where(SearchEntry.kind == "article", SearchEntry.version_id == version.id)
    if _is_public(version):
        index.put(article_entries(version))


def index_amendment(amendment: Amendment) -> None:
    """Indexed while readers see it: withdrawn and answered amendments stay on their pages, so they
    are found; a hidden one is not."""
    if amendment.visibility is Visibility.visible and _is_public(amendment.round.version):
        index.put([amendment_entry(amendment)])
    else:
        index.remove([index.key("amendment", amendment.id)])


def index_comment(comment: Comment) -> None:
    """Only visible comments: one hidden by a moderator or deleted by its author is never found."""
    if comment.visibility is Visibility.visible and _is_public(comment.round.version):
        index.put([comment_entry(comment)])
    else:
        index.remove([index.key("comment", comment.id)])


def index_contribution(contribution: Amendment | Comment) -> None:
    (index_amendment if isinstance(contribution, Amendment) else index_comment)(contribution)


# --- kept current --------------------------------------------------------------------------------


def _on_amendment(amendment, **_kw):
    index_amendment(amendment)


def _on_comment(comment, **_kw):
    index_comment(comment)


def _on_contribution(contribution, **_kw):
    index_contribution(contribution)


def _on_version(version, **_kw):
    index_version(version)


def connect_signals() -> None:
    """Every change readers can see, in the transaction that makes it (the services send the signals
    after their flush, inside it). The receivers are module functions, so connecting again (each
    create_app does) adds nothing: a closure per app would index everything once per app made."""
    from consult import signals

    receivers = {
        _on_amendment: (signals.amendment_proposed, signals.amendment_edited, signals.amendment_withdrawn,
                        signals.amendment_answered, signals.amendment_incorporated),
        _on_comment: (signals.comment_posted, signals.comment_edited, signals.comment_deleted),
        _on_contribution: (signals.contribution_hidden, signals.contribution_restored),
        _on_version: (signals.version_created, signals.version_published),
    }
    for receiver, sent_by in receivers.items():
        for signal in sent_by:
            signal.connect(receiver, weak=False)


# --- the rebuild ---------------------------------------------------------------------------------

BATCH = 1000


def count_indexable() -> int:
    public = sa.select(Version.id).where(Version.state.in_(PUBLIC_STATES))
    rounds = sa.select(Round.id).where(Round.version_id.in_(public))
    return sum(db.session.scalar(query) for query in (
        sa.select(sa.func.count()).select_from(ArticleText).join(Article).where(Article.version_id.in_(public)),
        sa.select(sa.func.count()).select_from(Amendment).where(Amendment.round_id.in_(rounds),
                                                                Amendment.visibility == Visibility.visible),
        sa.select(sa.func.count()).select_from(Comment).where(Comment.round_id.in_(rounds),
                                                              Comment.visibility == Visibility.visible),
    ))


def _all_entries() -> Iterator[Entry]:
    for version in db.session.scalars(sa.select(Version).where(Version.state.in_(PUBLIC_STATES))).all():
        yield from article_entries(version)
    public_rounds = (sa.select(Round.id, Round.version_id).join(Version)
                     .where(Version.state.in_(PUBLIC_STATES)).subquery())
    amendments = (
        sa.select(Amendment.id, Amendment.locale, public_rounds.c.version_id, Amendment.round_id, Amendment.title,
                  Amendment.base_title, Amendment.body, Amendment.rationale, Amendment.answer)
        .join(public_rounds, public_rounds.c.id == Amendment.round_id)
        .where(Amendment.visibility == Visibility.visible).order_by(Amendment.id)
    )
    for a in db.session.execute(amendments.execution_options(yield_per=BATCH)):
        yield Entry("amendment", a.id, a.locale, a.version_id, a.round_id, a.title or a.base_title,
                    "\n".join((a.body, a.rationale, a.answer or "")))
    comments = (
        sa.select(Comment.id, Comment.locale, public_rounds.c.version_id, Comment.round_id, Comment.body_html)
        .join(public_rounds, public_rounds.c.id == Comment.round_id)
        .where(Comment.visibility == Visibility.visible).order_by(Comment.id)
    )
    for c in db.session.execute(comments.execution_options(yield_per=BATCH)):
        yield Entry("comment", c.id, c.locale, c.version_id, c.round_id, "", text_of(c.body_html))


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from what readers can see, in the caller's transaction. Returns how
    many texts it indexed; `progress(n)` is told as batches are written."""
    index.clear()
    done, batch = 0, []
    for entry in _all_entries():
        batch.append(entry)
        if len(batch) == BATCH:
            _write(batch)
            done += len(batch)
            progress and progress(len(batch))
            batch = []
    _write(batch)
    done += len(batch)
    progress and progress(len(batch))
    index.optimise()
    return done


def _write(batch: list[Entry]) -> None:
    if batch:
        index.put(batch)


# --- the results page ----------------------------------------------------------------------------


@dataclass
class SearchForm:
    query: str = ""
    kind: str = ""
    round_id: int | None = None
    version_id: int | None = None
    locale: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "SearchForm":
        """From a query string; unknown values are ignored rather than refused."""
        query = " ".join(args.get("q", "").split())[:MAX_QUERY]

        def number(name: str) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        kind = args.get("kind", "")
        locale = args.get("language", "")
        return cls(query=query, kind=kind if kind in KINDS else "", round_id=number("round"),
                   version_id=number("version"), locale=locale if locale in index.CONFIGURATIONS else "",
                   page=min(max(number("page") or 1, 1), MAX_PAGES))

    @property
    def too_short(self) -> bool:
        return len(self.query) < MIN_QUERY

    @property
    def filters(self) -> Filters:
        return Filters(kind=self.kind, round_id=self.round_id, version_id=self.version_id, locale=self.locale)

    @property
    def words(self) -> str:
        """The query as searched: its first MAX_WORDS words."""
        return " ".join(analysis.words(self.query)[:MAX_WORDS])


@dataclass
class Result:
    kind: str
    locale: str
    title: str
    excerpt: Markup
    url_args: tuple  # (endpoint, {arguments})
    version: Version | None = None
    round: Round | None = None
    article: Article | None = None
    amendment: Amendment | None = None
    comment: Comment | None = None


@dataclass
class Results:
    items: list[Result] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    capped: bool = False  # more than MAX_RESULTS found: the most recent MAX_RESULTS are ranked and shown


def search(form: SearchForm) -> Results:
    """The page of results: the index's page, then its texts by kind (a query each, always the same
    number of queries whatever is found)."""
    words = form.words
    if form.too_short or not words:
        return Results()
    page = form.page

    def find(page: int):
        return index.find(words, form.filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, candidates=MAX_RESULTS)

    hits, total = find(page)
    if not hits and page > 1:  # past the end (an old link): the last page
        _hits, total = index.find(words, form.filters, limit=1, offset=0, candidates=MAX_RESULTS)
        page = max(1, -(-min(total, MAX_RESULTS) // PAGE_SIZE))
        hits, total = find(page)
    shown = min(total, MAX_RESULTS)
    return Results(items=_results(hits, words), total=shown, page=page, pages=max(1, -(-shown // PAGE_SIZE)),
                   capped=total > MAX_RESULTS)


def _results(hits: list[Hit], words: str) -> list[Result]:
    """The texts of the page, by kind: three queries, even for a kind that has none on the page, so the
    page's cost does not depend on what it finds."""
    ids = {kind: [h.target_id for h in hits if h.kind == kind] for kind in KINDS}
    texts = {t.id: t for t in db.session.scalars(
        sa.select(ArticleText).where(ArticleText.id.in_(ids["article"]))
        .options(joinedload(ArticleText.article).joinedload(Article.version))
    )}
    amendments = {a.id: a for a in db.session.scalars(
        sa.select(Amendment).where(Amendment.id.in_(ids["amendment"]))
        .options(defer(Amendment.base_text), defer(Amendment.rationale),
                 joinedload(Amendment.round).joinedload(Round.version), joinedload(Amendment.article))
    )}
    comments = {c.id: c for c in db.session.scalars(
        sa.select(Comment).where(Comment.id.in_(ids["comment"]))
        .options(joinedload(Comment.round).joinedload(Round.version), joinedload(Comment.article),
                 joinedload(Comment.author))
    )}
    results = []
    for hit in hits:
        if hit.kind == "article" and (text := texts.get(hit.target_id)):
            article = text.article
            results.append(Result(
                "article", text.locale, text.title, analysis.highlight(text_of(text.body_html), text.locale, words),
                ("charter.article", {"article_id": article.id}), version=article.version, article=article))
        elif hit.kind == "amendment" and (amendment := amendments.get(hit.target_id)):
            body = "\n".join(part for part in (
                markdown_text(amendment.body), text_of(amendment.rationale_html),
                text_of(amendment.answer_html)) if part)
            results.append(Result(
                "amendment", amendment.locale, amendment.title or amendment.base_title,
                analysis.highlight(body, amendment.locale, words),
                ("amendments.show", {"amendment_id": amendment.id}), version=amendment.round.version,
                round=amendment.round, article=amendment.article, amendment=amendment))
        elif hit.kind == "comment" and (comment := comments.get(hit.target_id)):
            results.append(Result(
                "comment", comment.locale, "", analysis.highlight(text_of(comment.body_html), comment.locale, words),
                ("comments.show", {"comment_id": comment.id}), version=comment.round.version,
                round=comment.round, article=comment.article, comment=comment))
    return results


def highlight_title(title: str, locale: str, words: str) -> Markup:
    return analysis.highlight(title, locale, words, size=10_000)


def choices() -> tuple[list[Version], list[Round]]:
    """What the filters offer: the public versions and their rounds."""
    versions = list(db.session.scalars(sa.select(Version).where(Version.state.in_(PUBLIC_STATES)).order_by(Version.id)))
    rounds = list(db.session.scalars(
        sa.select(Round).where(Round.version_id.in_([v.id for v in versions])).order_by(Round.opens_at, Round.id)
    )) if versions else []
    return versions, rounds
