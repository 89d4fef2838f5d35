"""Per-account limits on every kind of contribution: 429 with Retry-After, and what was typed
comes back in its form; previews, other accounts and refusals do not count."""

import pytest
import sqlalchemy as sa

from consult import create_app
from consult.amendments import services as amendments
from consult.extensions import db, limiter
from consult.models import Amendment, AmendmentKind, Comment, Report, RoundState, Support
from tests.conftest import POSTGRES_URL, ROOT, _reset_postgres, base_config, count_rows

LIMITS = {"RATELIMIT_COMMENTS": "3 per minute;50 per day", "RATELIMIT_AMENDMENTS": "2 per minute",
          "RATELIMIT_SUPPORTS": "2 per minute", "RATELIMIT_REPORTS": "1 per minute;1 per day"}


@pytest.fixture
def app(backend, tmp_path):
    """As conftest's, with the limits on (the suite runs with them off)."""
    uri = f"sqlite:///{tmp_path / 'test.sqlite'}" if backend == "sqlite" else POSTGRES_URL
    app = create_app(base_config(uri, tmp_path) | {"RATELIMIT_ENABLED": True} | LIMITS,
                     instance_path=str(tmp_path / "instance"))
    if backend == "sqlite":
        with app.app_context():
            db.create_all()
    else:
        _reset_postgres(app)
    limiter.reset()  # the counts live in memory, shared by every app of the run
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()



def comment(client, round_, article, n, **extra):
    return client.post("/comments", data={"round_id": round_.id, "article_id": article.id, "locale": "en",
                                          "body": f"My comment number {n}", "token": f"t{n}", "submit": "1", **extra})


def assert_limited(response, kept: str):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    page = response.get_data(as_text=True)
    assert kept in page and "in a short time" in page


def test_comments_are_limited_per_account_and_the_text_comes_back(client, login, make_user, make_round, article):
    round_ = make_round(RoundState.open)
    login(make_user())
    # A preview writes nothing and costs nothing.
    assert comment(client, round_, article, 0, preview="1").status_code == 200
    assert [comment(client, round_, article, n).status_code for n in range(1, 4)] == [302] * 3
    assert_limited(comment(client, round_, article, 4), "My comment number 4")
    assert count_rows(Comment) == 3

    client.post("/account/logout")
    login(make_user())  # another account, from the same address
    assert comment(client, round_, article, 5).status_code == 302
    assert count_rows(Comment) == 4


def test_amendments_are_limited_and_the_form_comes_back(client, login, make_user, make_round, article):
    round_ = make_round(RoundState.open)
    login(make_user())
    text = article.text("en")

    def propose(n):
        return client.post(f"/charter/articles/{article.id}/amend", data={
            "round": round_.id, "kind": "modify", "locale": "en", "title": text.title,
            "body": text.body + f" Change {n}.",
            "rationale": f"Reason number {n}", "token": f"a{n}", "submit": "1"})

    assert [propose(n).status_code for n in range(2)] == [302, 302]
    limited = propose(2)
    assert_limited(limited, "Reason number 2")
    assert "Change 2." in limited.get_data(as_text=True)
    assert count_rows(Amendment) == 2


def test_supports_are_limited(client, login, make_user, make_round, article):
    round_ = make_round(RoundState.open)
    author = make_user()
    targets = [amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.delete, "en", "", "", f"why {n}"))[0] for n in range(3)]
    db.session.commit()
    login(make_user())
    assert [client.post(f"/amendments/{a.id}/support").status_code for a in targets[:2]] == [302, 302]
    limited = client.post(f"/amendments/{targets[2].id}/support")
    assert_limited(limited, "why 2")  # the amendment's page, with the message
    assert count_rows(Support) == 2


def test_reports_are_limited_and_the_reason_comes_back(client, login, make_user, make_round, article):
    round_ = make_round(RoundState.open)
    author = make_user()
    target, _ = amendments.propose(author, round_, article,
                                   amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    db.session.commit()
    login(make_user())
    assert client.post(f"/moderation/report/amendments/{target.id}", data={"reason": "First report"}).status_code == 302
    limited = client.post(f"/moderation/report/amendments/{target.id}", data={"reason": "Second report, kept"})
    assert_limited(limited, "Second report, kept")
    assert db.session.scalars(sa.select(Report.reason)).all() == ["First report"]


@pytest.mark.parametrize("kind", ["COMMENTS", "AMENDMENTS", "SUPPORTS", "REPORTS"])
def test_every_limit_has_a_default_and_is_documented(kind):
    from consult.config import Defaults

    assert getattr(Defaults, f"RATELIMIT_{kind}")
    assert f"`RATELIMIT_{kind}`" in (ROOT / "README.md").read_text(encoding="utf-8")
