"""Consolidation: merging accepted amendments, conflicts, structure, translations, publishing."""

import threading

import pytest
import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.charter import services as charter
from consult.consolidation import services as consolidation
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Article, AuditEvent, Incorporation, Role, RoundState, TextStatus,
    VersionState,
)
from tests.conftest import incorporate_clean, publish_with_first_amendment, put_round_in_state, start, twin


def test_starting_copies_every_article_with_its_lineage(moderator, consulted):
    new = start(moderator, consulted)
    old_articles = consolidation.articles(consulted["version"])
    new_articles = consolidation.articles(new)
    assert [(a.number, a.lineage_id) for a in old_articles] == [(a.number, a.lineage_id) for a in new_articles]
    assert new.state is VersionState.consolidating and new.based_on_id == consulted["version"].id
    assert db.session.scalar(sa.select(AuditEvent.action)) is not None
    with pytest.raises(consolidation.ConsolidationError):
        start(moderator, consulted)  # only once


def test_consolidation_waits_for_rounds_to_close(moderator, make_round, charter_version):
    make_round(RoundState.open)
    assert not consolidation.can_start(charter_version)


def test_merging_clean_changes_then_meeting_a_conflict(moderator, consulted):
    new = start(moderator, consulted)
    article = twin(new, consulted["article"])
    incorporate_clean(moderator, article, consulted["first"])
    incorporate_clean(moderator, article, consulted["second"])
    text = article.text("en").body
    assert "democratic and inclusive local community" in text and "public and green spaces" in text

    title, body = consolidation.preview(article, consulted["third"])
    assert not body.clean and body.conflicts and body.text == text  # reported, nothing applied
    resolved = text.replace("democratic and inclusive", "democratic, inclusive and caring")
    consolidation.incorporate(moderator, article, consulted["third"], title=article.text("en").title, body=resolved,
                              expected_revision=article.text("en").revision)
    assert {i.amendment_id for i in db.session.scalars(sa.select(Incorporation))} == {
        consulted["first"].id, consulted["second"].id, consulted["third"].id}
    assert consulted["first"].incorporated_in_id == new.id
    with pytest.raises(consolidation.ConsolidationError):  # never twice
        incorporate_clean(moderator, article, consulted["first"])


def test_changing_one_language_marks_the_others_outdated_until_updated(moderator, consulted):
    new = start(moderator, consulted)
    article = twin(new, consulted["article"])
    old_en = article.text("en").body
    incorporate_clean(moderator, article, consulted["first"])
    fr, es = article.text("fr"), article.text("es")
    assert fr.status is TextStatus.outdated and es.status is TextStatus.outdated
    assert fr.outdated_by == "en" and fr.outdated_from == old_en
    consolidation.save_text(moderator, article, "fr", title=fr.title, body=fr.body.replace("démocratique", "démocratique et inclusive", 1),
                            expected_revision=fr.revision)
    assert fr.status is TextStatus.current and fr.outdated_by is None
    assert article.text("en").status is TextStatus.outdated  # the English now lags the French change


def test_two_moderators_saving_the_same_text(app, moderator, make_user, consulted):
    new = start(moderator, consulted)
    db.session.commit()
    article_id = twin(new, consulted["article"]).id
    revision = twin(new, consulted["article"]).text("en").revision
    other = make_user(role=Role.moderator, organisation=None)
    ids = {"first": moderator.id, "second": other.id}
    outcomes = {}
    barrier = threading.Barrier(2)
    db.session.remove()

    def save(name):
        from consult.models import User

        with app.app_context():
            barrier.wait()  # both opened the form at `revision`; now both save
            try:
                article = consolidation.load_article(article_id)
                consolidation.save_text(db.session.get(User, ids[name]), article, "en", title="T",
                                        body=f"Text by the {name} moderator.", expected_revision=revision)
                db.session.commit()
                outcomes[name] = "saved"
            except charter.StaleText as stale:
                db.session.rollback()
                outcomes[name] = ("stale", stale.current.body)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(n,)) for n in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o if o == "saved" else o[0] for o in outcomes.values()) == ["saved", "stale"]
    loser = next(o for o in outcomes.values() if o != "saved")
    assert loser[1].startswith("Text by the")  # the second sees what the first saved


