"""Announcements of the secretariat: who receives them, in which language, who is left out,
what the preview counts, who may send them, and what a send costs."""

import re

import pytest
import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import AmendmentKind, AuditEvent, OutgoingMail, Region, Role, RoundState
from consult.moderation import services as moderation
from consult.notifications import announcements, services
from consult.notifications.announcements import Announcement, Audience, AudienceKind

FORM = {"audience": "everyone", "round_id": "", "region": "", "subject_en": "The Dakar meeting",
        "body_en": "Dear participants,\n\n- **Where**: Dakar\n- When: 12 May", "subject_fr": "", "body_fr": "",
        "subject_es": "", "body_es": ""}


def announcement(kind=AudienceKind.everyone, round_=None, region=None, **texts) -> Announcement:
    subjects = {"en": "News", "fr": texts.get("subject_fr", ""), "es": texts.get("subject_es", "")}
    bodies = {"en": "Hello **all**.", "fr": texts.get("body_fr", ""), "es": texts.get("body_es", "")}
    return Announcement(Audience(kind, round_, region), subjects, bodies)


def mails() -> list[OutgoingMail]:
    return db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.kind == "announcement")
                              .order_by(OutgoingMail.id)).all()


def recipients() -> set[str]:
    return {mail.recipient for mail in mails()}


def send(actor, draft: Announcement):
    sent = announcements.send(actor, draft)
    db.session.commit()
    return sent


def propose(author, round_, article):
    text = article.text("en")
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", text.title, text.body + "\n\nAnd more.", "Because."))
    db.session.commit()
    return amendment


def test_the_people_of_a_region_are_the_members_of_its_organisations(app, make_user, make_organisation, secretariat):
    african = make_user(organisation=make_organisation(region=Region.africa))
    also_african = make_user(organisation=make_organisation(region=Region.africa))
    make_user(organisation=make_organisation(region=Region.europe))
    make_user(organisation=None)  # an individual belongs to no region
    unconfirmed = make_user(organisation=make_organisation(region=Region.africa))
    unconfirmed.email_confirmed_at = None
    deactivated = make_user(organisation=make_organisation(region=Region.africa))
    deactivated.active = False
    db.session.commit()

    sent = send(secretariat, announcement(AudienceKind.region, region=Region.africa))
    assert recipients() == {african.email, also_african.email}
    assert sent.recipients == 2


def test_the_participants_of_a_round_proposed_commented_or_supported_in_it(
        app, make_user, make_round, article, moderator, secretariat, make_organisation):
    round_, other_round = make_round(RoundState.open), make_round(RoundState.open)
    proposer, commenter, supporter, bystander, elsewhere = (make_user() for _ in range(5))
    amendment = propose(proposer, round_, article)
    comments.post(commenter, round_, article, body="Yes.", locale="en", amendment=amendment)
    amendments.support(supporter, amendment)
    propose(elsewhere, other_round, article)
    organisation = make_organisation(region=Region.africa)
    contact = make_user(organisation=organisation)
    contact.is_contact = True
    moderation.record_contribution(moderator, round_, article, organisation, kind="comment", locale="fr",
                                   body="Dit à Dakar.", rationale="", source="Dakar meeting")
    db.session.commit()

    preview = announcements.preview(announcement(AudienceKind.participants, round_))
    send(secretariat, announcement(AudienceKind.participants, round_))
    # The moderator only typed in what the organisation said: its contact took part, not the moderator.
    assert recipients() == {proposer.email, commenter.email, supporter.email, contact.email}
    assert bystander.email not in recipients() and elsewhere.email not in recipients()
    assert preview.recipients == 4


def test_the_eligible_people_of_a_restricted_round(app, make_user, make_round, make_organisation, secretariat):
    asian = make_user(organisation=make_organisation(region=Region.asia_pacific))
    make_user(organisation=make_organisation(region=Region.europe))
    round_ = make_round(RoundState.scheduled, region=Region.asia_pacific, restricted_to_region=True)
    send(secretariat, announcement(AudienceKind.eligible, round_))
    assert recipients() == {asian.email}


