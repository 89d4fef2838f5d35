"""Rules about the charter's text: building versions from documents, reading them efficiently,
and keeping translations aligned."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from consult.documents.checks import is_aligned
from consult.documents.model import Document
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Article, ArticleText, Charter, Comment, Incorporation, Round, Section,
    TextStatus, Version, VersionState, Visibility,
)
from consult.text.markdown import render_markdown

MAIN_CHARTER_SLUG = "global-charter-agenda"


class AlignmentError(ValueError):
    """The language versions of a draft do not have the same structure."""


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
    return db.session.scalar(
        sa.select(Article)
        .where(Article.id == article_id)
        .options(selectinload(Article.texts), selectinload(Article.section), selectinload(Article.version))
    )


@dataclass
class Neighbours:
    previous: Article | None
    next: Article | None


def neighbours(article: Article) -> Neighbours:
    def step(comparison, order):
        return db.session.scalar(
            sa.select(Article)
            .where(Article.version_id == article.version_id, comparison)
            .order_by(order)
            .limit(1)
            .options(selectinload(Article.texts))
        )

    return Neighbours(
        previous=step(Article.position < article.position, Article.position.desc()),
        next=step(Article.position > article.position, Article.position),
    )


def contribution_counts(article: Article) -> dict[int, tuple[int, int]]:
    """Visible amendments and comments on this article, per round: two grouped queries."""
    def per_round(model, *where):
        rows = db.session.execute(
            sa.select(model.round_id, sa.func.count()).where(model.article_id == article.id, *where).group_by(model.round_id)
        )
        return dict(rows.all())

    amendments = per_round(Amendment, Amendment.visibility == Visibility.visible,
                           Amendment.kind != AmendmentKind.add)
    comments = per_round(Comment, Comment.visibility == Visibility.visible)
    return {rid: (amendments.get(rid, 0), comments.get(rid, 0)) for rid in set(amendments) | set(comments)}


def thread_counts(round_: Round) -> dict[int, tuple[int, int]]:
    """For the table of contents: visible amendments and comments per article in one round."""
    def per_article(model, *where):
        rows = db.session.execute(
            sa.select(model.article_id, sa.func.count()).where(model.round_id == round_.id, *where).group_by(model.article_id)
        )
        return dict(rows.all())

    amendments = per_article(Amendment, Amendment.visibility == Visibility.visible)
    comments = per_article(Comment, Comment.visibility == Visibility.visible)
    return {aid: (amendments.get(aid, 0), comments.get(aid, 0)) for aid in set(amendments) | set(comments)}


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
) -> Version:
    """Turn one imported document per locale into a Version with aligned article texts.

    Articles carried over from `based_on` (same section place and number) keep its lineage,
    so history and diffs follow them.
    """
    if source_locale not in documents:
        raise AlignmentError(f"the source language ({source_locale}) is missing")
    source = documents[source_locale]
    if not is_aligned({source_locale: source, **documents}):
        raise AlignmentError("the languages do not have the same sections and articles")

    version = Version(
        charter=charter, slug=slug, labels=labels, state=state, source_locale=source_locale, based_on=based_on
    )
    db.session.add(version)
    lineage = _lineage_by_place(based_on) if based_on else {}
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
            key = _place_key(s_index, a_index, doc_article.number)
            if key in lineage:
                article.lineage_id = lineage[key]
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
    return version


def _place_key(section_index: int, article_index: int, number: str) -> tuple:
    # Numbered articles are matched by number within their section, unnumbered ones by place.
    return (section_index, number) if number else (section_index, f"#{article_index}")


def _lineage_by_place(version: Version) -> dict[tuple, str]:
    keys = {}
    for s_index, section in enumerate(load_version(version)):
        for a_index, article in enumerate(section.articles):
            keys[_place_key(s_index, a_index, article.number)] = article.lineage_id
    return keys


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
    text = article.exact_text(locale)
    if text is not None and expected_revision is not None:
        # Read the revision again under a row lock: two saves from the same revision must not both
        # pass the check (PostgreSQL; SQLite already queues writers).
        db.session.refresh(text, with_for_update=True)
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


def older_unanswered(article: Article) -> list[Amendment]:
    """Amendments still awaiting an answer on earlier versions of this article (same lineage)."""
    return list(db.session.scalars(
        sa.select(Amendment).join(Article, Article.id == Amendment.article_id)
        .where(Article.lineage_id == article.lineage_id, Article.version_id != article.version_id,
               Amendment.status == AmendmentStatus.submitted, Amendment.kind == AmendmentKind.modify)
        .order_by(Amendment.id)
    ))


def incorporated_into(article: Article) -> list[Amendment]:
    return list(db.session.scalars(
        sa.select(Amendment).join(Incorporation, Incorporation.amendment_id == Amendment.id)
        .where(Incorporation.article_id == article.id).order_by(Incorporation.at)
    ))


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
