"""Contributions data: streamed CSV and JSON, public-safe, read back with the standard library."""

import csv
import io
import json

import pytest
from werkzeug.http import parse_options_header

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import AmendmentKind, Role, RoundState
from consult.moderation import services as moderation


def scene(make_round, make_user, charter_version):
    round_ = make_round(RoundState.open)
    article = charter_version.sections[2].articles[0]
    author = make_user(email="secret-address@example.org", name="Ana Author")
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "=HYPERLINK(\"http://evil\")", article.text("en").body + " More.", "+cmd|' /C calc'!A0"))
    amendments.support(make_user(), amendment)
    comments.post(author, round_, article, body="@SUM(1+1) visible", locale="fr", amendment=amendment)
    hidden, _ = comments.post(author, round_, article, body="Hidden insult", locale="en")
    moderation.hide(make_user(role=Role.moderator, organisation=None), hidden, "Insult")
    db.session.commit()
    return round_


def test_csv_download_is_safe_and_complete(client, make_round, make_user, charter_version):
    round_ = scene(make_round, make_user, charter_version)
    response = client.get(f"/exports/rounds/{round_.id}/contributions.csv")
    assert response.status_code == 200 and response.is_streamed
    assert parse_options_header(response.headers["Content-Disposition"]) == (
        "attachment", {"filename": f"{round_.slug}-contributions.csv"})
    body = response.get_data(as_text=True)
    records = list(csv.DictReader(io.StringIO(body)))
    assert [r["type"] for r in records] == ["amendment", "comment"]
    assert records[0]["title"].startswith("'=") and records[0]["rationale"].startswith("'+")
    assert records[1]["text"].startswith("'@") and records[1]["stance"] == ""
    assert records[0]["supports"] == "1" and records[0]["author"] == "Ana Author"
    assert "secret-address" not in body and "Hidden insult" not in body


def test_json_download_parses(client, make_round, make_user, charter_version):
    round_ = scene(make_round, make_user, charter_version)
    data = json.loads(client.get(f"/exports/rounds/{round_.id}/contributions.json").get_data(as_text=True))
    assert [d["type"] for d in data] == ["amendment", "comment"]
    assert data[0]["title"] == '=HYPERLINK("http://evil")'  # JSON is not run by spreadsheets: kept as written
    assert data[1]["locale"] == "fr" and data[1]["amendment"] == data[0]["id"]