def test_each_person_reads_their_language_or_english_when_it_was_left_empty(app, make_user, secretariat):
    english, french, spanish = make_user(locale="en"), make_user(locale="fr"), make_user(locale="es")
    draft = announcement(subject_fr="Nouvelles", body_fr="Bonjour à *toutes et tous*.")
    preview = announcements.preview(draft)
    assert sorted(preview.messages) == ["en", "fr"]
    assert draft.version_for("es") == "en" and draft.version_for("fr") == "fr"
    assert preview.messages["fr"].html == "<p>Bonjour à <em>toutes et tous</em>.</p>\n"
    send(secretariat, draft)

    by_address = {mail.recipient: mail for mail in mails()}
    mail = by_address[french.email]
    assert (mail.locale, mail.subject) == ("fr", "Nouvelles")
    assert "<em>toutes et tous</em>" in mail.html_body and "Bonjour à *toutes et tous*." in mail.text_body
    assert "English version" not in mail.text_body
    mail = by_address[spanish.email]
    assert (mail.locale, mail.subject) == ("es", "News")
    assert "<strong>all</strong>" in mail.html_body and 'lang="en"' in mail.html_body  # English, marked as such
    assert by_address[english.email].subject == "News"
    for mail in by_address.values():
        assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert re.fullmatch(r"<http://localhost/notifications/unsubscribe/[^>]+>", mail.headers["List-Unsubscribe"])
        assert "/notifications/unsubscribe/" in mail.text_body and "/notifications/unsubscribe/" in mail.html_body


def test_those_who_chose_never_are_left_out_and_counted_apart(app, make_user, secretariat):
    people = [make_user(locale=locale) for locale in ("en", "fr", "fr", "es")]
    services.set_preferences(people[1], {"announcements": "never"})
    services.set_preferences(people[0], {"announcements": "immediately", "followed": "never"})
    db.session.commit()
    draft = announcement(subject_es="Noticias", body_es="Hola.")

    preview = announcements.preview(draft)
    assert preview.declined == 1
    assert dict(preview.by_language) == {"en": 2, "fr": 1, "es": 1}  # the secretariat reads English
    sent = send(secretariat, draft)
    assert people[1].email not in recipients()
    assert sent.recipients == preview.recipients == len(mails()) == 4
    assert {locale: sum(1 for m in mails() if m.locale == locale) for locale in ("en", "fr", "es")} \
        == dict(preview.by_language)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "send_announcement"))
    assert event.actor_id == secretariat.id and event.object_type == "announcement"
    assert event.payload["audience"] == "everyone" and event.payload["recipients"] == 4
    assert event.payload["declined"] == 1 and event.payload["by_language"] == {"en": 2, "fr": 1, "es": 1}


