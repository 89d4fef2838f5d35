"""What the secretariat exports: a version turned into the document model, then rendered.

The web downloads and the `charter export`, `charter redline` and `report export` commands all
come through `render_charter`, `render_redline` and `render_report`, so a file is the same
whichever way it was asked for.
"""

import functools
import hashlib
import importlib.metadata
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import joinedload

from consult.accounts.privacy import shown_name
from consult.charter import services as charter_services
from consult.charter.labels import article_heading, article_label
from consult.config import LOCALES
from consult.documents import docx_export
from consult.documents.akoma_ntoso import charter_akn
from consult.documents.markdown_export import to_markdown
from consult.documents.model import (
    DocArticle, DocSection, Document, Redline, RedlineArticle, Report, ReportAmendment, ReportArticle,
)
from consult.extensions import db
from consult.i18n import LANGUAGE_NAMES, country_name, current_locale, date_only
from consult.models import (
    Amendment, AmendmentKind, Article, Charter, Incorporation, Round, TextStatus, Version, VersionState,
)
from consult.rounds import services as round_services
from consult.text.characters import xml_safe_copy

CHARTER_FORMATS = ("md", "html", "docx", "pdf", "akn")
REDLINE_FORMATS = ("docx", "pdf")
REPORT_FORMATS = ("pdf", "docx")
MIMETYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "akn": "application/akn+xml",
}
EXTENSIONS = {"akn": "akn.xml"}


class ExportError(ValueError):
    """An export that cannot be made as asked; the message is shown as it is."""


@dataclass
class ExportFile:
    filename: str
    mimetype: str
    content: bytes


def latest_version(charter: Charter) -> Version | None:
    """What `--version latest` means: the newest published version, else the one in consultation."""
    for state in (VersionState.published, VersionState.in_consultation):
        version = db.session.scalar(sa.select(Version).where(Version.charter_id == charter.id, Version.state == state)
                                    .order_by(Version.id.desc()).limit(1))
        if version:
            return version
    return None


def _locales(lang: str) -> list[str]:
    if lang == "all":
        return list(LOCALES)
    if lang not in LOCALES:
        raise ExportError(_("Unknown language: %(lang)s.", lang=lang))
    return [lang]


# -- the charter ------------------------------------------------------------------------------

def charter_documents(version: Version, locales: list[str], *, provenance: bool = False) -> list[Document]:
    """One document per language, with the amendments each article took in when asked."""
    sections = charter_services.load_version(version)
    incorporated = _incorporations(version) if provenance else {}
    documents = []
    for locale in locales:
        with force_locale(locale):
            document = Document(title=version.charter.title(locale), locale=locale, subtitle=version.label(locale))
            for section in sections:
                doc_section = DocSection(title=section.title(locale))
                for article in section.articles:
                    text = article.text(locale)
                    doc_section.articles.append(DocArticle(
                        article.number, text.title if text else "", text.body if text else "", article.numbering,
                        provenance=[_provenance_line(a) for a in incorporated.get(article.id, [])],
                        outdated=bool(text) and (text.locale != locale or text.status is TextStatus.outdated),
                    ))
                document.sections.append(doc_section)
        documents.append(document)
    return documents


def _incorporations(version: Version) -> dict[int, list[Amendment]]:
    """Amendments incorporated into each article of the version: one query."""
    rows = db.session.execute(
        sa.select(Incorporation.article_id, Amendment).join(Amendment, Amendment.id == Incorporation.amendment_id)
        .join(Article, Article.id == Incorporation.article_id).where(Article.version_id == version.id)
        .order_by(Incorporation.at).options(joinedload(Amendment.organisation), joinedload(Amendment.author),
                                            joinedload(Amendment.round))
    ).all()
    by_article: dict[int, list[Amendment]] = defaultdict(list)
    for article_id, amendment in rows:
        by_article[article_id].append(amendment)
    return by_article


def _provenance_line(amendment: Amendment) -> str:
    return _("Amendment %(id)s by %(who)s (%(round)s), %(outcome)s", id=amendment.id, who=_proposer(amendment),
             round=amendment.round.title(current_locale()), outcome=amendment.status.label.lower())


def _proposer(amendment: Amendment) -> str:
    return amendment.organisation.name if amendment.organisation else shown_name(amendment.author.name)


