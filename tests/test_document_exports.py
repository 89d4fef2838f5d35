"""Documents end to end: files of a version on the web and from the command line, read back."""

import csv
import io
import json

import docx
from docx.oxml.ns import qn
import pytest
import sqlalchemy as sa
from lxml import etree
from pypdf import PdfReader
from werkzeug.http import parse_options_header

from consult.extensions import db
from consult.models import AmendmentStatus, AuditEvent, Role, RoundState, Version, VersionState
from consult.moderation import services as moderation
from tests.conftest import ROOT, count_rows, incorporate_clean, put_round_in_state, start, twin

AKN = "{http://docs.oasis-open.org/legaldocml/ns/akn/3.0}"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    """Every visible word of a Word file, inserted tracked changes included."""
    body = docx.Document(io.BytesIO(data)).element.body
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in body.iter(qn("w:p")))


@pytest.fixture
def consolidated(moderator, consulted):
    """A consolidated version whose Article I took in the first amendment."""
    new = start(moderator, consulted)
    incorporate_clean(moderator, twin(new, consulted["article"]), consulted["first"])
    db.session.commit()
    return new


def attachment(response, filename: str) -> bytes:
    assert response.status_code == 200, response.data[:500]
    assert parse_options_header(response.headers["Content-Disposition"]) == ("attachment", {"filename": filename})
    return response.data


# -- the charter -------------------------------------------------------------------------------

