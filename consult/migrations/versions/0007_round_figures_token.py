"""A token per round, replaced whenever anything its public account counts is written: the
account's figures are kept between requests under it instead of being counted on every request.

Revision ID: 0007
Revises: 0006
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    tokens = op.create_table(
        "round_figures_tokens",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id"),
    )
    round_ids = op.get_bind().execute(sa.text("SELECT id FROM rounds")).scalars().all()
    if round_ids:
        op.bulk_insert(tokens, [{"round_id": i, "token": uuid.uuid4().hex} for i in round_ids])


def downgrade():
    op.drop_table("round_figures_tokens")
