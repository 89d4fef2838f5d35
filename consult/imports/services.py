"""Importing a draft: files read into the document model, shown for checking, then saved as a
new draft version with aligned language texts.

Between the preview and the confirmation the documents wait in the instance folder (the
parsed model as JSON, not the upload), so confirming saves exactly what was previewed.
"""

import dataclasses
import json
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from consult.charter import services as charter_services
from consult.config import LOCALES
from consult.documents.checks import is_aligned, structure_warnings
from consult.documents.model import DocArticle, DocSection, Document, DocumentError
from consult.documents.uploads import read_upload
from consult.extensions import db
from consult.i18n import LANGUAGE_NAMES
from consult.models import Charter, User, Version
from consult.moderation import audit

PENDING_LIFETIME = 24 * 3600  # seconds a preview can wait for its confirmation
MAX_IMPORT_REQUEST = 64 * 1024 * 1024  # bytes: three files, each refused above MAX_UPLOAD_BYTES


@dataclass
class Preview:
    documents: dict[str, Document]
    warnings: list[str] = field(default_factory=list)

    @property
    def can_save(self) -> bool:
        return is_aligned(self.documents)


def read_files(files: dict[str, tuple[str, bytes]]) -> tuple[Preview | None, dict[str, str]]:
    """Read one file per language ({locale: (filename, content)}): the preview, or what is
    wrong with each file that could not be read."""
    documents, errors = {}, {}
    for locale, (filename, data) in files.items():
        try:
            documents[locale] = read_upload(filename, data, locale)
        except DocumentError as error:
            errors[locale] = str(error)
    return (None, errors) if errors else (preview_of(documents), {})


def preview_of(documents: dict[str, Document]) -> Preview:
    warnings = [_("%(language)s: %(warning)s", language=LANGUAGE_NAMES[locale], warning=warning)
                for locale, document in documents.items() for warning in document.warnings]
    return Preview(documents, warnings + [str(w) for w in structure_warnings(documents)])


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "draft"


def _free_slug(charter: Charter, label: str) -> str:
    base = slugify(label)
    taken = set(db.session.scalars(sa.select(Version.slug).where(Version.charter_id == charter.id)))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_draft(actor: User | None, documents: dict[str, Document], labels: dict[str, str]) -> Version:
    """A new draft version of the main charter (created if there is none yet), its language
    texts aligned article by article; the source language is English when present."""
    source = "en" if "en" in documents else next(iter(documents))
    charter = charter_services.main_charter()
    if charter is None:
        charter = Charter(slug=charter_services.MAIN_CHARTER_SLUG,
                          titles={loc: doc.title for loc, doc in documents.items() if doc.title})
        db.session.add(charter)
        db.session.flush()
    fallback = labels.get(source) or next(label for label in labels.values() if label)
    labels = {loc: labels.get(loc) or fallback for loc in LOCALES}
    version = charter_services.create_version(charter, documents, slug=_free_slug(charter, labels[source]),
                                              labels=labels, source_locale=source)
    audit.record(actor, "import_version", version, languages=sorted(documents),
                 articles=len(documents[source].articles))
    return version


# -- the wait between preview and confirmation ------------------------------------------------

def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep_for_confirmation(actor: User, preview: Preview, labels: dict[str, str]) -> str:
    """Store the previewed documents; returns the token the confirmation form carries."""
    folder = _pending_dir()
    for old in folder.glob("*.json"):  # previews never confirmed
        if old.stat().st_mtime < time.time() - PENDING_LIFETIME:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    payload = {"user": actor.id, "labels": labels, "documents": {
        loc: dataclasses.asdict(dataclasses.replace(doc, warnings=[])) for loc, doc in preview.documents.items()}}
    (folder / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    return token


def claim(actor: User, token: str) -> tuple[dict[str, Document], dict[str, str]] | None:
    """Take the documents and labels this person previewed under this token, once: the file is
    renamed away first, so two confirmations cannot both save it. None when expired, already
    taken or someone else's."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    path = _pending_dir() / f"{token}.json"
    taken = path.with_suffix(f".{secrets.token_hex(8)}.taken")
    try:
        if path.stat().st_mtime < time.time() - PENDING_LIFETIME:
            return None
        path.rename(taken)
    except FileNotFoundError:
        return None
    try:
        payload = json.loads(taken.read_text(encoding="utf-8"))
        if payload["user"] != actor.id:
            taken.rename(path)  # not theirs to take: leave it for its owner
            return None
    finally:
        taken.unlink(missing_ok=True)
    return {loc: _document(data) for loc, data in payload["documents"].items()}, payload["labels"]


def _document(data: dict) -> Document:
    sections = [DocSection(s["title"], [DocArticle(**a) for a in s["articles"]]) for s in data["sections"]]
    return Document(title=data["title"], locale=data["locale"], sections=sections, subtitle=data.get("subtitle", ""))
