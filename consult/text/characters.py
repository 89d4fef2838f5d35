"""Characters that documents cannot carry."""

import dataclasses
import re
from collections.abc import Callable

# XML 1.0 allows tab, newline and carriage return among the control characters, and no
# surrogates or non-characters; a participant may still paste any of them into a form.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("", text)


def xml_safe_copy(value):
    """A copy of a document model with every string made XML-safe, so that Word and Akoma Ntoso
    renderers never meet a character lxml refuses."""
    return map_strings(value, xml_safe)


def map_strings(value, change: Callable[[str], str]):
    """A copy of a document model (dataclasses, lists, tuples, strings) with `change` applied to
    every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list | tuple):
        return type(value)(map_strings(item, change) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: map_strings(getattr(value, f.name), change)
                                             for f in dataclasses.fields(value) if f.init})
    return value
