"""Loading the demo consultation from seeds/: idempotent, through the same importer and
services the secretariat and participants use."""

import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from consult.accounts import services as accounts
from consult.charter import services as charter_services
from consult.comments.services import thread_root
from consult.documents.markdown_import import import_markdown
from consult.extensions import db
from consult.models import (
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    Article,
    Charter,
    Comment,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    Round,
    Stance,
    Support,
    User,
    Version,
    VersionState,
    utcnow,
)
from consult.text.markdown import render_markdown

DEMO_PASSWORD = "consult-demo"
_RELATIVE = re.compile(r"^([+-]\d+)([dh])$")


def load_seeds(seeds_dir: Path, now: datetime | None = None, progress=None) -> dict[str, int]:
    """Load demo.toml and the charter files. Running it twice changes nothing the second time."""
    now = now or utcnow()
    data = tomllib.loads((seeds_dir / "demo.toml").read_text(encoding="utf-8"))
    loader = _Loader(seeds_dir, data, now)
    steps = [
        ("charter", loader.charter), ("organisations", loader.organisations), ("users", loader.users),
        ("rounds", loader.rounds), ("amendments", loader.amendments), ("supports", loader.supports),
        ("comments", loader.comments), ("search", _reindex),
    ]
    for name, step in steps:
        step()
        if progress:
            progress(name)
    db.session.flush()
    return loader.created


def _reindex() -> None:
    """The seeds write rows directly, without the services' signals: the search index is rebuilt."""
    from consult.search import services as search

    db.session.flush()
    search.reindex()


def demo_accounts(seeds_dir: Path) -> list[dict[str, Any]]:
    data = tomllib.loads((seeds_dir / "demo.toml").read_text(encoding="utf-8"))
    return [u for u in data["users"] if u.get("demo_account")]


