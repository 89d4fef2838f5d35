"""Privacy: the notice accepted at registration, "download my data", and "delete my account"
(personal data gone from every table and export; contributions and audit events stay)."""

import csv
import io
import json

import pytest
import sqlalchemy as sa

from consult.accounts import privacy, services as accounts, tokens
from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import (Amendment, AmendmentKind, AmendmentStatus, AuditEvent, Comment, Follow, LoginSession,
                            Notice, NotificationPreference, OutgoingMail, Role, RoundState, User)
from consult.moderation import services as moderation
from tests.conftest import PASSWORD, count_rows
from tests.test_accounts import registration

NAME, OLD_ADDRESS, ADDRESS = "Zoé Quintessence", "zoe.old@example.org", "zoe.q@example.org"


# --- the notice ------------------------------------------------------------------------------


def test_the_notice_is_public_and_linked_from_every_page(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Privacy notice" in page and privacy.PRIVACY_NOTICE_VERSION in page and "a former participant" in page
    assert 'href="/privacy"' in client.get("/account/register").get_data(as_text=True)


def test_registering_without_accepting_the_notice_is_refused_and_keeps_the_form(client):
    response = client.post("/account/register", data=registration(accept_privacy=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and count_rows(User) == 0
    assert "tick the box to accept it" in page and 'value="Amina Diallo"' in page


def test_registering_records_the_accepted_version(client):
    assert client.post("/account/register", data=registration()).status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.privacy_notice_version == privacy.PRIVACY_NOTICE_VERSION and user.privacy_accepted_at is not None


# --- a person who took part ------------------------------------------------------------------


@pytest.fixture
def scene(app, make_organisation, make_user, make_round, charter_version, secretariat, moderator):
    """Zoé joined a city (approved by the secretariat), changed her address, proposed and edited an
    amendment, commented, supported and reported someone else's, and got a notice; Omar took part too."""
    round_ = make_round(RoundState.open)
    article = charter_version.sections[2].articles[0]
    city = make_organisation(name="Ciudad de Prueba", country="UY")
    zoe = make_user(email=OLD_ADDRESS, name=NAME, organisation=None)
    accounts.request_membership(zoe, city)
    accounts.approve_membership(secretariat, zoe, city)  # the audit event names her address
    with app.test_request_context():
        accounts.confirm_email_change(tokens.sign("change-email", {"user": zoe.id, "old": OLD_ADDRESS, "new": ADDRESS}))
    omar = make_user(email="omar@example.org", name="Omar Otherperson")
    body = article.text("en").body
    theirs, _ = amendments.propose(omar, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "Omar's title", body + " Omar's words.", "Omar's reason"))
    mine, _ = amendments.propose(zoe, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "Zoé's title", body + " First wording.", "Zoé's reason"))
    amendments.edit(mine, title="Zoé's title", body=body + " Second wording.", rationale="Zoé's reason")
    comment, _ = comments.post(zoe, round_, article, body="Zoé's comment on the article", locale="fr")
    others_comment, _ = comments.post(omar, round_, article, body="Omar's comment", locale="en")
    comments.post(zoe, round_, article, body="Zoé on the other amendment", locale="en", amendment=theirs)  # mails Omar
    amendments.support(zoe, theirs)
    moderation.report(zoe, others_comment, "Zoé finds this off-topic")
    moderation.answer(moderator, mine, AmendmentStatus.rejected, "Not this time")  # a notice to Zoé
    db.session.add(NotificationPreference(user_id=zoe.id, group="replies", rhythm="daily"))
    db.session.commit()
    return dict(zoe=db.session.get(User, zoe.id), omar=omar, round=round_, article=article, city=city,
                amendment=mine, comment=comment, theirs=theirs)


def _logged_in(app, email=ADDRESS):
    client = app.test_client()
    assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_download_holds_the_account_and_everything_they_wrote_and_nothing_of_others(app, scene):
    client = _logged_in(app)
    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    account = data["account"]
    assert (account["name"], account["email"], account["language"]) == (NAME, ADDRESS, "en")
    assert account["organisation"]["name"] == "Ciudad de Prueba" and account["role"] == "participant"
    assert [a["id"] for a in data["amendments"]] == [scene["amendment"].id]
    [amendment] = data["amendments"]
    assert "Second wording." in amendment["body"] and "First wording." in amendment["earlier_wordings"][0]["body"]
    assert [c["body"] for c in data["comments"]] == ["Zoé's comment on the article", "Zoé on the other amendment"]
    assert [s["amendment_id"] for s in data["supports"]] == [scene["theirs"].id]
    assert data["reports"][0]["reason"] == "Zoé finds this off-topic"
    assert "amendment_answered" in {n["kind"] for n in data["notices"]}
    assert data["logins"] and set(data["logins"][0]) == {"id", "created_at", "expires_at"}
    assert {e["action"] for e in data["audit_events"]} >= {"approve_membership", "change_email"}
    assert "follows" in data and data["notification_preferences"] == [{"group": "replies", "rhythm": "daily"}]
    assert "Omar" not in text and "omar@example.org" not in text


def test_deleting_the_account_removes_the_person_and_keeps_the_record(app, scene):
    client = _logged_in(app)
    article_page = f"/charter/articles/{scene['article'].id}?round={scene['round'].id}"
    assert NAME in client.get(article_page).get_data(as_text=True)  # kept in the fragment cache now
    zoe_id, events = scene["zoe"].id, count_rows(AuditEvent)
    assert count_rows(LoginSession) and db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))

    response = client.post("/account/delete", data={"delete_password": PASSWORD, "understood": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()

    # Nothing of the person in any table, whatever the column.
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            text = repr(tuple(row))
            for secret in (NAME, "Quintessence", ADDRESS, OLD_ADDRESS):
                assert secret not in text, (table.name, text)
    zoe = db.session.get(User, zoe_id)
    assert zoe.deleted_at and not zoe.active and zoe.organisation_id == scene["city"].id
    for model in (LoginSession, Notice, Follow, NotificationPreference):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.user_id == zoe_id)) == 0
    assert count_rows(AuditEvent) == events  # the trail stays, without her name and addresses

    # Her contributions stay, as a former participant's, with her organisation.
    assert db.session.get(Amendment, scene["amendment"].id).author_id == zoe_id
    assert db.session.get(Comment, scene["comment"].id).author_id == zoe_id
    page = app.test_client().get(article_page).get_data(as_text=True)
    assert NAME not in page and "<strong>a former participant</strong>, Ciudad de Prueba" in page
    assert "Zoé&#39;s comment on the article" in page or "Zoé's comment on the article" in page

    for fmt in ("csv", "json"):
        export = app.test_client().get(f"/exports/rounds/{scene['round'].id}/contributions.{fmt}").get_data(as_text=True)
        assert NAME not in export and ADDRESS not in export and "Omar Otherperson" in export
        records = list(csv.DictReader(io.StringIO(export))) if fmt == "csv" else json.loads(export)
        wanted = {("amendment", str(scene["amendment"].id)), ("comment", str(scene["comment"].id))}
        hers = [r for r in records if (r["type"], str(r["id"])) in wanted]
        assert len(hers) == 2 and {(r["author"], r["organisation"]) for r in hers} == {
            ("a former participant", "Ciudad de Prueba")}

    # She can no longer log in, by either address.
    for email in (ADDRESS, OLD_ADDRESS, f"deleted-{zoe_id}@invalid"):
        assert app.test_client().post("/account/login", data={"email": email, "password": PASSWORD}).status_code == 400
    assert client.get("/account/settings").status_code in (302, 401)


