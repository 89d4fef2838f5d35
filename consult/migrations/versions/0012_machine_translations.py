"""Machine translations: the cache of what a translation service returned, one row per source text
(by its digest), source language and target language.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "machine_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("source_locale", sa.String(length=8), nullable=False),
        sa.Column("target_locale", sa.String(length=8), nullable=False),
        sa.Column("state", sa.Enum("pending", "done", "failed", name="translationstate", native_enum=False, length=32),
                  nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("characters", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_machine_translations"),
        sa.UniqueConstraint("source_hash", "source_locale", "target_locale",
                            name="uq_machine_translations_source_hash_source_locale_target_locale"),
    )
    op.create_index("ix_machine_translations_created_at", "machine_translations", ["created_at"])


def downgrade():
    op.drop_index("ix_machine_translations_created_at", table_name="machine_translations")
    op.drop_table("machine_translations")
