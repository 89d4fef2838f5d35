"""Locks: a round's close and the contributions racing it (both databases), and a slow preview
that must not hold SQLite's write lock while others write."""

import threading

import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.extensions import db
from consult.models import Amendment, AmendmentKind, Comment, Role, RoundState, Support
from tests.conftest import PASSWORD, count_rows

WAIT = 60  # seconds a thread waits for the others before the test gives up (a hang, not a timing)



def logged_in(app, user):
    """A client of its own, logged in in an app context of its own (as every request in production)."""
    client, email = app.test_client(), user.email
    with app.app_context():
        assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def in_threads(*calls):
    """Run each call in its own thread (each request in its own app context, as in production);
    return what they returned, or raised."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the caller
            results[index] = error

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results


def join(threads):
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive()


def test_after_the_close_has_answered_no_contribution_is_saved(app, monkeypatch, make_user, make_round, article):
    """Three contributions pass their permission check while the round is open, then wait; the round
    is closed and the close answers; then they go on. None is saved: each is refused, its text kept."""
    from consult.amendments import views as amendment_views
    from consult.comments import views as comment_views

    round_ = make_round(RoundState.open)
    target, _ = amendments.propose(make_user(), round_, article,
                                   amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    db.session.commit()
    moderator = logged_in(app, make_user(role=Role.moderator, organisation=None))
    commenter, proposer, supporter = (logged_in(app, make_user()) for _ in range(3))
    round_id, article_id, target_id = round_.id, article.id, target.id
    title, body = article.text("en").title, article.text("en").body
    db.session.remove()

    checked, closed = threading.Semaphore(0), threading.Event()

    def then_wait_for_the_close(decide):
        def wrapper(*args, **kwargs):
            decision = decide(*args, **kwargs)
            checked.release()
            closed.wait(WAIT)
            return decision
        return wrapper

    monkeypatch.setattr(comment_views, "check", then_wait_for_the_close(comment_views.check))
    monkeypatch.setattr(amendment_views, "check", then_wait_for_the_close(amendment_views.check))
    monkeypatch.setattr(amendment_views, "authorize", then_wait_for_the_close(amendment_views.authorize))
    threads, responses = in_threads(
        lambda: commenter.post("/comments", data={"round_id": round_id, "article_id": article_id, "locale": "en",
                                                  "body": "Posted as the round closes", "token": "c", "submit": "1"}),
        lambda: proposer.post(f"/charter/articles/{article_id}/amend", data={
            "round": round_id, "kind": "modify", "locale": "en", "title": title, "body": body + " Late.",
            "rationale": "Proposed as the round closes", "token": "a", "submit": "1"}),
        lambda: supporter.post(f"/amendments/{target_id}/support"),
    )
    for _ in threads:
        assert checked.acquire(timeout=WAIT), "a contribution never reached its permission check"
    closing, close = in_threads(
        lambda: moderator.post(f"/rounds/{round_id}/close", data={"close-reason": "Ends early"}))
    join(closing)
    assert close[0].status_code == 302
    closed.set()
    join(threads)

    assert [getattr(r, "status_code", r) for r in responses] == [403, 403, 403]
    assert "Posted as the round closes" in responses[0].get_data(as_text=True)
    assert "Proposed as the round closes" in responses[1].get_data(as_text=True)
    assert (count_rows(Comment), count_rows(Amendment), count_rows(Support)) == (0, 1, 0)


def test_contributions_racing_a_close_are_saved_before_it_or_not_at_all(app, make_user, make_round, article):
    """Many comments while the round closes: every one saved was written before the close took effect."""
    from consult.comments import services as comments
    from consult.contributions import RoundClosed
    from consult.models import Article, Round, User
    from consult.rounds import services as rounds

    round_ = make_round(RoundState.open)
    people = [make_user().id for _ in range(12)]
    moderator_id = make_user(role=Role.moderator, organisation=None).id
    round_id, article_id = round_.id, article.id
    db.session.remove()
    start = threading.Barrier(len(people) + 1)

    def comment(user_id):
        def call():
            with app.app_context():
                start.wait(WAIT)
                for n in range(5):
                    try:
                        comments.post(db.session.get(User, user_id), db.session.get(Round, round_id),
                                      db.session.get(Article, article_id), body=f"c{n}", locale="en")
                        db.session.commit()
                    except RoundClosed:
                        db.session.rollback()
                db.session.remove()
        return call

    def close():
        with app.app_context():
            start.wait(WAIT)
            rounds.close_early(db.session.get(User, moderator_id), db.session.get(Round, round_id), "Ends early")
            db.session.commit()
            db.session.remove()

    threads, results = in_threads(close, *(comment(p) for p in people))
    join(threads)
    assert [r for r in results if r is not None] == []
    closed_at = db.session.get(Round, round_id).closed_early_at
    saved = db.session.scalars(sa.select(Comment.created_at)).all()
    assert all(moment <= closed_at for moment in saved)
