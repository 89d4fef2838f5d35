"""Three-way merging of amendments into a consolidated text.

An accepted amendment is a change from its base text to its proposed text. Applying it to the
consolidated text as it now stands is a three-way merge: the edits already made (base → current)
and the amendment's edits (base → proposed) are both expressed as ranges of the base text. Edits
that touch different ranges combine; edits that touch the same range collide and are reported as a
conflict, never resolved silently; an edit already present is not applied twice.

Diffs come from diff-match-patch (Google's library, as used by many editors), run over words
rather than characters — each distinct word is encoded as one character, the library's own
technique for line diffs — so edits follow word boundaries and long, much-amended texts stay fast.
"""

import functools
from dataclasses import dataclass, field

from consult.text.words import diff_chunks, tokenize


def _word_diffs(a: str, b: str) -> list[tuple[int, str]]:
    """Exact word diffs (no deadline): a merge must not depend on how busy the machine is."""
    return [(op, "".join(chunk)) for op, chunk in diff_chunks(tokenize(a), tokenize(b))]


@dataclass(frozen=True)
class Edit:
    start: int  # range of the base text replaced
    end: int
    text: str  # what replaces it


@dataclass
class Merge:
    text: str  # the merged text (the current text unchanged when there is a conflict)
    clean: bool
    already_applied: bool = False
    conflicts: list[tuple[Edit, Edit]] = field(default_factory=list)  # (edit already made, amendment's edit)


def edits(base: str, other: str) -> list[Edit]:
    """The edits that turn `base` into `other`, as replaced ranges of `base`."""
    return list(_edits(base, other))


@functools.lru_cache(maxsize=2048)
def _edits(base: str, other: str) -> tuple[Edit, ...]:
    """Kept: applying one amendment asks for the same edits (those already made to the article,
    those it proposes) on the workbench, in the merge preview and at the confirmation, and the
    edits already made grow with every amendment taken in."""
    diffs = _word_diffs(base, other)
    result: list[Edit] = []
    position = 0
    pending: Edit | None = None
    for op, chunk in diffs:
        if op == 0:
            if pending:
                result.append(pending)
                pending = None
            position += len(chunk)
            continue
        if pending is None:
            pending = Edit(position, position, "")
        if op == -1:
            pending = Edit(pending.start, pending.end + len(chunk), pending.text)
            position += len(chunk)
        else:
            pending = Edit(pending.start, pending.end, pending.text + chunk)
    if pending:
        result.append(pending)
    return tuple(result)


def _overlap(a: Edit, b: Edit) -> bool:
    """Edits collide when their ranges overlap or touch: two changes side by side (or an insertion
    at the edge of a replaced passage) are for a person to combine, not for the machine."""
    return a.start <= b.end and b.start <= a.end


def apply_edits(base: str, to_apply: list[Edit]) -> str:
    out, position = [], 0
    for edit in sorted(to_apply, key=lambda e: (e.start, e.end)):
        out.append(base[position:edit.start])
        out.append(edit.text)
        position = edit.end
    out.append(base[position:])
    return "".join(out)


def merge(base: str, proposed: str, current: str) -> Merge:
    """Apply the change base → proposed to `current` (which was also made from `base`)."""
    theirs = edits(base, proposed)
    if not theirs:
        return Merge(current, clean=True, already_applied=True)
    made = edits(base, current)
    if all(edit in made for edit in theirs):
        return Merge(current, clean=True, already_applied=True)
    conflicts = [(m, t) for t in theirs if t not in made for m in made if _overlap(m, t)]
    if conflicts:
        return Merge(current, clean=False, conflicts=conflicts)
    combined = made + [t for t in theirs if t not in made]
    return Merge(apply_edits(base, combined), clean=True)


