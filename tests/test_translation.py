"""Machine translation of contributions, on request, against a fake LibreTranslate-compatible server
that the suite starts on 127.0.0.1: cached per text and language, stale after an edit, labelled, in
the right language, safe when the service fails or is slow, invisible when none is configured."""

import re

import pytest
import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import AmendmentKind, AmendmentStatus, MachineTranslation, Role, TranslationState
from consult.moderation import services as moderation
from consult.translation import client as translation_client
from consult.translation import services
from tests.conftest import count_rows
from tests.fake_libretranslate import FakeLibreTranslate

RATIONALE = "Les villes doivent :\n\n- *protéger* les habitants\n- ouvrir les [données](https://example.org/d)\n"


@pytest.fixture
def fake():
    with FakeLibreTranslate() as server:
        yield server


@pytest.fixture
def translating(app, fake):
    app.config.update(TRANSLATION_BACKEND="libretranslate", TRANSLATION_URL=fake.url, TRANSLATION_TIMEOUT=0.5,
                      TRANSLATION_RETRIES=1)
    return app


@pytest.fixture
def french_amendment(make_user, open_round, article):
    author = make_user(locale="fr", name="Autrice")
    amendment, _ = amendments.propose(author, open_round, article, amendments.Proposal(
        kind=AmendmentKind.modify, locale="fr", title="Le droit à la ville", body="La ville **accueille** tout le monde.",
        rationale=RATIONALE))
    db.session.commit()
    return amendment


@pytest.fixture
def reader(make_user, login):
    return login(make_user(locale="es", name="Lectora"))


def ask(client, amendment):
    return client.post(f"/amendments/{amendment.id}/translate", follow_redirects=True)


def test_translated_on_request_labelled_and_in_its_language(translating, fake, client, reader, french_amendment):
    page = client.get(f"/amendments/{french_amendment.id}").get_data(as_text=True)
    assert "Traducir" in page or "Translate into" in page  # the button, in the reader's interface language
    assert fake.requests == []  # showing the button asks nothing

    response = ask(client, french_amendment)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    section = re.search(r'<section class="machine-translation" id="translation" lang="es".*?</section>', page, re.S)
    assert section, page
    section = section.group(0)
    assert "[es] Le droit à la ville" in section
    assert "<strong>[es] accueille</strong>" in section
    assert "<li><em>[es] protéger</em>" in section  # Markdown survives: the list and the emphasis
    assert 'href="https://example.org/d" rel="nofollow noopener">[es] données</a>' in section
    assert 'class="machine-label"' in section and f'href="/amendments/{french_amendment.id}"' in section  # show original
    assert {r["source"] for r in fake.requests} == {"fr"} and {r["target"] for r in fake.requests} == {"es"}
    assert {r["format"] for r in fake.requests} == {"text", "html"}

    # The original, one click away: no translation in it.
    original = client.get(f"/amendments/{french_amendment.id}").get_data(as_text=True)
    assert "[es]" not in original and 'lang="fr"' in original


def test_second_request_is_a_cache_hit(translating, fake, client, reader, french_amendment, make_user, login):
    ask(client, french_amendment)
    sent = len(fake.requests)
    assert sent == 3  # title, text, rationale
    ask(client, french_amendment)
    other = make_user(locale="es")
    client.post("/account/logout")
    login(other)
    page = ask(client, french_amendment).get_data(as_text=True)
    assert "[es] Le droit à la ville" in page
    assert len(fake.requests) == sent  # asked once per text and language
    assert count_rows(MachineTranslation) == 3
    assert sum(db.session.scalars(sa.select(MachineTranslation.characters))) > 0


def test_an_edit_makes_the_translation_stale(translating, fake, client, reader, french_amendment):
    ask(client, french_amendment)
    amendments.edit(french_amendment, title="Le droit à la ville", body="La ville **protège** tout le monde.",
                    rationale=RATIONALE)
    db.session.commit()
    page = client.get(f"/amendments/{french_amendment.id}?translate=es").get_data(as_text=True)
    assert "[es] accueille" not in page and "machine-label" not in page  # the old translation is never shown
    assert "Traducir" in page or "Translate into" in page  # asked again …
    before = len(fake.requests)
    page = ask(client, french_amendment).get_data(as_text=True)
    assert "<strong>[es] protège</strong>" in page
    assert len(fake.requests) == before + 1  # … only the changed text is sent


