"""Stored text in the one form the platform now accepts (LF line ends, Unicode NFC), and its
HTML rendered again by the current renderer.

Texts typed in browsers before the input was normalised were stored with CRLF, so their
redlines and merges saw every line end as a change; lettered points ("- a) …") now render
without a bullet beside their letter. Only rows that change are written; the count per table is
logged. The audit log is append-only and keeps what it recorded. The HTML is rendered by the
renderer of the code that runs the migration, which is the point: it is what pages would show.

Revision ID: 0003
Revises: 0002
"""

import logging

import sqlalchemy as sa
from alembic import op

from consult.text.markdown import render_markdown
from consult.text.normalise import normalise

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "article_texts": ("title", "body", "outdated_from"),
    "amendments": ("base_title", "base_text", "title", "body", "rationale", "answer", "hidden_reason",
                   "set_aside_reason", "recorded_source"),
    "amendment_revisions": ("title", "body", "rationale"),
    "comments": ("body", "hidden_reason", "recorded_source"),
    "reports": ("reason",),
}
TRANSLATED_COLUMNS = {  # JSON: a text per language (round descriptions come from textareas too)
    "charters": ("titles",),
    "versions": ("labels",),
    "sections": ("titles",),
    "rounds": ("titles", "descriptions"),
}
RENDERED = {  # HTML column: the Markdown it is rendered from
    "article_texts": {"body_html": "body"},
    "amendments": {"rationale_html": "rationale", "answer_html": "answer"},
    "comments": {"body_html": "body"},
}
BATCH = 1000
log = logging.getLogger("alembic.runtime.migration")


def _changes(row, columns: tuple[str, ...], rendered: dict[str, str], translated: tuple[str, ...]) -> dict:
    changed = {c: normalise(row[c]) for c in columns if row[c] and normalise(row[c]) != row[c]}
    for column in translated:
        texts = {locale: normalise(text) for locale, text in (row[column] or {}).items()}
        if texts != (row[column] or {}):
            changed[column] = texts
    for html_column, source_column in rendered.items():
        source = changed.get(source_column, row[source_column])
        html = render_markdown(source) if source else row[html_column]
        if html != row[html_column]:
            changed[html_column] = html
    return changed


def upgrade():
    connection = op.get_bind()
    for table_name in {**TEXT_COLUMNS, **TRANSLATED_COLUMNS}:
        columns, rendered = TEXT_COLUMNS.get(table_name, ()), RENDERED.get(table_name, {})
        translated = TRANSLATED_COLUMNS.get(table_name, ())
        table = sa.table(table_name, sa.column("id"), *(sa.column(c) for c in (*columns, *rendered)),
                         *(sa.column(c, sa.JSON) for c in translated))
        touched, last_id = 0, 0
        while True:
            rows = connection.execute(sa.select(table).where(table.c.id > last_id).order_by(table.c.id)
                                      .limit(BATCH)).mappings().all()
            if not rows:
                break
            last_id = rows[-1]["id"]
            for row in rows:
                changed = _changes(row, columns, rendered, translated)
                if changed:
                    connection.execute(sa.update(table).where(table.c.id == row["id"]).values(**changed))
                    touched += 1
        log.info("Normalised text in %s rows of %s", touched, table_name)


def downgrade():
    pass  # the earlier forms carried nothing a person meant; there is nothing to restore