class MergeRun:
    """Many amendments merged one after another into one text, as merge() would one at a time, but
    without diffing the growing text again for each: the edits already made are kept as ranges of
    the base text (computed once per base), so applying hundreds of amendments stays fast."""

    def __init__(self, current: str):
        self.text = current
        self._base: str | None = None
        self._made: list[Edit] = []

    def _made_from(self, base: str) -> list[Edit]:
        if self._base != base:
            self._base, self._made = base, edits(base, self.text)
        return self._made

    def attempt(self, base: str, proposed: str) -> Merge:
        """merge(base, proposed, self.text), without changing the run; commit() keeps its result."""
        theirs = edits(base, proposed)
        if not theirs:
            return Merge(self.text, clean=True, already_applied=True)
        made = self._made_from(base)
        if all(edit in made for edit in theirs):
            return Merge(self.text, clean=True, already_applied=True)
        conflicts = [(m, t) for t in theirs if t not in made for m in made if _overlap(m, t)]
        if conflicts:
            return Merge(self.text, clean=False, conflicts=conflicts)
        combined = made + [t for t in theirs if t not in made]
        result = Merge(apply_edits(base, combined), clean=True)
        result._combined = (base, combined)  # for commit()
        return result

    def commit(self, result: Merge) -> None:
        combined = getattr(result, "_combined", None)
        if combined is not None:
            self._base, self._made = combined
            self.text = result.text


@dataclass(frozen=True)
class OverlapGroup:
    members: tuple  # the keys of the proposals, sorted
    passages: tuple[tuple[int, int], ...]  # the ranges of the base text they change together, in order


def overlap_groups(base: str, proposals: dict) -> list[OverlapGroup]:
    """Proposed texts of one base text whose edits touch the same words (as `merge` would find
    them colliding), as groups: A overlapping B and B overlapping C make one group of three. One
    sweep over the edits sorted by where they start, so a thousand proposals cost no more than
    their diffs."""
    spans = sorted((edit.start, edit.end, key) for key, text in proposals.items() for edit in _edits(base, text))
    parent = {key: key for key in proposals}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    clusters: list[tuple[int, int, set]] = []  # runs of edits that touch one another
    for start, end, key in spans:
        if clusters and start <= clusters[-1][1]:
            first, last, keys = clusters[-1]
            clusters[-1] = (first, max(last, end), keys | {key})
        else:
            clusters.append((start, end, {key}))
    passages: dict = {}
    for start, end, keys in clusters:
        if len(keys) < 2:
            continue
        first, *others = keys
        for other in others:
            parent[root(other)] = root(first)
        passages.setdefault(first, []).append((start, end))
    grouped: dict = {}
    for key in proposals:
        grouped.setdefault(root(key), []).append(key)
    by_root: dict = {}
    for first, spans_of in passages.items():
        by_root.setdefault(root(first), []).extend(spans_of)
    return [OverlapGroup(tuple(sorted(grouped[r])), tuple(sorted(spans_of))) for r, spans_of in by_root.items()]


def excerpt(text: str, passages: tuple[tuple[int, int], ...], context: int = 60) -> list[tuple[str, bool]]:
    """The text as (piece, marked) pieces: the passages marked, with what surrounds them on their own
    lines, at most `context` characters on each side cut at a space; what is left out is an ellipsis."""
    def before(gap: str) -> str:  # the end of a stretch, leading to a passage
        line = gap.rsplit("\n", 1)[-1]
        return line if len(line) <= context else "… " + line[-context:].split(" ", 1)[-1]

    def after(gap: str) -> str:  # the start of a stretch, following a passage
        line = gap.split("\n", 1)[0]
        return line if len(line) <= context else line[:context].rsplit(" ", 1)[0] + " …"

    pieces: list[tuple[str, bool]] = []
    position = 0
    for index, (start, end) in enumerate(passages):
        if start == end:  # an insertion: mark the words on either side of where it goes
            start = max(text.rfind(" ", 0, max(start - 1, 0)) + 1, position)
            end = text.find(" ", end + 1) % (len(text) + 1)
        gap = text[position:start]
        if index and ("\n" in gap or len(gap) > 2 * context):
            gap = f"{after(gap).removesuffix(' …')} … {before(gap).removeprefix('… ')}"
        elif not index:
            gap = before(gap)
        pieces.append((gap, False))
        pieces.append((text[start:end], True))
        position = end
    pieces.append((after(text[position:]), False))
    return [(piece, marked) for piece, marked in pieces if piece]
