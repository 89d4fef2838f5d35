"""Background jobs on huey: SQLite storage in instance/ by default, Redis when REDIS_URL is set,
run at once (in the calling process) when JOBS_IMMEDIATE is true, as the tests do.

A feature declares `@jobs.task()` functions; each runs in an app context of its own (its own
database session), in the worker (`flask --app wsgi worker`), in the demo's own process, or
immediately. `after_commit(task, *args)` enqueues a job only once the current transaction has
committed, so a rolled-back act starts nothing.
"""

import functools
import signal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage
from sqlalchemy.orm import Session

# Configured by init_app(); tasks are registered on it at import time.
huey = Huey("consult", immediate=True, utc=True)
_app: Flask | None = None


def init_app(app: Flask) -> None:
    global _app
    _app = app
    # The tasks stay registered on the one `huey`; only where jobs wait changes with the app.
    if app.config["JOBS_IMMEDIATE"]:
        huey.immediate = True  # in memory, run as they are queued
        return
    if app.config.get("REDIS_URL"):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": app.config["REDIS_URL"]}
    else:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(app.instance_path) / "jobs.sqlite")}
    huey.immediate = False
    huey.storage = huey.create_storage()


def _in_app_context(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        if _app is None:
            raise RuntimeError("jobs.init_app() was not called: create the app first")
        with _app.app_context():  # a context, and so a database session, of the job's own
            return func(*args, **kwargs)

    return run


def task(**options):
    """A job: `func.schedule(args, delay=…)` or `after_commit(func, …)` queues it."""
    return lambda func: huey.task(name=f"{func.__module__}.{func.__name__}", **options)(_in_app_context(func))


def periodic_task(validate_datetime, **options):
    """A job the consumer starts on a schedule (`huey.crontab(...)`)."""
    return lambda func: huey.periodic_task(validate_datetime, name=f"{func.__module__}.{func.__name__}",
                                           **options)(_in_app_context(func))


def after_commit(job, *args) -> None:
    """Queue `job(*args)` when the current transaction commits; nothing if it rolls back."""
    from consult.extensions import db

    waiting = db.session().info.setdefault("jobs_after_commit", [])
    if (job, args) not in waiting:  # one job for a transaction that asks the same twice
        waiting.append((job, args))


@sa.event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the transaction around it has not committed yet
    for job, args in session.info.pop("jobs_after_commit", ()):
        job(*args)


@sa.event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("jobs_after_commit", None)


def run_consumer(workers: int = 2, *, in_thread: bool = False):
    """The consumer: blocking (`flask worker`), or started in threads beside the demo's server."""
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=not in_thread)
    if in_thread:
        # The consumer takes over SIGINT and SIGTERM for a loop of its own; beside a server, the
        # server keeps them, so Ctrl+C and a stop end the process as before.
        kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        consumer.start()
        for sig, handler in kept.items():
            signal.signal(sig, handler)
        return consumer
    consumer.run()
    return consumer
