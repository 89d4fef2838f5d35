"""Article texts remember which language outdated them, and from what text.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outdated_by", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("outdated_from", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("article_texts", schema=None) as batch_op:
        batch_op.drop_column("outdated_from")
        batch_op.drop_column("outdated_by")
