"""Joining an organisation is a request that its contact (once it is verified) or the secretariat
decides on; until then the person is an individual."""

import pytest
import sqlalchemy as sa
from flask import render_template_string

from consult.accounts import services as accounts
from consult.extensions import db
from consult.models import AuditEvent, Organisation, Region, Role, RoundState, User
from consult.permissions import Action, decide
from tests.conftest import PASSWORD, confirm_address, count_rows
from tests.test_accounts import registration

PARTICIPATION = [Action.propose_amendment, Action.comment, Action.support_amendment]


def client_of(app, user):
    client = app.test_client()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def gwangju(make_organisation, make_user):
    """A verified Asia-Pacific city with a contact."""
    city = make_organisation(name="Gwangju Metropolitan City", region=Region.asia_pacific, country="KR")
    contact = make_user(organisation=city, email="contact@gwangju.example")
    contact.is_contact = True
    db.session.commit()
    return city


def register_for(client, organisation, email="newcomer@example.org"):
    response = client.post("/account/register", data=registration(
        email=email, affiliation="existing", organisation_id=str(organisation.id), locale="en"))
    assert response.status_code == 302
    confirm_address(client, email)
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_a_request_gives_nothing_until_the_contact_approves_it(app, client, gwangju, make_round):
    round_ = make_round(RoundState.open, region=Region.asia_pacific, restricted_to_region=True)
    person = register_for(client, gwangju)
    assert person.organisation is None and person.requested_organisation == gwangju
    for action in PARTICIPATION:
        decision = decide(person, action, round_)
        assert not decision and "still waiting" in str(decision.reason)

    contact = gwangju.contact
    response = client_of(app, contact).post(f"/account/organisations/{gwangju.id}/requests/{person.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert person.organisation == gwangju and person.requested_organisation is None and person.requested_at is None
    assert all(decide(person, action, round_) for action in PARTICIPATION)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "approve_membership"))
    assert (event.actor_id, event.object_id, event.payload["organisation_id"]) == (contact.id, person.id, gwangju.id)


def test_requires_verified_organisation_counts_only_approved_membership(client, gwangju, make_round):
    round_ = make_round(RoundState.open, requires_verified_organisation=True)
    person = register_for(client, gwangju)
    assert not decide(person, Action.propose_amendment, round_)
    accounts.approve_membership(gwangju.contact, person, gwangju)
    assert decide(person, Action.propose_amendment, round_)


def test_the_contact_of_an_unverified_organisation_cannot_decide_the_secretariat_can(
        app, client, make_organisation, make_user, secretariat):
    unverified = make_organisation(verified=False)
    contact = make_user(organisation=unverified)
    contact.is_contact = True
    db.session.commit()
    person = register_for(client, unverified)
    url = f"/account/organisations/{unverified.id}/requests/{person.id}/approve"

    refused = client_of(app, contact).post(url)
    assert refused.status_code == 403 and b"not verified yet" in refused.data
    assert client_of(app, contact).get(f"/account/organisations/{unverified.id}/requests").status_code == 403
    db.session.expire_all()
    assert person.organisation is None and person.requested_organisation == unverified
    assert count_rows(AuditEvent) == 0

    assert client_of(app, secretariat).post(url).status_code == 302
    db.session.expire_all()
    assert person.organisation == unverified


@pytest.mark.parametrize("decider", ["member", "other-contact", "requester"])
def test_no_one_else_decides(app, client, gwangju, make_organisation, make_user, decider):
    other = make_organisation(region=Region.asia_pacific)
    other_contact = make_user(organisation=other)
    other_contact.is_contact = True
    db.session.commit()
    person = register_for(client, gwangju)
    actor = {"member": lambda: make_user(organisation=gwangju), "other-contact": lambda: other_contact,
             "requester": lambda: person}[decider]()
    assert not decide(actor, Action.decide_membership, gwangju)
    response = client_of(app, actor).post(f"/account/organisations/{gwangju.id}/requests/{person.id}/approve")
    assert response.status_code == 403
    db.session.expire_all()
    assert person.organisation is None and person.requested_organisation == gwangju and count_rows(AuditEvent) == 0


