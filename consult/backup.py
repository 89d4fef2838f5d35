"""Backups of the SQLite database while the platform runs, and restoring one.

Copying consult.sqlite with `cp` misses what is still in its write-ahead log (consult.sqlite-wal)
and can catch a page half-written. SQLite's online backup API copies the database as one reader
sees it at one moment, the log included, while others go on writing; a restore goes through the
same API into the live file, under its write lock, so running writers finish first and later ones
see the restored data. PostgreSQL has pg_dump and pg_restore for this (POSTGRES_RECIPE).
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 15_000  # as the app's own connections (consult.database): wait for a writer, never fail
_TABLES_OF_THE_PLATFORM = {"users", "rounds", "amendments", "comments"}

POSTGRES_RECIPE = """\
This database is PostgreSQL: back it up with pg_dump, which takes a consistent snapshot while the
platform runs, and restore with pg_restore into an empty database:

  pg_dump --format=custom --no-owner --file=consult.dump "$DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$DATABASE_URL" consult.dump
"""


class BackupError(Exception):
    """Said to the operator as it is."""


def sqlite_file(database_uri: str) -> Path | None:
    """The database file, or None when the database is not SQLite."""
    url = make_url(database_uri)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def backup(database: Path, out: Path) -> None:
    """Copy the live database to `out`, a new file, and check the copy."""
    if out.exists():
        raise BackupError(f"{out} already exists; give a new file name.")
    with closing(_connect(database, read_only=True)) as source, closing(sqlite3.connect(out)) as target:
        source.backup(target)  # in one step: one read transaction, so one consistent moment
    check(out)


def restore(backup_file: Path, database: Path) -> None:
    """Replace the live database's contents by a checked backup's."""
    check(backup_file)
    with closing(_connect(backup_file, read_only=True)) as source, closing(_connect(database)) as target:
        source.backup(target)
    check(database)


def check(path: Path) -> None:
    """Refuse a file that is not a sound database of this platform."""
    try:
        with closing(_connect(path, read_only=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database ({error}).") from error
    if problems != ["ok"]:
        raise BackupError(f"{path} fails SQLite's integrity check: " + "; ".join(problems[:5]))
    if not _TABLES_OF_THE_PLATFORM <= tables:
        raise BackupError(f"{path} is not a database of this platform.")


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only and not path.exists():
        raise BackupError(f"{path} does not exist.")
    connection = sqlite3.connect(f"file:{path}?mode=ro" if read_only else str(path), uri=read_only)
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection
