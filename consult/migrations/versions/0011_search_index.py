"""Search index: one row per public text, and each backend's full-text parts (SQLite: an FTS5 table
and its triggers; PostgreSQL: the unaccent extension, the consult_english / consult_french /
consult_spanish configurations and a GIN index). It starts empty: run `flask --app wsgi search
reindex` once after this upgrade.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from consult.search.index import create_backend, drop_backend

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    document = postgresql.TSVECTOR() if bind.dialect.name == "postgresql" else sa.Text()
    op.create_table(
        "search_index",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("document", document, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_search_index"),
    )
    op.create_index("ix_search_index_version_id", "search_index", ["version_id"])
    create_backend(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        drop_backend(bind)  # the triggers and the FTS table read search_index
    op.drop_table("search_index")
    if bind.dialect.name == "postgresql":
        drop_backend(bind)
