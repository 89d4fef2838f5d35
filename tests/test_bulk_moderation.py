"""Moderating at scale: one answer for many amendments (each still its own answer, audit event and
notice), saved answers in three languages, two moderators answering the same amendment at once."""

import re

import pytest
from markupsafe import escape
import sqlalchemy as sa

from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, AuditEvent, Notice, Role, SavedAnswer,
)
from consult.moderation import services as moderation
from tests.conftest import count_rows
from tests.test_hardening_locks import in_threads, join, logged_in

SAVED = {"title": "Out of scope", "text_en": "This is outside the charter's scope.",
         "text_fr": "Cela sort du champ de la charte.", "text_es": "Esto queda fuera del alcance de la carta."}


def add_amendments(round_, article, authors, n: int, **fields) -> list[Amendment]:
    """Amendments written straight to the database, their languages in turn en, fr, es."""
    made = []
    for i in range(n):
        locale = ("en", "fr", "es")[i % 3]
        base = article.text(locale)
        author = authors[i % len(authors)]
        made.append(Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale=locale,
                              base_title=base.title, base_text=base.body, title=base.title,
                              body=f"{base.body} Change {i}.", rationale=f"Reason {i}",
                              rationale_html=f"<p>Reason {i}</p>", author=author,
                              organisation=author.organisation, **fields))
    db.session.add_all(made)
    db.session.commit()
    return made


@pytest.fixture
def staff(make_user, login):
    moderator = make_user(role=Role.moderator, organisation=None, name="Inès Lambert")
    login(moderator)
    return moderator


def test_bulk_reject_fifty_with_a_saved_answer_in_their_three_languages(client, staff, open_round, article, make_user):
    authors = [make_user(locale=locale) for locale in ("en", "fr", "es")]
    made = add_amendments(open_round, article, authors, 50)
    assert client.post("/moderation/saved-answers", data=SAVED).status_code == 302
    saved = db.session.scalar(sa.select(SavedAnswer))
    answers_before, notices_before = count_rows(AuditEvent), count_rows(Notice)

    # "select all on this page" ticks the twenty of the page, without JavaScript
    html = client.get(f"/moderation/rounds/{open_round.id}/triage?select=all").get_data(as_text=True)
    assert len(re.findall(r'<input type="checkbox" class="bulk-check" form="bulk-answer" name="selected" '
                          r'value="\d+" id="select-\d+" checked>', html)) == 20
    assert 'Select amendment' in html and SAVED["title"] in html
    seen = dict(re.findall(r'name="seen-(\d+)" value="([^"]*)"', html))
    assert len(seen) == 20

    selected = {"selected": [str(a.id) for a in made], "saved": str(saved.id)}
    review = client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data=selected)
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert "Answer 50 amendments at once" in page
    for locale in ("en", "fr", "es"):  # filled in, editable
        assert re.search(rf'<textarea[^>]*id="answer_{locale}"[^>]*>\s*{re.escape(str(escape(SAVED["text_" + locale])))}', page)
    assert count_rows(AuditEvent) == answers_before  # nothing sent before the confirmation

    edited_fr = SAVED["text_fr"] + " Merci."
    response = client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        **selected, "status": "rejected", "answer_en": SAVED["text_en"], "answer_fr": edited_fr,
        "answer_es": SAVED["text_es"], "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    expected = {"en": SAVED["text_en"], "fr": edited_fr, "es": SAVED["text_es"]}
    for amendment in made:
        assert amendment.status is AmendmentStatus.rejected and amendment.answered_by_id == staff.id
        assert amendment.answer == expected[amendment.locale]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "answer")).all()
    assert sorted(e.object_id for e in events) == sorted(a.id for a in made)
    notices = db.session.scalars(sa.select(Notice).where(Notice.kind == "amendment_answered")).all()
    assert len(notices) == 50 and count_rows(Notice) - notices_before == 50
    assert sorted(n.payload["amendment_id"] for n in notices) == sorted(a.id for a in made)
    flashed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "50 amendments answered: Rejected." in flashed or "50 amendments answered" in flashed