def render_charter(version: Version, *, fmt: str, lang: str, provenance: bool = False,
                   progress: Callable[[int], None] | None = None) -> ExportFile:
    if fmt not in CHARTER_FORMATS:
        raise ExportError(_("Unknown format: %(format)s.", format=fmt))
    locales = _locales(lang)
    if fmt == "md" and len(locales) > 1:
        raise ExportError(_("Markdown is written one language at a time; choose English, French or Spanish."))
    documents = xml_safe_copy(charter_documents(version, locales, provenance=provenance))
    if progress:
        progress(1)
    locale = locales[0] if len(locales) == 1 else current_locale()
    # A published version never changes: its files are built once (a PDF with provenance takes
    # seconds) and kept. Drafts change, and are built every time.
    cached = _cached_file(version, documents, fmt, lang, locale, provenance) if version.state is VersionState.published else None
    content = _kept(cached) if cached else None
    if content is None:
        with force_locale(locale):
            content = _render_charter(fmt, documents, version)
        content = content if isinstance(content, bytes) else content.encode("utf-8")
        if cached:
            _keep(cached, content)
    if progress:
        progress(1)
    suffix = "-provenance" if provenance else ""
    filename = f"{version.charter.slug}-{version.slug}{suffix}.{lang}.{EXTENSIONS.get(fmt, fmt)}"
    return ExportFile(filename, MIMETYPES[fmt], content)


def _cached_file(version: Version, documents: list[Document], fmt: str, lang: str, locale: str,
                 provenance: bool) -> Path:
    """Where a built charter file is kept: named by the version, the format and the languages,
    and by a digest of everything printed in it (the document model, which carries the texts and
    the provenance lines) and of the code that prints it, so any change there is a new file."""
    printed = repr((version.charter.slug, version.slug, version.published_at, version.created_at, documents))
    digest = hashlib.sha256(f"{_renderers_digest()}\n{printed}".encode()).hexdigest()[:32]
    notes = "provenance" if provenance else "plain"
    return Path(current_app.instance_path) / "exports" / f"charter-{version.id}.{lang}.{locale}.{notes}.{digest}.{fmt}"