@pytest.mark.parametrize("data", [
    {"delete_password": "not the password", "understood": "y"},
    {"delete_password": PASSWORD},
])
def test_a_wrong_password_or_no_confirmation_deletes_nothing(app, scene, data):
    client = _logged_in(app)
    logins, mail = count_rows(LoginSession), count_rows(OutgoingMail)
    response = client.post("/account/delete", data=data)
    assert response.status_code == 400 and "Your account was not deleted" in response.get_data(as_text=True)
    db.session.expire_all()
    zoe = db.session.get(User, scene["zoe"].id)
    assert (zoe.name, zoe.email, zoe.active, zoe.deleted_at) == (NAME, ADDRESS, True, None)
    assert (count_rows(LoginSession), count_rows(OutgoingMail)) == (logins, mail)
    assert client.get("/account/settings").status_code == 200


def test_a_deleted_moderators_recordings_name_no_one(app, make_user, make_organisation, make_round, charter_version):
    """A contribution a moderator recorded keeps its source; the recorder shows as a former participant."""
    moderator = make_user(role=Role.moderator, organisation=None, name="Mona Recorder")
    round_, article = make_round(RoundState.open), charter_version.sections[2].articles[0]
    moderation.record_contribution(moderator, round_, article, make_organisation(name="Town of Record"),
                                   kind="comment", locale="en", body="Said at the meeting", rationale="",
                                   source="Regional meeting")
    privacy.delete_account(moderator)
    db.session.commit()
    page = app.test_client().get(f"/charter/articles/{article.id}?round={round_.id}").get_data(as_text=True)
    assert "Mona Recorder" not in page and "recorded by a former participant" in page