@pytest.mark.parametrize("mode", ["down", "slow"])
def test_service_down_or_slow_keeps_the_original_with_a_message(translating, fake, client, reader,
                                                                  french_amendment, mode):
    fake.mode = mode
    fake.delay = 1.5  # more than TRANSLATION_TIMEOUT
    response = ask(client, french_amendment)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "machine-label" not in page
    assert re.search(r'class="translate-control".*?<p class="flash flash-error" role="alert">', page, re.S)
    assert "La ville" in page  # the original stays (the redline shows its words)
    assert len(fake.requests) == 2  # one attempt and one retry, then the job gives up
    assert db.session.scalars(sa.select(MachineTranslation.state)).all() == [TranslationState.failed] * 3

    fake.mode = "ok"  # asking again once the service is back
    page = ask(client, french_amendment).get_data(as_text=True)
    assert "[es] Le droit à la ville" in page


def test_service_unreachable_never_500(app, client, reader, french_amendment):
    app.config.update(TRANSLATION_BACKEND="libretranslate", TRANSLATION_URL="http://127.0.0.1:9",
                      TRANSLATION_TIMEOUT=0.5, TRANSLATION_RETRIES=0)
    response = ask(client, french_amendment)
    assert response.status_code == 200
    assert 'role="alert"' in response.get_data(as_text=True)


def test_being_translated_while_the_job_waits(translating, fake, client, reader, french_amendment, monkeypatch):
    monkeypatch.setattr(services.jobs, "after_commit", lambda *args: None)  # the worker has not run it yet
    page = ask(client, french_amendment).get_data(as_text=True)
    assert re.search(r'class="translate-control".*?<p class="notice" role="status">', page, re.S)
    assert "machine-label" not in page and fake.requests == []


def test_translated_html_is_sanitised_again(translating, fake, client, reader, french_amendment):
    fake.mode = "evil"
    page = ask(client, french_amendment).get_data(as_text=True)
    section = re.search(r'<section class="machine-translation".*?</section>', page, re.S).group(0)
    assert "<script" not in section and "javascript:" not in section and "<img" not in section
    assert "[es] protéger" in section


def test_none_configured_shows_no_button_and_refuses(app, client, reader, french_amendment):
    assert app.config["TRANSLATION_BACKEND"] == "none"
    page = client.get(f"/amendments/{french_amendment.id}").get_data(as_text=True)
    assert "/translate" not in page and "machine-label" not in page
    assert client.post(f"/amendments/{french_amendment.id}/translate").status_code == 403
    assert count_rows(MachineTranslation) == 0


def test_own_text_and_same_language_never_replaced(translating, fake, client, make_user, login, french_amendment):
    login(french_amendment.author)
    db.session.commit()
    page = client.get(f"/amendments/{french_amendment.id}?translate=es").get_data(as_text=True)
    assert "/translate" not in page and "machine-label" not in page
    assert client.post(f"/amendments/{french_amendment.id}/translate").status_code == 403
    client.post("/account/logout")
    login(make_user(locale="fr"))  # a French reader: nothing to translate
    page = client.get(f"/amendments/{french_amendment.id}").get_data(as_text=True)
    assert f"/amendments/{french_amendment.id}/translate" not in page
    assert fake.requests == []


