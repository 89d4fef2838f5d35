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
    return result


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
