"""The search index's backends behind one interface: what is written (put, remove, clear) and what
is asked (find). The rows are SearchEntry (consult.models.search); each backend adds its own
full-text machinery, created with the schema (DDL below, run by the migration and by create_all):

- SQLite: an FTS5 table, search_fts, over search_index.document (external content, kept in step by
  triggers). The document holds the words as consult.search.analysis reads them, each tagged with
  its language ("fr_log"), so one MATCH asks each language for the query stemmed its own way.
  The tokenizer is unicode61 with remove_diacritics 2 (the words arrive folded already).
- PostgreSQL: search_index.document is a tsvector made by consult_english / consult_french /
  consult_spanish — copies of the built-in configurations that fold accents (the unaccent
  extension, a trusted one: the database's owner creates it) before the Snowball stemmer — under
  a GIN index. The query is plainto_tsquery in each language's configuration.

The user's query never reaches either syntax: it is cut into words (analysis.WORD) first, and on
SQLite each word is written as a quoted string."""

from dataclasses import dataclass

import sqlalchemy as sa

from consult.extensions import db
from consult.models import SearchEntry, Version, VersionState
from consult.search import analysis

KINDS = ("article", "amendment", "comment")
_CODE = {"article": 1, "amendment": 2, "comment": 3}
CONFIGURATIONS = {"en": "consult_english", "fr": "consult_french", "es": "consult_spanish"}
PUBLIC_STATES = (VersionState.in_consultation, VersionState.published, VersionState.archived)


def key(kind: str, target_id: int) -> int:
    return target_id * 4 + _CODE[kind]


@dataclass(frozen=True)
class Entry:
    """One text to index."""

    kind: str
    target_id: int
    locale: str
    version_id: int
    round_id: int | None
    title: str
    body: str


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    round_id: int | None = None
    version_id: int | None = None
    locale: str = ""


@dataclass(frozen=True)
class Hit:
    kind: str
    target_id: int
    locale: str


# --- schema ------------------------------------------------------------------------------------

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(document, content='search_index', "
    "content_rowid='key', tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")",
    "CREATE TRIGGER IF NOT EXISTS search_index_ai AFTER INSERT ON search_index BEGIN "
    "INSERT INTO search_fts(rowid, document) VALUES (new.key, new.document); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_ad AFTER DELETE ON search_index BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) VALUES ('delete', old.key, old.document); END",
    "CREATE TRIGGER IF NOT EXISTS search_index_au AFTER UPDATE ON search_index BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, document) VALUES ('delete', old.key, old.document); "
    "INSERT INTO search_fts(rowid, document) VALUES (new.key, new.document); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_index_ai", "DROP TRIGGER IF EXISTS search_index_ad",
    "DROP TRIGGER IF EXISTS search_index_au", "DROP TABLE IF EXISTS search_fts",
)


def _postgres_configuration(name: str, language: str) -> str:
    return f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{name}') THEN
    CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{language});
    ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING
      FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, {language}_stem;
    ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR numword, hword_numpart WITH unaccent, simple;
  END IF;