def test_an_empty_language_falls_back_to_english(client, staff, open_round, article, make_user):
    made = add_amendments(open_round, article, [make_user()], 3)
    response = client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        "selected": [str(a.id) for a in made], "status": "accepted", "answer_en": "Agreed.",
        "answer_es": "De acuerdo.", "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.answer for a in made] == ["Agreed.", "Agreed.", "De acuerdo."]


def test_refused_ones_are_reported_and_keep_everything(client, staff, open_round, article, make_user):
    author = make_user()
    fine = add_amendments(open_round, article, [author], 3)
    (withdrawn,) = add_amendments(open_round, article, [author], 1, status=AmendmentStatus.withdrawn)
    (own,) = add_amendments(open_round, article, [staff], 1)  # a moderator never answers their own
    (stale,) = add_amendments(open_round, article, [author], 1)
    data = {"selected": [str(a.id) for a in (*fine, withdrawn, own, stale)], "status": "rejected",
            "answer_en": "Not now.", "confirm": "1", f"seen-{stale.id}": "submitted|2020-01-01T00:00:00.000000+00:00"}
    before = count_rows(AuditEvent)
    response = client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data=data)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    for amendment in (withdrawn, own, stale):
        assert f"Amendment {amendment.id} was not answered" in html
    assert "Another moderator answered this amendment meanwhile" in html
    db.session.expire_all()
    assert all(a.status is AmendmentStatus.rejected for a in fine)
    assert withdrawn.status is AmendmentStatus.withdrawn
    assert own.status is AmendmentStatus.submitted and own.answer is None
    assert stale.status is AmendmentStatus.submitted and stale.answer is None
    assert count_rows(AuditEvent) == before + 3


def test_a_bulk_answer_without_a_status_changes_nothing(client, staff, open_round, article, make_user):
    made = add_amendments(open_round, article, [make_user()], 2)
    response = client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        "selected": [str(a.id) for a in made], "answer_en": "Why not.", "confirm": "1"})
    assert response.status_code == 400 and "Choose an answer." in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(a.status is AmendmentStatus.submitted for a in made)


def test_participants_cannot_bulk_answer_or_keep_saved_answers(client, login, make_user, open_round, article):
    made = add_amendments(open_round, article, [make_user()], 2)
    login(make_user())
    assert client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        "selected": [str(a.id) for a in made], "status": "accepted", "confirm": "1"}).status_code == 403
    assert client.get("/moderation/saved-answers").status_code == 403
    assert client.post("/moderation/saved-answers", data=SAVED).status_code == 403
    assert count_rows(SavedAnswer) == 0


def test_saved_answers_are_listed_edited_and_deleted_without_touching_answers(client, staff, open_round, article,
                                                                                make_user):
    assert client.post("/moderation/saved-answers", data=SAVED).status_code == 302
    item = db.session.scalar(sa.select(SavedAnswer))
    assert item.created_by_id == staff.id and item.text("fr") == SAVED["text_fr"]
    assert SAVED["text_es"] in client.get("/moderation/saved-answers").get_data(as_text=True)
    assert client.post(f"/moderation/saved-answers/{item.id}", data={**SAVED, "text_es": ""}).status_code == 302
    db.session.expire_all()
    assert item.text("es") == SAVED["text_en"]  # an empty language falls back to English

    (amendment,) = add_amendments(open_round, article, [make_user()], 1)
    client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        "selected": [str(amendment.id)], "status": "rejected", "answer_en": item.text_en, "confirm": "1"})
    asked = client.get(f"/moderation/saved-answers/{item.id}/delete")  # it asks first, deleting nothing
    assert asked.status_code == 200 and "Delete it" in asked.get_data(as_text=True) and count_rows(SavedAnswer) == 1
    assert client.post(f"/moderation/saved-answers/{item.id}/delete").status_code == 302
    db.session.expire_all()
    assert count_rows(SavedAnswer) == 0
    assert amendment.answer == SAVED["text_en"] and amendment.status is AmendmentStatus.rejected
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"save_answer_template", "delete_answer_template"} <= actions


