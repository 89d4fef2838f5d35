"""A newly imported draft is linked to the version it revises: each article continues the one it
revises (by number value in its section, else by what its text shares), so the redline shows only
what the secretariat changed, added and removed; the preview lets the matching be corrected."""

import io
import json
import re

import sqlalchemy as sa

from consult.charter import services as charter
from consult.exports.services import redline
from consult.extensions import db
from consult.imports import services as imports
from consult.models import AuditEvent, Role, Version
from tests.conftest import ROOT

SEEDS = ROOT / "seeds" / "charter"
ARTICLE = {"en": "Article", "fr": "Article", "es": "Artículo"}
NEW_ARTICLE = {
    "en": "Right to digital inclusion\n\n1. All inhabitants have the right to take part in digital life.\n",
    "fr": "Droit à l'inclusion numérique\n\n1. Tous les habitants ont le droit de participer à la vie numérique.\n",
    "es": "Derecho a la inclusión digital\n\n1. Todos los habitantes tienen derecho a participar en la vida digital.\n",
}


def revised_draft(locale: str) -> str:
    """The seed draft revised: Article II reworded, Article XII removed, Article XIII renumbered
    XII, a new Article XIII added."""
    text = (SEEDS / f"draft.{locale}.md").read_text(encoding="utf-8")
    word = ARTICLE[locale]
    articles = re.split(r"(?m)^(?=### |## )", text)
    revised = []
    for block in articles:
        if block.startswith(f"### {word} II."):
            lines = block.splitlines(keepends=True)
            block = "".join(lines[:2]) + "1. Reworded by the secretariat.\n" + "".join(lines[3:])
        elif block.startswith(f"### {word} XII."):
            continue
        elif block.startswith(f"### {word} XIII."):
            block = block.replace(f"### {word} XIII.", f"### {word} XII.", 1)
            block += f"### {word} XIII. {NEW_ARTICLE[locale]}\n"
        revised.append(block)
    return "".join(revised)


def read(locales=("en", "fr", "es"), previous=None) -> imports.Preview:
    files = {loc: (f"draft.{loc}.md", revised_draft(loc).encode()) for loc in locales}
    preview, errors = imports.read_files(files, previous)
    assert not errors
    return preview


def statuses(old: Version, new: Version, locale: str = "en") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for article in redline(old, new, locale).articles:
        found.setdefault(article.status, []).append(article.new_heading or article.old_heading)
    return found


def test_the_revised_draft_continues_every_article_it_kept(charter_version):
    preview = read(previous=charter_version)
    assert preview.can_save
    outline = {row["new"]: row["continues"] for row in preview.matching_outline()["articles"]}
    assert outline["Article II. Right to participatory democracy"] == "Article II. Right to participatory democracy"
    assert outline["Article XII. Right to a healthy environment and to climate justice"] == \
        "Article XIII. Right to a healthy environment and to climate justice"
    assert outline["Article XIII. Right to digital inclusion"] is None  # same number, another article
    assert preview.matching_outline()["removed"] == ["Article XII. Right to sustainable urban development"]

    version = imports.create_draft(None, preview.documents, {"en": "Revised"}, charter_version, preview.continues)
    db.session.commit()
    assert version.based_on_id == charter_version.id
    for locale in ("en", "es"):
        found = statuses(charter_version, version, locale)
        assert len(found["changed"]) == 2 and len(found["added"]) == 1 and len(found["removed"]) == 1
        assert len(found["unchanged"]) == len(preview.source.articles) - 3
    assert statuses(charter_version, version)["removed"] == ["Article XII. Right to sustainable urban development"]


def test_without_an_earlier_version_every_article_is_new(charter_version):
    preview = read(previous=None)
    assert preview.continues == {} and preview.matching_outline() is None
    version = imports.create_draft(None, preview.documents, {"en": "Fresh"})
    assert version.based_on is None
    pairs = charter.compare(charter_version, version)
    assert all(old is None or new is None for old, new in pairs)


