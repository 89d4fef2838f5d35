"""Role × round state × action, decided in consult/permissions.py."""

import pytest
from flask_login import AnonymousUserMixin

from consult.extensions import db
from consult.models import Amendment, AmendmentKind, AmendmentStatus, Comment, Region, Role, RoundState
from consult.permissions import Action, decide

PARTICIPATION = [Action.propose_amendment, Action.comment, Action.support_amendment]
STATES = [RoundState.scheduled, RoundState.open, RoundState.closed]
PEOPLE = ["visitor", "asia-participant", "europe-participant", "individual", "moderator", "secretariat"]


@pytest.fixture
def people(make_user, make_organisation):
    asia = make_organisation(region=Region.asia_pacific)
    europe = make_organisation(region=Region.europe)
    return {
        "visitor": AnonymousUserMixin(),
        "asia-participant": make_user(organisation=asia),
        "europe-participant": make_user(organisation=europe),
        "individual": make_user(organisation=None),
        "moderator": make_user(role=Role.moderator, organisation=None),
        "secretariat": make_user(role=Role.secretariat, organisation=None),
    }


def expected_participation(person: str, state: RoundState, restricted: bool) -> bool:
    if person == "visitor" or state is not RoundState.open:
        return False
    if person in ("moderator", "secretariat"):
        return True
    return not restricted or person == "asia-participant"


@pytest.mark.parametrize("restricted", [False, True], ids=["global", "asia-pacific-only"])
@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
def test_participation_matrix(people, make_round, state, restricted):
    round_ = make_round(state, region=Region.asia_pacific if restricted else Region.global_, restricted_to_region=restricted)
    wrong = []
    for person in PEOPLE:
        for action in PARTICIPATION:
            decision = decide(people[person], action, round_)
            if bool(decision) is not expected_participation(person, state, restricted):
                wrong.append((person, action.value, bool(decision)))
            if not decision and not str(decision.reason):
                wrong.append((person, action.value, "refused without a reason"))
    assert wrong == []


@pytest.mark.parametrize("flag, action", [
    ("allows_amendments", Action.propose_amendment),
    ("allows_comments", Action.comment),
    ("allows_supports", Action.support_amendment),
])
def test_a_round_can_switch_off_each_kind_of_contribution(people, make_round, flag, action):
    round_ = make_round(RoundState.open, **{flag: False})
    assert not decide(people["europe-participant"], action, round_)
    other = next(a for a in PARTICIPATION if a is not action)
    assert decide(people["europe-participant"], other, round_)


def test_verified_organisation_required_for_amendments_when_the_round_says_so(make_user, make_organisation, make_round):
    round_ = make_round(RoundState.open, requires_verified_organisation=True)
    unverified = make_user(organisation=make_organisation(verified=False))
    verified = make_user(organisation=make_organisation(verified=True))
    assert not decide(unverified, Action.propose_amendment, round_)
    assert decide(unverified, Action.comment, round_)
    assert decide(verified, Action.propose_amendment, round_)


def _amendment(round_, author, status=AmendmentStatus.submitted):
    article = round_.version.sections[2].articles[0]
    amendment = Amendment(round=round_, article=article, kind=AmendmentKind.modify, locale="en", base_text="a",
                          title="t", body="b", author=author, status=status)
    db.session.add(amendment)
    db.session.commit()
    return amendment


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
def test_only_the_author_edits_an_unanswered_amendment_while_the_round_is_open(people, make_round, state):
    round_ = make_round(state)
    author = people["europe-participant"]
    amendment = _amendment(round_, author)
    for action in (Action.edit_amendment, Action.withdraw_amendment):
        assert bool(decide(author, action, amendment)) is (state is RoundState.open)
        assert not decide(people["asia-participant"], action, amendment)
        assert not decide(people["moderator"], action, amendment)


def test_an_answered_amendment_can_no_longer_be_edited(people, make_round):
    amendment = _amendment(make_round(RoundState.open), people["europe-participant"], AmendmentStatus.accepted)
    assert not decide(people["europe-participant"], Action.edit_amendment, amendment)


def test_own_comments_are_edited_and_deleted_by_their_author_only(people, make_round):
    round_ = make_round(RoundState.open)
    author = people["individual"]
    comment = Comment(round=round_, article=round_.version.sections[0].articles[0], author=author, locale="en",
                      body="x", body_html="<p>x</p>")
    db.session.add(comment)
    db.session.commit()
    assert decide(author, Action.edit_comment, comment) and decide(author, Action.delete_comment, comment)
    assert not decide(people["europe-participant"], Action.edit_comment, comment)


