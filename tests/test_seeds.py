"""The demo consultation: loaded through the importer, idempotent, and rich enough to show."""

from pathlib import Path

import sqlalchemy as sa

from consult.charter.services import current_version, load_version, main_charter
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, Comment, Organisation, OrganisationKind, Region, Role, Round,
    RoundState, Support, Version, VersionState,
)
from consult.seeding import DEMO_PASSWORD, load_seeds
from tests.conftest import ROOT, count_rows


def test_loading_twice_creates_nothing_the_second_time(demo):
    assert set(load_seeds(ROOT / "seeds").values()) == {0}


def test_two_versions_the_draft_based_on_the_2011_text(demo):
    charter = main_charter()
    old, draft = db.session.scalars(sa.select(Version).order_by(Version.id)).all()
    assert old.state is VersionState.archived and old.published_at is not None
    assert draft.state is VersionState.in_consultation and draft.based_on_id == old.id
    assert current_version(charter) == draft
    old_articles = {a.number: a for s in load_version(old) for a in s.articles if a.number}
    new_articles = {a.number: a for s in load_version(draft) for a in s.articles if a.number}
    assert set(new_articles) - set(old_articles) == {"XIII"}  # one article added
    # carried-over articles keep their lineage; reworded ones differ in text
    assert all(new_articles[n].lineage_id == old_articles[n].lineage_id for n in old_articles)
    assert new_articles["II"].text("en").body != old_articles["II"].text("en").body
    assert new_articles["III"].text("fr").body == old_articles["III"].text("fr").body


def test_every_article_has_its_three_languages(demo):
    draft = current_version(main_charter())
    for section in load_version(draft):
        for article in section.articles:
            assert {t.locale for t in article.texts} == {"en", "fr", "es"}
            assert all(80 <= len(t.body.split()) <= 210 for t in article.texts)


def test_organisations_in_every_uclg_region(demo):
    organisations = db.session.scalars(sa.select(Organisation)).all()
    assert len(organisations) >= 14
    assert {o.region for o in organisations} == set(Region.of_organisations())
    kinds = {o.kind for o in organisations}
    assert {OrganisationKind.local_government, OrganisationKind.regional_government, OrganisationKind.association,
            OrganisationKind.civil_society, OrganisationKind.academia} <= kinds
    assert any(o.is_verified for o in organisations) and any(not o.is_verified for o in organisations)


def test_demo_accounts(demo):
    from consult.accounts.services import authenticate

    roles = {}
    for email in ("participant@demo.test", "asia@demo.test", "moderator@demo.test", "secretariat@demo.test"):
        user = authenticate(email, DEMO_PASSWORD)
        assert user is not None, email
        roles[email] = user
    assert roles["participant@demo.test"].organisation.region is Region.europe
    assert roles["asia@demo.test"].organisation.region is Region.asia_pacific
    assert roles["moderator@demo.test"].role is Role.moderator
    assert roles["secretariat@demo.test"].role is Role.secretariat


def test_three_rounds_two_open_one_closed(demo):
    rounds = {r.slug: r for r in db.session.scalars(sa.select(Round))}
    phases = sorted(r.phase().value for r in rounds.values())
    assert phases == ["closed", "open", "open"]
    asia = next(r for r in rounds.values() if r.region is Region.asia_pacific)
    assert asia.restricted_to_region and asia.is_open()
    assert any(r.region is Region.global_ and r.is_open() for r in rounds.values())


def test_contributions_in_three_languages_some_answered_in_the_closed_round(demo):
    amendments = db.session.scalars(sa.select(Amendment)).all()
    assert len(amendments) >= 24
    assert {a.locale for a in amendments} == {"en", "fr", "es"}
    assert {a.kind for a in amendments} == set(AmendmentKind)
    closed = [a for a in amendments if a.round.phase() is RoundState.closed]
    assert any(a.status is AmendmentStatus.rejected and a.answer for a in closed)
    assert any(a.status is AmendmentStatus.duplicate and a.duplicate_of_id for a in closed)
    for amendment in amendments:
        if amendment.kind is AmendmentKind.modify:
            assert amendment.base_text and amendment.base_text != amendment.body
    comments = db.session.scalars(sa.select(Comment)).all()
    assert len(comments) >= 24 and {c.locale for c in comments} == {"en", "fr", "es"}
    assert any(c.parent_id for c in comments) and any(c.stance for c in comments)
    assert count_rows(Support) >= 24


def test_seed_files_are_readable_toml_with_relative_dates():
    import tomllib

    data = tomllib.loads((ROOT / "seeds" / "demo.toml").read_text(encoding="utf-8"))
    assert {u["email"] for u in data["users"] if u.get("demo_account")} == {
        "participant@demo.test", "asia@demo.test", "moderator@demo.test", "secretariat@demo.test"}
    assert all(Path(ROOT / "seeds" / v["files"].format(locale="en")).exists() for v in data["versions"])
