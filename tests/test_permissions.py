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
