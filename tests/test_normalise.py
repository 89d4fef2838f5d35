"""Text at the boundary: one form for line ends and Unicode, control characters refused with a
message that keeps the rest of what was typed; stored text normalised by a migration."""

import unicodedata

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from consult.extensions import db
from consult.models import Amendment, AmendmentKind, Comment, Round, User
from consult.text.normalise import ControlCharacterError, clean, control_characters, normalise
from tests.conftest import PASSWORD, count_rows

DECOMPOSED = unicodedata.normalize("NFD", "Participación démocratique")


def test_normalise_line_ends_and_unicode():
    assert normalise("a\r\nb\rc\nd\u2028e") == "a\nb\nc\nd\ne"
    assert normalise(DECOMPOSED) == "Participación démocratique" != DECOMPOSED
    assert normalise("tab\tstays") == "tab\tstays"


def test_control_characters_are_found_and_refused():
    assert control_characters("a\x00b\x1bc\x00") == ["U+0000", "U+001B"]
    assert control_characters("line\r\nend\ttab") == []
    with pytest.raises(ControlCharacterError) as error:
        clean("bell\x07")
    assert error.value.codes == ["U+0007"]




def _as_browser_sends(text: str) -> str:
    return text.replace("\n", "\r\n")


def test_an_amendment_typed_with_crlf_is_stored_with_lf_and_changes_one_word(client, login, make_user, article,
                                                                              open_round):
    login(make_user())
    base = article.text("en")
    typed = base.body.replace("All inhabitants", "All inhabitants, without exception,", 1)
    assert typed != base.body
    response = client.post(f"/charter/articles/{article.id}/amend", data={
        "round": open_round.id, "kind": "modify", "locale": "en", "title": base.title,
        "body": _as_browser_sends(typed), "rationale": _as_browser_sends("One\nreason."), "token": "t", "submit": "1"})
    assert response.status_code == 302
    amendment = db.session.scalar(sa.select(Amendment))
    assert "\r" not in amendment.body and amendment.body == typed.strip()
    assert amendment.rationale == "One\nreason."
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count("<ins>") == 1 and page.count("<del>") == 0


def test_a_comment_is_stored_in_nfc_with_lf(client, login, make_user, article, open_round):
    login(make_user())
    client.post("/comments", data={"round_id": open_round.id, "article_id": article.id, "locale": "es",
                                    "body": _as_browser_sends(DECOMPOSED + "\nsegunda línea"), "token": "c",
                                    "submit": "1"})
    comment = db.session.scalar(sa.select(Comment))
    assert comment.body == "Participación démocratique\nsegunda línea"


def test_control_characters_in_a_form_are_refused_beside_the_field_and_the_rest_is_kept(client, login, make_user,
                                                                                      article, open_round):
    login(make_user())
    response = client.post("/comments", data={"round_id": open_round.id, "article_id": article.id, "locale": "en",
                                               "body": "Keep this\x00 text\x1b please", "token": "c", "submit": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "U+0000, U+001B" in page and "Keep this text please" in page
    assert count_rows(Comment) == 0


def test_a_nul_byte_at_login_is_a_clear_error_not_a_crash(client, make_user):
    make_user(email="person@example.org")
    response = client.post("/account/login", data={"email": "person\x00@example.org", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert "U+0000" in response.get_data(as_text=True)


def test_a_nul_byte_in_an_address_is_a_400_with_the_reason(client, charter_version):
    response = client.get("/charter/?version_id=%00")
    assert response.status_code == 400
    assert "U+0000" in response.get_data(as_text=True)


def test_the_workbench_refuses_control_characters_and_saves_nothing(client, login, consulted, moderator):
    from consult.consolidation import services as consolidation

    version = consolidation.start(moderator, consulted["version"], {"en": "Consolidated"})
    db.session.commit()
    article = version.sections[2].articles[0]
    text = article.exact_text("en")
    before = (text.title, text.body, text.revision)
    login(moderator)
    response = client.post(f"/consolidation/articles/{article.id}/text",
                           data={"locale": "en", "title": text.title, "body": "Bad\x00 text", "revision": text.revision})
    assert response.status_code == 400 and "U+0000" in response.get_data(as_text=True)
    db.session.refresh(text)
    assert (text.title, text.body, text.revision) == before


def test_the_migration_normalises_stored_text(app, backend, make_user, article, open_round):
    """Rows written before the boundary normalised anything: CRLF and decomposed letters."""
    directory = app.extensions["migrate"].directory
    author = make_user()
    crlf = "First line\r\nsecond " + DECOMPOSED
    amendment = Amendment(round=open_round, article=article, kind=AmendmentKind.modify, locale="en",
                          author=author, base_title="T", base_text=crlf, title="T", body=crlf + "!",
                          rationale=crlf, rationale_html="<p>" + crlf + "</p>")
    db.session.add(amendment)
    db.session.add(Comment(round=open_round, article=article, author=author, locale="en", body=crlf, body_html=crlf))
    untouched = Comment(round=open_round, article=article, author=author, locale="en", body="clean", body_html="clean")
    db.session.add(untouched)
    open_round.descriptions = {**open_round.descriptions, "en": crlf}
    db.session.commit()
    round_id = open_round.id
    amendment_id, author_id, author_name = amendment.id, author.id, author.name
    db.session.close()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0002')")
    upgrade(directory=directory, revision="0003")
    db.session.expire_all()
    expected = "First line\nsecond Participación démocratique"
    stored = db.session.get(Amendment, amendment_id)
    assert (stored.base_text, stored.body, stored.rationale) == (expected, expected + "!", expected)
    assert {c.body for c in db.session.scalars(sa.select(Comment))} == {expected, "clean"}
    assert db.session.get(User, author_id).name == author_name
    assert db.session.get(Round, round_id).descriptions["en"] == expected
    db.session.close()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
