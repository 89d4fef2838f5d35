"""The migrations build exactly the schema the models describe, on every backend."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.models import ArticleText, Support
from consult.search.index import outside_models
from tests.conftest import _reset_postgres


def test_migrations_match_the_models(app, backend):
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(directory=app.extensions["migrate"].directory)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": outside_models})
        assert compare_metadata(context, db.metadata) == []
    downgrade(directory=app.extensions["migrate"].directory, revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    if backend == "postgresql":
        import tests.conftest as conftest

        conftest._pg_schema_ready = False  # the next test rebuilds the schema
        _reset_postgres(app)
    else:
        db.create_all()


def test_one_text_per_article_and_locale(charter_version):
    article = charter_version.sections[0].articles[0]
    db.session.add(ArticleText(article=article, locale="en", title="x", body="x", body_html="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_support_per_person_and_amendment(app, make_user, make_round):
    from consult.models import Amendment, AmendmentKind, utcnow

    round_ = make_round()
    user = make_user()
    amendment = Amendment(round=round_, article=round_.version.sections[0].articles[0], kind=AmendmentKind.delete,
                          locale="en", author=user, rationale="r")
    db.session.add(amendment)
    db.session.flush()
    db.session.add_all([Support(amendment=amendment, user=user, created_at=utcnow()) for _ in range(2)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
