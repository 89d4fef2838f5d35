"""Joining an organisation is a request: a person's pending request (one at a time, on the user),
the member who is their organisation's contact and approves it, and a name key so that an
organisation's name cannot be taken again with other capitals, accents, spaces or punctuation.

The contact is a flag on the member rather than organisations.contact_id: users already refer to
organisations, and a reference back would make the two tables depend on each other.

Existing members stay members and existing organisations get no contact (the secretariat names
one). Every existing organisation gets its name key, the oldest first; a later one whose name
matches an older one keeps its row and gets no key (nothing is deleted; the secretariat sees both).

Revision ID: 0005
Revises: 0004
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _name_key(name: str) -> str:
    # A copy of consult.models.accounts.organisation_name_key as it is at this revision.
    without_accents = "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if ch.isalnum())
    return (unicodedata.normalize("NFC", without_accents) or " ".join(name.split()).casefold())[:200]


def upgrade():
    # Only ADD COLUMN and CREATE INDEX, no batch copy: SQLite cannot rebuild a table that others
    # refer to once it holds rows (foreign keys are enforced).
    op.add_column("organisations", sa.Column("name_key", sa.String(length=200), nullable=True))
    op.add_column("users", sa.Column("is_contact", sa.Boolean(), server_default=sa.false(), nullable=False))
    fk_name = op.f("fk_users_requested_organisation_id_organisations")
    if op.get_bind().dialect.name == "sqlite":  # SQLite takes a foreign key only along with its new column
        op.execute(f"ALTER TABLE users ADD COLUMN requested_organisation_id INTEGER CONSTRAINT {fk_name} "
                   "REFERENCES organisations (id)")
    else:
        op.add_column("users", sa.Column("requested_organisation_id", sa.Integer(), nullable=True))
        op.create_foreign_key(fk_name, "users", "organisations", ["requested_organisation_id"], ["id"])
    op.add_column("users", sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_users_requested_organisation_id"), "users", ["requested_organisation_id"], unique=False)

    connection = op.get_bind()
    organisations = sa.table("organisations", sa.column("id", sa.Integer), sa.column("name", sa.String),
                             sa.column("name_key", sa.String))
    taken: set[str] = set()
    for id_, name in connection.execute(sa.select(organisations.c.id, organisations.c.name).order_by(organisations.c.id)):
        key = _name_key(name)
        if key not in taken:
            taken.add(key)
            connection.execute(organisations.update().where(organisations.c.id == id_).values(name_key=key))
    op.create_index(op.f("ix_organisations_name_key"), "organisations", ["name_key"], unique=True)


def downgrade():
    # Dropping a column drops its foreign key too. SQLite copies the users table to drop them: there,
    # downgrade a database whose users are referred to (logins, contributions) with foreign keys off.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_requested_organisation_id"))
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_organisation_id")
        batch_op.drop_column("is_contact")
    op.drop_index(op.f("ix_organisations_name_key"), table_name="organisations")
    op.drop_column("organisations", "name_key")