def test_cli_export_with_progress(runner, tmp_path, make_round, make_user, charter_version):
    round_ = scene(make_round, make_user, charter_version)
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["report", "export", "--round", str(round_.id), "--format", "csv", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 contributions" in result.output
    with open(target, newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 2
    missing = runner.invoke(args=["report", "export", "--round", "999", "--format", "json", "-o", str(target)])
    assert missing.exit_code != 0 and "no round 999" in missing.output


def test_markdown_export_then_import_gives_the_same_structure_and_text(client, charter_version):
    from consult.charter.services import document_of
    from consult.documents.markdown_import import import_markdown

    for locale in ("en", "fr", "es"):
        response = client.get(f"/exports/versions/{charter_version.id}/charter.{locale}.md")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        again = import_markdown(response.get_data(as_text=True), locale)
        original = document_of(charter_version, locale)
        assert again.outline() == original.outline()
        assert [a.body for a in again.articles] == [a.body for a in original.articles]


def test_a_contribution_recorded_for_an_organisation_is_the_organisations(client, make_round, make_user,
                                                                           make_organisation, charter_version):
    round_ = make_round(RoundState.open)
    article = charter_version.sections[2].articles[0]
    moderator = make_user(role=Role.moderator, organisation=None, name="Mo Derator")
    city = make_organisation(name="City of Bogor", country="ID")
    moderation.record_contribution(moderator, round_, article, city, kind="comment", locale="en", body="Said aloud",
                                   rationale="", source="Regional meeting, Jakarta")
    db.session.commit()
    [record] = csv.DictReader(io.StringIO(
        client.get(f"/exports/rounds/{round_.id}/contributions.csv").get_data(as_text=True)))
    assert record["author"] == record["organisation"] == "City of Bogor" and record["country"] == "ID"
    assert record["recorded_by"] == "Mo Derator" and record["source"] == "Regional meeting, Jakarta"


def test_downloads_name_their_charset_once(client, make_round, make_user, charter_version):
    round_ = scene(make_round, make_user, charter_version)
    assert client.get(f"/exports/rounds/{round_.id}/contributions.csv").content_type == "text/csv; charset=utf-8"
    markdown = client.get(f"/exports/versions/{charter_version.id}/charter.en.md")
    assert markdown.content_type == "text/markdown; charset=utf-8"


# -- the charter's files, built once per published version ------------------------------------

def published_with_provenance(version, round_, author, count: int):
    """The version published, its articles having taken in `count` amendments (rows written
    directly: what matters here is what the files print)."""
    import sqlalchemy as sa

    from consult.charter.services import load_version
    from consult.models import Amendment, AmendmentStatus, Incorporation, VersionState, utcnow

    articles = [a for s in load_version(version) for a in s.articles]
    now = utcnow()
    db.session.execute(sa.insert(Amendment), [
        {"round_id": round_.id, "article_id": articles[n % len(articles)].id, "kind": AmendmentKind.modify,
         "locale": "en", "base_title": "t", "base_text": "b", "title": "t", "body": f"b {n}", "rationale": "r",
         "rationale_html": "", "author_id": author.id, "organisation_id": author.organisation_id,
         "status": AmendmentStatus.accepted, "answer": "ok", "answer_html": "<p>ok</p>", "created_at": now,
         "updated_at": now} for n in range(count)])
    rows = db.session.execute(sa.select(Amendment.id, Amendment.article_id)).all()
    db.session.execute(sa.insert(Incorporation), [
        {"article_id": article_id, "amendment_id": amendment_id, "by_id": author.id, "at": now}
        for amendment_id, article_id in rows])
    version.state, version.published_at = VersionState.published, now
    db.session.commit()
    return [amendment_id for amendment_id, _ in rows]


def test_the_pdf_with_provenance_lists_every_incorporated_amendment_and_is_built_once(
        app, make_round, make_user, charter_version, monkeypatch):
    from pypdf import PdfReader

    from consult.exports import services as exports

    author = make_user(organisation=None, name="Ada Lovelace")
    ids = published_with_provenance(charter_version, make_round(RoundState.closed), author, 150)
    built = exports.render_charter(charter_version, fmt="pdf", lang="en", provenance=True)
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(built.content)).pages).split())
    assert "Incorporated amendments" in text
    assert all(f"Amendment {n} by Ada Lovelace" in text for n in ids)

    monkeypatch.setattr(exports, "_render_charter", lambda *args: pytest.fail("built again instead of kept"))
    again = exports.render_charter(charter_version, fmt="pdf", lang="en", provenance=True)
    assert again.content == built.content and again.filename == built.filename


def test_a_kept_file_follows_what_it_prints_and_drafts_are_never_kept(app, make_round, make_user, charter_version):
    from pathlib import Path

    from consult.exports import services as exports
    from consult.models import VersionState

    kept = Path(app.instance_path) / "exports"
    author = make_user(organisation=None, name="Ada Lovelace")
    round_ = make_round(RoundState.closed)
    exports.render_charter(charter_version, fmt="html", lang="en", provenance=True)
    assert not kept.exists()  # a version in consultation still changes: built every time

    published_with_provenance(charter_version, round_, author, 3)
    first = exports.render_charter(charter_version, fmt="html", lang="en", provenance=True)
    assert len(list(kept.iterdir())) == 1
    author.name = "Ada King"  # what a provenance line prints changed: a new file replaces the old
    db.session.commit()
    renamed = exports.render_charter(charter_version, fmt="html", lang="en", provenance=True)
    assert b"Ada King" in renamed.content and b"Ada Lovelace" in first.content
    assert len(list(kept.iterdir())) == 1
    exports.render_charter(charter_version, fmt="html", lang="en", provenance=False)
    assert len(list(kept.iterdir())) == 2  # with and without provenance are two files

    charter_version.state = VersionState.consolidating
    db.session.commit()
    author.name = "Someone else"
    db.session.commit()
    assert b"Someone else" in exports.render_charter(charter_version, fmt="html", lang="en", provenance=True).content
    assert len(list(kept.iterdir())) == 2