@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
def test_closed_rounds_are_read_only_for_moderators_except_answering_and_hiding(people, make_round, state):
    round_ = make_round(state)
    amendment = _amendment(round_, people["europe-participant"])
    moderator = people["moderator"]
    assert bool(decide(moderator, Action.close_round, round_)) is (state is RoundState.open)
    assert bool(decide(moderator, Action.record_on_behalf, round_)) is (state is RoundState.open)
    assert bool(decide(moderator, Action.answer_amendment, amendment)) is (state is not RoundState.scheduled)
    assert decide(moderator, Action.moderate, amendment)


@pytest.mark.parametrize("action", [Action.manage_rounds, Action.manage_versions, Action.manage_users, Action.export_all])
def test_secretariat_actions(people, action):
    allowed = {p for p in PEOPLE if decide(people[p], action)}
    assert allowed == {"secretariat"}


@pytest.mark.parametrize("action", [Action.moderate, Action.consolidate, Action.view_audit_log])
def test_moderator_actions(people, action):
    allowed = {p for p in PEOPLE if decide(people[p], action)}
    assert allowed == {"moderator", "secretariat"}


def test_drafts_are_hidden_from_the_public(people, charter_version):
    from consult.models import VersionState

    charter_version.state = VersionState.draft
    assert not decide(people["visitor"], Action.view_version, charter_version)
    assert not decide(people["europe-participant"], Action.view_version, charter_version)
    assert decide(people["moderator"], Action.view_version, charter_version)
    charter_version.state = VersionState.published
    assert decide(people["visitor"], Action.view_version, charter_version)


# --- decisions on one's own contribution, and hidden targets, through the real requests ------


def _client_of(app, user):
    client = app.test_client()
    response = client.post("/account/login", data={"email": user.email, "password": "a long enough password"})
    assert response.status_code == 302
    return client


def _snapshot(*items) -> list:
    """What a refused act must leave as it was: the contributions' decisions and the audit log."""
    from consult.models import AuditEvent
    from tests.conftest import count_rows

    db.session.expire_all()
    return [(i.visibility, i.hidden_reason, getattr(i, "status", None), getattr(i, "answer", None)) for i in items] + [
        count_rows(AuditEvent)]


JUDGES = ["author", "colleague", "other"]  # a moderator who wrote it, one of the author's organisation, anyone else
JUDGEMENTS = ["answer", "hide-amendment", "hide-comment", "restore-comment"]


@pytest.fixture
def judged(make_user, make_organisation, make_round):
    """An amendment and a comment by a moderator of an organisation, a colleague of that organisation,
    a third moderator."""
    from consult.amendments import services as amendments
    from consult.comments import services as comments

    organisation = make_organisation()
    author = make_user(role=Role.moderator, organisation=organisation)
    round_ = make_round(RoundState.open)
    article = round_.version.sections[2].articles[0]
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "t", article.text("en").body + " More.", "why"))
    comment, _ = comments.post(author, round_, article, body="Mine", locale="en")
    db.session.commit()
    return {"round": round_, "amendment": amendment, "comment": comment, "author": author,
            "colleague": make_user(role=Role.moderator, organisation=organisation),
            "other": make_user(role=Role.moderator, organisation=None)}


@pytest.mark.parametrize("judge", JUDGES)
@pytest.mark.parametrize("act", JUDGEMENTS)
@pytest.mark.parametrize("state", [RoundState.open, RoundState.closed], ids=lambda s: s.value)
def test_nobody_decides_on_their_own_or_their_organisations_contribution(app, judged, state, act, judge):
    from consult.moderation import services as moderation
    from tests.conftest import put_round_in_state

    amendment, comment = judged["amendment"], judged["comment"]
    if act == "restore-comment":
        moderation.hide(judged["other"], comment, "Off topic")
        db.session.commit()
    put_round_in_state(judged["round"], state)
    url, data = {
        "answer": (f"/moderation/amendments/{amendment.id}/answer",
                   {f"a{amendment.id}-status": "accepted", f"a{amendment.id}-answer": "Good."}),
        "hide-amendment": (f"/moderation/amendments/{amendment.id}/hide", {"reason": "Spam"}),
        "hide-comment": (f"/moderation/comments/{comment.id}/hide", {"reason": "Spam"}),
        "restore-comment": (f"/moderation/comments/{comment.id}/restore", {"reason": "Fine after all"}),
    }[act]
    before = _snapshot(amendment, comment)
    response = _client_of(app, judged[judge]).post(url, data=data)
    if judge == "other":
        assert response.status_code == 302 and _snapshot(amendment, comment) != before
    else:
        assert response.status_code == 403 and _snapshot(amendment, comment) == before
        assert b"another moderator decides" in response.data


