"""Diffs of token sequences with diff-match-patch, for merges and redlines alike.

Each distinct token (a word, a run of spaces, a punctuation mark — or any hashable thing, such
as a whole paragraph) is encoded as one private-use character, the library's own technique for
line diffs, so edits follow token boundaries and long texts stay fast. A deadline bounds the
cost whatever the input: past it the library returns a coarser, still correct, diff.
"""

import re
from collections.abc import Hashable, Sequence

from diff_match_patch import diff_match_patch

TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)

DELETE, EQUAL, INSERT = -1, 0, 1

# Private-use code points: the Basic Multilingual Plane's, then the two supplementary planes.
_PRIVATE_USE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text or "")


def _code_point(index: int) -> str | None:
    for first, last in _PRIVATE_USE:
        if index <= last - first:
            return chr(first + index)
        index -= last - first + 1
    return None


def diff_tokens(a: Sequence[Hashable], b: Sequence[Hashable], *, deadline: float | None = None,
                semantic: bool = True) -> list[tuple[int, int]]:
    """The edits turning `a` into `b` as (DELETE | EQUAL | INSERT, number of tokens), in order:
    DELETE and EQUAL consume tokens of `a`, INSERT and EQUAL tokens of `b`.

    Without a deadline the diff is exact (a merge must not depend on how busy the machine is);
    with one (a `time.time()` value) it stops refining when the time is up. `semantic` lets
    diff-match-patch fold trivial equalities into the edits around them, as a person reads."""
    alphabet: dict[Hashable, str] = {}

    def encode(tokens: Sequence[Hashable]) -> str | None:
        out = []
        for token in tokens:
            code = alphabet.get(token)
            if code is None:
                code = _code_point(len(alphabet))
                if code is None:
                    return None
                alphabet[token] = code
            out.append(code)
        return "".join(out)

    encoded_a, encoded_b = encode(a), encode(b)
    if encoded_a is None or encoded_b is None:  # more distinct tokens than code points: replace all
        return [(op, n) for op, n in ((DELETE, len(a)), (INSERT, len(b))) if n]
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0 if deadline is None else 1  # a positive timeout also allows the half-match speed-up
    diffs = dmp.diff_main(encoded_a, encoded_b, False, deadline)
    if semantic:
        dmp.diff_cleanupSemantic(diffs)
    return [(op, len(chunk)) for op, chunk in diffs]


def diff_chunks(a: Sequence, b: Sequence, **options) -> list[tuple[int, Sequence]]:
    """`diff_tokens` with each edit's tokens: those of `a` for DELETE and EQUAL, of `b` for INSERT."""
    chunks: list[tuple[int, Sequence]] = []
    i = j = 0
    for op, count in diff_tokens(a, b, **options):
        if op == INSERT:
            chunks.append((op, b[j:j + count]))
            j += count
        else:
            chunks.append((op, a[i:i + count]))
            i += count
            j += count if op == EQUAL else 0
    return chunks
