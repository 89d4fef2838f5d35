"""Redlines: what an amendment changes, what changed between two versions — as a reader sees the text.

Both texts are read into blocks with the site's own Markdown parser; paragraphs, headings and list
items are the units. Units are aligned first (a diff of the sequence of units, each encoded as one
character), changed units are paired with the most similar one on the other side, and only then
are the words of a pair compared. The result is formatted HTML — paragraphs, lists with their own
numbers and letters, bold and italic — never Markdown source.

Deletions are marked with <del>, insertions with <ins>, each with a visually hidden label
("deleted:", "inserted:") so the change is readable without colour and by screen readers; a mark
is never empty, and a change of spacing alone is not marked. Labels are passed in, so this stays
pure and the caller translates. HTML is built from escaped text only, so it is safe for user text.

Cost is bounded whatever is pasted: every diff shares one deadline (past it diff-match-patch
returns a coarser, still correct, diff), and the pairing of changed units is capped.
"""

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from consult.text.blocks import Block, ListBlock, Paragraph, read_blocks
from consult.text.words import DELETE, EQUAL, INSERT, diff_chunks, tokenize

TIME_BUDGET = 0.5  # seconds for all the diffs of one redline
_MAX_PAIRINGS = 4096  # changed units compared pairwise, at most (64 × 64)
_SIMILAR = 0.34  # a changed unit is paired with one sharing at least a third of its words


def _lines_normalised(text: str | None) -> str:
    """Redlines compare what a person wrote: CRLF or CR line ends are not a change."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


# -- units ------------------------------------------------------------------------------------

class Token(NamedTuple):
    """A word, a space or a punctuation mark, with its formatting: a word put in bold is a change."""

    text: str
    bold: bool = False
    italic: bool = False


_SPACE = Token(" ")


@dataclass(frozen=True)
class Unit:
    """A paragraph, a heading or a list item's own text."""

    kind: str  # "paragraph", "heading" or "item" (the first paragraph of a list item)
    lists: tuple[str, ...]  # the lists it sits in, outermost first: "ol", "ul" or "lettered"
    marker: str  # what an item shows before its text: "1.", "a)"; "" for a bullet
    tokens: tuple[Token, ...]

    @property
    def key(self) -> tuple:
        """What makes two units the same; not the marker, so renumbering alone is no change."""
        return self.kind, self.lists, self.tokens


def _units(markdown: str) -> list[Unit]:
    units: list[Unit] = []

    def walk(blocks: list[Block], lists: tuple[str, ...]) -> None:
        for block in blocks:
            if isinstance(block, Paragraph):
                kind = "heading" if block.heading else "paragraph"
                units.append(Unit(kind, lists, "", _tokens(block)))
            elif isinstance(block, ListBlock):
                for item in block.items:
                    lettered = item.marker[:1].isalpha()
                    kind = "ol" if block.ordered else "lettered" if lettered else "ul"
                    marker = "" if kind == "ul" else item.marker
                    inner = lists + (kind,)
                    first, rest = (item.blocks[0], item.blocks[1:]) if item.blocks else (None, [])
                    if isinstance(first, Paragraph):
                        units.append(Unit("item", inner, marker, _tokens(first)))
                    else:  # an item that opens with a nested list
                        units.append(Unit("item", inner, marker, ()))
                        rest = item.blocks
                    walk(rest, inner)

    walk(read_blocks(_lines_normalised(markdown)), ())
    return units


def _tokens(paragraph: Paragraph) -> tuple[Token, ...]:
    """Words with their formatting; any run of white space is one space, none at either end."""
    tokens: list[Token] = []
    for run in paragraph.runs:
        for text in tokenize(run.text):
            if text.isspace():
                if tokens and tokens[-1] != _SPACE:
                    tokens.append(_SPACE)
            else:
                tokens.append(Token(text, run.bold, run.italic))
    while tokens and tokens[-1] == _SPACE:
        tokens.pop()
    return tuple(tokens)