class _Loader:
    def __init__(self, seeds_dir: Path, data: dict, now: datetime):
        self.dir, self.data, self.now = seeds_dir, data, now
        self.created = {key: 0 for key in ("versions", "organisations", "users", "rounds", "amendments", "supports", "comments")}
        self.versions: dict[str, Version] = {}
        self.orgs_by_key: dict[str, Organisation] = {}
        self.users_by_email: dict[str, User] = {}
        self.rounds_by_slug: dict[str, Round] = {}
        self.amendments_by_key: dict[str, Amendment] = {}
        self.comments_by_key: dict[str, Comment] = {}

    def when(self, value: Any) -> datetime:
        """Dates in demo.toml are absolute, or relative to loading ("-14d", "+30d") so the demo stays live."""
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        match = _RELATIVE.match(str(value))
        if not match:
            raise ValueError(f"unreadable date in demo.toml: {value!r}")
        amount, unit = int(match[1]), match[2]
        moment = self.now + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
        return moment.replace(minute=0, second=0, microsecond=0)

    # -- charter and versions -----------------------------------------------------------------
    def charter(self) -> None:
        spec = self.data["charter"]
        charter = db.session.scalar(sa.select(Charter).where(Charter.slug == spec["slug"]))
        if charter is None:
            charter = Charter(slug=spec["slug"], titles=spec["title"])
            db.session.add(charter)
            db.session.flush()
        for v in self.data["versions"]:
            version = db.session.scalar(sa.select(Version).where(Version.charter_id == charter.id, Version.slug == v["slug"]))
            if version is None:
                documents = {
                    locale: import_markdown((self.dir / v["files"].format(locale=locale)).read_text(encoding="utf-8"), locale)
                    for locale in ("en", "fr", "es")
                }
                version = charter_services.create_version(
                    charter,
                    documents,
                    slug=v["slug"],
                    labels=v["label"],
                    state=VersionState(v["state"]),
                    based_on=self.versions.get(v.get("based_on", "")),
                )
                if "published" in v:
                    version.published_at = self.when(v["published"])
                self.created["versions"] += 1
            self.versions[v["slug"]] = version

    # -- people -------------------------------------------------------------------------------
    def organisations(self) -> None:
        for spec in self.data["organisations"]:
            organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == spec["name"]))
            if organisation is None:
                organisation = Organisation(
                    name=spec["name"],
                    kind=OrganisationKind(spec["kind"]),
                    country=spec["country"],
                    region=Region(spec["region"]),
                    verified_at=self.when(spec["verified"]) if spec.get("verified") else None,
                )
                db.session.add(organisation)
                self.created["organisations"] += 1
            self.orgs_by_key[spec["key"]] = organisation
        db.session.flush()

    def users(self) -> None:
        for spec in self.data["users"]:
            user = accounts.find_user(spec["email"])
            if user is None:
                user = accounts.register(
                    email=spec["email"],
                    name=spec["name"],
                    password=DEMO_PASSWORD,
                    locale=spec.get("locale", "en"),
                    organisation=self.orgs_by_key.get(spec.get("organisation", "")),
                    country=spec.get("country"),
                    role=Role(spec.get("role", "participant")),
                )
                if "requests" in spec:  # a request to join, waiting for the organisation's contact
                    accounts.request_membership(user, self.orgs_by_key[spec["requests"]])
                self.created["users"] += 1
            if spec.get("contact") and user.organisation and user.organisation.contact is None:
                user.is_contact = True
                db.session.flush()
            self.users_by_email[spec["email"]] = user

    # -- the consultation ---------------------------------------------------------------------
    def rounds(self) -> None:
        for spec in self.data["rounds"]:
            round_ = db.session.scalar(sa.select(Round).where(Round.slug == spec["slug"]))
            if round_ is None:
                round_ = Round(
                    slug=spec["slug"],
                    version=self.versions[spec["version"]],
                    titles=spec["title"],
                    descriptions=spec["description"],
                    region=Region(spec.get("region", "global")),
                    opens_at=self.when(spec["opens"]),
                    closes_at=self.when(spec["closes"]),
                    restricted_to_region=spec.get("restricted_to_region", False),
                    allows_amendments=spec.get("allows_amendments", True),
                    allows_comments=spec.get("allows_comments", True),
                    allows_supports=spec.get("allows_supports", True),
                )
                db.session.add(round_)
                self.created["rounds"] += 1
            self.rounds_by_slug[spec["slug"]] = round_
        db.session.flush()

    def article(self, round_: Round, reference: str) -> Article:
        """An article by its number ("I", "A") or, for unnumbered ones, by its English title."""
        for section in charter_services.load_version(round_.version):
            for article in section.articles:
                if article.number == reference or (not article.number and article.text("en").title == reference):
                    return article
        raise ValueError(f"demo.toml names an article that does not exist: {reference!r}")

    def amendments(self) -> None:
        for spec in self.data.get("amendments", []):
            token = f"seed:{spec['key']}"
            amendment = db.session.scalar(sa.select(Amendment).where(Amendment.submission_token == token))
            if amendment is None:
                amendment = self._new_amendment(spec, token)
                self.created["amendments"] += 1
            self.amendments_by_key[spec["key"]] = amendment

    def _new_amendment(self, spec: dict, token: str) -> Amendment:
        round_ = self.rounds_by_slug[spec["round"]]
        article = self.article(round_, spec["article"])
        author = self.users_by_email[spec["author"]]
        kind = AmendmentKind(spec.get("kind", "modify"))
        base = article.text(spec["locale"])
        title, body = base.title, base.body
        if kind is AmendmentKind.modify:
            for old, new in spec["replace"]:
                if old not in body:
                    raise ValueError(f"amendment {spec['key']}: {old!r} is not in the text of article {spec['article']}")
                body = body.replace(old, new, 1)
            title = spec.get("title", title)
        elif kind is AmendmentKind.add:
            title, body = spec["title"], spec["body"]
        created = self.when(spec.get("created", "-1d"))
        amendment = Amendment(
            round=round_,
            article=article,
            kind=kind,
            locale=spec["locale"],
            base_title=base.title if kind is not AmendmentKind.add else "",
            base_text=base.body if kind is not AmendmentKind.add else "",
            title=title if kind is not AmendmentKind.delete else "",
            body=body if kind is not AmendmentKind.delete else "",
            rationale=spec["rationale"],
            rationale_html=render_markdown(spec["rationale"]),
            author=author,
            organisation=author.organisation,
            submission_token=token,
            created_at=created,
            updated_at=created,
        )
        if spec.get("recorded_by"):
            amendment.recorded_by = self.users_by_email[spec["recorded_by"]]
            amendment.recorded_source = spec.get("recorded_source")
        if spec.get("status", "submitted") != "submitted":
            amendment.status = AmendmentStatus(spec["status"])
            amendment.answer = spec.get("answer", "")
            amendment.answer_html = render_markdown(amendment.answer)
            amendment.answered_by = self.users_by_email[spec["answered_by"]]
            amendment.answered_at = created + timedelta(days=3)
            if spec.get("duplicate_of"):
                amendment.duplicate_of = self.amendments_by_key[spec["duplicate_of"]]
        db.session.add(amendment)
        db.session.flush()
        return amendment

    def supports(self) -> None:
        for spec in self.data.get("supports", []):
            amendment = self.amendments_by_key[spec["amendment"]]
            for email in spec["users"]:
                user = self.users_by_email[email]
                exists = db.session.scalar(
                    sa.select(Support.id).where(Support.amendment_id == amendment.id, Support.user_id == user.id)
                )
                if exists is None:
                    db.session.add(
                        Support(amendment=amendment, user=user, organisation_id=user.organisation_id,
                                created_at=amendment.created_at + timedelta(hours=6))
                    )
                    self.created["supports"] += 1
        db.session.flush()

    def comments(self) -> None:
        for spec in self.data.get("comments", []):
            token = f"seed:{spec['key']}"
            comment = db.session.scalar(sa.select(Comment).where(Comment.submission_token == token))
            if comment is None:
                round_ = self.rounds_by_slug[spec["round"]]
                amendment = self.amendments_by_key.get(spec.get("amendment", ""))
                author = self.users_by_email[spec["author"]]
                created = self.when(spec.get("created", "-1d"))
                comment = Comment(
                    round=round_,
                    article=amendment.article if amendment else self.article(round_, spec["article"]),
                    amendment=amendment,
                    parent=self._reply_parent(spec),
                    author=author,
                    organisation=author.organisation,
                    locale=spec["locale"],
                    body=spec["body"],
                    body_html=render_markdown(spec["body"]),
                    stance=Stance(spec["stance"]) if spec.get("stance") else None,
                    submission_token=token,
                    created_at=created,
                    updated_at=created,
                )
                db.session.add(comment)
                db.session.flush()
                self.created["comments"] += 1
            self.comments_by_key[spec["key"]] = comment

    def _reply_parent(self, spec: dict) -> Comment | None:
        """Replies are kept one level deep, under the first comment of their thread, as the form keeps them."""
        parent = self.comments_by_key.get(spec.get("parent", ""))
        return thread_root(parent) if parent is not None else None

