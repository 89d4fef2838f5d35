"""Engine settings per backend. SQLite: WAL, foreign keys, busy timeout, and writing
transactions that take the write lock up front (BEGIN IMMEDIATE) so concurrent writers queue
instead of failing half-way with 'database is locked'."""

import sqlite3

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


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
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    reading = has_request_context() and request.method in _READ_ONLY_METHODS
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