def test_a_stale_answer_gets_a_conflict_page_with_both_answers(client, staff, open_round, article, make_user):
    (amendment,) = add_amendments(open_round, article, [make_user()], 1)
    html = client.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    seen = re.search(rf'name="a{amendment.id}-seen" type="hidden" value="([^"]*)"', html)[1]
    other = make_user(role=Role.moderator, organisation=None, name="Kofi Mensah")
    moderation.answer(other, amendment, AmendmentStatus.accepted, "Agreed, with thanks.")
    db.session.commit()

    response = client.post(f"/moderation/amendments/{amendment.id}/answer", data={
        f"a{amendment.id}-status": "rejected", f"a{amendment.id}-answer": "No, sorry.", f"a{amendment.id}-seen": seen})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Agreed, with thanks." in page and "No, sorry." in page and "Kofi Mensah" in page
    db.session.expire_all()
    assert amendment.status is AmendmentStatus.accepted and amendment.answered_by_id == other.id

    # "Replace it with my answer" carries the answer now seen: it goes through
    now = re.search(rf'name="a{amendment.id}-seen" value="([^"]*)"', page)[1]
    response = client.post(f"/moderation/amendments/{amendment.id}/answer", data={
        f"a{amendment.id}-status": "rejected", f"a{amendment.id}-answer": "No, sorry.", f"a{amendment.id}-seen": now})
    assert response.status_code == 302
    db.session.expire_all()
    assert amendment.status is AmendmentStatus.rejected and amendment.answered_by_id == staff.id


def test_two_moderators_answering_at_once_one_wins(app, make_user, open_round, article):
    (amendment,) = add_amendments(open_round, article, [make_user()], 1)
    seen, amendment_id, prefix = moderation.answer_version(amendment), amendment.id, f"a{amendment.id}"
    first = logged_in(app, make_user(role=Role.moderator, organisation=None, name="First"))
    second = logged_in(app, make_user(role=Role.moderator, organisation=None, name="Second"))
    db.session.remove()

    def send(client, status, text):
        with app.app_context():
            return client.post(f"/moderation/amendments/{amendment_id}/answer", data={
                f"{prefix}-status": status, f"{prefix}-answer": text, f"{prefix}-seen": seen})

    threads, responses = in_threads(lambda: send(first, "accepted", "Yes, first."),
                                    lambda: send(second, "rejected", "No, second."))
    join(threads)
    assert not any(isinstance(r, Exception) for r in responses), responses
    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409]
    loser = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "Yes, first." in loser and "No, second." in loser
    amendment = db.session.get(Amendment, amendment_id)
    winner = "Yes, first." if responses[0].status_code == 302 else "No, second."
    assert amendment.answer == winner
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "answer")) == 1


# --- apply all that merge cleanly ---------------------------------------------------------------

CLEAN, CONFLICTING, IN_PART = 200, 5, 2