# -- the structural diff ------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One unit of the redline: kept, deleted or inserted whole, or changed word by word."""

    op: str  # "equal", "delete", "insert" or "change"
    unit: Unit  # the new unit (the old one when deleted): where and how it is shown
    words: tuple[tuple[int, tuple[Token, ...]], ...] = ()  # for "change": (DELETE | EQUAL | INSERT, tokens)

    @property
    def changed(self) -> bool:
        """Whether a reader sees a mark: a pair whose words differ only in spacing shows none."""
        if self.op == "change":
            return any(op != EQUAL and _visible(tokens) for op, tokens in self.words)
        return self.op != "equal"


@functools.lru_cache(maxsize=512)
def structural_diff(old: str, new: str) -> tuple[Entry, ...]:
    """The redline of two Markdown texts as entries in reading order. Pure and asked for the same
    pair on every view of a thread, so memoised."""
    deadline = time.time() + TIME_BUDGET
    old_units, new_units = _units(old), _units(new)
    entries: list[Entry] = []
    deleted: list[Unit] = []
    inserted: list[Unit] = []
    for op, units in _align(old_units, new_units, deadline):
        if op == EQUAL:
            entries += _changed_region(deleted, inserted, deadline)
            deleted, inserted = [], []
            entries += [Entry("equal", unit) for unit in units]
        else:
            (deleted if op == DELETE else inserted).extend(units)
    entries += _changed_region(deleted, inserted, deadline)
    return tuple(entries)


def _align(old: list[Unit], new: list[Unit], deadline: float) -> list[tuple[int, list[Unit]]]:
    old_keys, new_keys = [u.key for u in old], [u.key for u in new]
    out: list[tuple[int, list[Unit]]] = []
    i = j = 0
    for op, keys in diff_chunks(old_keys, new_keys, deadline=deadline, semantic=False):
        if op == DELETE:
            out.append((op, old[i:i + len(keys)]))
            i += len(keys)
        else:  # kept units are shown as they now stand (their new number)
            out.append((op, new[j:j + len(keys)]))
            j += len(keys)
            i += len(keys) if op == EQUAL else 0
    return out


def _changed_region(deleted: list[Unit], inserted: list[Unit], deadline: float) -> list[Entry]:
    """Between two kept units: pair each changed unit with a similar one, in order, and show the
    others as deleted or inserted whole."""
    entries: list[Entry] = []
    i = j = 0
    for pi, pj in _pairs(deleted, inserted):
        entries += [Entry("delete", unit) for unit in deleted[i:pi]]
        entries += [Entry("insert", unit) for unit in inserted[j:pj]]
        words = diff_chunks(deleted[pi].tokens, inserted[pj].tokens, deadline=deadline)
        entries.append(Entry("change", inserted[pj], tuple((op, tuple(tokens)) for op, tokens in words)))
        i, j = pi + 1, pj + 1
    entries += [Entry("delete", unit) for unit in deleted[i:]]
    entries += [Entry("insert", unit) for unit in inserted[j:]]
    return entries


def _pairs(deleted: list[Unit], inserted: list[Unit]) -> list[tuple[int, int]]:
    """The order-keeping pairing of most total similarity (a small dynamic programme); past the
    cap, none — every unit is then shown deleted or inserted whole, which is still true."""
    if not deleted or not inserted or len(deleted) * len(inserted) > _MAX_PAIRINGS:
        return []
    old_words = [{t.text for t in u.tokens if t != _SPACE} for u in deleted]
    new_words = [{t.text for t in u.tokens if t != _SPACE} for u in inserted]
    rows, cols = len(deleted), len(inserted)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            best[r][c] = max(best[r + 1][c], best[r][c + 1])
            similarity = _similarity(old_words[r], new_words[c])
            if similarity >= _SIMILAR:
                best[r][c] = max(best[r][c], similarity + best[r + 1][c + 1])
    pairs: list[tuple[int, int]] = []
    r = c = 0
    while r < rows and c < cols:
        if best[r][c] == best[r + 1][c]:
            r += 1
        elif best[r][c] == best[r][c + 1]:
            c += 1
        else:
            pairs.append((r, c))
            r, c = r + 1, c + 1
    return pairs


