"""Who is told what, in which language, at which rhythm; following; digests; one-click unsubscribe."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from consult import signals
from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import (
    AmendmentKind, AmendmentStatus, Follow, Notice, OutgoingMail, Region, Role, RoundState, User,
)
from consult.moderation import services as moderation
from consult.notifications import mailing, services, subscribers

ROOT = Path(__file__).resolve().parent.parent


def propose(author, round_, article, title="Housing for all"):
    text = article.text("en")
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        kind=AmendmentKind.modify, locale="en", title=text.title, body=text.body + "\n\nAnd affordable.",
        rationale=f"{title}: because it matters."))
    db.session.commit()
    return amendment


def notices(user: User) -> list[Notice]:
    return db.session.scalars(sa.select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)).all()


def mails_to(user: User) -> list[OutgoingMail]:
    return db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.recipient == user.email)
                              .order_by(OutgoingMail.id)).all()


def test_a_follower_of_an_article_gets_new_amendments_in_a_daily_digest(app, make_user, open_round, article):
    follower, author = make_user(locale="es"), make_user()
    services.follow(follower, "article", article.id)
    db.session.commit()
    amendment = propose(author, open_round, article)

    [notice] = notices(follower)
    assert (notice.kind, notice.rhythm, notice.mailed_at) == ("followed_amendment", "daily", None)
    assert notices(author) == []  # nobody is told of their own act
    assert mails_to(follower) == []  # daily: nothing yet

    assert mailing.send_digests("daily") == 1
    [mail] = mails_to(follower)
    assert mail.kind == "digest" and mail.locale == "es"
    assert f"/amendments/{amendment.id}" in mail.text_body and f"/amendments/{amendment.id}" in mail.html_body
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://localhost/notifications/unsubscribe/[^>]+>", mail.headers["List-Unsubscribe"])
    assert mailing.send_digests("daily") == 0  # once


def test_an_answer_reaches_its_author_at_once_in_their_language_and_in_the_app(
        app, make_user, open_round, article, moderator, client, login):
    author = make_user(locale="fr")
    amendment = propose(author, open_round, article)
    moderation.answer(moderator, amendment, AmendmentStatus.rejected, "Ce n'est pas le bon article.")
    db.session.commit()
    [notice] = notices(author)
    assert notice.kind == "amendment_answered" and notice.mailed_at is not None
    [mail] = mails_to(author)
    assert mail.locale == "fr" and "Ce n'est pas le bon article." in mail.text_body
    assert notices(moderator) == []
    login(author)
    page = client.get("/my/notices").get_data(as_text=True)
    assert f"/amendments/{amendment.id}" in page and "Ce n&#39;est pas le bon article." in page


def test_replies_and_comments_on_an_amendment_each_told_once(app, make_user, open_round, article):
    proposer, commenter, replier = make_user(), make_user(), make_user()
    amendment = propose(proposer, open_round, article)
    first, _ = comments.post(commenter, open_round, article, body="I disagree.", locale="en", amendment=amendment)
    db.session.commit()
    assert [n.kind for n in notices(proposer)] == ["comment_on_amendment"]
    comments.post(replier, open_round, article, body="Why?", locale="en", amendment=amendment, parent=first)
    db.session.commit()
    assert [n.kind for n in notices(commenter)] == ["reply"]  # and not also as a follower of the thread
    assert [n.kind for n in notices(proposer)] == ["comment_on_amendment", "comment_on_amendment"]
    assert notices(replier) == []
    # Proposing and commenting follow the thread.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 3


def test_hidden_content_is_never_mailed(app, make_user, open_round, article, moderator):
    follower, author = make_user(), make_user()
    services.follow(follower, "article", article.id)
    comment, _ = comments.post(author, open_round, article, body="Spam spam spam.", locale="en")
    db.session.commit()
    moderation.hide(moderator, comment, "Advertising")
    db.session.commit()
    assert mailing.send_digests("daily") == 0
    assert mails_to(follower) == []
    # Its author is told, with the reason.
    [told] = [n for n in notices(author) if n.kind == "contribution_hidden"]
    assert told.payload["reason"] == "Advertising" and mails_to(author)[0].text_body.count("Advertising") == 1


def test_never_means_no_mail_but_still_a_notice(app, make_user, open_round, article, moderator):
    author = make_user()
    services.set_preferences(author, {"answers": "never"})
    amendment = propose(author, open_round, article)
    moderation.answer(moderator, amendment, AmendmentStatus.accepted, "")
    db.session.commit()
    assert [n.rhythm for n in notices(author)] == ["never"] and mails_to(author) == []


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(app, make_user, open_round, article):
    follower = make_user()
    services.follow(follower, "article", article.id)
    db.session.commit()
    propose(make_user(), open_round, article)
    mailing.send_digests("daily")
    [mail] = mails_to(follower)
    address = mail.headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    app.config["WTF_CSRF_ENABLED"] = True
    fresh = app.test_client()
    assert fresh.get(address).status_code == 200  # a page with a button: a link scanner changes nothing
    assert services.preferences(follower)["followed"] == "daily"
    response = fresh.post(address, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.rollback()
    assert services.preferences(follower)["followed"] == "never"
    assert fresh.post(address[:-3] + "xyz").status_code == 404


def test_preferences_from_a_mail_link_without_logging_in(app, make_user):
    person = make_user()
    _, _, preferences = mailing.unsubscribe_headers(person, ["followed"])
    page = app.test_client().get(preferences.removeprefix("http://localhost"))
    assert page.status_code == 200 and person.email in page.get_data(as_text=True)
    saved = app.test_client().post(preferences.removeprefix("http://localhost"),
                                   data={name: "weekly" for name in services.GROUPS})
    assert saved.status_code == 302
    db.session.rollback()
    assert set(services.preferences(person).values()) == {"weekly"}


def test_a_round_opening_is_told_once_to_those_who_may_take_part(app, make_user, make_round, make_organisation):
    asian = make_user(organisation=make_organisation(region=Region.asia_pacific))
    european = make_user(organisation=make_organisation(region=Region.europe))
    round_ = make_round(RoundState.open, region=Region.asia_pacific, restricted_to_region=True)
    subscribers.announce_rounds()
    db.session.commit()
    assert [n.kind for n in notices(asian)] == ["round_opened"] and notices(european) == []
    assert len(mails_to(asian)) == 1  # rounds: at once by default
    subscribers.announce_rounds()
    db.session.commit()
    assert len(notices(asian)) == 1
    assert round_.id == notices(asian)[0].payload["round_id"]


def test_a_new_version_is_told_to_everyone(app, make_user, charter_version, secretariat):
    people = [make_user() for _ in range(3)]
    signals.version_published.send(charter_version, actor=secretariat)
    db.session.commit()
    assert all([n.kind for n in notices(p)] == ["version_published"] for p in people)
    assert notices(secretariat) == []


def test_reports_go_to_the_moderators(app, make_user, open_round, article, moderator):
    author, reporter = make_user(), make_user()
    comment, _ = comments.post(author, open_round, article, body="Something.", locale="en")
    moderation.report(reporter, comment, "Off topic")
    db.session.commit()
    assert [n.kind for n in notices(moderator)] == ["report_filed"]
    assert notices(reporter) == [] and notices(author) == []


def test_following_from_the_page_and_stopping(app, client, make_user, login, article):
    person = login(make_user())
    assert client.post(f"/follow/article/{article.id}", data={"next": "/my/following"}).status_code == 302
    page = client.get("/my/following").get_data(as_text=True)
    assert "Stop following" in page
    client.post(f"/follow/article/{article.id}", data={"stop": "1"})
    assert not services.is_following(person, "article", article.id)
    assert client.post("/follow/article/999999").status_code == 404


def test_a_digest_run_costs_the_same_queries_for_more_subscribers(app, make_user, open_round, article, monkeypatch):
    monkeypatch.setattr("consult.jobs.after_commit", lambda *args: None)  # count the digests, not their delivery

    def run_with(followers: int) -> int:
        people = [make_user() for _ in range(followers)]
        for person in people:
            services.follow(person, "article", article.id)
        db.session.commit()
        propose(make_user(), open_round, article, title=f"Change {followers}")
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", record := lambda *args: statements.append(args[2]))
        try:
            assert mailing.send_digests("daily") >= followers
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    assert run_with(3) == run_with(12)


def test_no_service_imports_notifications():
    """The layering rule: services send signals; only the notifications feature listens."""
    for path in (ROOT / "consult").rglob("*.py"):
        if "notifications" in path.parts or path.name in ("__init__.py",):
            continue
        source = path.read_text()
        if path.name == "services.py":
            assert "notifications" not in source, path


def test_supports_of_one_amendment_are_told_together(app, make_user, open_round, article):
    author = make_user()
    amendment = propose(author, open_round, article, title="Water")
    for _ in range(3):
        amendments.support(make_user(), amendment)
    db.session.commit()
    assert [n.rhythm for n in notices(author)] == ["daily"] * 3
    mailing.send_digests("daily")
    [mail] = mails_to(author)
    assert "3 people support your amendment" in mail.text_body and mail.text_body.count("support your") == 1
