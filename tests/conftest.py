"""Fixtures: an app per test on a fresh database (SQLite, and PostgreSQL where a server is
configured), clients, factories, and a helper that puts a round in a given state."""

import contextlib
import contextvars
import functools
import os
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from consult import catalogs, create_app
from consult.accounts import services as accounts
from consult.amendments import services as amendments
from consult.consolidation import services as consolidation
from consult.extensions import db
from consult.moderation import services as moderation
from consult.models import (
    AmendmentKind, AmendmentStatus, Article, Organisation, OrganisationKind, Region, Role, Round, RoundState, utcnow,
)

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("CONSULT_TEST_POSTGRES_URL")
REQUIRE_ALL = os.environ.get("CONSULT_REQUIRE_ALL_TESTS") == "1"
PASSWORD = "a long enough password"


def pytest_configure(config):
    catalogs.compile_all()
    Flask.test_client_class = IsolatedClient  # every app a test makes, the fixtures' and its own


class IsolatedClient(FlaskClient):
    """Runs each request as a server does: in a fresh contextvars context, so that it pushes an app
    context of its own (its own `g`, current user and database session) instead of reusing the one
    the test holds open, through which state leaked from request to request and from the test.

    The test's session is committed first, as another process's would be for the request to see
    its writes; so nothing waits on its locks, and its objects are expired, read afresh after. The
    body is produced and closed in the request's context straight away, as a server does."""

    def run_wsgi_app(self, environ, buffered=False):
        if has_app_context():
            db.session.commit()
        body, status, headers = contextvars.Context().run(super().run_wsgi_app, environ, True)
        return (body if buffered else iter(body)), status, headers


def base_config(database_uri: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "JOBS_IMMEDIATE": True,
        "BASE_URL": "http://localhost",
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SEEDS_DIR": str(ROOT / "seeds"),
    }


_pg_schema_ready = False


def _reset_postgres(app) -> None:
    """Build the schema once per run, then empty every table before each test."""
    global _pg_schema_ready
    with app.app_context():
        if not _pg_schema_ready:
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.create_all()
            _pg_schema_ready = True
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def _backends():
    params = ["sqlite"]
    params.append(pytest.param("postgresql", marks=pytest.mark.postgresql))
    return params


@pytest.fixture(params=_backends())
def backend(request):
    if request.param == "postgresql" and not POSTGRES_URL:
        if REQUIRE_ALL:
            pytest.fail("CONSULT_TEST_POSTGRES_URL is not set but every test must run")
        pytest.skip("no PostgreSQL server configured (CONSULT_TEST_POSTGRES_URL)")
    return request.param


