"""Uploaded charter files: recognised by their content, checked, then read by the right importer.

The web form and the CLI both come through `read_upload`. The file name is not trusted to say
what a file is: a zip is read as Word, anything else must be UTF-8 text and is read as Markdown.

A .docx is a zip of XML parts, a classic carrier of attacks on a server: zip bombs (a small file
that decompresses to gigabytes), archives with a huge number of entries, and XML entity expansion
("billion laughs"). So the zip is checked from its directory first, then every part is read with
caps that do not trust the sizes the directory declares, and a part with a DTD is refused before
any XML parser sees it. Only then does python-docx open the file.
"""

import io
import re
import struct
import zipfile
import zlib

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from lxml import etree

from consult.documents.docx_import import DAMAGED, NOT_A_WORD_FILE, import_docx
from consult.documents.markdown_import import import_markdown
from consult.documents.model import Document, DocumentError
from consult.text.characters import map_strings
from consult.text.normalise import control_characters, normalise

MIB = 1024 * 1024
# Limits. A full charter in Word with a few pictures is well under 1 MiB zipped and a few MiB
# unzipped (document.xml of the 2011 charter: about 0.5 MiB), so these leave ample room while
# bounding the memory and time an upload can cost.
MAX_UPLOAD_BYTES = 10 * MIB  # the file as uploaded, Word or Markdown
MAX_UNCOMPRESSED_BYTES = 50 * MIB  # all the parts of a zip together, once decompressed
MAX_PARTS = 2000  # entries in the zip; Word writes a few dozen, plus one per picture
# Word's XML compresses about 10:1; far more is a bomb. Small parts are exempt: a tiny blank part
# may compress 300:1 and costs nothing to read.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_ABOVE = 1 * MIB

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_OLD_WORD_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc (OLE compound file)
_OTHER_TEXT_FORMATS = (b"%PDF-", b"{\\rtf")
_WORD_MAIN_PART = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
_CHUNK = 64 * 1024
_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")
_XML_ENCODINGS = {b"utf-8", b"utf8", b"utf-16", b"utf-16le", b"utf-16be"}
# Parsing the two package parts read here: no DTD is loaded, no entity resolved, nothing fetched.
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
               RuntimeError, OSError, ValueError, struct.error)

NOT_A_DOCUMENT = _l("This file is not a Word document (.docx) or a Markdown text file.")
OLD_WORD = _l(
    "This file is in the old Word format (.doc): open it in Word, save it as a Word document (.docx) "
    "and try again."
)
EMPTY = _l("The file is empty.")
NOT_UTF8 = _l("This text file is not in UTF-8: save it again choosing the UTF-8 encoding, and try again.")
ENTITIES = _l("The file contains XML entity declarations, which Word never writes; it is refused.")
OUTSIDE_THE_PACKAGE = _l("The Word file contains a part whose name leads outside the document; it is refused.")


def read_upload(filename: str, data: bytes, locale: str) -> Document:
    """Check an uploaded file and read it as a charter in `locale`; DocumentError says why not."""
    if not data:
        raise DocumentError(EMPTY)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DocumentError(_l(
            "The file is larger than %(limit)s MB. Pictures are not imported: remove them, save the file "
            "again and retry.",
            limit=MAX_UPLOAD_BYTES // MIB,
        ))
    if data.startswith(_ZIP_SIGNATURES):
        _check_word_package(data)
        document = import_docx(data, locale)
    elif data.startswith(_OLD_WORD_SIGNATURE):
        raise DocumentError(OLD_WORD)
    elif filename.lower().endswith(".docx"):
        raise DocumentError(DAMAGED)
    else:
        document = import_markdown(_text(data), locale)
    # Stored text has one form (LF, NFC) whatever the file's producer wrote.
    return map_strings(document, normalise)


