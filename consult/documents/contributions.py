"""The contributions of a round as CSV and JSON, streamed row by row (read by
`exports.contributions`; nothing here touches the database).

Public exports carry no e-mail address, no IP and nothing hidden or deleted; every CSV cell a
spreadsheet would run as a formula is neutralised (OWASP's advice: prefix with an apostrophe).
"""

import csv
import io
import json
from collections.abc import Iterator

FIELDS = ["type", "id", "round", "article", "article_title", "amendment", "parent", "kind", "status", "locale",
          "author", "organisation", "organisation_kind", "country", "region", "recorded_by", "source", "stance",
          "title", "text", "rationale", "answer", "supports", "created_at"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def as_csv(records: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS)
    writer.writeheader()
    for record in records:
        writer.writerow({key: neutralise(value) for key, value in record.items()})
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_json(records: Iterator[dict]) -> Iterator[str]:
    """A JSON array written element by element, so it never sits whole in memory."""
    yield "[\n"
    first = True
    for record in records:
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]\n"


# Each format's renderer and its whole Content-Type header.
RENDERERS = {"csv": (as_csv, "text/csv; charset=utf-8"), "json": (as_json, "application/json")}
