"""Translation catalogs: extract, update and compile with Babel's own API.

Extraction writes no line numbers and a fixed header date, so re-extracting unchanged code
gives a byte-identical messages.pot and diffs stay quiet.
"""

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from consult.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"
POT_FILE = TRANSLATIONS / "messages.pot"
TARGET_LOCALES = ("fr", "es")
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "_n": (1, 2)}


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _wanted_directory(dirpath: str) -> bool:
    # Babel skips folders starting with "_" by default; templates/_macros holds messages too.
    name = Path(dirpath).name
    return not name.startswith(".") and name not in ("__pycache__", ".venv", "node_modules")


def extract() -> bytes:
    """The template catalog as bytes, from the package's Python code and templates."""
    with open(TRANSLATIONS / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="consult", version="1", creation_date=_FIXED_DATE, revision_date=_FIXED_DATE,
                      msgid_bugs_address="", copyright_holder="", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        PROJECT_ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True, directory_filter=_wanted_directory,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    out = BytesIO()
    write_po(out, catalog, width=100, no_location=True, omit_header=False, sort_output=True)
    return out.getvalue()


def messages(pot: bytes) -> list[tuple]:
    """What a template says, header aside: each message with its comments and flags."""
    return [(m.id, m.context, tuple(m.auto_comments), tuple(sorted(m.flags)))
            for m in read_po(BytesIO(pot)) if m.id]


def write_template() -> None:
    POT_FILE.write_bytes(extract())


def update() -> None:
    """Merge messages.pot into each language's catalog (new messages arrive empty, to translate)."""
    with open(POT_FILE, "rb") as f:
        template = read_po(f)
    for locale in TARGET_LOCALES:
        path = po_path(locale)
        if path.exists():
            with open(path, "rb") as f:
                catalog = read_po(f, locale=locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project="consult", version="1", creation_date=_FIXED_DATE,
                              msgid_bugs_address="", copyright_holder="", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        catalog.revision_date = _FIXED_DATE
        with open(path, "wb") as f:
            write_po(f, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True)


def compile_all(force: bool = False) -> list[str]:
    """Write the .mo files the app reads; skips those already newer than their .po."""
    written = []
    for locale in TARGET_LOCALES:
        po = po_path(locale)
        mo = po.with_suffix(".mo")
        if not po.exists() or (not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        with open(po, "rb") as f:
            catalog = read_po(f, locale=locale)
        with open(mo, "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(locale)
    return written