def test_a_contact_decides_only_on_requests_to_their_own_organisation(app, client, gwangju, make_organisation):
    other = make_organisation()
    person = register_for(client, other)
    # The URL names the contact's organisation, but the request is to another one: nothing happens.
    response = client_of(app, gwangju.contact).post(f"/account/organisations/{gwangju.id}/requests/{person.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    assert person.organisation is None and person.requested_organisation == other and count_rows(AuditEvent) == 0


def test_refusing_clears_the_request_and_is_audited(app, client, gwangju):
    person = register_for(client, gwangju)
    response = client_of(app, gwangju.contact).post(f"/account/organisations/{gwangju.id}/requests/{person.id}/refuse")
    assert response.status_code == 302
    db.session.expire_all()
    assert person.organisation is None and person.requested_organisation is None
    assert db.session.scalar(sa.select(AuditEvent.action)) == "refuse_membership"


def test_a_person_cancels_and_asks_another_organisation_one_request_at_a_time(app, client, gwangju, make_organisation):
    other = make_organisation(name="Seoul Metropolitan Government")
    person = register_for(client, gwangju)
    own = client_of(app, person)
    page = own.get("/account/settings").get_data(as_text=True)
    assert "You asked to join Gwangju Metropolitan City" in page and "Cancel the request" in page

    own.post("/account/membership/request", data={"organisation_id": other.id})
    db.session.expire_all()
    assert person.requested_organisation == gwangju  # one at a time

    assert own.post("/account/membership/cancel").status_code == 302
    db.session.expire_all()
    assert person.requested_organisation is None and person.organisation is None
    assert own.post("/account/membership/request", data={"organisation_id": other.id}).status_code == 302
    db.session.expire_all()
    assert person.requested_organisation == other and person.organisation is None
    assert own.post("/account/membership/request", data={"organisation_id": 0}).status_code == 400


def test_moving_to_another_organisation_leaves_the_contact_role_behind(gwangju, make_user, secretariat):
    contact = gwangju.contact
    seoul = db.session.get(Organisation, make_user().organisation_id)
    accounts.request_membership(contact, seoul)
    assert contact.organisation == gwangju  # still a member meanwhile
    accounts.approve_membership(secretariat, contact, seoul)
    db.session.commit()
    assert contact.organisation == seoul and not contact.is_contact
    db.session.expire_all()
    assert gwangju.contact is None


@pytest.mark.parametrize("typed", ["gwangju metropolitan city", "  GWANGJU   Metropolitan City ",
                                   "Gwangjú Metropolitan-City", "Gwangju Metropolitan City."])
def test_a_taken_name_becomes_a_request_to_join_the_organisation(client, gwangju, typed):
    response = client.post("/account/register", data=registration(
        email="squatter@example.org", affiliation="new", organisation_name=typed, organisation_region="africa"))
    assert response.status_code == 302
    assert count_rows(Organisation) == 1
    squatter = db.session.scalar(sa.select(User).where(User.email == "squatter@example.org"))
    assert squatter.organisation is None and squatter.requested_organisation == gwangju and not squatter.is_contact
    assert "already on the platform" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_database_refuses_a_second_organisation_of_the_same_name(make_organisation):
    from sqlalchemy.exc import IntegrityError

    make_organisation(name="Ville de Bogotá")
    with pytest.raises(IntegrityError):
        make_organisation(name="VILLE DE BOGOTA")
    db.session.rollback()


def test_the_contact_finds_the_requests_from_the_header_and_settings(app, client, gwangju, make_user):
    contact_client = client_of(app, gwangju.contact)
    assert "Requests to join" not in contact_client.get("/").get_data(as_text=True)
    person = register_for(client, gwangju)
    page = contact_client.get("/").get_data(as_text=True)
    assert f"/account/organisations/{gwangju.id}/requests" in page and "(1 waiting)" in page
    assert "Requests to join Gwangju Metropolitan City" in contact_client.get("/account/settings").get_data(as_text=True)
    listing = contact_client.get(f"/account/organisations/{gwangju.id}/requests").get_data(as_text=True)
    assert person.name in listing and person.email in listing
    member = make_user(organisation=gwangju)
    assert "Requests to join" not in client_of(app, member).get("/").get_data(as_text=True)


def test_the_secretariat_sees_every_request_and_names_contacts(app, client, gwangju, make_user, secretariat):
    person = register_for(client, gwangju)
    admin = client_of(app, secretariat)
    page = admin.get("/admin/organisations").get_data(as_text=True)
    assert person.email in page and f"/account/organisations/{gwangju.id}/requests/{person.id}/approve" in page

    member = make_user(organisation=gwangju)
    outsider = make_user()
    assert admin.post(f"/admin/organisations/{gwangju.id}/contact", data={"user_id": outsider.id}).status_code == 400
    assert admin.post(f"/admin/organisations/{gwangju.id}/contact", data={"user_id": member.id}).status_code == 302
    db.session.expire_all()
    assert [m.id for m in gwangju.members if m.is_contact] == [gwangju.contact.id] == [member.id]
    assert db.session.scalar(sa.select(AuditEvent.action)) == "name_contact"
    # Only the secretariat names a contact.
    assert client_of(app, member).post(f"/admin/organisations/{gwangju.id}/contact",
                                       data={"user_id": member.id}).status_code == 403


def test_an_unverified_organisation_is_marked_where_a_contribution_names_it(app, make_organisation, make_user):
    from consult.models import OrganisationKind

    class Contribution:  # what who() reads of an amendment or a comment
        on_behalf_of_organisation = False
        recorded_by_id = None

        def __init__(self, organisation):
            self.organisation, self.author = organisation, make_user(organisation=organisation)

    template = '{% from "_macros/contributions.html" import who %}{{ who(c) }}'
    with app.test_request_context("/"):
        unverified = make_organisation(verified=False, kind=OrganisationKind.civil_society)
        verified = make_organisation()
        assert "not verified" in render_template_string(template, c=Contribution(unverified))
        assert "not verified" not in render_template_string(template, c=Contribution(verified))


def test_the_migration_keeps_members_and_gives_a_name_key_to_the_first_of_twins(app, backend):
    """Organisations whose names match (from before the key) all stay; only the oldest gets the key."""
    from flask_migrate import downgrade, upgrade

    directory = app.extensions["migrate"].directory
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(directory=directory, revision="0004")
    with db.engine.begin() as conn:
        for name in ("Ville de Bogotá", "ville de bogota"):
            conn.execute(sa.text("INSERT INTO organisations (name, kind, country, region, created_at, updated_at) "
                                 "VALUES (:name, 'local-government', 'CO', 'latin-america', :now, :now)"),
                         {"name": name, "now": "2024-01-01 00:00:00"})
        conn.execute(sa.text("INSERT INTO users (email, name, password_hash, role, organisation_id, active, "
                             "created_at, updated_at) VALUES ('m@example.org', 'M', 'x', 'participant', 2, true, "
                             ":now, :now)"), {"now": "2024-01-01 00:00:00"})
    upgrade(directory=directory)
    with db.engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT name_key FROM organisations ORDER BY id")).scalars().all()
        member = conn.execute(sa.text("SELECT organisation_id, is_contact, requested_organisation_id FROM users")).one()
    assert keys == ["villedebogota", None]
    assert tuple(member) == (2, False, None)
    downgrade(directory=directory, revision="base")
    if backend == "postgresql":
        import tests.conftest as conftest
        from tests.conftest import _reset_postgres

        conftest._pg_schema_ready = False
        _reset_postgres(app)
    else:
        db.create_all()


def test_a_squatting_attempt_by_a_known_address_changes_nothing(client, gwangju, make_user):
    existing = make_user(email="known@example.org", organisation=None)
    client.post("/account/register", data=registration(email="known@example.org", affiliation="new",
                                                       organisation_name="Gwangju Metropolitan City"))
    db.session.expire_all()
    assert existing.requested_organisation is None and count_rows(Organisation) == 1


def test_roles_are_untouched_by_membership(gwangju, secretariat, client):
    person = register_for(client, gwangju)
    accounts.approve_membership(secretariat, person, gwangju)
    assert person.role is Role.participant


def test_the_demo_shows_the_flow(demo):
    gwangju = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Gwangju Metropolitan City"))
    assert gwangju.contact.email == "asia@demo.test" and gwangju.is_verified
    assert [p.email for p in gwangju.membership_requests] == ["seo-yeon.park@demo.test"]
    assert decide(gwangju.contact, Action.decide_membership, gwangju)
    unverified_contacts = [o.contact for o in db.session.scalars(sa.select(Organisation)) if o.contact and not o.is_verified]
    assert unverified_contacts and not any(decide(c, Action.decide_membership, c.organisation)
                                           for c in unverified_contacts)


def test_a_request_cancelled_meanwhile_is_not_approved(gwangju, client):
    """The decision reads the request again under a lock: what was cancelled stays cancelled."""
    person = register_for(client, gwangju)
    contact = gwangju.contact
    accounts.cancel_membership_request(person)
    with pytest.raises(accounts.MembershipError):
        accounts.approve_membership(contact, person, gwangju)
    assert person.organisation is None and person.requested_organisation_id is None


def test_two_people_founding_the_same_organisation_at_once_give_one_organisation(app, gwangju, monkeypatch):
    """The name check and the insert are not atomic: the loser of the race asks to join instead."""
    monkeypatch.setattr(accounts, "affiliation_for", lambda new: new)  # as if the check ran before the other's insert
    new = accounts.NewOrganisation(name=gwangju.name.upper(), kind=gwangju.kind, country="KR", region=gwangju.region)
    person = accounts.register_participant(email="late@example.org", name="Late", password=PASSWORD, locale="en",
                                           country="KR", affiliation=new)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(Organisation.name_key == gwangju.name_key)) == 1
    assert person.organisation is None and person.requested_organisation_id == gwangju.id
