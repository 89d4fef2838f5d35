"""Notifications: notices learn how and when they are mailed; following; preferences per group;
the rounds whose opening, closing soon or closing has been told. Rounds already under way when
this runs count as told: nobody is sent news of something long past.

Revision ID: 0010
Revises: 0009
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("rhythm", sa.String(length=12), server_default="never", nullable=False))
        batch.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_notices_digest", ["rhythm", "mailed_at", "user_id"])
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_follows_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_follows"),
        sa.UniqueConstraint("user_id", "target", "target_id", name="uq_follows_user_target"),
    )
    op.create_index("ix_follows_user_id", "follows", ["user_id"])
    op.create_index("ix_follows_target", "follows", ["target", "target_id"])
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=20), nullable=False),
        sa.Column("rhythm", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_notification_preferences_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "group", name="pk_notification_preferences"),
    )
    announcements = op.create_table(
        "round_announcements",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name="fk_round_announcements_round_id_rounds"),
        sa.PrimaryKeyConstraint("round_id", "what", name="pk_round_announcements"),
    )
    now = datetime.now(UTC)
    told = []
    for round_id, opens_at, closes_at, closed_early_at in op.get_bind().execute(
            sa.text("SELECT id, opens_at, closes_at, closed_early_at FROM rounds")):
        opens_at, close = _aware(opens_at), _aware(closed_early_at or closes_at)
        if opens_at <= now:
            told.append({"round_id": round_id, "what": "opened", "at": now})
        if close <= now + timedelta(days=3):
            told.append({"round_id": round_id, "what": "closing", "at": now})
        if close <= now:
            told.append({"round_id": round_id, "what": "closed", "at": now})
    if told:
        op.bulk_insert(announcements, told)


def _aware(moment):
    if isinstance(moment, str):  # SQLite hands back text
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def downgrade():
    op.drop_table("round_announcements")
    op.drop_table("notification_preferences")
    op.drop_index("ix_follows_target", table_name="follows")
    op.drop_index("ix_follows_user_id", table_name="follows")
    op.drop_table("follows")
    with op.batch_alter_table("notices") as batch:
        batch.drop_index("ix_notices_digest")
        batch.drop_column("mailed_at")
        batch.drop_column("rhythm")
