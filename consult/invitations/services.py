"""Invitations: a list of focal points read from a CSV file and checked row by row, shown for
checking, then sent as one act; an invited person chooses a password from the link and arrives
as a member of their organisation.

An organisation the platform does not have is created (unverified, as at registration) when the
list gives its region and kind; without them the row is refused, so that no organisation appears
with a made-up region, which decides who may take part in regional rounds.
"""

import codecs
import csv
import functools
import io
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import pycountry
import sqlalchemy as sa
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult import pending
from consult.accounts import privacy
from consult.accounts import services as accounts
from consult.accounts import tokens
from consult.extensions import db
from consult.mail import compose
from consult.models import Invitation, Organisation, OrganisationKind, Region, User, utcnow
from consult.models.accounts import organisation_name_key
from consult.moderation import audit

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
PER_PAGE = 50
LOCALES = ("en", "fr", "es")


def _key(text: str) -> str:
    """A header or a value as compared: lower case, no accents, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if ch.isalnum())


# Column names accepted in English, French and Spanish (compared by _key).
COLUMNS = {
    "name": ("name", "full name", "nom", "nom complet", "nombre", "nombre completo"),
    "email": ("e-mail", "email", "e-mail address", "mail", "courriel", "adresse e-mail", "correo",
              "correo electrónico"),
    "organisation": ("organisation", "organization", "organisme", "organización", "organizacion"),
    "country": ("country", "pays", "país"),
    "position": ("role", "role in the organisation", "position", "rôle", "fonction", "poste", "cargo"),
    "language": ("language", "langue", "idioma", "lang"),
    "region": ("region", "uclg region", "région", "región"),
    "kind": ("kind", "kind of organisation", "type", "type d'organisation", "tipo", "tipo de organización"),
}
_HEADER_FIELDS = {_key(name): column for column, names in COLUMNS.items() for name in names}


@dataclass
class Row:
    line: int  # in the file, counting the header as line 1
    name: str = ""
    email: str = ""
    organisation: str = ""
    country: str = ""  # as written
    position: str = ""
    language: str = ""
    region: str = ""
    kind: str = ""
    errors: list[str] = field(default_factory=list)
    # Filled in by the check:
    country_code: str | None = None
    locale: str = "en"
    organisation_id: int | None = None  # on the platform already
    new_organisation: bool = False  # created when the invitations are sent


@dataclass
class Preview:
    rows: list[Row]
    error: str | None = None  # the file as a whole could not be read
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if not row.errors]

    @property
    def invalid(self) -> list[Row]:
        return [row for row in self.rows if row.errors]

    @property
    def new_organisations(self) -> list[str]:
        return list({organisation_name_key(r.organisation): r.organisation
                     for r in self.valid if r.new_organisation}.values())


# --- reading the file -----------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str | None]:
    """The text, and a note when it was not UTF-8 (Excel on Windows saves "CSV" in Windows-1252)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), _("The file is not in UTF-8; it was read as Windows-1252. "
                                                          "Check the accented letters below.")


