"""Registration, authentication and the logins (sessions) that can be ended."""

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from consult import jobs
from consult.accounts import privacy, tokens
from consult.database import lock_row
from consult.extensions import db
from consult.mail import compose
from consult.models import LoginSession, Organisation, OrganisationKind, Region, Role, User, utcnow
from consult.models.accounts import organisation_name_key
from consult.moderation import audit


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    """Checked against when the e-mail is unknown, so both answers take the same time."""
    return generate_password_hash("not a real password", method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def organisations_for_choice() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))


@dataclass(frozen=True)
class NewOrganisation:
    """An organisation a registrant says is not yet on the platform."""

    name: str
    kind: OrganisationKind
    country: str
    region: Region


def organisation_named(name: str) -> Organisation | None:
    """The organisation already on the platform under this name, written however."""
    return db.session.scalar(sa.select(Organisation).where(Organisation.name_key == organisation_name_key(name)))


def affiliation_for(new: NewOrganisation) -> Organisation | NewOrganisation:
    """A "new" organisation whose name is taken is the existing one: its name cannot be squatted."""
    return organisation_named(new.name) or new


def register(
    *,
    email: str,
    name: str,
    password: str,
    locale: str,
    organisation: Organisation | None,
    country: str | None = None,
    role: Role = Role.participant,
    confirmed: bool = True,
) -> User | None:
    """Create the account; None when the address is taken (the caller answers the same way).
    `confirmed` False: the address is to be confirmed by mail before the person takes part."""
    password_hash = hash_password(password)  # even for a taken address: the answer takes as long
    if find_user(email) is not None:
        return None
    user = User(
        email=normalise_email(email),
        name=" ".join(name.split()),
        password_hash=password_hash,
        locale=locale,
        organisation=organisation,
        country=(country or (organisation.country if organisation else None) or None),
        role=role,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register_participant(
    *, email: str, name: str, password: str, locale: str, country: str | None,
    affiliation: Organisation | NewOrganisation | None,
) -> User | None:
    """Registration from the form: an organisation on the platform is asked to be joined (the person
    is an individual until its contact or the secretariat approves); a new one is created unverified,
    with the registrant as its member and contact; None is an individual. None when the address is
    taken, and then nothing else is created either (the caller answers the same way): the address's
    owner is told by mail instead, and the new account is asked to confirm its address."""
    if isinstance(affiliation, NewOrganisation):
        affiliation = affiliation_for(affiliation)
    user = register(email=email, name=name, password=password, locale=locale, organisation=None,
                    country=country or (affiliation.country.upper() if affiliation else None), confirmed=False)
    if user is None:
        _tell_already_registered(find_user(email))
        return None
    privacy.record_acceptance(user)  # the form cannot be sent without accepting the notice
    send_confirmation(user)
    if isinstance(affiliation, NewOrganisation):
        try:
            with db.session.begin_nested():  # someone may register the same name at this moment
                found_organisation(user, affiliation)
        except IntegrityError:
            request_membership(user, organisation_named(affiliation.name))
    elif affiliation is not None:
        request_membership(user, affiliation)
    return user


def found_organisation(founder: User, new: NewOrganisation) -> Organisation:
    """A newcomer's organisation is created unverified (the secretariat verifies it later), with the
    founder as its member and contact."""
    organisation = Organisation(name=" ".join(new.name.split()), kind=new.kind, country=new.country.upper(),
                                region=new.region, verified_at=None)
    db.session.add(organisation)
    founder.organisation, founder.is_contact = organisation, True
    db.session.flush()
    return organisation


# --- membership: joining an organisation is a request ----------------------------------------


class MembershipError(ValueError):
    pass


def request_membership(user: User, organisation: Organisation) -> None:
    """Ask to join `organisation`. It gives nothing until it is approved; one request at a time."""
    if user.requested_organisation_id is not None:
        raise MembershipError("pending")
    if user.organisation_id == organisation.id:
        raise MembershipError("member")
    user.requested_organisation, user.requested_at = organisation, utcnow()
    db.session.flush()


def cancel_membership_request(user: User) -> None:
    user.requested_organisation, user.requested_at = None, None
    db.session.flush()


def _waiting_request(person: User, organisation: Organisation) -> None:
    """The request to `organisation` is still there, read again under a row lock: a cancellation or
    another decision made meanwhile wins, and this one changes nothing."""
    lock_row(person)
    if person.requested_organisation_id != organisation.id:
        raise MembershipError("gone")


def approve_membership(actor: User, person: User, organisation: Organisation) -> None:
    """The person joins the organisation they asked to join (and leaves the one they were in)."""
    _waiting_request(person, organisation)
    audit.record(actor, "approve_membership", person, organisation_id=organisation.id,
                 organisation=organisation.name, previous_organisation_id=person.organisation_id,
                 requested_at=person.requested_at, email=person.email)
    person.organisation, person.is_contact = organisation, False
    cancel_membership_request(person)


def refuse_membership(actor: User, person: User, organisation: Organisation) -> None:
    _waiting_request(person, organisation)
    audit.record(actor, "refuse_membership", person, organisation_id=organisation.id,
                 organisation=organisation.name, requested_at=person.requested_at, email=person.email)
    cancel_membership_request(person)


def name_contact(actor: User, organisation: Organisation, member: User | None) -> None:
    """The member who approves requests to join `organisation` (None: no one but the secretariat)."""
    if member is not None and member.organisation_id != organisation.id:
        raise MembershipError("not_a_member")
    previous = organisation.contact
    if previous is member:
        return
    if previous is not None:
        previous.is_contact = False
    if member is not None:
        member.is_contact = True
    audit.record(actor, "name_contact", organisation, name=organisation.name,
                 previous=previous.email if previous else None, contact=member.email if member else None)
    db.session.flush()
    db.session.expire(organisation, ["contact"])


def membership_requests(organisation: Organisation | None = None) -> list[User]:
    """Pending requests, oldest first: to one organisation, or to all of them."""
    query = (sa.select(User).where(User.requested_organisation_id.is_not(None))
             .options(joinedload(User.requested_organisation), joinedload(User.organisation))
             .order_by(User.requested_at, User.id))
    if organisation is not None:
        query = query.where(User.requested_organisation_id == organisation.id)
    return list(db.session.scalars(query))


def membership_request_count(organisation: Organisation) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)
                             .where(User.requested_organisation_id == organisation.id))