def _text(data: bytes) -> str:
    """The file as Markdown text: UTF-8 (with or without a byte order mark), no control bytes."""
    if data.startswith(_OTHER_TEXT_FORMATS):
        raise DocumentError(NOT_A_DOCUMENT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Text in another encoding (Notepad's "Unicode", Latin-1) has a byte order mark or no NUL
        # bytes; anything else is not text at all.
        text_elsewhere = data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" not in data
        raise DocumentError(NOT_UTF8 if text_elsewhere else NOT_A_DOCUMENT) from error
    if codes := control_characters(text.replace("\f", "")):
        raise DocumentError(_l("The file holds invisible control characters (%(codes)s): remove them and try again.",
                               codes=", ".join(codes)))
    return text


def _check_word_package(data: bytes) -> None:
    """Refuse a zip that is damaged, too big once open, not a Word document, or carries a DTD."""
    _check_entry_count(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = [info for info in archive.infolist() if not info.is_dir()]
            _check_directory(entries)
            parts = _read_parts(archive, entries)
    except DocumentError:
        raise
    except _ZIP_ERRORS as error:
        raise DocumentError(DAMAGED) from error
    _check_no_dtd({name: content for name, content in parts.items() if name.endswith((".xml", ".rels"))})
    overrides, defaults = _content_types(parts)

    def content_type(name: str) -> str:
        return overrides.get("/" + name.lower(), defaults.get(name.rpartition(".")[2].lower(), ""))

    # Any other part python-docx would parse as XML, whatever its name.
    _check_no_dtd({
        name: content for name, content in parts.items()
        if content_type(name).endswith("xml") and not content_type(name).startswith("image/")
    })
    main = _main_part(parts)
    if content_type(main) != _WORD_MAIN_PART:
        raise DocumentError(NOT_A_WORD_FILE)
    if main not in parts:
        raise DocumentError(DAMAGED)


def _check_entry_count(data: bytes) -> None:
    """Count the entries from the zip's end record, before zipfile builds an object per entry."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_OF_DIRECTORY.size - 0xFFFF))
    if end < 0 or end + _END_OF_DIRECTORY.size > len(data):
        raise DocumentError(DAMAGED)
    entries = _END_OF_DIRECTORY.unpack_from(data, end)[4]
    if entries != 0xFFFF and entries > MAX_PARTS:  # 0xFFFF: a Zip64 count, checked once read
        raise DocumentError(_too_many_parts())


def _check_directory(entries: list[zipfile.ZipInfo]) -> None:
    """The sizes the zip declares, checked before anything is decompressed."""
    if len(entries) > MAX_PARTS:
        raise DocumentError(_too_many_parts())
    if sum(info.file_size for info in entries) > MAX_UNCOMPRESSED_BYTES:
        raise DocumentError(_too_large_uncompressed())
    for info in entries:
        if _leads_outside(info.filename):
            raise DocumentError(OUTSIDE_THE_PACKAGE)
        # Word only deflates; bzip2 and LZMA can expand a few bytes to gigabytes in one step.
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DocumentError(NOT_A_WORD_FILE)
        _check_ratio(info.file_size, info.compress_size)


def _leads_outside(name: str) -> bool:
    """A zip path traversal name: absolute, with a drive, or with a `..` step (either slash)."""
    steps = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ":" in steps[0] or ".." in steps


def _read_parts(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> dict[str, bytes]:
    """Every part, read in chunks against the same limits, counting the bytes actually produced."""
    budget = MAX_UNCOMPRESSED_BYTES
    parts = {}
    for info in entries:
        chunks, size = [], 0
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > budget:
                    raise DocumentError(_too_large_uncompressed())
                _check_ratio(size, info.compress_size)
                chunks.append(chunk)
        budget -= size
        parts[info.filename] = b"".join(chunks)
    return parts


def _check_ratio(size: int, compressed: int) -> None:
    if size > RATIO_CHECKED_ABOVE and size > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise DocumentError(_l(
            "Part of this file is compressed more than %(ratio)s to 1, which Word never does; it is "
            "refused to protect the server.",
            ratio=MAX_COMPRESSION_RATIO,
        ))


def _too_many_parts() -> LazyString:
    return _l("The file has more than %(limit)s internal parts; it is refused to protect the server.",
              limit=MAX_PARTS)


def _too_large_uncompressed() -> LazyString:
    return _l("Once uncompressed, this file would take more than %(limit)s MB; it is refused to protect "
              "the server.", limit=MAX_UNCOMPRESSED_BYTES // MIB)


def _check_no_dtd(parts: dict[str, bytes]) -> None:
    """OOXML never has a DTD, and a DTD is what entity attacks need, so any declaration is refused.

    The search is on the bytes without NULs, which finds a declaration in UTF-16 or UTF-32 as well
    as in UTF-8. Encodings that would hide it (UTF-7, EBCDIC) are refused: a part must start with
    "<" and declare no encoding but UTF-8 or UTF-16, the two OOXML allows.
    """
    for content in parts.values():
        text = content.replace(b"\x00", b"")
        for mark in _BYTE_ORDER_MARKS:
            text = text.removeprefix(mark)
        text = text.lstrip()
        if b"<!DOCTYPE" in text or b"<!ENTITY" in text:
            raise DocumentError(ENTITIES)
        declared = _DECLARED_ENCODING.match(text)
        if text and not text.startswith(b"<") or declared and declared[1].lower() not in _XML_ENCODINGS:
            raise DocumentError(DAMAGED)


def _content_types(parts: dict[str, bytes]) -> tuple[dict[str, str], dict[str, str]]:
    """[Content_Types].xml as (part name → type, extension → type); part names lower-cased."""
    root = _parse_package_part(parts, "[Content_Types].xml")
    overrides = {
        element.get("PartName", "").lower(): element.get("ContentType", "")
        for element in root.iterchildren(f"{_CONTENT_TYPES}Override")
    }
    defaults = {
        element.get("Extension", "").lower(): element.get("ContentType", "")
        for element in root.iterchildren(f"{_CONTENT_TYPES}Default")
    }
    return overrides, defaults


def _main_part(parts: dict[str, bytes]) -> str:
    """The part the package's relationships name as its main document ("word/document.xml")."""
    root = _parse_package_part(parts, "_rels/.rels")
    for relationship in root.iterchildren(f"{_RELATIONSHIPS}Relationship"):
        if relationship.get("Type") == _OFFICE_DOCUMENT and relationship.get("TargetMode") != "External":
            return relationship.get("Target", "").lstrip("/")
    raise DocumentError(NOT_A_WORD_FILE)


def _parse_package_part(parts: dict[str, bytes], name: str) -> etree._Element:
    """A part every Office file has; without it, the zip is not an Office document at all."""
    if name not in parts:
        raise DocumentError(NOT_A_WORD_FILE)
    try:
        return etree.fromstring(parts[name], _SAFE_PARSER)
    except etree.XMLSyntaxError as error:
        raise DocumentError(DAMAGED) from error
