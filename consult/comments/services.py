"""Rules about comments: one level of replies, edits marked, deletion that keeps replies readable,
reading a discussion page by page at a fixed cost, and what "N comments" counts."""

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from consult import signals
from consult.contributions import create_once, lock_open_round
from consult.extensions import db
from consult.models import Amendment, Article, Comment, Organisation, Round, Stance, User, Visibility, utcnow
from consult.text.markdown import render_markdown

PAGE_SIZE = 30  # first-level comments on a discussion page
REPLIES_SHOWN = 40  # replies under each of them; the rest on the comment's own page
REPLIES_PAGE_SIZE = 100  # replies on a page of the comment's own page


class CommentError(ValueError):
    pass


def post(author: User, round_: Round, article: Article, *, body: str, locale: str, amendment: Amendment | None = None,
         parent: Comment | None = None, stance: Stance | None = None, token: str | None = None,
         recorded_by: User | None = None, recorded_source: str | None = None) -> tuple[Comment, bool]:
    if parent is not None:
        if parent.round_id != round_.id or parent.article_id != article.id or parent.amendment_id != (amendment.id if amendment else None):
            raise CommentError("reply outside its discussion")
        parent = thread_root(parent)  # replies stay one level deep, under the first comment
    if amendment is None:
        stance = None  # a stance is taken on an amendment, not on the article
    body_html = render_markdown(body)  # before the lock: it is held only while writing

    def build() -> Comment:
        return Comment(
            round=round_, article=article, amendment=amendment, parent=parent, author=author,
            organisation=author.organisation, locale=locale, body=body.strip(), body_html=body_html,
            stance=stance, recorded_by=recorded_by, recorded_source=recorded_source,
        )

    lock_open_round(round_)
    comment, created = create_once(Comment, token, build)
    if created:
        signals.comment_posted.send(comment)
    return comment, created


def edit(comment: Comment, *, body: str) -> None:
    if comment.body == body.strip():
        return
    comment.body = body.strip()
    comment.body_html = render_markdown(body)
    comment.edited_at = utcnow()
    db.session.flush()
    signals.comment_edited.send(comment)


def delete(comment: Comment) -> None:
    """The author's deletion: the comment is no longer shown, a placeholder keeps its replies in context."""
    comment.visibility = Visibility.deleted
    db.session.flush()
    signals.comment_deleted.send(comment)


def thread_root(comment: Comment) -> Comment:
    """The first-level comment a comment belongs under. A reply to a reply (entered before replies
    were kept one level deep, or by the seed loader) goes up more than one step."""
    while comment.parent is not None:
        comment = comment.parent
    return comment


# What readers find: the visible comments, replies included; a hidden or deleted comment is a
# placeholder, not a comment. Every "N comments" counts with this rule, so the table of contents,
# the round tabs, the amendment cards and the discussion agree.
FOUND_BY_READERS = Comment.visibility == Visibility.visible


def comment_counts(key, *where) -> dict:
    """How many comments readers find, per value of `key` (a Comment column)."""
    rows = db.session.execute(sa.select(key, sa.func.count()).where(FOUND_BY_READERS, *where).group_by(key))
    return dict(rows.all())


def in_discussion(round_id: int, article_id: int, amendment_id: int | None) -> list:
    """The comments of one discussion: an article's in a round, or an amendment's. Served by the
    thread index (round, article, amendment, parent, id, visibility) on every backend."""
    return [Comment.round_id == round_id, Comment.article_id == article_id,
            Comment.amendment_id == amendment_id if amendment_id else Comment.amendment_id.is_(None)]


@dataclass
class Discussion:
    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)  # by first-level comment, whatever the depth
    more_replies: dict[int, int] = field(default_factory=dict)  # by first-level comment: replies not shown here
    total: int = 0  # first-level comments, placeholders included: what the pages divide
    count: int = 0  # comments a reader finds, replies included (FOUND_BY_READERS)
    page: int = 1
    pages: int = 1
    faces: dict[int, "CommentFace"] = field(default_factory=dict)  # what each comment shown shows, by id
    amendment: Amendment | None = None  # the amendment discussed, None for an article's discussion

    def threads(self) -> tuple:
        """The page as plain values, (face, reply faces, replies not shown) per first-level comment: what
        a reader with no control over any of it sees, so the key its whole markup is kept under."""
        return tuple((self.faces[c.id], tuple(self.faces[r.id] for r in self.replies.get(c.id, ())),
                      self.more_replies.get(c.id, 0)) for c in self.comments)

    def decided(self, rights) -> "Decided":
        """What one reader may do to each comment of the page (rights: permissions.CommentRights),
        as plain values: with threads(), the key of the page's markup as that reader sees it."""
        return Decided(tuple(
            (c.id, rights.report(c), rights.moderate(c), rights.edit(c), first and rights.reply(c, self.amendment),
             rights.translate(c))
            for root in self.comments
            for c, first in ((root, True), *((r, False) for r in self.replies.get(root.id, ())))
        ))