def test_the_preview_shows_the_matching_and_saves_the_corrected_one(client, login, make_user, charter_version):
    login(make_user(role=Role.secretariat, organisation=None))
    form = {"label_en": "Revised draft", "based_on": str(charter_version.id),
            **{f"file_{loc}": (io.BytesIO(revised_draft(loc).encode()), f"draft.{loc}.md") for loc in ("en", "fr", "es")}}
    page = client.post("/imports/new", data=form, content_type="multipart/form-data").get_data(as_text=True)
    assert "Articles matched with" in page and 'class="data import-matching"' in page
    old = {a.number or a.text("en").title: a for s in charter.load_version(charter_version) for a in s.articles}
    # Article XII of the draft is the old XIII, proposed as such; the new XIII is a new article
    assert re.search(r'name="article-2-11">.*?<option value="%d"[^>]* selected' % old["XIII"].id, page, re.S)
    new_xiii = re.search(r'<select id="article-2-12" name="article-2-12">(.*?)</select>', page, re.S)[1]
    assert '<option value="" selected>' in new_xiii
    assert "Article XII. Right to sustainable urban development" in page.split("Articles removed")[1]

    # The secretariat says the new XIII carries on the old XII
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1]
    choices = dict(re.findall(r'<select id="(article-\d+-\d+)".*?<option value="(\d*)"[^>]* selected', page, re.S))
    choices["article-2-12"] = str(old["XII"].id)
    done = client.post("/imports/confirm", data={"token": token, **choices})
    assert done.status_code == 302
    version = db.session.scalar(sa.select(Version).where(Version.slug == "revised-draft"))
    assert version.based_on_id == charter_version.id
    new = {a.number: a for s in charter.load_version(version) for a in s.articles if a.number}
    assert new["XIII"].lineage_id == old["XII"].lineage_id
    assert new["XII"].lineage_id == old["XIII"].lineage_id
    assert new["I"].lineage_id == old["I"].lineage_id
    found = statuses(charter_version, version)
    assert "removed" not in found and "added" not in found
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import_version"))
    assert event.payload["based_on"] == charter_version.id


def test_an_article_chosen_twice_is_refused_and_the_preview_shown_again(client, login, make_user, charter_version):
    login(make_user(role=Role.secretariat, organisation=None))
    form = {"label_en": "Twice", **{f"file_{loc}": (io.BytesIO(revised_draft(loc).encode()), f"draft.{loc}.md")
                                    for loc in ("en", "fr", "es")}}
    page = client.post("/imports/new", data=form, content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)[1]
    first = charter.load_version(charter_version)[2].articles[0]
    response = client.post("/imports/confirm", data={"token": token, "article-2-0": first.id, "article-2-1": first.id})
    again = response.get_data(as_text=True)
    assert response.status_code == 400 and "one article can continue it" in again
    assert re.search(r'name="article-2-1">.*?<option value="%d"[^>]* selected' % first.id, again, re.S)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Version)) == 1
    assert 'name="token"' in again  # a fresh token: the preview can still be confirmed


def test_cli_based_on(runner, charter_version, tmp_path):
    files = []
    for locale in ("en", "fr", "es"):
        path = tmp_path / f"draft.{locale}.md"
        path.write_text(revised_draft(locale), encoding="utf-8")
        files += ["--lang", locale, str(path)]
    dry = runner.invoke(args=["charter", "import", *files, "--dry-run"])  # latest by default
    assert dry.exit_code == 0, dry.output
    matching = json.loads(dry.stdout)["matching"]
    assert matching["based_on"]["id"] == charter_version.id
    assert matching["removed"] == ["Article XII. Right to sustainable urban development"]
    assert {"new": "Article I. Right to the city", "continues": "Article I. Right to the city"} in matching["articles"]

    assert json.loads(runner.invoke(args=["charter", "import", *files, "--dry-run", "--based-on", "none"])
                      .stdout)["matching"] is None
    missing = runner.invoke(args=["charter", "import", *files, "--dry-run", "--based-on", "999"])
    assert missing.exit_code != 0 and "no version 999" in missing.output

    saved = runner.invoke(args=["charter", "import", *files, "--label", "Revised", "--based-on", str(charter_version.id)])
    assert saved.exit_code == 0, saved.output
    assert "1 new, 1 removed" in saved.output
    version = db.session.scalar(sa.select(Version).where(Version.slug == "revised"))
    assert version.based_on_id == charter_version.id
    assert len(statuses(charter_version, version)["unchanged"]) == 17
