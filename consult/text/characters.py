"""Characters that documents cannot carry."""

import dataclasses
import re

# XML 1.0 allows tab, newline and carriage return among the control characters, and no
# surrogates or non-characters; a participant may still paste any of them into a form.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("", text)


def xml_safe_copy(value):
    """A copy of a document model (dataclasses, lists, tuples, strings) with every string made
    XML-safe, so that Word and Akoma Ntoso renderers never meet a character lxml refuses."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe_copy(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: xml_safe_copy(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value
