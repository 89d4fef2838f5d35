"""A Word file whose zip entries climb out of the package (`../`, absolute paths) is refused
before anything in it is read: a zip path traversal name is an attack, never something Word writes."""

import pytest

from tests.test_docx_import import charter_in_word, refused, rezip

CLIMBS_OUT = "The Word file contains a part whose name leads outside the document; it is refused."


@pytest.mark.parametrize("name", [
    "../evil.xml", "word/../../evil.xml", "/etc/evil.xml", "word\\..\\..\\evil.xml", "C:/evil.xml", "..",
])
def test_a_part_named_outside_the_package_is_refused(name):
    assert refused("draft.docx", rezip(charter_in_word(), {name: b"<x/>"})) == CLIMBS_OUT


def test_ordinary_part_names_are_still_read():
    from consult.documents.uploads import read_upload

    assert read_upload("draft.docx", rezip(charter_in_word(), {"word/media/a..b.png": b"png"}), "en").sections


@pytest.mark.parametrize("data, message", [
    ("Article I\n\nText".encode("utf-16"), "not in UTF-8"),
    ("# Charte\n\n### Article premier. Égalité\n\nTexte".encode("latin-1"), "not in UTF-8"),
    (b"# Charter\n\n### Article I. Bell\x07\n\nText", "U+0007"),
])
def test_a_markdown_file_is_refused_with_the_real_reason(data, message):
    from consult.documents.model import DocumentError
    from consult.documents.uploads import read_upload

    with pytest.raises(DocumentError) as refusal:
        read_upload("draft.md", data, "fr")
    assert message in str(refusal.value)