def test_apply_all_that_merge_cleanly(client, login, make_user, make_round, charter_version):
    from consult.models import Incorporation, RoundState
    from tests.conftest import put_round_in_state, start, twin

    article = charter_version.sections[2].articles[0]
    words = [f"w{i}" for i in range(3 * CLEAN)]
    base = "\n\n".join(" ".join(words[i:i + 30]) for i in range(0, len(words), 30))
    text = article.text("en")
    text.body = base
    round_ = make_round(RoundState.open)
    author = make_user()

    def accepted(body, status=AmendmentStatus.accepted):
        return Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale="en", base_title=text.title,
                         base_text=base, title=text.title, body=body, rationale="why", rationale_html="<p>why</p>",
                         author=author, organisation=author.organisation, status=status, answer="ok")

    clean = [accepted(base.replace(f"w{3 * i} ", f"W{3 * i} ", 1) if f"w{3 * i} " in base else
                      base.replace(f"w{3 * i}\n", f"W{3 * i}\n", 1)) for i in range(CLEAN)]
    clash = [accepted(base.replace(f"w{3 * i} ", f"X{3 * i} ", 1)) for i in range(CONFLICTING)]
    in_part = [accepted(base.replace("w1 ", "P1 ", 1), AmendmentStatus.accepted_in_part) for _ in range(IN_PART)]
    db.session.add_all([*clean, *clash, *in_part])
    db.session.commit()
    put_round_in_state(round_, RoundState.closed)
    moderator = make_user(role=Role.moderator, organisation=None)
    new = start(moderator, {"version": charter_version})
    db.session.commit()
    target = twin(new, article)
    login(moderator)

    workbench = client.get(f"/consolidation/articles/{target.id}").get_data(as_text=True)
    assert "Apply all that merge cleanly" in workbench
    preview = client.post(f"/consolidation/articles/{target.id}/apply-all")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    confirmed = re.findall(r'<input type="hidden" name="amendment" value="(\d+)">', page)
    assert sorted(map(int, confirmed)) == sorted(a.id for a in clean)
    assert f"Left for hand work, in conflict: {CONFLICTING}" in page
    assert f"Left for hand work, accepted in part: {IN_PART}" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incorporation)) == 0  # a preview changes nothing

    response = client.post(f"/consolidation/articles/{target.id}/apply-all/confirm", data={"amendment": confirmed})
    assert response.status_code == 302
    db.session.expire_all()
    body = target.text("en").body
    assert all(f"W{3 * i}" in body for i in range(CLEAN)) and "X0" not in body and "P1" not in body
    rows = db.session.scalars(sa.select(Incorporation).where(Incorporation.article_id == target.id)).all()
    assert sorted(r.amendment_id for r in rows) == sorted(a.id for a in clean)
    assert all(a.incorporated_in_id == new.id for a in clean)
    assert all(a.incorporated_in_id is None for a in (*clash, *in_part))
    assert target.text("en").revision == text.revision + 1  # one new revision for the lot

    # confirming the same preview again applies nothing twice
    again = client.post(f"/consolidation/articles/{target.id}/apply-all/confirm", data={"amendment": confirmed})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Incorporation)) == CLEAN


def test_apply_all_that_merge_cleanly_in_every_article_at_once(client, login, make_user, make_round, charter_version):
    from consult.models import Incorporation, RoundState
    from tests.conftest import put_round_in_state, start, twin

    round_ = make_round(RoundState.open)
    author = make_user()
    first, second = charter_version.sections[2].articles[:2]

    def accepted(article, old, new):
        text = article.text("en")
        assert old in text.body
        return Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale="en", base_title=text.title,
                         base_text=text.body, title=text.title, body=text.body.replace(old, new, 1), rationale="why",
                         rationale_html="<p>why</p>", author=author, organisation=author.organisation,
                         status=AmendmentStatus.accepted, answer="ok")

    words = {article.id: article.text("en").body.split() for article in (first, second)}
    clean = [accepted(first, f" {words[first.id][2]} ", f" {words[first.id][2]} CLEAN1 "),
             accepted(second, f" {words[second.id][2]} ", f" {words[second.id][2]} CLEAN2 "),
             accepted(second, f" {words[second.id][-3]} ", f" {words[second.id][-3]} CLEAN3 ")]
    clash = accepted(first, f" {words[first.id][2]} ", f" {words[first.id][2]} CLASH ")
    db.session.add_all([*clean, clash])
    db.session.commit()
    put_round_in_state(round_, RoundState.closed)
    moderator = make_user(role=Role.moderator, organisation=None)
    new = start(moderator, {"version": charter_version})
    db.session.commit()
    login(moderator)

    overview = client.get(f"/consolidation/{new.id}/").get_data(as_text=True)
    assert "Apply all that merge cleanly, in every article" in overview
    preview = client.post(f"/consolidation/{new.id}/apply-all")
    page = preview.get_data(as_text=True)
    confirmed = re.findall(r'<input type="hidden" name="amendment" value="(\d+:\d+)">', page)
    assert sorted(int(v.split(":")[1]) for v in confirmed) == sorted(a.id for a in clean)
    assert "In conflict" in page and f"/amendments/{clash.id}" in page
    assert count_rows(Incorporation) == 0

    # one article's plan differing from what was confirmed: nothing anywhere is applied
    stale = [v for v in confirmed if not v.endswith(f":{clean[2].id}")]
    assert client.post(f"/consolidation/{new.id}/apply-all/confirm", data={"amendment": stale}).status_code == 302
    assert count_rows(Incorporation) == 0

    assert client.post(f"/consolidation/{new.id}/apply-all/confirm", data={"amendment": confirmed}).status_code == 302
    db.session.expire_all()
    assert count_rows(Incorporation) == 3 and clash.incorporated_in_id is None
    assert "CLEAN1" in twin(new, first).text("en").body
    assert "CLEAN2" in twin(new, second).text("en").body and "CLEAN3" in twin(new, second).text("en").body