def test_files_page_offers_every_format_of_a_version_in_consultation(client, charter_version):
    page = client.get(f"/exports/versions/{charter_version.id}/").get_data(as_text=True)
    for option in ('value="pdf"', 'value="docx"', 'value="html"', 'value="md"', 'value="akn"', 'value="all"'):
        assert option in page
    response = client.get(f"/exports/versions/{charter_version.id}/download",
                          query_string={"what": "charter", "lang": "fr", "format": "pdf", "provenance": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/exports/versions/{charter_version.id}/charter.fr.pdf?provenance=1")


def test_charter_downloads_in_each_format_read_back(client, charter_version):
    base = f"/exports/versions/{charter_version.id}"
    name = "global-charter-agenda-draft"
    text = pdf_text(attachment(client.get(f"{base}/charter.fr.pdf"), f"{name}.fr.pdf"))
    assert "Article I" in text and "Droit à la ville" in text
    word = docx.Document(io.BytesIO(attachment(client.get(f"{base}/charter.es.docx"), f"{name}.es.docx")))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Artículo I. Derecho a la ciudad" in headings
    html = attachment(client.get(f"{base}/charter.en.html"), f"{name}.en.html").decode()
    assert "<h3" in html and "Right to the city" in html
    root = etree.fromstring(attachment(client.get(f"{base}/charter.en.akn.xml"), f"{name}.en.akn.xml"))
    assert root.tag == f"{AKN}akomaNtoso"
    nums = [n.text for n in root.iter(f"{AKN}num") if n.getparent().tag == f"{AKN}article"]
    assert "Article XIII" in " ".join(nums)
    side = PdfReader(io.BytesIO(attachment(client.get(f"{base}/charter.all.pdf"), f"{name}.all.pdf")))
    first = side.pages[0].mediabox
    assert first.width > first.height  # landscape, three columns
    assert client.get(f"{base}/charter.all.md").status_code == 400  # Markdown is one language a file
    assert client.get(f"{base}/charter.de.pdf").status_code == 404


def test_provenance_names_the_incorporated_amendment(client, login, make_user, consolidated, consulted):
    login(make_user(role=Role.secretariat, organisation=None))
    base = f"/exports/versions/{consolidated.id}"
    plain = docx_text(client.get(f"{base}/charter.en.docx").data)
    with_provenance = docx_text(client.get(f"{base}/charter.en.docx?provenance=1").data)
    marker = f"Amendment {consulted['first'].id} by"
    assert marker not in plain and marker in with_provenance
    assert "democratic and inclusive local community" in with_provenance
    assert marker in pdf_text(client.get(f"{base}/charter.en.pdf?provenance=1").data)


def test_drafts_are_exported_for_the_secretariat_only(client, login, make_user, consolidated):
    url = f"/exports/versions/{consolidated.id}/charter.en.pdf"
    assert client.get(url).status_code == 302  # visitors are sent to log in
    login(make_user(role=Role.moderator, organisation=None))
    assert client.get(url).status_code == 403
    assert client.get(f"/exports/versions/{consolidated.id}/").status_code == 403


def test_redline_follows_articles_and_marks_changes(client, login, make_user, consolidated, consulted):
    login(make_user(role=Role.secretariat, organisation=None))
    old = consulted["version"]
    url = f"/exports/versions/{old.id}/redline/{consolidated.id}.en.pdf"
    text = pdf_text(attachment(client.get(url), f"global-charter-agenda-draft-to-{consolidated.slug}.en.pdf"))
    assert "inclusive" in text and "Right to the city" in text
    word = client.get(f"/exports/versions/{old.id}/redline/{consolidated.id}.en.docx")
    assert word.status_code == 200 and "inclusive" in docx_text(word.data)


def test_round_report_has_outcomes_answers_and_figures(client, consulted):
    round_id = consulted["first"].round_id
    data = attachment(client.get(f"/exports/rounds/{round_id}/report.en.pdf"),
                      f"{consulted['first'].round.slug}-report.en.pdf")
    text = pdf_text(data)
    assert "Participants by region" in text and "Accepted" in text and "Rejected" in text
    word = docx.Document(io.BytesIO(client.get(f"/exports/rounds/{round_id}/report.fr.docx").data))
    assert any("Participants par région" in p.text for p in word.paragraphs) or \
        any("Participants par région" in c.text for t in word.tables for r in t.rows for c in r.cells)
    assert len(word.inline_shapes) >= 5  # the charts, as pictures


def test_version_report_covers_all_its_rounds(client, consulted):
    version = consulted["version"]
    text = pdf_text(client.get(f"/exports/versions/{version.id}/report.es.pdf").data)
    assert "Aceptada" in text or "Aceptado" in text


# -- from the command line ----------------------------------------------------------------------

def test_cli_charter_export_latest_and_redline(runner, tmp_path, charter_version, consolidated, consulted):
    target = tmp_path / "charter.docx"
    result = runner.invoke(args=["charter", "export", "--version", "latest", "--format", "docx", "--lang", "fr",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "Droit à la ville" in docx_text(target.read_bytes())  # latest = the draft in consultation here
    akn = tmp_path / "charter.xml"
    result = runner.invoke(args=["charter", "export", "--version", str(consolidated.id), "--format", "akn", "--lang",
                                 "en", "--provenance", "-o", str(akn)])
    assert result.exit_code == 0, result.output
    assert etree.parse(str(akn)).getroot().tag == f"{AKN}akomaNtoso"
    red = tmp_path / "red.pdf"
    result = runner.invoke(args=["charter", "redline", "--from", str(consulted["version"].id), "--to",
                                 str(consolidated.id), "--format", "pdf", "--lang", "en", "-o", str(red)])
    assert result.exit_code == 0, result.output
    assert "inclusive" in pdf_text(red.read_bytes())
    missing = runner.invoke(args=["charter", "export", "--version", "999", "--format", "pdf", "-o", str(red)])
    assert missing.exit_code != 0 and "no version 999" in missing.output


def test_cli_report_of_a_version_as_data_and_document(runner, tmp_path, consulted):
    version = consulted["version"]
    rows = tmp_path / "rows.csv"
    result = runner.invoke(args=["report", "export", "--version", str(version.id), "--format", "csv", "-o", str(rows)])
    assert result.exit_code == 0, result.output
    with open(rows, newline="", encoding="utf-8") as f:
        assert len([r for r in csv.DictReader(f) if r["type"] == "amendment"]) == 5
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "export", "--round", str(consulted["first"].round_id), "--format", "pdf",
                                 "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "ok" in pdf_text(pdf.read_bytes())  # the public answer
    both = runner.invoke(args=["report", "export", "--round", "1", "--version", "1", "--format", "pdf", "-o", str(pdf)])
    assert both.exit_code != 0


# -- importing a draft ----------------------------------------------------------------------------

def seed_file(locale: str) -> bytes:
    return (ROOT / "seeds" / "charter" / f"draft.{locale}.md").read_bytes()


def test_cli_dry_run_prints_the_structure_and_saves_nothing(runner, app):
    files = []
    for locale in ("en", "fr", "es"):
        files += ["--lang", locale, str(ROOT / "seeds" / "charter" / f"draft.{locale}.md")]
    before = count_rows(Version)
    result = runner.invoke(args=["charter", "import", *files, "--dry-run"])
    assert result.exit_code == 0, result.output
    outline = json.loads(result.stdout)
    assert outline["aligned"] is True
    english = outline["languages"]["en"]
    assert [s["title"] for s in english["sections"]][:2] == ["Preamble", "General provisions"]
    article_one = english["sections"][2]["articles"][0]
    assert article_one["number"] == "I" and article_one["title"] == "Right to the city"
    assert article_one["paragraphs"] >= 3
    assert count_rows(Version) == before

    result = runner.invoke(args=["charter", "import", *files, "--label", "Draft from Lyon"])
    assert result.exit_code == 0, result.output
    version = db.session.scalar(sa.select(Version).order_by(Version.id.desc()).limit(1))
    assert version.state is VersionState.draft and version.slug == "draft-from-lyon"
    assert count_rows(Version) == before + 1


def test_cli_import_refuses_a_bad_file(runner, app, tmp_path):
    bad = tmp_path / "draft.docx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = runner.invoke(args=["charter", "import", "--lang", "en", str(bad), "--label", "x"])
    assert result.exit_code != 0 and "en:" in result.output
    assert count_rows(Version) == 0


def test_import_preview_then_confirm_creates_an_aligned_draft(client, login, make_user, charter_version):
    login(make_user(role=Role.secretariat, organisation=None))
    form = {"label_en": "Second draft", "label_fr": "Deuxième projet", "label_es": "",
            "file_en": (io.BytesIO(seed_file("en")), "draft.en.md"),
            "file_fr": (io.BytesIO(seed_file("fr")), "draft.fr.md"),
            "file_es": (io.BytesIO(seed_file("es")), "draft.es.md")}
    preview = client.post("/imports/new", data=form, content_type="multipart/form-data")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Article I. Right to the city" in page and "Artículo I." in page
    assert count_rows(Version) == 1  # nothing saved by the preview
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post("/imports/confirm", data={"token": token})
    assert done.status_code == 302
    version = db.session.scalar(sa.select(Version).where(Version.slug == "second-draft"))
    assert version.labels == {"en": "Second draft", "fr": "Deuxième projet", "es": "Second draft"}
    from consult.charter.services import load_version
    article = load_version(version)[2].articles[0]
    assert {t.locale for t in article.texts} == {"en", "fr", "es"} and article.number == "I"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "import_version"))
    again = client.post("/imports/confirm", data={"token": token})
    assert again.status_code == 302 and count_rows(Version) == 2  # a preview is saved once


def test_import_of_a_bad_file_says_why_and_keeps_what_was_typed(client, login, make_user, app):
    login(make_user(role=Role.secretariat, organisation=None))
    form = {"label_en": "My careful label", "file_en": (io.BytesIO(b"\x89PNG\r\n\x1a\n\0\0binary"), "draft.docx")}
    response = client.post("/imports/new", data=form, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "My careful label" in page and 'class="error"' in page
    assert count_rows(Version) == 0


def test_only_the_secretariat_imports(client, login, make_user, app):
    login(make_user(role=Role.moderator, organisation=None))
    form = {"label_en": "x", "file_en": (io.BytesIO(seed_file("en")), "draft.en.md")}
    assert client.post("/imports/new", data=form, content_type="multipart/form-data").status_code == 403
    assert client.get("/imports/new").status_code == 403
    assert count_rows(Version) == 0


def test_answering_after_export_changes_the_report(client, consulted, moderator):
    """The report is built when asked, from the answers as they stand."""
    round_ = consulted["first"].round
    put_round_in_state(round_, RoundState.closed)
    moderation.answer(moderator, consulted["third"], AmendmentStatus.rejected, "Collides with another change")
    db.session.commit()
    assert "Collides with another change" in pdf_text(client.get(f"/exports/rounds/{round_.id}/report.en.pdf").data)


def test_odd_requests_are_refused_cleanly(client, charter_version):
    base = f"/exports/versions/{charter_version.id}"
    assert client.get(f"{base}/redline/{charter_version.id}.en.pdf").status_code == 400  # with itself
    assert client.get(f"{base}/charter.en.exe").status_code == 400
    assert client.get(f"{base}/download", query_string={"what": "charter", "lang": "xx", "format": "pdf"}).status_code == 404
    assert client.get(f"{base}/download", query_string={"what": "report", "lang": "all", "format": "pdf"}).status_code == 404


def test_a_control_character_typed_by_a_participant_does_not_break_word_or_akoma_ntoso(client, consulted):
    first = consulted["first"]
    first.rationale = "Pasted from a terminal \x1b[0m"
    first.answer = "Accepted\x0b with thanks"
    db.session.commit()
    word = client.get(f"/exports/rounds/{first.round_id}/report.en.docx")
    assert word.status_code == 200 and "Accepted with thanks" in docx_text(word.data)


def test_cli_imports_a_draft_without_english(runner, app):
    draft = str(ROOT / "seeds" / "charter" / "draft.fr.md")
    result = runner.invoke(args=["charter", "import", "--lang", "fr", draft, "--label", "Projet de Lyon"])
    assert result.exit_code == 0, result.output
    version = db.session.scalar(sa.select(Version))
    assert version.source_locale == "fr" and version.labels["en"] == "Projet de Lyon"


def test_a_confirmation_is_taken_by_its_owner_only(client, login, make_user, app):
    from consult.imports import services as imports

    owner = make_user(role=Role.secretariat, organisation=None)
    other = make_user(role=Role.secretariat, organisation=None)
    preview, errors = imports.read_files({"en": ("draft.en.md", seed_file("en"))})
    token = imports.keep_for_confirmation(owner, preview, {"en": "Mine"})
    assert imports.claim(other, token) is None
    assert imports.claim(owner, token) is not None
    assert imports.claim(owner, token) is None  # once
