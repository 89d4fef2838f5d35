"""Engine settings per backend. SQLite: WAL, foreign keys, busy timeout, and one writer at a time.

SQLite has a single write lock for the whole database. A transaction begins deferred (reading only,
which never blocks anyone in WAL mode) and takes the write lock at its first write, or at its first
locked read (`with_for_update()`, which SQLite cannot express otherwise): the read snapshot is ended
and `BEGIN IMMEDIATE` waits for the lock under the busy timeout. So concurrent writers queue instead
of failing with 'database is locked' (a deferred transaction that tries to write after another
writer committed fails at once, whatever the timeout), and a request that only reads or previews —
with its slow diff or parse — never holds the lock. From the lock on, the transaction sees what
others committed before it, as a PostgreSQL transaction (read committed) does after a row lock.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_WRITING = "consult_sqlite_writing"  # in the connection's info: this transaction holds the write lock
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.info[_WRITING] = False
    connection.exec_driver_sql("BEGIN")


@event.listens_for(Engine, "before_cursor_execute")
def _lock_at_the_first_write(connection: Connection, _cursor, statement: str, *_args) -> None:
    if statement.lstrip()[:9].upper().startswith(_WRITES):
        take_write_lock(connection)


@event.listens_for(Engine, "before_execute")
def _lock_at_a_locked_read(connection: Connection, clause, *_args) -> None:
    if getattr(clause, "_for_update_arg", None) is not None:  # select(...).with_for_update(), refresh(with_for_update=)
        take_write_lock(connection)


def take_write_lock(connection: Connection) -> None:
    """On SQLite, make this transaction the writer, waiting for the lock; elsewhere nothing (row locks do)."""
    if connection.dialect.name != "sqlite" or connection.info.get(_WRITING, True):
        return
    # Nothing is written yet, so ending the read snapshot loses nothing. Straight to the driver:
    # SQLAlchemy still holds its transaction, which now continues as the writer.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.in_transaction:
        dbapi_connection.execute("COMMIT")
    dbapi_connection.execute("BEGIN IMMEDIATE")
    connection.info[_WRITING] = True  # only once held: a timeout must not leave writes outside a transaction


def lock_row(obj, *, shared: bool = False) -> None:
    """Read `obj` again under a row lock (FOR UPDATE, or FOR SHARE when `shared`) of its own table
    only: an object loaded with its relations joined would otherwise lock them too, and PostgreSQL
    refuses to lock the nullable side of an outer join."""
    from consult.extensions import db

    db.session.refresh(obj, with_for_update={"of": type(obj), "read": shared})