def test_overlapping_amendments_are_shown_together_and_answered_in_one_step(client, staff, open_round, article,
                                                                             make_user):
    from consult.amendments import services as amendments

    body = article.text("en").body
    sentence = "democratic local community"
    assert sentence in body and "public spaces" in body

    def propose(new_body):
        made, _ = amendments.propose(make_user(), open_round, article, amendments.Proposal(
            AmendmentKind.modify, "en", article.text("en").title, new_body, "why"))
        return made

    a = propose(body.replace(sentence, "democratic and inclusive local community", 1))
    b = propose(body.replace(sentence, "democratic and caring local community", 1))
    c = propose(body.replace(sentence, "democratic and open local community", 1))
    elsewhere = propose(body.replace("public spaces", "public and green spaces", 1))
    db.session.commit()

    html = client.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    from tests.test_triage import form_of
    for one, others in ((a, (b, c)), (b, (a, c)), (c, (a, b))):
        part = form_of(html, one.id)
        assert "Changes the same words as:" in part
        assert all(f'href="#amendment-{other.id}"' in part for other in others)
    assert "Changes the same words as:" not in form_of(html, elsewhere.id)

    group_page = f"/moderation/rounds/{open_round.id}/overlaps/{b.id}"
    assert f'href="{group_page}"' in form_of(html, b.id)
    page = client.get(group_page).get_data(as_text=True)
    assert "<mark>" in page and all(f'name="kept" value="{x.id}"' in page for x in (a, b, c))
    assert f'name="kept" value="{elsewhere.id}"' not in page
    seen = dict(re.findall(r'name="seen-(\d+)" value="([^"]*)"', page))

    # accept A, and B and C duplicates of A, in one step
    notices = count_rows(Notice)
    response = client.post(group_page, data={
        "kept": str(a.id), "accepted_en": "Yes.", "duplicate_en": "The same change as the accepted one.",
        **{f"seen-{key}": value for key, value in seen.items()}})
    assert response.status_code == 302
    db.session.expire_all()
    assert a.status is AmendmentStatus.accepted and a.answer == "Yes."
    assert all(x.status is AmendmentStatus.duplicate and x.duplicate_of_id == a.id for x in (b, c))
    assert b.answer == "The same change as the accepted one."
    assert elsewhere.status is AmendmentStatus.submitted
    assert count_rows(Notice) == notices + 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "answer")) == 3


def test_an_overlap_group_spans_the_triage_pages_and_a_refused_keeper_answers_nobody(
        client, staff, open_round, article, make_user):
    from tests.test_triage import form_of

    authors = [make_user()]
    body = article.text("en").body
    word = body.split(" ")[3]
    made = add_amendments(open_round, article, authors, 45)  # fills the first pages (20 a page)
    late = []
    for insert in ("first", "second"):
        late.append(Amendment(round=open_round, article=article, kind=AmendmentKind.modify, locale="en",
                              base_title=article.text("en").title, base_text=body, title=article.text("en").title,
                              body=body.replace(f" {word} ", f" {insert} {word} ", 1), rationale="r",
                              rationale_html="<p>r</p>", author=authors[0], organisation=authors[0].organisation))
    db.session.add_all(late)
    db.session.commit()
    early, last = made[0], late[0]
    early.body = body.replace(f" {word} ", f" third {word} ", 1)
    db.session.commit()

    first_page = client.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    part = form_of(first_page, early.id)
    assert "Changes the same words as:" in part
    assert f"amendment={last.id}#amendment-{last.id}" in part  # on another page: the triage finds it
    assert f'id="amendment-{last.id}"' not in first_page
    assert "several languages" in first_page

    # the keeper was withdrawn meanwhile: nobody in the group is answered
    group_page = f"/moderation/rounds/{open_round.id}/overlaps/{early.id}"
    seen = dict(re.findall(r'name="seen-(\d+)" value="([^"]*)"', client.get(group_page).get_data(as_text=True)))
    last.status = AmendmentStatus.withdrawn
    db.session.commit()
    response = client.post(group_page, data={"kept": str(last.id), "duplicate_en": "Same.",
                                             **{f"seen-{key}": value for key, value in seen.items()}})
    assert response.status_code == 400  # no longer one to choose from
    db.session.expire_all()
    assert early.status is AmendmentStatus.submitted and late[1].status is AmendmentStatus.submitted


