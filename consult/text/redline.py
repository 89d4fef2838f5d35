"""Word-level redlines: what an amendment changes, what changed between two versions.

The output marks deletions with <del> and insertions with <ins>, each with a visually hidden
label ("deleted:", "inserted:") so the change is readable without colour and by screen readers.
Labels are passed in, so this stays a pure function the caller translates.
"""

import difflib
import functools
import re
from dataclasses import dataclass
from html import escape

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "delete", "insert"
    text: str


@functools.lru_cache(maxsize=2048)
def word_diff(old: str, new: str) -> list[Change]:
    """Pure and often asked for the same pair (every view of a thread), so memoised."""
    a, b = tokenize(old), tokenize(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            changes.append(Change("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            changes.append(Change("insert", "".join(b[j1:j2])))
    return _absorb_lone_spaces(changes)


def _absorb_lone_spaces(changes: list[Change]) -> list[Change]:
    """A single space kept between two changed words reads better inside the change."""
    out: list[Change] = []
    for index, change in enumerate(changes):
        between_changes = 0 < index < len(changes) - 1 and changes[index - 1].op != "equal" and changes[index + 1].op != "equal"
        if change.op == "equal" and change.text == " " and between_changes and out:
            out.append(Change("delete", " "))
            out.append(Change("insert", " "))
        else:
            out.append(change)
    merged: list[Change] = []
    for change in out:
        if merged and merged[-1].op == change.op:
            merged[-1] = Change(change.op, merged[-1].text + change.text)
        else:
            merged.append(change)
    # keep deletions before insertions inside each changed run
    result: list[Change] = []
    run: list[Change] = []
    for change in merged + [Change("equal", "")]:
        if change.op == "equal":
            deleted = "".join(c.text for c in run if c.op == "delete")
            inserted = "".join(c.text for c in run if c.op == "insert")
            if deleted:
                result.append(Change("delete", deleted))
            if inserted:
                result.append(Change("insert", inserted))
            run = []
            if change.text:
                result.append(change)
        else:
            run.append(change)
    return result


def _lines(changes: list[Change]) -> list[list[Change]]:
    """Split a diff into lines (paragraphs, list items), each a list of changes."""
    lines: list[list[Change]] = [[]]
    for change in changes:
        pieces = change.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                lines.append([])
            if piece:
                lines[-1].append(Change(change.op, piece))
    return lines


def redline_html(old: str, new: str, *, deleted_label: str = "deleted:", inserted_label: str = "inserted:",
                 changed_lines_only: bool = False, omitted: str = "[…]") -> str:
    """The redline as HTML. With changed_lines_only, unchanged paragraphs are left out (marked
    by `omitted`), so that a long article's one-word change stays visible in a list."""
    lines = _lines(word_diff(old, new))
    rendered: list[str] = []
    skipped = False
    for line in lines:
        changed = any(c.op != "equal" for c in line)
        if changed_lines_only and not changed:
            skipped = True
            continue
        if skipped and rendered is not None and changed_lines_only:
            rendered.append(f'<span class="omitted">{escape(omitted)}</span>')
            skipped = False
        rendered.append("".join(_render(c, deleted_label, inserted_label) for c in line))
    if changed_lines_only and skipped:
        rendered.append(f'<span class="omitted">{escape(omitted)}</span>')
    return "\n".join(rendered)


def _render(change: Change, deleted_label: str, inserted_label: str) -> str:
    text = escape(change.text)
    if change.op == "equal":
        return text
    tag, label = ("del", deleted_label) if change.op == "delete" else ("ins", inserted_label)
    return (f'<{tag}><span class="visually-hidden">[{escape(label)} </span>{text}'
            f'<span class="visually-hidden">]</span></{tag}>')


def has_changes(old: str, new: str) -> bool:
    return any(c.op != "equal" for c in word_diff(old, new))