@contextlib.contextmanager
def running_app(backend: str, tmp_path: Path, **settings):
    """An app on a fresh database of `backend`, with `settings` over the tests' configuration; the
    test holds an app context for its factories and reads (each request gets its own)."""
    uri = f"sqlite:///{tmp_path / 'test.sqlite'}" if backend == "sqlite" else POSTGRES_URL
    app = create_app(base_config(uri, tmp_path) | settings, instance_path=str(tmp_path / "instance"))
    if backend == "sqlite":
        with app.app_context():
            db.create_all()
    else:
        _reset_postgres(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(backend, tmp_path):
    with running_app(backend, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ---------------------------------------------------------------------------------


@pytest.fixture
def make_organisation(app):
    counter = iter(range(1, 10_000))

    def make(region: Region = Region.europe, verified: bool = True, **fields) -> Organisation:
        n = next(counter)
        organisation = Organisation(
            name=fields.pop("name", f"Organisation {n}"),
            kind=fields.pop("kind", OrganisationKind.local_government),
            country=fields.pop("country", "ES"),
            region=region,
            verified_at=utcnow() if verified else None,
            **fields,
        )
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(app, make_organisation):
    counter = iter(range(1, 10_000))

    def make(role: Role = Role.participant, organisation: Organisation | None | str = "new", **fields):
        n = next(counter)
        if organisation == "new":
            organisation = make_organisation()
        user = accounts.register(
            email=fields.pop("email", f"user{n}@example.org"),
            name=fields.pop("name", f"User {n}"),
            password=fields.pop("password", PASSWORD),
            locale=fields.pop("locale", "en"),
            organisation=organisation,
            role=role,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        response = client.post("/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data
        return user

    return do


@pytest.fixture
def demo(app):
    """The whole demo consultation, loaded through the seed path."""
    from consult.seeding import load_seeds

    load_seeds(ROOT / "seeds")
    db.session.commit()


@pytest.fixture
def charter_version(app):
    """The consultation draft alone (no rounds or people), through the Markdown importer."""
    from consult.charter import services
    from consult.models import Charter, VersionState

    charter = Charter(slug=services.MAIN_CHARTER_SLUG, titles={"en": "Global Charter-Agenda for Human Rights in the City"})
    db.session.add(charter)
    version = services.create_version(charter, _draft_documents(), slug="draft", labels={"en": "Draft"},
                                       state=VersionState.in_consultation)
    db.session.commit()
    return version


@functools.cache
def _draft_documents():
    from consult.documents.markdown_import import import_markdown

    return {
        locale: import_markdown((ROOT / "seeds" / "charter" / f"draft.{locale}.md").read_text(encoding="utf-8"), locale)
        for locale in ("en", "fr", "es")
    }


def put_round_in_state(round_: Round, state: RoundState) -> Round:
    """Move a round's dates around the present so that its phase is `state`."""
    now = utcnow()
    round_.closed_early_at = None
    if state is RoundState.scheduled:
        round_.opens_at, round_.closes_at = now + timedelta(days=1), now + timedelta(days=30)
    elif state is RoundState.open:
        round_.opens_at, round_.closes_at = now - timedelta(days=1), now + timedelta(days=30)
    else:
        round_.opens_at, round_.closes_at = now - timedelta(days=30), now - timedelta(days=1)
    db.session.commit()
    assert round_.phase() is (RoundState.closed if state is RoundState.concluded else state)
    return round_


@pytest.fixture
def make_round(app, charter_version):
    def make(state: RoundState = RoundState.open, region: Region = Region.global_, **fields) -> Round:
        round_ = Round(
            version=charter_version,
            slug=fields.pop("slug", f"round-{state.value}-{region.value}-{int(utcnow().timestamp() * 1e6)}"),
            titles={"en": "A round"},
            descriptions={"en": "A round for tests"},
            region=region,
            opens_at=utcnow(),
            closes_at=utcnow(),
            **fields,
        )
        db.session.add(round_)
        return put_round_in_state(round_, state)

    return make


@pytest.fixture
def article(charter_version):
    """Article I of the consultation draft, which most thread tests work on."""
    return charter_version.sections[2].articles[0]


@pytest.fixture
def open_round(make_round):
    return make_round(RoundState.open)


def count_rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- a consultation ready to consolidate ------------------------------------------------------

@pytest.fixture
def moderator(make_user):
    return make_user(role=Role.moderator, organisation=None)


@pytest.fixture
def secretariat(make_user):
    return make_user(role=Role.secretariat, organisation=None)


@pytest.fixture
def consulted(make_round, make_user, moderator, charter_version):
    """A closed round on the draft with accepted amendments to Article I: two that do not overlap,
    a third that collides with the first, a new article and a rejected one."""
    round_ = make_round(RoundState.open)
    article = charter_version.sections[2].articles[0]
    body = article.text("en").body
    author = make_user()

    def amend(kind=AmendmentKind.modify, new_body=None, title=None, status=AmendmentStatus.accepted):
        amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
            kind, "en", title or article.text("en").title, new_body if new_body is not None else body, "why"))
        moderation.answer(moderator, amendment, status, "ok")
        return amendment

    first = amend(new_body=body.replace("democratic local community", "democratic and inclusive local community", 1))
    second = amend(new_body=body.replace("public spaces", "public and green spaces", 1))
    third = amend(new_body=body.replace("democratic local community", "democratic and caring local community", 1))
    new_article = amend(AmendmentKind.add, new_body="1. Everyone has the right to digital inclusion.",
                        title="Right to digital inclusion")
    amend(new_body=body.replace("city", "town", 1), status=AmendmentStatus.rejected)
    put_round_in_state(round_, RoundState.closed)
    return {"version": charter_version, "article": article, "first": first, "second": second, "third": third,
            "new_article": new_article}


def start(moderator, consulted):
    return consolidation.start(moderator, consulted["version"], {"en": "Consolidated", "fr": "Consolidé", "es": "Consolidado"})


def twin(version, article) -> Article:
    return db.session.scalar(sa.select(Article).where(Article.version_id == version.id,
                                                      Article.lineage_id == article.lineage_id))


def publish_with_first_amendment(moderator, secretariat, consulted):
    """The consulted draft consolidated with its first amendment, the others set aside, and published."""
    new = start(moderator, consulted)
    article = twin(new, consulted["article"])
    incorporate_clean(moderator, article, consulted["first"])
    for key in ("second", "third", "new_article"):
        consolidation.set_aside(moderator, consulted[key], "Later")
    consolidation.publish(secretariat, new, despite_outdated=True)
    db.session.commit()
    return new, article


def incorporate_clean(moderator, article, amendment):
    title, body = consolidation.preview(article, amendment)
    assert title.clean and body.clean, body.conflicts
    return consolidation.incorporate(moderator, article, amendment, title=title.text, body=body.text,
                                     expected_revision=article.text("en").revision)


# --- mail ----------------------------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    from tests.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp_app(app, smtp_server):
    """The app sending its mail to the real SMTP server of `smtp_server`."""
    app.config.update(MAIL_TRANSPORT="smtp", MAIL_SMTP_HOST="127.0.0.1", MAIL_SMTP_PORT=smtp_server.port,
                      MAIL_SMTP_SECURITY="none", MAIL_SMTP_TIMEOUT=5)
    return app


def confirm_address(client, email: str) -> None:
    """Open the confirmation link mailed to `email`, as its owner does."""
    import re

    from consult.models import OutgoingMail

    body = db.session.scalar(sa.select(OutgoingMail.text_body).where(
        OutgoingMail.recipient == email, OutgoingMail.kind == "confirm_email").order_by(OutgoingMail.id.desc()))
    path = re.search(r"http://localhost(/account/confirm/\S+)", body).group(1)
    assert client.get(path).status_code == 302