def test_one_click_unsubscribe_stops_the_next_announcement(app, make_user, secretariat):
    person = make_user()
    send(secretariat, announcement())
    [mail] = [m for m in mails() if m.recipient == person.email]
    address = mail.headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    assert app.test_client().post(address, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.rollback()
    assert services.preferences(person)["announcements"] == "never"
    send(secretariat, announcement())
    assert [m.recipient for m in mails()].count(person.email) == 1


def test_the_settings_offer_at_once_or_never_for_announcements(app, client, login, make_user):
    login(make_user())
    page = client.get("/my/notifications").get_data(as_text=True)
    assert "Announcements from the secretariat" in page
    assert len(re.findall(r'name="announcements" value="(\w+)"', page)) == 2


def test_preview_then_send_from_the_page(app, client, login, secretariat, make_user):
    spanish = make_user(locale="es")
    login(secretariat)
    page = client.get("/announcements")
    assert page.status_code == 200 and "proposed an amendment, commented or supported" in page.get_data(as_text=True)

    preview = client.post("/announcements", data={**FORM, "step": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and mails() == []
    assert "<strong>Where</strong>" in html and "Send to 2 people" in html
    assert html.count("these people receive the English version") == 2  # French and Spanish left empty
    # The text travels in the preview's hidden fields, line breaks included.
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert hidden["body_en"] == FORM["body_en"] and hidden["audience"] == "everyone"

    edit = client.post("/announcements", data={**FORM, "step": "edit"})
    assert edit.status_code == 200 and "Dakar" in edit.get_data(as_text=True) and mails() == []

    sent = client.post("/announcements", data={**FORM, "step": "send"})
    assert sent.status_code == 302
    assert sorted(recipients()) == sorted([secretariat.email, spanish.email])
    [mail] = [m for m in mails() if m.recipient == spanish.email]
    assert "<li><strong>Where</strong>: Dakar</li>" in mail.html_body


@pytest.mark.parametrize("change, field, message", [
    ({"subject_en": ""}, "subject_en", "Write the subject in English"),
    ({"body_en": "  "}, "body_en", "Write the message in English"),
    ({"audience": "participants"}, "round_id", "Choose the round"),
    ({"audience": "eligible"}, "round_id", "Choose the round"),
    ({"audience": "region"}, "region", "Choose the region"),
    ({"subject_fr": "Réunion à Dakar", "body_fr": ""}, "body_fr", "Write the message too"),
    ({"body_es": "Hola."}, "subject_es", "Write the subject too"),
    ({"subject_en": "x" * 201}, "subject_en", "200"),
])
def test_bad_input_keeps_what_was_typed(app, client, login, secretariat, change, field, message):
    login(secretariat)
    data = {**FORM, "subject_fr": "Réunion", "body_fr": "Texte gardé", **change, "step": "send"}
    response = client.post("/announcements", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and mails() == []
    assert re.search(rf'id="{field}-error">[^<]*{message}', html), html
    for name, value in data.items():  # everything typed is still there
        if name.startswith(("subject_", "body_")) and value.strip():
            assert value.replace("\n", "\n") in html.replace("\r", ""), name


def test_nobody_to_send_to_sends_nothing(app, client, login, secretariat):
    login(secretariat)
    data = {**FORM, "audience": "region", "region": "mewa"}
    assert "Nobody would receive" in client.post("/announcements", data={**data, "step": "preview"}).get_data(
        as_text=True)
    assert client.post("/announcements", data={**data, "step": "send"}).status_code == 400
    assert mails() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("role", [None, Role.participant, Role.moderator])
def test_only_the_secretariat_announces(app, client, login, make_user, role):
    if role is not None:
        login(make_user(role=role))
    page, send_ = client.get("/announcements"), client.post("/announcements", data={**FORM, "step": "send"})
    if role is None:
        assert page.status_code == 302 and "/account/login" in page.location and send_.status_code == 401
    else:
        assert page.status_code == send_.status_code == 403
    assert mails() == []


def test_the_moderation_page_links_to_it_for_the_secretariat_only(app, client, login, secretariat, moderator):
    login(moderator)
    assert "/announcements" not in client.get("/moderation/").get_data(as_text=True)
    login(secretariat)
    assert "/announcements" in client.get("/moderation/").get_data(as_text=True)


def test_a_send_costs_the_same_queries_whatever_the_audience_but_per_batch(app, make_user, secretariat, monkeypatch):
    monkeypatch.setattr("consult.jobs.after_commit", lambda *args: None)  # count the writing, not the delivery

    def statements_for(people: int) -> int:
        db.session.execute(sa.delete(OutgoingMail))
        while db.session.scalar(sa.select(sa.func.count()).select_from(services.reachable_people().subquery())) \
                < people:
            make_user()
        db.session.commit()
        statements = []
        sa.event.listen(db.engine, "before_cursor_execute", record := lambda *args: statements.append(args[2]))
        try:
            assert send(secretariat, announcement()).recipients == people
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    assert statements_for(3) == statements_for(12)
    monkeypatch.setattr(announcements, "BATCH", 4)
    one, two, three = statements_for(13), statements_for(17), statements_for(21)  # 4, 5 and 6 batches
    assert two - one == three - two <= 4  # a few statements a batch, none per person
