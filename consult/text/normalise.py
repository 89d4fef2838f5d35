"""Text as it enters the platform: one form for line ends and Unicode, no invisible controls.

Browsers send a textarea's line ends as CRLF, Word files and pasted text bring CR or other
Unicode forms of the same letters; stored text carries none of that, so a redline or a merge
sees only what a person changed.
"""

import re
import unicodedata

# C0 and C1 controls, DEL, and the noncharacters: invisible, meaningless in a text, and NUL is
# refused by PostgreSQL. Newline and tab are text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
_LINE_END = re.compile("\r\n?|[\u2028\u2029\x85]")


def normalise(text: str) -> str:
    """Line ends to LF, Unicode to NFC. Control characters are left for `control_characters`
    to find, so that the person can be told rather than have their text silently changed."""
    if not text:
        return text
    return unicodedata.normalize("NFC", _LINE_END.sub("\n", text))


def control_characters(text: str) -> list[str]:
    """The control characters in `text`, as U+XXXX codes, each once, in order of appearance."""
    found: dict[str, None] = {}
    for match in _CONTROL.finditer(normalise(text or "")):
        found[f"U+{ord(match.group()):04X}"] = None
    return list(found)


def without_control_characters(text: str) -> str:
    return _CONTROL.sub("", normalise(text or ""))


class ControlCharacterError(ValueError):
    """A text holds control characters; `codes` lists them for the message."""

    def __init__(self, codes: list[str]):
        super().__init__(", ".join(codes))
        self.codes = codes


def clean(text: str) -> str:
    """The normalised text, or ControlCharacterError: for texts that enter outside a form
    (files, the command line, the workbench's own fields)."""
    codes = control_characters(text)
    if codes:
        raise ControlCharacterError(codes)
    return normalise(text)