def set_preferences(user: User, *, name: str | None = None, locale: str | None = None) -> None:
    if name is not None:
        user.name = " ".join(name.split())
    if locale is not None:
        user.locale = locale
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> bool:
    """False when `current_password` is wrong. Otherwise every login of the person ends (a
    password is changed because it may be known to someone else) and this device gets a new one,
    remembered if the old one was."""
    if not check_password_hash(user.password_hash, current_password):
        return False
    remember = is_remembered(user)
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)
    start_session(user, remember=remember)
    return True


# --- logins -------------------------------------------------------------------------------------


def _digest(token: str) -> str:
    # The token is 256 random bits: a fast hash is enough, and lets a login be found by its hash.
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(remember: bool) -> timedelta:
    """As long as the cookie that carries the login: the remember cookie, or the signed session."""
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def start_session(user: User, *, remember: bool) -> None:
    """A new login for `user` on this device; `user.get_id()` now names it for Flask-Login."""
    now = utcnow()
    db.session.execute(sa.delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user=user, secret_hash=_digest(token), remember=remember, created_at=now,
                                expires_at=now + _lifetime(remember)))
    db.session.flush()
    user.session_token = token


def _login(token: str | None) -> LoginSession | None:
    if not token:
        return None
    return db.session.scalar(sa.select(LoginSession).options(joinedload(LoginSession.user))
                             .where(LoginSession.secret_hash == _digest(token), LoginSession.expires_at > utcnow()))


def resume_session(token: str) -> User | None:
    """The person whose login `token` names, while it lasts; None once it has ended."""
    login = _login(token)
    if login is None or not login.user.active:
        return None
    login.user.session_token = token
    return login.user


def is_remembered(user: User) -> bool:
    login = _login(user.session_token)
    return login is not None and login.remember


def end_session(token: str | None) -> None:
    """End the one login `token` names (logging out one device); the person's others go on."""
    if token:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.secret_hash == _digest(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))