def test_visitors_are_not_offered_it(translating, client, french_amendment):
    page = client.get(f"/amendments/{french_amendment.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "/translate" not in page


def test_a_comment_translated_inline_on_its_thread(translating, fake, client, reader, make_user, open_round, article):
    author = make_user(locale="en")
    comment, _ = comments.post(author, open_round, article, body="Cities *must* listen.\n\n1. first\n2. second",
                               locale="en")
    other, _ = comments.post(author, open_round, article, body="Another remark.", locale="en")
    db.session.commit()
    page = client.get(f"/charter/articles/{article.id}?round={open_round.id}").get_data(as_text=True)
    assert f'action="/comments/{comment.id}/translate"' in page and f'action="/comments/{other.id}/translate"' in page

    response = client.post(f"/comments/{comment.id}/translate", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    block = re.search(r'<div class="machine-translation" lang="es">.*?</div>\s*</div>', page, re.S).group(0)
    assert "<em>[es] must</em>" in block and "<ol>" in block and "[es] first" in block
    assert "machine-label" in block
    assert fake.texts() and all("Another remark" not in q for q in fake.texts())  # only the one asked for

    comments.edit(comment, body="Cities must *act*.")
    db.session.commit()
    page = client.get(f"/comments/{comment.id}/replies?translate=es&of={comment.id}").get_data(as_text=True)
    assert "[es] must" not in page and "machine-label" not in page


def test_moderators_see_cached_translations_beside_the_original(translating, fake, client, make_user, login,
                                                                french_amendment, open_round):
    moderator = make_user(Role.moderator, locale="en", organisation=None)
    login(moderator)
    page = client.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    assert "machine-beside" not in page and f'action="/amendments/{french_amendment.id}/translate"' in page
    client.post(f"/amendments/{french_amendment.id}/translate",
                data={"next": f"/moderation/rounds/{open_round.id}/triage"})
    page = client.get(f"/moderation/rounds/{open_round.id}/triage").get_data(as_text=True)
    beside = re.search(r'<details class="machine-translation machine-beside" lang="en">.*?</details>', page, re.S)
    assert beside and "[en] Le droit à la ville" in beside.group(0)
    assert "[en]" not in page.replace(beside.group(0), "") and "<em>protéger</em>" in page  # the original stays


def test_triage_reads_the_cache_in_one_query(translating, fake, app, client, make_user, login, open_round, article):
    authors = [make_user(locale="fr") for _ in range(4)]
    for n, author in enumerate(authors):
        amendments.propose(author, open_round, article, amendments.Proposal(
            kind=AmendmentKind.modify, locale="fr", title=f"Titre {n}", body=f"Texte {n}.", rationale=f"Raison {n}."))
    db.session.commit()
    moderator = make_user(Role.moderator, locale="en", organisation=None)
    login(moderator)
    statements = []

    def count(conn, cursor, statement, *args):
        if "machine_translations" in statement:
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get(f"/moderation/rounds/{open_round.id}/triage")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_answer_is_translated_from_any_language(translating, fake, client, reader, french_amendment, make_user):
    moderator = make_user(Role.moderator, organisation=None)
    moderation.answer(moderator, french_amendment, AmendmentStatus.rejected, "Out of *scope*.")
    db.session.commit()
    page = ask(client, french_amendment).get_data(as_text=True)
    assert "<em>[es] scope</em>" in page
    assert any(r["source"] == "auto" for r in fake.requests)


def test_rate_limited_per_account(translating, fake, app, client, reader, french_amendment, monkeypatch):
    from consult.extensions import limiter
    from limits.storage import MemoryStorage
    from limits.strategies import FixedWindowRateLimiter

    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_TRANSLATIONS="1 per minute")
    monkeypatch.setattr(limiter, "_limiter", FixedWindowRateLimiter(MemoryStorage()))
    ask(client, french_amendment)
    amendments.edit(french_amendment, title="Autre", body="Autre texte.", rationale="Autre raison.")
    db.session.commit()
    page = ask(client, french_amendment).get_data(as_text=True)
    assert "flash-error" in page
    assert "[es] Autre" not in page


def test_secretariat_sees_characters_per_day(translating, fake, client, reader, french_amendment, make_user, login):
    ask(client, french_amendment)
    total = sum(db.session.scalars(sa.select(MachineTranslation.characters)))
    assert client.get("/secretariat/translations").status_code == 403
    client.post("/account/logout")
    login(make_user(Role.secretariat, organisation=None))
    page = client.get("/secretariat/translations").get_data(as_text=True)
    assert f"<td>{total:,}</td>".replace(",", "\N{NO-BREAK SPACE}") in page or f"<td>{total:,}</td>" in page \
        or f"<td>{total}</td>" in page
    assert services.characters_per_day()[0][1] == total


def test_client_retries_then_fails_and_sends_the_key(fake):
    with_key = translation_client.LibreTranslate(fake.url, api_key="k", timeout=1, retries=2, pause=0.01)
    fake.api_key = "k"
    assert with_key.translate("Bonjour", "fr", "en") == "[en] Bonjour"
    assert fake.requests[-1]["api_key"] == "k"
    assert with_key.languages() == {"en", "fr", "es"}
    fake.mode = "down"
    with pytest.raises(translation_client.TranslationError):
        with_key.translate("Bonjour", "fr", "en")
    assert len(fake.requests) == 1 + 3
    fake.mode = "ok"
    wrong = translation_client.LibreTranslate(fake.url, api_key="wrong", timeout=1, retries=2, pause=0.01)
    with pytest.raises(translation_client.TranslationError, match="403"):
        wrong.translate("Bonjour", "fr", "en")
    assert len(fake.requests) == 5  # a refusal is not retried