@dataclass(frozen=True)
class Decided:
    """CommentRights' answers for the comments of one page, asked once and replayed by comment id:
    what a page kept by consult.fragments shows is keyed by them, so it is never another reader's."""

    answers: tuple  # (comment id, report, moderate, edit, reply, translate)
    _by_id: dict = field(default=None, compare=False, hash=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {answer[0]: answer[1:] for answer in self.answers})

    def report(self, comment) -> bool:
        return self._by_id[comment.id][0]

    def moderate(self, comment) -> bool:
        return self._by_id[comment.id][1]

    def edit(self, comment) -> bool:
        return self._by_id[comment.id][2]

    def reply(self, comment) -> bool:
        return self._by_id[comment.id][3]

    def translate(self, comment) -> bool:
        return self._by_id[comment.id][4]


_PEOPLE = (joinedload(Comment.author), joinedload(Comment.organisation), joinedload(Comment.recorded_by))


_AUTHOR, _RECORDER, _ORGANISATION = aliased(User), aliased(User), aliased(Organisation)
_WHO_COLUMNS = (_AUTHOR.name, _AUTHOR.country, _ORGANISATION.name, _ORGANISATION.kind, _ORGANISATION.country,
                _ORGANISATION.region, _ORGANISATION.verified_at, _RECORDER.name, _RECORDER.country)


def with_who(statement, model):
    """What who() shows of a contribution's author, organisation and recorder, as columns beside it
    (read back by who_from_row()): the page builds its snapshots from these rows, without loading
    three more objects per comment."""
    return (statement.add_columns(*_WHO_COLUMNS)
            .outerjoin(_AUTHOR, _AUTHOR.id == model.author_id)
            .outerjoin(_ORGANISATION, _ORGANISATION.id == model.organisation_id)
            .outerjoin(_RECORDER, _RECORDER.id == model.recorded_by_id))


def who_from_row(contribution, values) -> dict:
    """who_fields() from the nine columns of _who_columns() instead of loaded objects."""
    (author_name, author_country, org_name, org_kind, org_country, org_region, org_verified_at,
     recorder_name, recorder_country) = values
    return dict(
        author=PersonFace(author_name, author_country),
        organisation=None if contribution.organisation_id is None else OrganisationFace(
            org_name, org_kind, org_country, org_region, org_verified_at is not None),
        recorded_by_id=contribution.recorded_by_id,
        recorded_by=None if contribution.recorded_by_id is None else PersonFace(recorder_name, recorder_country),
        recorded_source=contribution.recorded_source,
        on_behalf_of_organisation=contribution.on_behalf_of_organisation,
    )


class _Shown(NamedTuple):
    """A comment as read by a page of them: what _face() and permissions.CommentRights read."""

    id: int
    visibility: Visibility
    hidden_reason: str | None
    locale: str
    stance: Stance | None
    created_at: datetime
    edited_at: datetime | None
    body_html: str
    author_id: int
    organisation_id: int | None
    recorded_by_id: int | None
    recorded_source: str | None
    on_behalf_of_organisation: bool


_SHOWN_COLUMNS = tuple(getattr(Comment, name) for name in _Shown._fields)