# --- addresses and passwords, by mail --------------------------------------------------------


def send_confirmation(user: User) -> None:
    """Mail the link that confirms `user`'s address (at registration, and on request)."""
    max_age = current_app.config["CONFIRM_EMAIL_MAX_AGE"]
    token = tokens.sign("confirm-email", {"user": user.id, "email": user.email})
    compose.queue(user, "confirm_email", subject=_l("Confirm your e-mail address"), days=max_age.days,
                  link=compose.external_url("accounts.confirm_email", token=token))


def _tell_already_registered(user: User) -> None:
    compose.queue(user, "already_registered", subject=_l("Someone tried to register with your address"),
                  login=compose.external_url("accounts.login", email=user.email),
                  forgot=compose.external_url("accounts.forgot_password"))


def confirm_email(token: str) -> User:
    """The person whose address the link confirms. LinkExpired, or LinkInvalid when the link is
    not ours or the account's address has changed since."""
    payload = tokens.read("confirm-email", token, current_app.config["CONFIRM_EMAIL_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if user is None or user.deleted_at is not None or user.email != payload.get("email"):
        raise tokens.LinkInvalid
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()
    return user


@jobs.task()
def send_password_reset(email: str, link_base: str) -> None:
    """Mail a reset link if the address has an account. A job, so that the request that asks for
    it does the same work, and takes the same time, whether or not the address exists."""
    user = find_user(email)
    if user is None or not user.active or user.deleted_at is not None:
        return
    g.link_base = link_base
    max_age = current_app.config["RESET_PASSWORD_MAX_AGE"]
    token = tokens.sign("reset-password", {"user": user.id, "password": tokens.fingerprint(user.password_hash)})
    compose.queue(user, "reset_password", subject=_l("Choose a new password"),
                  hours=int(max_age.total_seconds() // 3600),
                  link=compose.external_url("accounts.reset_password", token=token))
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The person a reset link is for, while it is unused and fresh (LinkExpired, LinkInvalid)."""
    payload = tokens.read("reset-password", token, current_app.config["RESET_PASSWORD_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if (user is None or not user.active or user.deleted_at is not None
            or payload.get("password") != tokens.fingerprint(user.password_hash)):
        raise tokens.LinkInvalid  # used already: the password it was made for has changed
    return user


def reset_password(user: User, new_password: str) -> None:
    """A new password from a reset link: every login ends, and the address is proven by the link."""
    user.password_hash = hash_password(new_password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    end_all_sessions(user)
    audit.record(user, "reset_password", user)
    db.session.flush()


def request_email_change(user: User, new_email: str) -> None:
    """Mail a link to the new address; the account keeps its address until it is opened there.
    Sent whether or not the new address has an account, so the answer tells nothing about it."""
    new_email = normalise_email(new_email)
    max_age = current_app.config["CONFIRM_EMAIL_MAX_AGE"]
    token = tokens.sign("change-email", {"user": user.id, "old": user.email, "new": new_email})
    compose.queue(user, "change_email", to=new_email, subject=_l("Confirm your new e-mail address"),
                  days=max_age.days, link=compose.external_url("accounts.confirm_email_change", token=token))


class AddressTaken(ValueError):
    pass


def confirm_email_change(token: str) -> User:
    """Move the account to the address the link was sent to, and tell the old address.
    LinkExpired, LinkInvalid (already used, or the address changed otherwise), AddressTaken."""
    payload = tokens.read("change-email", token, current_app.config["CONFIRM_EMAIL_MAX_AGE"])
    user = db.session.get(User, payload.get("user"))
    if user is None or user.deleted_at is not None or user.email != payload.get("old"):
        raise tokens.LinkInvalid
    new_email = payload["new"]
    if find_user(new_email) is not None:
        raise AddressTaken
    old_email = user.email
    user.email, user.email_confirmed_at = new_email, utcnow()
    audit.record(user, "change_email", user, old=old_email, new=new_email)
    db.session.flush()
    compose.queue(user, "email_changed", to=old_email, subject=_l("The e-mail address of your account has changed"),
                  new_address=new_email, forgot=compose.external_url("accounts.forgot_password"))
    return user
