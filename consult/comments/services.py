"""Rules about comments: one level of replies, edits marked, deletion that keeps replies readable,
and reading a discussion page by page at a fixed cost."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from consult.contributions import create_once
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
        parent = parent.parent or parent  # replies stay one level deep, under the first comment
    if amendment is None:
        stance = None  # a stance is taken on an amendment, not on the article

    def build() -> Comment:
        return Comment(
            round=round_, article=article, amendment=amendment, parent=parent, author=author,
            organisation=author.organisation, locale=locale, body=body.strip(), body_html=render_markdown(body),
            stance=stance, recorded_by=recorded_by, recorded_source=recorded_source,
        )

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


@dataclass
class Discussion:
    comments: list[Comment]
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    total: int = 0
    page: int = 1
    pages: int = 1


def discussion(round_: Round, article: Article, amendment: Amendment | None, page: int = 1) -> Discussion:
    """First-level comments page by page, each with all its replies: four queries whatever the length."""
    where = [Comment.round_id == round_.id, Comment.article_id == article.id, Comment.parent_id.is_(None)]
    where.append(Comment.amendment_id == amendment.id if amendment else Comment.amendment_id.is_(None))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*where))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    options = (joinedload(Comment.author), joinedload(Comment.organisation))
    comments = list(db.session.scalars(
        sa.select(Comment).where(*where).order_by(Comment.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE).options(*options)
    ))
    replies: dict[int, list[Comment]] = {}
    if comments:
        for reply in db.session.scalars(
            sa.select(Comment).where(Comment.parent_id.in_([c.id for c in comments])).order_by(Comment.id).options(*options)
        ):
            replies.setdefault(reply.parent_id, []).append(reply)
    return Discussion(comments=comments, replies=replies, total=total, page=page, pages=pages)


def comment_with_context(comment_id: int) -> Comment | None:
    return db.session.scalar(
        sa.select(Comment).where(Comment.id == comment_id).options(
            joinedload(Comment.author), joinedload(Comment.round), joinedload(Comment.article), joinedload(Comment.amendment)
        )
    )


def page_of(comment: Comment) -> int:
    """Which page of its discussion a comment (or its parent) is on, for permanent links."""
    root = comment.parent or comment
    where = [Comment.round_id == root.round_id, Comment.article_id == root.article_id, Comment.parent_id.is_(None),
             Comment.id < root.id]
    where.append(Comment.amendment_id == root.amendment_id if root.amendment_id else Comment.amendment_id.is_(None))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment).where(*where))
    return before // PAGE_SIZE + 1