def test_the_second_save_gets_the_conflict_page_with_both_texts(client, login, moderator, consulted):
    new = start(moderator, consulted)
    db.session.commit()
    article = twin(new, consulted["article"])
    revision = article.text("en").revision
    login(moderator)
    url = f"/consolidation/articles/{article.id}/text?locale=en"
    assert client.post(url, data={"title": "T", "body": "First moderator's text.", "revision": revision}).status_code == 302
    second = client.post(url, data={"title": "T", "body": "Second moderator's text.", "revision": revision})
    page = second.get_data(as_text=True)
    assert second.status_code == 409 and "Second moderator&#39;s text." in page and "First" in page
    db.session.expire_all()
    assert twin(new, consulted["article"]).text("en").body == "First moderator's text."


def test_structure_new_article_renumber_move_delete(moderator, consulted):
    new = start(moderator, consulted)
    article = twin(new, consulted["article"])
    added = consolidation.add_article(moderator, article, number="I bis",
                                      texts={"en": ("Right to digital inclusion", "1. Everyone...")},
                                      from_amendment=consulted["new_article"])
    numbers = [a.number for a in consolidation.articles(new)]
    assert numbers[numbers.index("I") + 1] == "I bis"
    assert added.exact_text("fr").status is TextStatus.outdated and added.text("en").title == "Right to digital inclusion"
    assert consulted["new_article"].incorporated_in_id == new.id
    consolidation.renumber(moderator, added, "II")
    lineage = added.lineage_id
    final_section = charter.load_version(new)[-1]
    consolidation.move_article(moderator, added, section=final_section)
    moved = db.session.scalar(sa.select(Article).where(Article.lineage_id == lineage))
    assert moved.section_id == final_section.id and moved.number == "II"
    preamble = charter.load_version(new)[0].articles[0]
    consolidation.delete_article(moderator, preamble)
    assert db.session.scalar(sa.select(Article).where(Article.id == preamble.id)) is None
    assert twin(consulted["version"], preamble) is not None  # the consulted version keeps it


def test_publishing_is_refused_while_amendments_are_pending(moderator, secretariat, consulted):
    new = start(moderator, consulted)
    with pytest.raises(consolidation.ConsolidationError) as refused:
        consolidation.publish(secretariat, new)
    assert refused.value.code == "pending" and refused.value.details["count"] == 4
    article = twin(new, consulted["article"])
    incorporate_clean(moderator, article, consulted["first"])
    for key in ("second", "third", "new_article"):
        consolidation.set_aside(moderator, consulted[key], "Covered elsewhere")
    with pytest.raises(consolidation.ConsolidationError) as warned:
        consolidation.publish(secretariat, new)
    assert warned.value.code == "outdated"
    consolidation.publish(secretariat, new, despite_outdated=True)
    assert new.state is VersionState.published and consulted["version"].state is VersionState.archived


def test_the_public_sees_history_redline_and_provenance(client, moderator, secretariat, consulted):
    new, article = publish_with_first_amendment(moderator, secretariat, consulted)
    page = client.get(f"/charter/articles/{article.id}").get_data(as_text=True)
    assert f"Amendment {consulted['first'].id}" in page and "Where this text comes from" in page
    compare = client.get(f"/charter/compare?from={consulted['version'].id}&to={new.id}&article={article.lineage_id}")
    html = compare.get_data(as_text=True)
    assert compare.status_code == 200 and "<ins>" in html and "inclusive" in html
    assert "Incorporated in Consolidated" in client.get(f"/amendments/{consulted['first'].id}").get_data(as_text=True)
    assert client.get("/charter/history").status_code == 200


def test_drafts_under_consolidation_are_not_public(client, moderator, consulted):
    new = start(moderator, consulted)
    db.session.commit()
    assert client.get(f"/charter/versions/{new.id}/").status_code in (302, 401)


