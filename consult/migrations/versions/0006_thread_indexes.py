"""Indexes for article threads at the size of a real consultation: a discussion's first-level
comments in order and its counts read from one index (round, article, amendment, parent, id,
visibility), likewise an article's amendments in a round. Without them the planner chose the
parent_id index, which three rows in four match as NULL, and counted by scanning the round.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_comments_thread", "comments",
                    ["round_id", "article_id", "amendment_id", "parent_id", "id", "visibility"])
    op.create_index("ix_amendments_thread", "amendments", ["round_id", "article_id", "id", "visibility"])


def downgrade():
    op.drop_index("ix_amendments_thread", table_name="amendments")
    op.drop_index("ix_comments_thread", table_name="comments")