END $$"""


POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    *(_postgres_configuration(name, analysis.LANGUAGES[locale]) for locale, name in CONFIGURATIONS.items()),
    "CREATE INDEX IF NOT EXISTS ix_search_index_document_gin ON search_index USING gin (document)",
)
# The extension stays: other things may use it.
POSTGRES_DROP = tuple(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in CONFIGURATIONS.values())

# What these statements create, which the models do not describe: Alembic's comparison leaves it out.
OUTSIDE_MODELS = {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config",
                  "search_fts_content", "ix_search_index_document_gin"}


def outside_models(name, type_, parent_names) -> bool:
    """include_name for Alembic: False for the full-text parts made by hand."""
    return name not in OUTSIDE_MODELS


def create_backend(connection) -> None:
    for statement in SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL:
        connection.exec_driver_sql(statement)


def drop_backend(connection) -> None:
    for statement in SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRES_DROP:
        connection.exec_driver_sql(statement)


def _includes_index(target, kw) -> bool:
    return "search_index" in {t.name for t in kw.get("tables") or target.sorted_tables}


def _after_create(target, connection, **kw) -> None:
    if _includes_index(target, kw):
        create_backend(connection)


def _before_drop(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite" and _includes_index(target, kw):
        # The triggers and the FTS table go first: the table they read is about to.
        drop_backend(connection)


sa.event.listen(SearchEntry.metadata, "after_create", _after_create)
sa.event.listen(SearchEntry.metadata, "before_drop", _before_drop)


# --- writing -----------------------------------------------------------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# Index rows are never loaded as objects, so a delete need not look for them in the session (which
# costs a scan of every object it holds, each time: 2,000 incorporations in one request paid that).
_UNSYNCHRONISED = {"synchronize_session": False}


def remove(keys: list[int]) -> None:
    if keys:
        db.session.execute(sa.delete(SearchEntry).where(SearchEntry.key.in_(keys)), execution_options=_UNSYNCHRONISED)


def remove_where(*conditions) -> None:
    db.session.execute(sa.delete(SearchEntry).where(*conditions), execution_options=_UNSYNCHRONISED)


def put(entries: list[Entry]) -> None:
    """Index these texts, replacing what was indexed for them."""
    if not entries:
        return
    remove([key(e.kind, e.target_id) for e in entries])
    rows = [dict(key=key(e.kind, e.target_id), kind=e.kind, target_id=e.target_id, locale=e.locale,
                 version_id=e.version_id, round_id=e.round_id) for e in entries]
    if _dialect() == "postgresql":
        for row, e in zip(rows, entries):
            row.update(configuration=CONFIGURATIONS[e.locale], title=analysis.plain(e.title),
                       body=analysis.plain(e.body))
        db.session.execute(_POSTGRES_INSERT, rows)
    else:
        for row, e in zip(rows, entries):
            row["document"] = " ".join(f"{e.locale}_{lx}" for lx in analysis.lexemes(f"{e.title}\n{e.body}", e.locale))
        db.session.execute(sa.insert(SearchEntry), rows)


_POSTGRES_INSERT = sa.text(
    "INSERT INTO search_index (key, kind, target_id, locale, version_id, round_id, document) "
    "VALUES (:key, :kind, :target_id, :locale, :version_id, :round_id, "
    "setweight(to_tsvector(CAST(:configuration AS regconfig), :title), 'A') || "
    "setweight(to_tsvector(CAST(:configuration AS regconfig), :body), 'B'))"
)


def clear() -> None:
    db.session.execute(sa.delete(SearchEntry))


def optimise() -> None:
    """After a rebuild: SQLite merges the FTS segments into one."""
    if _dialect() == "sqlite":
        db.session.execute(sa.text("INSERT INTO search_fts(search_fts) VALUES ('optimize')"))


# --- finding -----------------------------------------------------------------------------------


def find(query: str, filters: Filters, *, limit: int, offset: int, candidates: int = 1000) -> tuple[list[Hit], int]:
    """One page of what the query finds among public texts, best first, and how many it finds (counted
    up to candidates + 1): one statement.

    Its cost is bounded whatever the query: the index gives its matches newest first and stops after
    `candidates + 1` of them; only those are ranked (bm25 on SQLite, ts_rank on PostgreSQL). A query
    that matches more than that many texts is too common for its ranking to mean much: the page says
    so, and more words or a filter narrow it."""
    locales = [filters.locale] if filters.locale else list(CONFIGURATIONS)
    wanted = {loc: lx for loc in locales if (lx := analysis.query_lexemes(query, loc))}
    if not wanted:
        return [], 0
    where = [SearchEntry.version_id.in_(sa.select(Version.id).where(Version.state.in_(PUBLIC_STATES)))]
    if filters.kind:
        where.append(SearchEntry.kind == filters.kind)
    if filters.round_id:
        where.append(SearchEntry.round_id == filters.round_id)
    if filters.version_id:
        where.append(SearchEntry.version_id == filters.version_id)
    if filters.locale:
        where.append(SearchEntry.locale == filters.locale)
    columns = (SearchEntry.key, SearchEntry.kind, SearchEntry.target_id, SearchEntry.locale)
    if _dialect() == "postgresql":
        words = analysis.plain(query)
        queries = {loc: sa.func.plainto_tsquery(sa.literal_column(f"'{CONFIGURATIONS[loc]}'::regconfig"), words)
                   for loc in wanted}
        matches = sa.or_(*(sa.and_(SearchEntry.locale == loc, SearchEntry.document.op("@@")(q))
                           for loc, q in queries.items()))
        chosen = (sa.select(*columns, SearchEntry.document).where(matches, *where)
                  .order_by(SearchEntry.key.desc()).limit(candidates + 1).subquery())
        score = sa.func.ts_rank(chosen.c.document, sa.case(*((chosen.c.locale == loc, q) for loc, q in queries.items())))
        order = score.desc()
    else:
        expression = " OR ".join(
            "(" + " AND ".join(f'"{loc}_{lx}"' for lx in lexemes) + ")" for loc, lexemes in wanted.items())
        fts = sa.table("search_fts", sa.column("rowid"), sa.column("rank"))
        chosen = (sa.select(*columns, fts.c.rank.label("score")).select_from(fts)
                  .join(SearchEntry, SearchEntry.key == fts.c.rowid)
                  .where(sa.text("search_fts MATCH :expression").bindparams(expression=expression), *where)
                  .order_by(fts.c.rowid.desc()).limit(candidates + 1).subquery())
        order = chosen.c.score  # bm25: lower is better
    limit = max(0, min(limit, candidates - offset))  # the candidates are all there is to page through
    statement = (sa.select(chosen.c.kind, chosen.c.target_id, chosen.c.locale, sa.func.count().over())
                 .order_by(order, chosen.c.key.desc()).limit(limit).offset(offset))
    rows = db.session.execute(statement).all()
    total = rows[0][3] if rows else 0
    return [Hit(kind, target_id, locale) for kind, target_id, locale, _n in rows], total