def _similarity(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


# -- HTML -------------------------------------------------------------------------------------

def _visible(tokens: Iterable[Token]) -> bool:
    return any(t != _SPACE for t in tokens)


def unchanged_paragraphs(count: int) -> str:
    """The default note for collapsed paragraphs; callers pass a translated one."""
    return f"{count} unchanged paragraph" + ("" if count == 1 else "s")


def redline_html(old: str, new: str, *, deleted_label: str = "deleted:", inserted_label: str = "inserted:",
                 changed_only: bool = False, unchanged: Callable[[int], str] = unchanged_paragraphs) -> str:
    """The redline of two Markdown texts as HTML blocks (<p>, <ul>/<ol> with <li>).

    With `changed_only`, runs of unchanged paragraphs are collapsed into one note,
    `unchanged(count)` (e.g. "3 unchanged paragraphs"), so a long article's one-word change
    stays visible in a list."""
    marks = _Marks(deleted_label, inserted_label)
    writer = _BlockWriter()
    collapsed = 0
    for entry in structural_diff(_lines_normalised(old), _lines_normalised(new)):
        if changed_only and not entry.changed:
            collapsed += 1
            continue
        if collapsed:
            writer.note(unchanged(collapsed))
            collapsed = 0
        writer.unit(entry.unit, marks.entry(entry), _BLOCK_CLASS.get(entry.op, ""))
    if collapsed:
        writer.note(unchanged(collapsed))
    return writer.html()


def inline_redline_html(old: str, new: str, *, deleted_label: str = "deleted:",
                        inserted_label: str = "inserted:") -> str:
    """The redline of two lines of plain text (titles), inline: no blocks, no Markdown."""
    words = _plain_word_diff(" ".join(_lines_normalised(old).split()), " ".join(_lines_normalised(new).split()))
    return _Marks(deleted_label, inserted_label).words(
        tuple((op, tuple(Token(text) for text in tokens)) for op, tokens in words))


_BLOCK_CLASS = {"delete": "redline-deleted", "insert": "redline-inserted"}


class _Marks:
    """Inline HTML of a unit's words, with labelled <del> and <ins>."""

    def __init__(self, deleted_label: str, inserted_label: str) -> None:
        self.labels = {DELETE: ("del", escape(deleted_label)), INSERT: ("ins", escape(inserted_label))}

    def entry(self, entry: Entry) -> tuple[str, str]:
        """(marker, text) of an entry; a unit deleted or inserted whole is one mark, marker included."""
        marker = escape(entry.unit.marker)
        if entry.op in ("equal", "change"):
            text = _formatted(entry.unit.tokens) if entry.op == "equal" else self.words(entry.words)
            return (f'<span class="redline-marker">{marker}</span> ' if marker else ""), text
        op = DELETE if entry.op == "delete" else INSERT
        content = (f'<span class="redline-marker">{marker}</span> ' if marker else "") + _formatted(entry.unit.tokens)
        return "", self.mark(op, content) if entry.unit.tokens or marker else ""

    def words(self, words: Iterable[tuple[int, tuple[Token, ...]]]) -> str:
        out: list[str] = []
        for op, tokens in _deletions_first(words):
            if op == EQUAL:
                out.append(_formatted(tokens))
            elif _visible(tokens):
                out.append(self.mark(op, _formatted(tokens)))
            elif op == INSERT:  # a change of spacing alone: show the new spacing, unmarked
                out.append(_formatted(tokens))
        return "".join(out)

    def mark(self, op: int, content: str) -> str:
        tag, label = self.labels[op]
        return (f'<{tag}><span class="visually-hidden">[{label} </span>{content}'
                f'<span class="visually-hidden">]</span></{tag}>')


def _deletions_first(words: Iterable[tuple[int, tuple[Token, ...]]]) -> list[tuple[int, tuple[Token, ...]]]:
    """Inside each run of changes, everything deleted, then everything inserted: one mark each."""
    out: list[tuple[int, tuple[Token, ...]]] = []
    run: dict[int, tuple[Token, ...]] = {DELETE: (), INSERT: ()}

    def flush() -> None:
        out.extend((op, run[op]) for op in (DELETE, INSERT) if run[op])
        run[DELETE] = run[INSERT] = ()

    for op, tokens in words:
        if op == EQUAL:
            flush()
            out.append((op, tokens))
        else:
            run[op] += tokens
    flush()
    return out


def _formatted(tokens: Iterable[Token]) -> str:
    """Escaped text, bold and italic as <strong> and <em>. A space takes no formatting of its
    own: it joins two words of the same formatting and otherwise falls outside both."""
    out: list[str] = []
    bold = italic = False
    space = ""
    for token in tokens:
        if token == _SPACE:
            space = " "
            continue
        if (token.bold, token.italic) != (bold, italic):
            out.append(("</em>" if italic else "") + ("</strong>" if bold else "") + space)
            bold, italic = token.bold, token.italic
            out.append(("<strong>" if bold else "") + ("<em>" if italic else ""))
        else:
            out.append(space)
        space = ""
        out.append(escape(token.text))
    out.append(("</em>" if italic else "") + ("</strong>" if bold else "") + space)
    return "".join(out)


class _BlockWriter:
    """Opens and closes lists as units go deeper or shallower; each open list has an open item."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.open: list[str] = []  # list kinds, outermost first

    def unit(self, unit: Unit, content: tuple[str, str], css_class: str) -> None:
        marker, text = content
        attribute = f' class="{css_class}"' if css_class else ""
        depth = len(unit.lists)
        common = 0
        while common < min(depth, len(self.open)) and self.open[common] == unit.lists[common]:
            common += 1
        if unit.kind == "item" and common == depth:
            self._close_to(depth)
            self.out.append(f"</li><li{attribute}>")
        else:
            self._close_to(common)
            for level in range(common, depth):
                last = level == depth - 1 and unit.kind == "item"
                self.out.append(self._list_tag(unit.lists[level]) + (f"<li{attribute}>" if last else "<li>"))
                self.open.append(unit.lists[level])
        if unit.kind == "item":
            self.out.append(marker + text)
        else:
            classes = " ".join(filter(None, [css_class, "redline-heading" if unit.kind == "heading" else ""]))
            self.out.append((f'<p class="{classes}">' if classes else "<p>") + f"{text}</p>")

    def note(self, text: str) -> None:
        self._close_to(0)
        self.out.append(f'<p class="redline-omitted">{escape(text)}</p>')

    def html(self) -> str:
        self._close_to(0)
        return "\n".join(self.out)

    def _close_to(self, depth: int) -> None:
        while len(self.open) > depth:
            kind = self.open.pop()
            self.out.append("</li></ol>" if kind == "ol" else "</li></ul>")

    @staticmethod
    def _list_tag(kind: str) -> str:
        return {"ol": '<ol class="redline-list">', "ul": "<ul>", "lettered": '<ul class="redline-list">'}[kind]


# -- plain text, for Word's tracked changes -----------------------------------------------------

@dataclass(frozen=True)
class Change:
    op: str  # "equal", "delete", "insert"
    text: str


_OPS = {DELETE: "delete", EQUAL: "equal", INSERT: "insert"}


def _plain_word_diff(old: str, new: str) -> list[tuple[int, list[str]]]:
    return diff_chunks(tokenize(old), tokenize(new), deadline=time.time() + TIME_BUDGET)


@functools.lru_cache(maxsize=512)
def word_diff(old: str, new: str) -> list[Change]:
    """A word diff of plain text (line ends kept as text), deletions before insertions in each
    changed run, within the time budget. Memoised: the same pair is asked for on every view."""
    words = _plain_word_diff(_lines_normalised(old), _lines_normalised(new))
    return [Change(_OPS[op], "".join(tokens)) for op, tokens in _deletions_first(
        (op, tuple(tokens)) for op, tokens in words)]


def has_changes(old: str, new: str) -> bool:
    return any(entry.changed for entry in structural_diff(_lines_normalised(old), _lines_normalised(new)))