def test_the_decision_is_refused_in_permissions_and_the_buttons_follow(judged):
    for judge, allowed in (("author", False), ("colleague", False), ("other", True)):
        for action in (Action.answer_amendment, Action.moderate, Action.consolidate):
            for target in (judged["amendment"], judged["comment"]):
                assert bool(decide(judged[judge], action, target)) is allowed, (judge, action, target)
        assert decide(judged[judge], Action.moderate)  # the queue itself stays open to every moderator


@pytest.mark.parametrize("judge", JUDGES)
def test_nobody_incorporates_their_own_amendment(app, make_user, moderator, consulted, judge):
    from consult.models import Organisation
    from tests.conftest import start, twin

    author_organisation = db.session.get(Organisation, consulted["first"].organisation_id)
    judges = {"author": consulted["first"].author,
              "colleague": make_user(role=Role.moderator, organisation=author_organisation),
              "other": make_user(role=Role.moderator, organisation=None)}
    if judge == "author":
        judges["author"].role = Role.moderator
    db.session.commit()
    new = start(moderator, consulted)
    db.session.commit()
    article, amendment = twin(new, consulted["article"]), consulted["first"]
    text = article.text("en")
    response = _client_of(app, judges[judge]).post(
        f"/consolidation/articles/{article.id}/incorporate/{amendment.id}",
        data={"title": text.title, "body": amendment.body, "revision": text.revision})
    db.session.expire_all()
    assert (response.status_code, amendment.incorporated_in_id is not None) == (
        (302, True) if judge == "other" else (403, False))


HIDDEN_TARGETS = ["support-hidden-amendment", "comment-on-hidden-amendment", "reply-to-hidden-comment",
                  "reply-under-hidden-comment", "reply-to-comment-on-hidden-amendment"]


@pytest.mark.parametrize("person", ["participant", "moderator"])
@pytest.mark.parametrize("act", HIDDEN_TARGETS)
def test_hidden_contributions_cannot_be_acted_on_by_number(app, make_user, make_round, person, act):
    from consult.amendments import services as amendments
    from consult.comments import services as comments
    from consult.moderation import services as moderation
    from consult.models import Support
    from tests.conftest import count_rows

    round_ = make_round(RoundState.open)
    article = round_.version.sections[2].articles[0]
    author, hider = make_user(), make_user(role=Role.moderator, organisation=None)
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.delete, "en", "", "", "why"))
    on_article, _ = comments.post(author, round_, article, body="Visible first", locale="en")
    reply, _ = comments.post(author, round_, article, body="A reply", locale="en", parent=on_article)
    on_amendment, _ = comments.post(author, round_, article, body="On the amendment", locale="en", amendment=amendment)
    hidden = amendment if "amendment" in act else on_article
    moderation.hide(hider, hidden, "Insult")
    db.session.commit()
    actor = make_user() if person == "participant" else make_user(role=Role.moderator, organisation=None)
    client = _client_of(app, actor)
    base = {"round_id": round_.id, "article_id": article.id, "locale": "en", "body": "Kept text", "token": "t",
            "submit": "1"}
    url, data = {
        "support-hidden-amendment": (f"/amendments/{amendment.id}/support", {}),
        "comment-on-hidden-amendment": ("/comments", {**base, "amendment_id": amendment.id}),
        "reply-to-hidden-comment": ("/comments", {**base, "parent_id": on_article.id}),
        "reply-under-hidden-comment": ("/comments", {**base, "parent_id": reply.id}),
        "reply-to-comment-on-hidden-amendment": ("/comments", {**base, "amendment_id": amendment.id,
                                                               "parent_id": on_amendment.id}),
    }[act]
    before = (count_rows(Support), count_rows(Comment))
    response = client.post(url, data=data)
    assert response.status_code == 403
    assert (count_rows(Support), count_rows(Comment)) == before
    assert not decide(actor, Action.support_amendment if act.startswith("support") else Action.comment,
                      amendment if "amendment" in act and "reply" not in act else on_amendment if "amendment" in act
                      else reply if "under" in act else on_article)
    if url == "/comments":  # the text comes back, in the main comment form when no reply form is offered
        assert "Kept text" in response.get_data(as_text=True)


# --- joining an organisation: a pending request gives nothing; who decides on it ----------------