def read_rows(data: bytes) -> Preview:
    """The rows of the file, not yet checked; a Preview with `error` when the file cannot be used."""
    if len(data) > MAX_BYTES:
        return Preview([], _("The file is larger than %(n)s MB. Send the list in several files.",
                             n=MAX_BYTES // (1024 * 1024)))
    text, note = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell from: commas
    records = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(records, [])
        columns = [_HEADER_FIELDS.get(_key(cell)) for cell in header]
        if not {"name", "email"} <= set(columns):
            return Preview([], _("The first line must name the columns, at least “name” and “e-mail” (or "
                                 "“nom”, “courriel”, “nombre”, “correo”). It reads: %(header)s",
                                 header=" | ".join(header)[:300] or _("(empty)")))
        rows = []
        for line, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) == MAX_ROWS:
                return Preview([], _("The file has more than %(n)s people. Send the list in several files.",
                                     n=MAX_ROWS))
            row = Row(line)
            for column, cell in zip(columns, record, strict=False):
                if column and not getattr(row, column):
                    setattr(row, column, " ".join(cell.split()))
            rows.append(row)
    except csv.Error as error:
        return Preview([], _("The file could not be read as CSV (%(error)s).", error=str(error)))
    if not rows:
        return Preview([], _("The file names its columns but lists nobody."))
    return Preview(rows, notes=[note] if note else [])


@functools.cache
def _countries() -> dict[str, str]:
    """Country names and codes, in English, French and Spanish, to their alpha-2 code."""
    found = {}
    names = [Locale.parse(locale).territories for locale in LOCALES]
    for country in pycountry.countries:
        code = country.alpha_2
        spellings = [code, country.alpha_3, country.name, getattr(country, "official_name", ""),
                     getattr(country, "common_name", "")] + [territories.get(code, "") for territories in names]
        found.update({_key(spelling): code for spelling in spellings if spelling})
    return found


@functools.cache
def _languages() -> dict[str, str]:
    found = {}
    for code in LOCALES:
        found[code] = code
        for in_locale in LOCALES:
            found[_key(Locale.parse(code).get_language_name(in_locale))] = code
    return found


def _labels(enum_cls, members) -> dict[str, object]:
    """An enum's members by value and by label in each language."""
    found = {}
    for member in members:
        found[_key(member.value)] = member
        for locale in LOCALES:
            with force_locale(locale):
                found[_key(str(member.label))] = member
    return found


def _language(value: str, default: str) -> str | None:
    if not value:
        return default
    return _languages().get(_key(re.split(r"[-_]", value)[0])) or _languages().get(_key(value))


# --- checking the rows ----------------------------------------------------------------------


def _too_long(text: str, limit: int, label) -> str | None:
    return _("%(what)s is longer than %(n)s characters.", what=label, n=limit) if len(text) > limit else None


def check(preview: Preview, default_locale: str) -> Preview:
    """Mark each row's errors. A few queries for the whole list, whatever its length."""
    rows = preview.rows
    addresses = {accounts.normalise_email(row.email) for row in rows if row.email}
    taken = _existing(sa.select(User.email), User.email, addresses)
    pending = _existing(sa.select(Invitation.email).where(Invitation.accepted_at.is_(None),
                                                          Invitation.sent_at > expired_before()),
                        Invitation.email, addresses)
    organisation_keys = {organisation_name_key(row.organisation) for row in rows if row.organisation}
    on_platform = {o.name_key: o for o in _in_chunks(sa.select(Organisation), Organisation.name_key,
                                                      organisation_keys)}
    regions = _labels(Region, Region.of_organisations())
    kinds = _labels(OrganisationKind, OrganisationKind)
    # An organisation not on the platform is described (region, kind, country) by its first row that does.
    described = {}
    for row in rows:
        row.country_code = _countries().get(_key(row.country)) if row.country else None
        key = organisation_name_key(row.organisation) if row.organisation else None
        if (key and key not in on_platform and key not in described and row.country_code
                and _key(row.region) in regions and _key(row.kind) in kinds):
            described[key] = row
    seen: dict[str, int] = {}
    for row in rows:
        errors = row.errors
        address = accounts.normalise_email(row.email)
        if not row.name:
            errors.append(_("The name is missing."))
        if not row.email:
            errors.append(_("The e-mail address is missing."))
        elif not _is_address(address):
            errors.append(_("“%(address)s” is not an e-mail address.", address=row.email))
        elif address in seen:
            errors.append(_("%(address)s is also on line %(line)s.", address=address, line=seen[address]))
        elif address in taken:
            errors.append(_("%(address)s already has an account.", address=address))
        elif address in pending:
            errors.append(_("%(address)s has already been invited and has not answered yet.", address=address))
        seen.setdefault(address, row.line)
        row.email = address
        if row.country and not row.country_code:
            errors.append(_("Unknown country: “%(country)s”.", country=row.country))
        row.locale = _language(row.language, default_locale) or default_locale
        if row.language and _language(row.language, default_locale) is None:
            errors.append(_("Unknown language: “%(language)s” (en, fr or es).", language=row.language))
        key = organisation_name_key(row.organisation) if row.organisation else None
        if key in on_platform:
            organisation = on_platform[key]
            row.organisation, row.organisation_id = organisation.name, organisation.id
            row.country_code = row.country_code or organisation.country
        elif key in described:
            row.new_organisation = True
            row.organisation = described[key].organisation
            row.country_code = row.country_code or described[key].country_code
        elif key:
            for value, known, label in ((row.region, regions, _("region")), (row.kind, kinds, _("kind"))):
                if value and _key(value) not in known:
                    errors.append(_("Unknown %(what)s: “%(value)s”.", what=label, value=value))
            errors.append(_("%(organisation)s is not on the platform: give its region, kind and country to "
                            "create it.", organisation=row.organisation))
        if not row.country_code and not row.country:
            errors.append(_("The country is missing."))
        errors.extend(filter(None, (_too_long(row.name, 120, _("The name")),
                                    _too_long(row.organisation, 200, _("The organisation")),
                                    _too_long(row.position, 120, _("The role")))))
    return preview


def _is_address(address: str) -> bool:
    if len(address) > 254:
        return False
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _in_chunks(query, column, values: set, size: int = 1000):
    """Rows of `query` whose `column` is one of `values`, a thousand at a time (parameter limits)."""
    values = sorted(values)
    for start in range(0, len(values), size):
        yield from db.session.scalars(query.where(column.in_(values[start:start + size])))


def _existing(query, column, values: set) -> set:
    return set(_in_chunks(query, column, values))


def expired_before() -> datetime:
    """Invitations sent before this have expired."""
    return utcnow() - current_app.config["INVITATION_MAX_AGE"]


def preview(data: bytes, default_locale: str) -> Preview:
    result = read_rows(data)
    return check(result, default_locale) if result.error is None else result


# --- between the preview and the sending --------------------------------------------------------


def keep_for_confirmation(actor: User, data: bytes, default_locale: str) -> str:
    """Keep the uploaded list until it is confirmed; the token the confirmation form carries."""
    return pending.keep("invitations", actor.id, {"locale": default_locale, "text": data.decode("latin-1")})


def claim(actor: User, token: str) -> tuple[bytes, str] | None:
    """The list this person previewed under `token`, once (consult.pending)."""
    payload = pending.claim("invitations", actor.id, token)
    return None if payload is None else (payload["text"].encode("latin-1"), payload["locale"])  # bytes as they came


# --- sending ------------------------------------------------------------------------------------


def send(actor: User, checked: Preview) -> tuple[str, int]:
    """Invite every valid row, creating the organisations the list describes: one transaction,
    one mail each in the outbox. The batch's name and how many were invited."""
    now = utcnow()
    batch = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    regions = _labels(Region, Region.of_organisations())
    kinds = _labels(OrganisationKind, OrganisationKind)
    created: dict[str, Organisation] = {}
    for row in checked.valid:
        if row.new_organisation and organisation_name_key(row.organisation) not in created:
            created[organisation_name_key(row.organisation)] = Organisation(
                name=row.organisation, region=regions[_key(row.region)], kind=kinds[_key(row.kind)],
                country=row.country_code, verified_at=None)
    db.session.add_all(created.values())
    db.session.flush()
    invitations = [Invitation(
        email=row.email, name=row.name, locale=row.locale, country=row.country_code,
        organisation_id=row.organisation_id or (created[organisation_name_key(row.organisation)].id
                                                if row.new_organisation else None),
        organisation_name=row.organisation or None, position=row.position or None,
        invited_by_id=actor.id, batch=batch, created_at=now, sent_at=now) for row in checked.valid]
    db.session.add_all(invitations)
    db.session.flush()
    organisations = {o.id: o for o in created.values()} | {
        o.id: o for o in db.session.scalars(sa.select(Organisation).where(
            Organisation.id.in_({i.organisation_id for i in invitations if i.organisation_id})))}
    compose.queue_all([_mail(invitation, organisations.get(invitation.organisation_id))
                       for invitation in invitations])
    if invitations:  # recorded on the batch's first invitation
        audit.record(actor, "send_invitations", invitations[0], batch=batch, count=len(invitations),
                     organisations_created=[o.name for o in created.values()])
    return batch, len(invitations)


def _mail(invitation: Invitation, organisation: Organisation | None):
    max_age = current_app.config["INVITATION_MAX_AGE"]
    token = tokens.sign("invitation", {"invitation": invitation.id, "email": invitation.email})
    return compose.render(invitation.email, "invitation", locale=invitation.locale,
                  subject=_l("You are invited to the consultation on the Global Charter-Agenda"),
                  name=invitation.name, organisation=organisation.name if organisation else None,
                  days=max_age.days, link=compose.external_url("invitations.accept", token=token))


def send_again(actor: User, invitation: Invitation) -> None:
    """A new link for an invitation not yet accepted; it expires from now."""
    invitation.sent_at = utcnow()
    compose.queue_all([_mail(invitation, invitation.organisation)])
    audit.record(actor, "send_invitation_again", invitation, email=invitation.email)


# --- accepting ----------------------------------------------------------------------------------


class AlreadyAccepted(ValueError):
    """The invitation was used, or its address has an account by now."""


def invitation_for(token: str) -> Invitation:
    """The invitation a link is for, while it can be accepted: LinkExpired, LinkInvalid, AlreadyAccepted."""
    payload = tokens.read("invitation", token, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, payload.get("invitation"))
    if invitation is None or invitation.email != payload.get("email"):
        raise tokens.LinkInvalid
    if invitation.accepted_at is not None or accounts.find_user(invitation.email) is not None:
        raise AlreadyAccepted
    return invitation


def accept(invitation: Invitation, *, name: str, password: str, locale: str) -> User:
    """The invited person's account: confirmed (the link proved the address), a member of the
    organisation (verified or not as the organisation is). Once: a second acceptance, even at the
    same moment, raises AlreadyAccepted."""
    now = utcnow()
    claimed = db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id,
                                                             Invitation.accepted_at.is_(None))
                                 .values(accepted_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyAccepted
    user = accounts.register(email=invitation.email, name=name, password=password, locale=locale,
                             organisation=invitation.organisation, country=invitation.country, confirmed=True)
    if user is None:
        raise AlreadyAccepted
    privacy.record_acceptance(user)  # the form cannot be sent without accepting the notice
    invitation.accepted_at, invitation.user = now, user
    audit.record(user, "accept_invitation", invitation, batch=invitation.batch,
                 organisation_id=invitation.organisation_id)
    db.session.flush()
    return user


# --- the secretariat's list ---------------------------------------------------------------------


@dataclass
class Batch:
    name: str
    sent: datetime
    total: int
    accepted: int


def batches() -> list[Batch]:
    rows = db.session.execute(
        sa.select(Invitation.batch, sa.func.min(Invitation.created_at), sa.func.count(),
                  sa.func.count(Invitation.accepted_at))
        .group_by(Invitation.batch).order_by(sa.func.min(Invitation.created_at).desc())).all()
    return [Batch(*row) for row in rows]


@dataclass
class Page:
    invitations: list[Invitation]
    total: int
    page: int
    pages: int


def invitations_page(batch: str | None, page: int) -> Page:
    query = sa.select(Invitation)
    if batch:
        query = query.where(Invitation.batch == batch)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    invitations = db.session.scalars(
        query.options(sa.orm.selectinload(Invitation.organisation))
        .order_by(Invitation.created_at.desc(), Invitation.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(invitations, total, page, pages)
