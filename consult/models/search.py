"""The search index: one row per indexed text (an article's text in one language, an amendment, a
comment), with what the results page filters on. It is derived data, rebuilt by `flask search
reindex`; consult.search keeps it current and owns its backend-specific parts (SQLite's FTS5 table,
PostgreSQL's text search configurations and GIN index)."""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from consult.models.base import Base


class SearchDocument(sa.TypeDecorator):
    """PostgreSQL: a tsvector made by the language's text search configuration. SQLite: the words as
    consult.search.analysis reads them, which an FTS5 table (search_fts) indexes."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TSVECTOR())
        return dialect.type_descriptor(sa.Text())


class SearchEntry(Base):
    __tablename__ = "search_index"

    # kind and id in one integer (id * 4 + kind's code): SQLite's full-text table needs an integer rowid.
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(sa.String(16))  # article | amendment | comment
    target_id: Mapped[int]  # the ArticleText, Amendment or Comment
    locale: Mapped[str] = mapped_column(sa.String(8))
    version_id: Mapped[int] = mapped_column(index=True)
    round_id: Mapped[int | None]
    document: Mapped[str] = mapped_column(SearchDocument())