@pytest.fixture
def asia_request(make_user, make_organisation, make_round):
    """A verified Asia-Pacific organisation with its contact and a member's amendment in the region's
    restricted round, and a person whose request to join it is pending."""
    from consult.accounts import services as accounts
    from consult.amendments import services as amendments

    asia = make_organisation(region=Region.asia_pacific)
    contact = make_user(organisation=asia)
    contact.is_contact = True
    round_ = make_round(RoundState.open, region=Region.asia_pacific, restricted_to_region=True)
    article = round_.version.sections[2].articles[0]
    amendment, _ = amendments.propose(contact, round_, article, amendments.Proposal(
        AmendmentKind.delete, "en", "", "", "why"))
    pending = make_user(organisation=None)
    accounts.request_membership(pending, asia)
    db.session.commit()
    return {"organisation": asia, "contact": contact, "round": round_, "article": article, "amendment": amendment,
            "pending": pending}


def _participate(client, action: Action, ctx) -> int:
    article, round_ = ctx["article"], ctx["round"]
    if action is Action.propose_amendment:
        return client.post(f"/charter/articles/{article.id}/amend?round={round_.id}&kind=delete",
                           data={"locale": "en", "rationale": "Remove it", "token": "t-propose",
                                 "submit": "1"}).status_code
    if action is Action.comment:
        return client.post("/comments", data={"round_id": round_.id, "article_id": article.id, "locale": "en",
                                              "body": "A comment", "token": "t-comment", "submit": "1"}).status_code
    return client.post(f"/amendments/{ctx['amendment'].id}/support").status_code


@pytest.mark.parametrize("action", PARTICIPATION, ids=lambda a: a.value)
def test_pending_membership_gives_nothing_in_a_restricted_round(app, asia_request, action):
    from consult.accounts import services as accounts
    from consult.models import Support
    from tests.conftest import count_rows

    pending = asia_request["pending"]
    assert not decide(pending, action, asia_request["round"])
    client = _client_of(app, pending)
    before = (count_rows(Amendment), count_rows(Comment), count_rows(Support))
    assert _participate(client, action, asia_request) == 403
    assert (count_rows(Amendment), count_rows(Comment), count_rows(Support)) == before

    accounts.approve_membership(asia_request["contact"], pending, asia_request["contact"].organisation)  # approved: now it counts
    db.session.commit()
    assert decide(pending, action, asia_request["round"])
    assert _participate(client, action, asia_request) == 302
    assert (count_rows(Amendment), count_rows(Comment), count_rows(Support)) != before


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "unverified"])
def test_who_decides_on_a_request_to_join(asia_request, make_user, make_organisation, verified):
    organisation = asia_request["organisation"]
    organisation.verified_at = organisation.verified_at if verified else None
    other_contact = make_user(organisation=make_organisation())
    other_contact.is_contact = True
    people = {
        "visitor": AnonymousUserMixin(),
        "requester": asia_request["pending"],
        "member": make_user(organisation=organisation),
        "contact": asia_request["contact"],
        "other-contact": other_contact,
        "moderator": make_user(role=Role.moderator, organisation=organisation),
        "secretariat": make_user(role=Role.secretariat, organisation=None),
    }
    allowed = {p for p, user in people.items() if decide(user, Action.decide_membership, organisation)}
    assert allowed == ({"contact", "secretariat"} if verified else {"secretariat"})
    assert all(str(decide(people[p], Action.decide_membership, organisation).reason) for p in set(people) - allowed)


@pytest.mark.parametrize("decision", ["approve", "refuse"])
@pytest.mark.parametrize("decider", ["requester", "member", "moderator", "contact-unverified"])
def test_a_refused_decision_on_a_request_changes_nothing(app, asia_request, make_user, decider, decision):
    from consult.models import AuditEvent
    from tests.conftest import count_rows

    organisation, pending = asia_request["organisation"], asia_request["pending"]
    if decider == "contact-unverified":
        organisation.verified_at = None
        db.session.commit()
    actor = {"requester": pending, "contact-unverified": asia_request["contact"]}.get(decider) or make_user(
        role=Role.moderator if decider == "moderator" else Role.participant, organisation=organisation)
    response = _client_of(app, actor).post(f"/account/organisations/{organisation.id}/requests/{pending.id}/{decision}")
    assert response.status_code == 403
    db.session.expire_all()
    assert (pending.organisation_id, pending.requested_organisation_id, count_rows(AuditEvent)) == (
        None, organisation.id, 0)