def discussion(round_: Round, article: Article, amendment: Amendment | None, page: int = 1, *,
               objects: bool = True) -> Discussion:
    """First-level comments page by page, each with its first REPLIES_SHOWN replies: two queries
    whatever the length of the discussion or of any thread in it — which comments the page shows,
    then those comments. With objects=False the comments are plain rows (_Shown), enough for their
    faces and for permissions.CommentRights, and no Comment object is loaded."""
    values = dict(round_id=round_.id, article_id=article.id, amendment_id=amendment.id if amendment else None)
    chosen = _discussion_page(amendment is not None)

    def page_of(page: int) -> list:
        return db.session.execute(chosen, dict(values, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)).all()

    page = max(page, 1)
    rows = page_of(page)
    if not rows and page > 1:  # past the end (an old link): the last page
        where = in_discussion(round_.id, article.id, amendment.id if amendment else None)
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(Comment).where(*where, Comment.parent_id.is_(None)))
        page = max(1, -(-total // PAGE_SIZE))
        rows = page_of(page)
    shown = Discussion(comments=[], amendment=amendment)
    read = _comments_shown(objects, [row.id for row in rows]) if rows else {}
    for row in rows:
        comment, who = read[row.id]
        shown.faces[comment.id] = _face(comment, who)
        if row.root_id is None:
            shown.comments.append(comment)
            shown.total, shown.count = row.total, row.found
        else:
            shown.replies.setdefault(row.root_id, []).append(comment)
            shown.more_replies[row.root_id] = row.of - len(shown.replies[row.root_id])
    shown.page, shown.pages = page, max(1, -(-shown.total // PAGE_SIZE))  # no first-level comment, no reply either
    return shown


@functools.cache
def _discussion_page(on_amendment: bool) -> sa.Select:
    """Which comments a discussion page shows, built once per process (its values are parameters:
    round_id, article_id, amendment_id, limit, offset). Its rows, in id order: (id, root_id, replies
    under it, first-level comments, comments readers find) for the page's first-level comments
    (root_id None) and for the first REPLIES_SHOWN replies under each.

    Only ids and numbers: the comments themselves are read by _comments_shown() from the list of
    these ids. Joined to this query, PostgreSQL cannot tell how few they are (the replies' recursive
    part is estimated at a hundred times the page) and walks the whole table and the people's."""
    where = [Comment.round_id == sa.bindparam("round_id"), Comment.article_id == sa.bindparam("article_id"),
             Comment.amendment_id == sa.bindparam("amendment_id") if on_amendment else Comment.amendment_id.is_(None)]
    found = sa.select(sa.func.count()).where(*where, FOUND_BY_READERS).correlate(None).scalar_subquery()
    # Counted apart, from the thread index alone, not by a window over the page's query: a window
    # makes the database read every first-level comment before the first of the page.
    first_level = sa.select(sa.func.count()).where(*where, Comment.parent_id.is_(None)).correlate(None) \
        .scalar_subquery()
    no_number = sa.cast(sa.null(), sa.Integer)
    # Ordered as the thread index is (round, article, amendment, parent, id): the two columns that
    # hold one value here (NULL for the parent, and for an article's amendment) change nothing, but
    # without them PostgreSQL does not see that the index is in id order after "IS NULL", and walks
    # the whole table by its primary key hoping for 30 matches early — every row of it when the
    # discussion is empty.
    chosen = (sa.select(Comment.id).where(*where, Comment.parent_id.is_(None))
              .order_by(Comment.amendment_id, Comment.parent_id, Comment.id)
              .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")).cte("page"))
    tree = _replies_under(sa.select(chosen.c.id))
    ranked = sa.select(
        tree.c.id, tree.c.root_id,
        sa.func.row_number().over(partition_by=tree.c.root_id, order_by=tree.c.id).label("place"),
        sa.func.count().over(partition_by=tree.c.root_id).label("of"),
    ).subquery()
    shown = sa.union_all(
        sa.select(chosen.c.id, no_number.label("root_id"), no_number.label("of")),
        sa.select(ranked.c.id, ranked.c.root_id, ranked.c.of).where(ranked.c.place <= REPLIES_SHOWN),
    ).subquery()
    return sa.select(shown.c.id, shown.c.root_id, shown.c.of, first_level.label("total"), found.label("found")) \
        .order_by(shown.c.id)


def _comments_shown(objects: bool, ids: list[int]) -> dict[int, tuple]:
    """(comment, who columns) by id for these comments: one query, by primary key. The comment is a
    Comment, or with objects=False a plain row (_Shown)."""
    rows = db.session.execute(_comments_by_id(objects), dict(ids=ids)).all()
    n = len(_SHOWN_COLUMNS)
    if objects:
        return {row[0].id: (row[0], row[1:]) for row in rows}
    return {row[0]: (_Shown(*row[:n - 1], bool(row[n - 1])), row[n:]) for row in rows}


@functools.cache
def _comments_by_id(objects: bool) -> sa.Select:
    return with_who(sa.select(*(Comment,) if objects else _SHOWN_COLUMNS)
                    .where(Comment.id.in_(sa.bindparam("ids", expanding=True))), Comment)


def _replies_under(root_ids) -> sa.CTE:
    """(id, root_id) of every reply below these comments (ids, or a select of them), however deep:
    one recursive query."""
    tree = sa.select(Comment.id, Comment.parent_id.label("root_id")).where(Comment.parent_id.in_(root_ids)) \
        .cte("replies", recursive=True)
    return tree.union_all(sa.select(Comment.id, tree.c.root_id).join(tree, Comment.parent_id == tree.c.id))


@dataclass
class Thread:
    """A first-level comment on its own page, with all its replies, page by page."""
    comment: Comment
    replies: list[Comment]
    total: int  # replies, placeholders included
    page: int = 1
    pages: int = 1


def thread(comment: Comment, page: int = 1) -> Thread:
    tree = _replies_under([comment.id])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(tree))
    pages = max(1, -(-total // REPLIES_PAGE_SIZE))
    page = min(max(page, 1), pages)
    replies = list(db.session.scalars(
        sa.select(Comment).join(tree, tree.c.id == Comment.id).order_by(Comment.id)
        .limit(REPLIES_PAGE_SIZE).offset((page - 1) * REPLIES_PAGE_SIZE).options(*_PEOPLE)
    ))
    return Thread(comment=comment, replies=replies, total=total, page=page, pages=pages)


def place_of_reply(reply: Comment, root: Comment) -> int:
    """1 for the first reply under `root`, and so on, whatever the depth: where a permalink leads."""
    tree = _replies_under([root.id])
    return db.session.scalar(sa.select(sa.func.count()).select_from(tree).where(tree.c.id <= reply.id))


# --- what a comment shows ------------------------------------------------------------------------


class PersonFace(NamedTuple):
    name: str
    country: str | None


class OrganisationFace(NamedTuple):
    name: str
    kind: object  # OrganisationKind
    country: str
    region: object  # Region
    is_verified: bool


class CommentFace(NamedTuple):
    """Everything a comment's own markup shows (the who() macro included), as plain values. It is the
    key the markup is kept under (consult.fragments): the macro reads only this, so any change to
    what a comment shows is another key — never a stale fragment. The per-viewer controls (reply,
    edit, delete, report, moderate) are added around it for each reader."""

    id: int
    visibility: Visibility
    hidden_reason: str | None
    locale: str
    stance: Stance | None
    created_at: datetime
    edited_at: datetime | None
    body_html: str
    author: PersonFace
    organisation: OrganisationFace | None
    recorded_by_id: int | None
    recorded_by: PersonFace | None
    recorded_source: str | None
    on_behalf_of_organisation: bool


def who_fields(contribution: Amendment | Comment) -> dict:
    """What the who() macro shows of a contribution's author, organisation and recorder."""
    author, organisation, recorder = contribution.author, contribution.organisation, contribution.recorded_by
    return dict(
        author=PersonFace(author.name, author.country),
        organisation=organisation and OrganisationFace(organisation.name, organisation.kind, organisation.country,
                                                       organisation.region, organisation.is_verified),
        recorded_by_id=contribution.recorded_by_id,
        recorded_by=recorder and PersonFace(recorder.name, recorder.country),
        recorded_source=contribution.recorded_source,
        on_behalf_of_organisation=contribution.on_behalf_of_organisation,
    )


def face(comment: Comment | CommentFace) -> CommentFace:
    if isinstance(comment, CommentFace):  # a page kept as plain values already
        return comment
    return _face(comment, None)


def _face(comment: Comment, who: tuple | None) -> CommentFace:
    """The snapshot of a comment; its who() part from loaded objects, or from _who_columns() values."""
    return CommentFace(
        id=comment.id, visibility=comment.visibility, hidden_reason=comment.hidden_reason, locale=comment.locale,
        stance=comment.stance, created_at=comment.created_at, edited_at=comment.edited_at, body_html=comment.body_html,
        **(who_fields(comment) if who is None else who_from_row(comment, who)),
    )


def comment_with_context(comment_id: int) -> Comment | None:
    return db.session.scalar(
        sa.select(Comment).where(Comment.id == comment_id).options(
            joinedload(Comment.author), joinedload(Comment.round), joinedload(Comment.article), joinedload(Comment.amendment)
        )
    )


def page_of(comment: Comment) -> int:
    """Which page of its discussion a comment (or its first-level comment) is on, for permanent links."""
    root = thread_root(comment)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(
        *in_discussion(root.round_id, root.article_id, root.amendment_id), Comment.parent_id.is_(None),
        Comment.id < root.id))
    return before // PAGE_SIZE + 1
