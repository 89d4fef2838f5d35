"""Rounds and moderation: role × round state × act, audit events, nothing deleted."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, AuditEvent, Comment, Notice, Organisation, Region, Report, Role, Round,
    RoundState, User, Visibility, utcnow,
)
from consult.moderation import services as moderation
from consult.rounds import services as rounds
from tests.conftest import count_rows, put_round_in_state

STATES = [RoundState.scheduled, RoundState.open, RoundState.closed]


@pytest.fixture
def people(make_user, make_organisation):
    return {
        "visitor": None,
        "participant": make_user(organisation=make_organisation(region=Region.europe)),
        "moderator": make_user(role=Role.moderator, organisation=None),
        "secretariat": make_user(role=Role.secretariat, organisation=None),
    }


@pytest.fixture
def scene(make_round, make_user, charter_version):
    """A round with one amendment and one comment by a participant."""
    round_ = make_round(RoundState.open)
    author = make_user()
    article = charter_version.sections[2].articles[0]
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "Right to the city", article.text("en").body + " Also this.", "Because"))
    comment, _ = comments.post(author, round_, article, body="A comment", locale="en")
    db.session.commit()
    return {"round": round_, "amendment": amendment, "comment": comment, "author": author, "article": article}


def snapshot():
    """Everything a refused act must leave untouched."""
    return (
        count_rows(AuditEvent),
        tuple(db.session.execute(sa.select(Round.closes_at, Round.closed_early_at, Round.titles).order_by(Round.id)).all()),
        tuple(db.session.execute(sa.select(Amendment.status, Amendment.visibility, Amendment.answer).order_by(Amendment.id)).all()),
        tuple(db.session.execute(sa.select(Comment.visibility).order_by(Comment.id)).all()),
        tuple(db.session.execute(sa.select(Organisation.verified_at).order_by(Organisation.id)).all()),
        tuple(db.session.execute(sa.select(User.role).order_by(User.id)).all()),
        count_rows(Round), count_rows(Amendment), count_rows(Comment),
    )


def acts(scene, people):
    round_, amendment, comment = scene["round"], scene["amendment"], scene["comment"]
    later = (utcnow() + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M")
    unverified = Organisation(name="New network", kind="association", country="KE", region=Region.africa)
    db.session.add(unverified)
    db.session.commit()
    return {
        "close": (f"/rounds/{round_.id}/close", {"close-reason": "Early"}),
        "extend": (f"/rounds/{round_.id}/extend", {"extend-closes_at": later, "extend-reason": "More time"}),
        "answer": (f"/moderation/amendments/{amendment.id}/answer", {f"a{amendment.id}-status": "accepted", f"a{amendment.id}-answer": "Yes"}),
        "hide": (f"/moderation/comments/{comment.id}/hide", {"reason": "Off-topic"}),
        "record": (f"/moderation/rounds/{round_.id}/record", {
            "organisation_id": scene["author"].organisation_id, "source": "Meeting", "article_id": scene["article"].id,
            "kind": "comment", "locale": "en", "body": "Said at the meeting", "token": "rec"}),
        "edit_round": (f"/rounds/{round_.id}/edit", {
            "title_en": "Renamed", "title_fr": "R", "title_es": "R", "description_en": "d", "description_fr": "d",
            "description_es": "d", "slug": round_.slug, "version_id": round_.version_id, "region": "global",
            "opens_at": round_.opens_at.strftime("%Y-%m-%dT%H:%M"), "closes_at": round_.closes_at.strftime("%Y-%m-%dT%H:%M"),
            "allows_amendments": "y", "allows_comments": "y", "allows_supports": "y"}),
        "verify": (f"/admin/organisations/{unverified.id}/verify", {}),
        "set_role": (f"/admin/people/{scene['author'].id}/role", {"role": "moderator"}),
    }


def allowed(person: str, act: str, state: RoundState) -> bool:
    if person in ("visitor", "participant"):
        return False
    if act in ("edit_round", "verify", "set_role"):
        return person == "secretariat"
    if act in ("close", "record"):
        return state is RoundState.open
    if act == "extend":
        return state is not RoundState.scheduled
    if act == "answer":
        return state is not RoundState.scheduled
    return True  # hide: moderators, in any state


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
@pytest.mark.parametrize("person", ["visitor", "participant", "moderator", "secretariat"])
def test_permission_matrix(app, people, scene, login, person, state):
    put_round_in_state(scene["round"], state)
    table = acts(scene, people)
    wrong = []
    for act, (url, data) in table.items():
        put_round_in_state(scene["round"], state)  # an earlier act (extend) may have moved it
        client = app.test_client()
        if people[person]:
            _login(client, people[person])
        before = snapshot()
        response = client.post(url, data=data)
        expected = allowed(person, act, state)
        if expected:
            if response.status_code != 302:
                wrong.append((act, response.status_code, "expected success"))
        else:
            if response.status_code not in (401, 403):
                wrong.append((act, response.status_code, "expected refusal"))
            if snapshot() != before:
                wrong.append((act, "changed something although refused"))
        db.session.expire_all()
    assert wrong == []


def _login(client, user):
    response = client.post("/account/login", data={"email": user.email, "password": "a long enough password"})
    assert response.status_code == 302


def test_closing_early_keeps_every_contribution_and_takes_no_more(client, people, scene):
    _login(client, people["moderator"])
    assert client.post(f"/rounds/{scene['round'].id}/close", data={"close-reason": "Consensus reached"}).status_code == 302
    db.session.refresh(scene["round"])
    assert scene["round"].phase() is RoundState.closed and scene["round"].closed_early_at
    assert count_rows(Amendment) == 1 and count_rows(Comment) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "close_round"))
    assert event.payload["reason"] == "Consensus reached" and event.actor_id == people["moderator"].id
    page = client.get(f"/charter/articles/{scene['article'].id}?round={scene['round'].id}").get_data(as_text=True)
    assert "A comment" in page and 'action="/comments"' not in page
    # a moderator cannot write in a closed round either
    assert client.post(f"/moderation/rounds/{scene['round'].id}/record", data={}).status_code == 403


def test_extending_reopens_a_round_closed_early(client, people, scene):
    _login(client, people["moderator"])
    client.post(f"/rounds/{scene['round'].id}/close", data={"close-reason": "Pause"})
    later = (utcnow() + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/rounds/{scene['round'].id}/extend", data={"extend-closes_at": later, "extend-reason": "Requests from Africa"})
    db.session.refresh(scene["round"])
    assert scene["round"].is_open() and scene["round"].closed_early_at is None
    assert {e.action for e in db.session.scalars(sa.select(AuditEvent))} == {"close_round", "extend_round"}


def test_a_round_is_concluded_when_every_amendment_is_answered(people, scene):
    put_round_in_state(scene["round"], RoundState.closed)
    assert rounds.state(scene["round"]) is RoundState.closed
    moderation.answer(people["moderator"], scene["amendment"], AmendmentStatus.accepted, "Thanks")
    assert rounds.state(scene["round"]) is RoundState.concluded


def test_answers_rules_audit_and_notice(client, people, scene, make_user):
    moderator, amendment = people["moderator"], scene["amendment"]
    with pytest.raises(moderation.ModerationError):
        moderation.answer(moderator, amendment, AmendmentStatus.rejected, "  ")
    with pytest.raises(moderation.ModerationError):
        moderation.answer(moderator, amendment, AmendmentStatus.duplicate, "Same", duplicate_of=None)
    db.session.rollback()
    assert count_rows(AuditEvent) == 0 and amendment.status is AmendmentStatus.submitted

    _login(client, moderator)
    prefix = f"a{amendment.id}"
    refused = client.post(f"/moderation/amendments/{amendment.id}/answer", data={f"{prefix}-status": "rejected", f"{prefix}-answer": ""},
                          follow_redirects=True)
    assert b"A rejection needs a reason" in refused.data
    client.post(f"/moderation/amendments/{amendment.id}/answer",
                data={f"{prefix}-status": "rejected", f"{prefix}-answer": "Outside the charter's scope."})
    db.session.refresh(amendment)
    assert amendment.status is AmendmentStatus.rejected and "scope" in amendment.answer_html
    notice = db.session.scalar(sa.select(Notice).where(Notice.kind == "amendment_answered"))
    assert notice.user_id == scene["author"].id and notice.payload["amendment_id"] == amendment.id
    assert db.session.scalar(sa.select(AuditEvent)).action == "answer"

    author_client = client.application.test_client()
    _login(author_client, scene["author"])
    assert "(1 new)" in author_client.get("/").get_data(as_text=True)
    page = author_client.get("/my/notices").get_data(as_text=True)
    assert "has been answered: Rejected" in page
    assert "(1 new)" in author_client.get("/").get_data(as_text=True)  # reading is not a write
    author_client.post("/my/notices/read")
    assert "(1 new)" not in author_client.get("/").get_data(as_text=True)


def test_duplicate_points_to_the_original(people, scene, make_user):
    other, _ = amendments.propose(make_user(), scene["round"], scene["article"], amendments.Proposal(
        AmendmentKind.delete, "en", "", "", "Same idea"))
    moderation.answer(people["moderator"], other, AmendmentStatus.duplicate, "See the first one.", duplicate_of=scene["amendment"])
    assert other.duplicate_of_id == scene["amendment"].id


def test_report_hide_placeholder_restore(client, people, scene, make_user):
    reporter = make_user()
    _login(client, reporter)
    client.post(f"/moderation/report/comments/{scene['comment'].id}", data={"reason": "Insulting"})
    assert db.session.scalar(sa.select(Report)).reason == "Insulting"

    moderator_client = client.application.test_client()
    _login(moderator_client, people["moderator"])
    assert b"Insulting" in moderator_client.get("/moderation/").data
    moderator_client.post(f"/moderation/comments/{scene['comment'].id}/hide", data={"reason": "Personal attack"})
    db.session.refresh(scene["comment"])
    assert scene["comment"].visibility is Visibility.hidden and scene["comment"].body == "A comment"  # kept
    assert db.session.scalar(sa.select(Report)).resolved_at is not None
    page = client.get(f"/charter/articles/{scene['article'].id}?round={scene['round'].id}").get_data(as_text=True)
    assert "A moderator hid this comment: Personal attack" in page and "A comment</p>" not in page

    moderator_client.post(f"/moderation/comments/{scene['comment'].id}/restore", data={"reason": "Reviewed again"})
    db.session.refresh(scene["comment"])
    assert scene["comment"].visibility is Visibility.visible
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))] == ["hide", "restore"]


def test_hiding_needs_a_reason(client, people, scene):
    _login(client, people["moderator"])
    client.post(f"/moderation/comments/{scene['comment'].id}/hide", data={"reason": ""})
    db.session.refresh(scene["comment"])
    assert scene["comment"].visibility is Visibility.visible and count_rows(AuditEvent) == 0


def test_recording_on_behalf_of_an_organisation(client, people, scene, make_organisation):
    city = make_organisation(name="Gwangju Metropolitan City", region=Region.asia_pacific)
    _login(client, people["moderator"])
    body = scene["article"].text("en").body.replace("democratic", "democratic and inclusive", 1)
    response = client.post(f"/moderation/rounds/{scene['round'].id}/record", data={
        "organisation_id": city.id, "source": "Asia-Pacific regional meeting, 14 October 2026",
        "article_id": scene["article"].id, "kind": "amendment", "locale": "en", "body": body,
        "rationale": "Agreed at the meeting", "token": "r1"})
    assert response.status_code == 302
    recorded = db.session.scalar(sa.select(Amendment).where(Amendment.recorded_by_id.is_not(None)))
    assert recorded.organisation_id == city.id and recorded.recorded_source.startswith("Asia-Pacific")
    page = client.get(f"/amendments/{recorded.id}").get_data(as_text=True)
    assert "<strong>Gwangju Metropolitan City</strong>" in page
    assert f"Asia-Pacific regional meeting, 14 October 2026, recorded by {people['moderator'].name}" in page
    assert f"<strong>{people['moderator'].name}</strong>" not in page
    assert db.session.scalar(sa.select(AuditEvent)).action == "record_amendment"


def test_the_secretariat_creates_a_round_that_opens_tomorrow(client, people, charter_version):
    _login(client, people["secretariat"])
    tomorrow = utcnow() + timedelta(days=1)
    response = client.post("/rounds/new", data={
        "title_en": "Asia-Pacific regional consultation 2027", "title_fr": "Consultation Asie-Pacifique",
        "title_es": "Consulta Asia-Pacífico", "description_en": "d", "description_fr": "d", "description_es": "d",
        "slug": "asia-pacific-2027", "version_id": charter_version.id, "region": "asia-pacific",
        "opens_at": tomorrow.strftime("%Y-%m-%dT%H:%M"), "closes_at": (tomorrow + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
        "allows_amendments": "y", "allows_comments": "y", "allows_supports": "y", "restricted_to_region": "y"})
    assert response.status_code == 302
    round_ = db.session.scalar(sa.select(Round).where(Round.slug == "asia-pacific-2027"))
    assert round_.phase() is RoundState.scheduled and round_.restricted_to_region and round_.region is Region.asia_pacific
    assert db.session.scalar(sa.select(AuditEvent)).action == "create_round"
    bad = client.post("/rounds/new", data={"title_en": "x", "slug": "asia-pacific-2027"})
    assert bad.status_code == 400 and count_rows(Round) == 1


def test_the_public_account_counts_and_draws(client, people, scene, make_user, make_organisation):
    africa = make_user(organisation=make_organisation(region=Region.africa))
    amendments.support(africa, scene["amendment"])
    comments.post(africa, scene["round"], scene["article"], body="Hola", locale="es")
    moderation.answer(people["moderator"], scene["amendment"], AmendmentStatus.accepted_in_part, "In part")
    db.session.commit()
    account = rounds.account(scene["round"])
    assert (account.participants, account.organisations, account.amendments, account.comments, account.supports) == (2, 2, 1, 2, 1)
    assert account.participants_by_region == {"europe": 1, "africa": 1}
    assert account.contributions_by_language == {"en": 2, "es": 1}
    assert account.amendments_by_status == {"accepted_in_part": 1}
    page = client.get(f"/rounds/{scene['round'].id}?lang=fr").get_data(as_text=True)
    assert page.count('role="img"') == 6 and "<table" in page
    assert "Acceptée en partie" in page or "Accepté en partie" in page
    assert "In part" in page


def test_audit_events_are_append_only(people, scene):
    moderation.hide(people["moderator"], scene["comment"], "Spam")
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent))
    event.action = "something else"
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(sa.select(AuditEvent)))
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_audit_log_is_filterable_and_for_moderators_only(client, people, scene):
    moderation.hide(people["moderator"], scene["comment"], "Spam")
    rounds.close_early(people["moderator"], scene["round"], "Done")
    db.session.commit()
    _login(client, people["participant"])
    assert client.get("/moderation/audit").status_code == 403
    client.post("/account/logout")
    _login(client, people["moderator"])
    page = client.get("/moderation/audit?action=hide").get_data(as_text=True)
    assert "Spam" in page and "Done" not in page


def test_restore_never_brings_back_what_its_author_deleted(client, people, scene):
    comments.delete(scene["comment"])
    db.session.commit()
    with pytest.raises(moderation.ModerationError):
        moderation.restore(people["moderator"], scene["comment"], "Oops")
    _login(client, people["moderator"])
    client.post(f"/moderation/comments/{scene['comment'].id}/restore", data={"reason": "Try"})
    db.session.refresh(scene["comment"])
    assert scene["comment"].visibility is Visibility.deleted and count_rows(AuditEvent) == 0


def test_a_hidden_amendment_shows_nothing_of_its_wordings(client, people, scene):
    amendments.edit(scene["amendment"], title="T", body="Personal data here", rationale="r")
    moderation.hide(people["moderator"], scene["amendment"], "Personal data")
    db.session.commit()
    page = client.get(f"/amendments/{scene['amendment'].id}").get_data(as_text=True)
    assert "Personal data here" not in page and "Earlier wordings" not in page
    _login(client, scene["author"])
    assert client.post(f"/amendments/{scene['amendment'].id}/edit", data={"title": "x", "body": "y", "rationale": "z"}).status_code == 403


def test_answer_redirect_keeps_only_the_filters(client, people, scene):
    _login(client, people["moderator"])
    prefix = f"a{scene['amendment'].id}"
    response = client.post(f"/moderation/amendments/{scene['amendment'].id}/answer?round_id=9&_external=1&status=submitted",
                           data={f"{prefix}-status": "accepted", f"{prefix}-answer": "ok"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/moderation/rounds/")
    assert "status=submitted" in response.headers["Location"] and "_external" not in response.headers["Location"]


def test_an_answer_and_a_withdrawal_made_at_once_do_not_overwrite_each_other(scene, people):
    """Each reads the amendment again under a row lock: whichever comes second is refused."""
    from consult.amendments import services as amendment_services

    amendment = scene["amendment"]
    db.session.commit()
    with db.engine.begin() as other:  # the author withdraws in another transaction
        other.execute(sa.update(Amendment).where(Amendment.id == amendment.id).values(status="withdrawn"))
    with pytest.raises(moderation.ModerationError):
        moderation.answer(people["moderator"], amendment, AmendmentStatus.accepted, "Yes")
    assert amendment.status is AmendmentStatus.withdrawn and amendment.answered_at is None
    db.session.rollback()

    with db.engine.begin() as other:  # and the other way round: answered while the author withdraws
        other.execute(sa.update(Amendment).where(Amendment.id == amendment.id).values(status="rejected"))
    with pytest.raises(amendment_services.AmendmentError):
        amendment_services.withdraw(amendment)
    assert amendment.status is AmendmentStatus.rejected


def test_a_round_is_closed_once_even_by_two_moderators_at_once(scene, people):
    """The second close reads the round again under its lock and finds it closed: one audit event."""
    round_ = scene["round"]
    db.session.commit()
    with db.engine.begin() as other:  # the first moderator's close, committed meanwhile
        other.execute(sa.update(Round).where(Round.id == round_.id).values(closed_early_at=utcnow()))
    with pytest.raises(rounds.RoundError):
        rounds.close_early(people["moderator"], round_, "Also over")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "close_round")) == 0


def test_a_round_with_implausible_dates_is_refused(people):
    from datetime import UTC, datetime

    settings = rounds.RoundSettings(
        version=None, slug="typo", titles={"en": "T"}, descriptions={"en": "D"}, region=Region.global_,
        opens_at=datetime(1, 1, 1, tzinfo=UTC), closes_at=datetime(2026, 12, 31, tzinfo=UTC))
    with pytest.raises(rounds.RoundError, match="implausible_dates"):
        rounds.create(people["secretariat"], settings)