def test_the_moderation_home_shows_each_moderators_progress(client, staff, open_round, article, make_user):
    made = add_amendments(open_round, article, [make_user()], 4)
    client.post(f"/moderation/rounds/{open_round.id}/bulk-answer", data={
        "selected": [str(a.id) for a in made[:3]], "status": "accepted", "answer_en": "Yes.", "confirm": "1"})
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Inès Lambert: 3 answered, 0 waiting" in html and "Saved answers" in html


def test_the_secretariat_assigns_articles_and_each_moderator_finds_theirs(app, client, open_round, make_user, login):
    from consult.models import ArticleAssignment
    from tests.test_hardening_locks import logged_in

    articles = [article for section in open_round.version.sections for article in section.articles]
    first, second = articles[0], articles[1]
    author = make_user()
    add_amendments(open_round, first, [author], 3)
    add_amendments(open_round, second, [author], 2)
    ines = make_user(role=Role.moderator, organisation=None, name="Inès Lambert")
    omar = make_user(role=Role.moderator, organisation=None, name="Omar Haddad")
    participant = make_user(name="Not A Moderator")
    secretariat = make_user(role=Role.secretariat, organisation=None)

    # a moderator cannot assign; nothing changes
    as_ines = logged_in(app, ines)
    refused = as_ines.post(f"/moderation/rounds/{open_round.id}/assignments", data={f"article-{first.id}": ines.id})
    assert refused.status_code == 403 and count_rows(ArticleAssignment) == 0

    login(secretariat)
    page = client.get(f"/moderation/rounds/{open_round.id}/assignments").get_data(as_text=True)
    assert "Omar Haddad" in page and "Not A Moderator" not in page
    assert client.post(f"/moderation/rounds/{open_round.id}/assignments", data={
        f"article-{first.id}": ines.id, f"article-{second.id}": participant.id}).status_code == 302
    assert count_rows(ArticleAssignment) == 1  # a participant is nobody to assign: that article stays free
    client.post(f"/moderation/rounds/{open_round.id}/assignments", data={f"article-{first.id}": participant.id})
    assert db.session.scalar(sa.select(ArticleAssignment.moderator_id)) == ines.id  # nor does it unassign
    assert client.post(f"/moderation/rounds/{open_round.id}/assignments", data={
        "everyone": omar.id, "assign_rest": "1"}).status_code == 302
    holders = dict(db.session.execute(sa.select(ArticleAssignment.article_id, ArticleAssignment.moderator_id)).all())
    assert holders[first.id] == ines.id and holders[second.id] == omar.id and len(holders) == len(articles)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "assign_article")) == len(articles)

    # each moderator's triage, "assigned to me"
    mine = as_ines.get(f"/moderation/rounds/{open_round.id}/triage?assigned=me").get_data(as_text=True)
    assert mine.count('<article class="amendment"') == 3 and "Answered by Inès Lambert" in mine
    everything = as_ines.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    assert everything.count('<article class="amendment"') == 5 and "Answered by Omar Haddad" in everything
    # an answer given from "assigned to me" comes back to it
    target = db.session.scalar(sa.select(Amendment).where(Amendment.article_id == first.id).order_by(Amendment.id))
    back = as_ines.post(f"/moderation/amendments/{target.id}/answer?assigned=me", data={
        f"a{target.id}-status": "accepted", f"a{target.id}-answer": "Yes."})
    assert back.status_code == 302 and "assigned=me" in back.headers["Location"]
    home = as_ines.get("/moderation/").get_data(as_text=True)
    assert "Inès Lambert: 1 answered, 2 waiting" in home and "Omar Haddad: 0 answered, 2 waiting" in home