def _kept(path: Path) -> bytes | None:
    """The kept file, or None: another process may be replacing it this moment."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _keep(path: Path, content: bytes) -> None:
    """Written whole or not at all (two processes may build the same file at once), replacing the
    files kept for this version, format and languages under an older digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kind, _digest, fmt = path.name.rsplit(".", 2)
    for older in path.parent.glob(f"{kind}.*.{fmt}"):
        older.unlink(missing_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as partial:
        partial.write(content)
    os.replace(partial.name, path)


@functools.cache
def _renderers_digest() -> str:
    """The renderers' code, templates and stylesheet, and the libraries that lay the files out."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parents[1].joinpath("documents").rglob("*")):
        if source.suffix in {".py", ".html", ".css"}:
            digest.update(source.read_bytes())
    digest.update(Path(__file__).read_bytes())
    for library in ("weasyprint", "python-docx", "pydyf"):
        digest.update(importlib.metadata.version(library).encode())
    return digest.hexdigest()


def _render_charter(fmt: str, documents: list[Document], version: Version) -> str | bytes:
    if fmt == "md":
        return to_markdown(documents[0])
    if fmt == "docx":
        return docx_export.charter_docx(documents)
    if fmt == "akn":
        when = version.published_at or version.created_at
        return charter_akn(documents, work_uri=f"/akn/int/act/charter/{version.charter.slug}",
                           version_date=when.date(), version_id=version.slug)
    html_export = _html_export()
    return html_export.charter_pdf(documents) if fmt == "pdf" else html_export.charter_html(documents)


def _html_export():
    """WeasyPrint loads Pango when imported (half a second): only when HTML or a PDF is asked for."""
    from consult.documents import html_export
    return html_export


# -- redlines ---------------------------------------------------------------------------------

def redline(old: Version, new: Version, locale: str) -> Redline:
    """What changed from one version to another, article by article, followed by lineage."""
    with force_locale(locale):
        result = Redline(title=new.charter.title(locale), locale=locale, from_label=old.label(locale),
                         to_label=new.label(locale))
        for before, after in charter_services.compare(old, new):
            old_heading, old_body = _heading_and_body(before, locale)
            new_heading, new_body = _heading_and_body(after, locale)
            result.articles.append(RedlineArticle(old_heading, new_heading, old_body, new_body))
    return result


def _heading_and_body(article: Article | None, locale: str) -> tuple[str, str]:
    if article is None:
        return "", ""
    text = article.text(locale)
    if text is None:
        return article_label(article, locale), ""
    return article_heading(article, text), text.body


def render_redline(old: Version, new: Version, *, fmt: str, lang: str) -> ExportFile:
    if fmt not in REDLINE_FORMATS:
        raise ExportError(_("Unknown format: %(format)s.", format=fmt))
    if lang not in LOCALES:
        raise ExportError(_("A redline is made in one language: choose English, French or Spanish."))
    if old.charter_id != new.charter_id or old.id == new.id:
        raise ExportError(_("Choose two different versions of the same charter."))
    document = xml_safe_copy(redline(old, new, lang))
    with force_locale(lang):
        content = _html_export().redline_pdf(document) if fmt == "pdf" else docx_export.redline_docx(document)
    filename = f"{new.charter.slug}-{old.slug}-to-{new.slug}.{lang}.{fmt}"
    return ExportFile(filename, MIMETYPES[fmt], content)


# -- the consultation report ------------------------------------------------------------------

def report(rounds: list[Round], *, title: str, subtitle: str, locale: str) -> Report:
    """Figures, charts and every amendment's outcome and answer, for one round or a version's."""
    with force_locale(locale):
        account = round_services.account(rounds)
        result = Report(title=title, subtitle=subtitle, locale=locale)
        result.totals = [
            (_("Participants"), str(account.participants)), (_("Organisations"), str(account.organisations)),
            (_("Amendments"), str(account.amendments)), (_("Comments"), str(account.comments)),
            (_("Supports"), str(account.supports)),
        ]
        result.figures = list(round_services.figures(account).values())
        outcomes = round_services.outcomes(rounds).articles  # every amendment: the report is the record
        supports = round_services.support_counts([a for _, amendments in outcomes for a in amendments])
        for article, amendments in outcomes:
            heading, _body = _heading_and_body(article, locale)
            result.articles.append(ReportArticle(heading, [_report_amendment(a, supports.get(a.id, 0), len(rounds) > 1)
                                                           for a in amendments]))
    return result


def _report_amendment(amendment: Amendment, supports: int, name_round: bool) -> ReportAmendment:
    who = _proposer(amendment)
    if amendment.organisation and amendment.organisation.country:
        who = f"{who} ({country_name(amendment.organisation.country)})"
    heading = _("%(kind)s proposed by %(who)s, in %(language)s", kind=amendment.kind.label, who=who,
                language=LANGUAGE_NAMES.get(amendment.locale, amendment.locale))
    if name_round:
        heading += f" · {amendment.round.title(current_locale())}"
    if amendment.kind is AmendmentKind.delete:
        proposal = _("Delete this article.")
    else:
        proposal = (f"**{amendment.title}**\n\n" if amendment.title else "") + amendment.body
    answer = amendment.answer or _("Not answered yet.")
    if amendment.duplicate_of_id:
        answer += "\n\n" + _("Duplicate of amendment %(id)s.", id=amendment.duplicate_of_id)
    return ReportAmendment(reference=f"#{amendment.id}", heading=heading, status=str(amendment.status.label),
                           answer=answer, proposal=proposal, supports=supports)


def render_report(*, fmt: str, lang: str, round_: Round | None = None, version: Version | None = None) -> ExportFile:
    if fmt not in REPORT_FORMATS:
        raise ExportError(_("Unknown format: %(format)s.", format=fmt))
    if lang not in LOCALES:
        raise ExportError(_("A report is written in one language: choose English, French or Spanish."))
    with force_locale(lang):
        if round_ is not None:
            rounds, name = [round_], round_.slug
            title = _("Report of the consultation: %(round)s", round=round_.title(lang))
            subtitle = _("%(version)s · from %(start)s to %(end)s", version=round_.version.label(lang),
                         start=date_only(round_.opens_at), end=date_only(round_.effective_close))
        elif version is not None:
            rounds, name = charter_services.rounds_of_version(version), f"{version.charter.slug}-{version.slug}"
            if not rounds:
                raise ExportError(_("This version was not put to consultation: there is nothing to report."))
            title = _("Report of the consultation on %(version)s", version=version.label(lang))
            subtitle = ", ".join(r.title(lang) for r in rounds)
        else:
            raise ExportError(_("Choose a round or a version."))
        document = xml_safe_copy(report(rounds, title=title, subtitle=subtitle, locale=lang))
        content = _html_export().report_pdf(document) if fmt == "pdf" else docx_export.report_docx(document)
    return ExportFile(f"{name}-report.{lang}.{fmt}", MIMETYPES[fmt], content)
