"""Rules about comments: one level of replies, edits marked, deletion that keeps replies readable,
reading a discussion page by page at a fixed cost, and what "N comments" counts."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.contributions import create_once, lock_open_round
from consult.extensions import db
from consult.models import Amendment, Article, Comment, Round, Stance, User, Visibility, utcnow
from consult.text.markdown import render_markdown

PAGE_SIZE = 30


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
    return create_once(Comment, token, build)


def edit(comment: Comment, *, body: str) -> None:
    if comment.body == body.strip():
        return
    comment.body = body.strip()
    comment.body_html = render_markdown(body)
    comment.edited_at = utcnow()
    db.session.flush()


def delete(comment: Comment) -> None:
    """The author's deletion: the comment is no longer shown, a placeholder keeps its replies in context."""
    comment.visibility = Visibility.deleted
    db.session.flush()


def thread_root(comment: Comment) -> Comment:
    """The first-level comment a comment belongs under. A reply to a reply (entered before replies
    were kept one level deep, or by the seed loader) goes up more than one step."""
    while comment.parent is not None:
        comment = comment.parent
    return comment


def comment_counts(key, *where) -> dict:
    """How many comments readers find, per value of `key` (a Comment column): the visible ones,
    replies included; a hidden or deleted comment is a placeholder, not a comment. Every "N comments"
    is counted here, so the table of contents, the round tabs and the discussion agree."""
    rows = db.session.execute(
        sa.select(key, sa.func.count()).where(Comment.visibility == Visibility.visible, *where).group_by(key))
    return dict(rows.all())


@dataclass
class Discussion:
    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)  # by first-level comment, whatever the depth
    total: int = 0  # first-level comments, placeholders included: what the pages divide
    count: int = 0  # comments a reader finds, replies included (comment_counts)
    page: int = 1
    pages: int = 1


def discussion(round_: Round, article: Article, amendment: Amendment | None, page: int = 1) -> Discussion:
    """First-level comments page by page, each with all its replies: five queries whatever the length."""
    in_discussion = [Comment.round_id == round_.id, Comment.article_id == article.id,
                     Comment.amendment_id == amendment.id if amendment else Comment.amendment_id.is_(None)]
    first_level = [*in_discussion, Comment.parent_id.is_(None)]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*first_level))
    count = comment_counts(Comment.round_id, *in_discussion).get(round_.id, 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    options = (joinedload(Comment.author), joinedload(Comment.organisation), joinedload(Comment.recorded_by))
    comments = list(db.session.scalars(
        sa.select(Comment).where(*first_level).order_by(Comment.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        .options(*options)
    ))
    replies: dict[int, list[Comment]] = {}
    if comments:
        tree = _replies_under([c.id for c in comments])
        for reply, root_id in db.session.execute(
            sa.select(Comment, tree.c.root_id).join(tree, tree.c.id == Comment.id).order_by(Comment.id).options(*options)
        ):
            replies.setdefault(root_id, []).append(reply)
    return Discussion(comments=comments, replies=replies, total=total, count=count, page=page, pages=pages)


def _replies_under(root_ids: list[int]) -> sa.CTE:
    """(id, root_id) of every reply below these comments, however deep: one recursive query."""
    tree = sa.select(Comment.id, Comment.parent_id.label("root_id")).where(Comment.parent_id.in_(root_ids)) \
        .cte("replies", recursive=True)
    return tree.union_all(sa.select(Comment.id, tree.c.root_id).join(tree, Comment.parent_id == tree.c.id))


def comment_with_context(comment_id: int) -> Comment | None:
    return db.session.scalar(
        sa.select(Comment).where(Comment.id == comment_id).options(
            joinedload(Comment.author), joinedload(Comment.round), joinedload(Comment.article), joinedload(Comment.amendment)
        )
    )


def page_of(comment: Comment) -> int:
    """Which page of its discussion a comment (or its first-level comment) is on, for permanent links."""
    root = thread_root(comment)
    where = [Comment.round_id == root.round_id, Comment.article_id == root.article_id, Comment.parent_id.is_(None),
             Comment.id < root.id]
    where.append(Comment.amendment_id == root.amendment_id if root.amendment_id else Comment.amendment_id.is_(None))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*where))
    return before // PAGE_SIZE + 1
