"""Article assignments: which moderator answers an article's amendments in a round.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "article_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("moderator_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name="fk_article_assignments_round_id_rounds",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name="fk_article_assignments_article_id_articles",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["moderator_id"], ["users.id"], name="fk_article_assignments_moderator_id_users",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"], name="fk_article_assignments_assigned_by_id_users",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_article_assignments"),
        sa.UniqueConstraint("round_id", "article_id", name="uq_article_assignments_round_id_article_id"),
    )
    op.create_index("ix_article_assignments_moderator_id", "article_assignments", ["moderator_id"])


def downgrade():
    op.drop_index("ix_article_assignments_moderator_id", table_name="article_assignments")
    op.drop_table("article_assignments")