def test_unanswered_amendments_can_be_proposed_again_on_the_new_text(client, login, make_user, make_round, moderator,
                                                                    secretariat, consulted):
    round_ = consulted["first"].round
    put_round_in_state(round_, RoundState.open)
    author = make_user()
    old_article = consulted["article"]
    old, _ = amendments.propose(author, round_, old_article, amendments.Proposal(
        AmendmentKind.modify, "en", old_article.text("en").title,
        old_article.text("en").body.replace("urban resources", "urban and natural resources", 1), "Nature"))
    put_round_in_state(round_, RoundState.closed)
    new = start(moderator, consulted)
    article = twin(new, old_article)
    incorporate_clean(moderator, article, consulted["first"])
    for key in ("second", "third", "new_article"):
        consolidation.set_aside(moderator, consulted[key], "Later")
    consolidation.publish(secretariat, new, despite_outdated=True)
    db.session.commit()
    new_round = make_round(RoundState.open)
    new_round.version = new
    db.session.commit()

    login(author)
    page = client.get(f"/charter/articles/{article.id}?round={new_round.id}").get_data(as_text=True)
    assert "Amendments based on an older text" in page and "Propose it again" in page
    response = client.post(f"/amendments/{old.id}/repropose", data={"round": new_round.id, "article_id": article.id})
    assert response.status_code == 302
    again = db.session.scalar(sa.select(Amendment).where(Amendment.round_id == new_round.id))
    assert again.base_text == article.text("en").body
    assert "urban and natural resources" in again.body and "inclusive" in again.body


def test_the_workbench_acts_only_on_pending_accepted_amendments_of_the_article(client, login, moderator, make_user, consulted):
    new = start(moderator, consulted)
    rejected = db.session.scalar(sa.select(Amendment).where(Amendment.status == AmendmentStatus.rejected))
    db.session.commit()
    login(moderator)
    article = twin(new, consulted["article"])
    other = consolidation.articles(new)[0]
    assert client.post(f"/consolidation/articles/{article.id}/apply/{rejected.id}").status_code == 404
    assert client.post(f"/consolidation/articles/{other.id}/apply/{consulted['first'].id}").status_code == 404
    assert client.post(f"/consolidation/articles/{other.id}/delete", data={"amendment_id": consulted["first"].id}).status_code == 404
    assert client.post(f"/consolidation/amendments/{rejected.id}/set-aside",
                       data={"article_id": article.id, "reason": "x"}).status_code == 404
    db.session.expire_all()
    assert rejected.set_aside_reason is None and rejected.incorporated_in_id is None
    assert db.session.get(Article, other.id) is not None


def test_an_amendment_accepted_in_part_opens_in_an_editor_and_only_the_confirmed_text_is_saved(
        client, login, moderator, consulted):
    """Its refused clauses must not reach the new version: the merge result is offered for editing
    beside the public answer, and nothing is saved until the moderator confirms their text."""
    second = consulted["second"]  # "public and green spaces"
    second.status = AmendmentStatus.accepted_in_part
    second.answer = "Accepted for green spaces; the rest is refused."
    second.answer_html = "<p>Accepted for green spaces; the rest is refused.</p>"
    new = start(moderator, consulted)
    db.session.commit()
    article = twin(new, consulted["article"])
    before = (article.text("en").body, article.text("en").revision)
    login(moderator)

    page = client.post(f"/consolidation/articles/{article.id}/apply/{second.id}").get_data(as_text=True)
    assert "accepted in part" in page and "Accepted for green spaces; the rest is refused." in page
    assert 'id="in-part-body"' in page and "public and green spaces" in page
    db.session.expire_all()
    assert (article.text("en").body, article.text("en").revision) == before

    kept = before[0].replace("public spaces", "green spaces", 1)
    response = client.post(f"/consolidation/articles/{article.id}/incorporate/{second.id}",
                           data={"title": article.text("en").title, "body": kept, "revision": before[1]})
    assert response.status_code == 302
    db.session.expire_all()
    assert twin(new, consulted["article"]).text("en").body == kept
    assert [a.id for _, a in consolidation.provenance(article)] == [second.id]
    assert "Accepted in part" in client.get(f"/charter/articles/{article.id}").get_data(as_text=True)
