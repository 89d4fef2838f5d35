"""What the reading pages say about the state of things: the home page before and after a version
is published, and the language of every text shown (original, translation up to date or outdated)."""

import pytest

from consult.extensions import db
from consult.i18n import date_only
from consult.models import RoundState, TextStatus
from tests.conftest import publish_with_first_amendment, put_round_in_state, twin

INVITATION = "are invited to read the draft"


def test_the_home_page_invites_people_only_while_a_round_is_open(client, make_round):
    round_ = make_round(RoundState.closed)
    page = client.get("/").get_data(as_text=True)
    assert INVITATION not in page and "Register to take part" not in page and "Under consultation" not in page
    assert "Consultation draft: Draft." in page and "Past consultation rounds" in page
    put_round_in_state(round_, RoundState.open)
    page = client.get("/").get_data(as_text=True)
    assert INVITATION in page and "Register to take part" in page and "Under consultation: Draft." in page
    assert "Past consultation rounds" not in page


def test_after_publishing_the_home_page_shows_the_published_version_and_the_past_rounds(
        client, moderator, secretariat, consulted):
    round_ = consulted["first"].round
    new, _article = publish_with_first_amendment(moderator, secretariat, consulted)
    page = client.get("/").get_data(as_text=True)
    assert f"Published on {date_only(new.published_at)}: Consolidated." in page
    assert f'href="/charter/versions/{new.id}/"' in page
    assert INVITATION not in page and "Under consultation" not in page and "Read the draft" not in page
    assert "No round has been announced yet" not in page
    assert f'href="/rounds/{round_.id}"' in page and f'href="/exports/rounds/{round_.id}/report.en.pdf"' in page
    assert client.get(f"/exports/rounds/{round_.id}/report.en.pdf").status_code == 200  # the link works


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_side_by_side_labels_each_language_truthfully(client, moderator, secretariat, consulted, lang):
    new, article = publish_with_first_amendment(moderator, secretariat, consulted)  # English changed; French and Spanish lag
    english = article.exact_text("en")
    assert [article.exact_text(code).status for code in ("en", "fr", "es")] == \
        [TextStatus.source, TextStatus.outdated, TextStatus.outdated]
    page = client.get(f"/charter/articles/{article.id}/languages?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    for not_available in ("Not yet available in your language", "Pas encore disponible", "Aún no disponible"):
        assert not_available not in page
    assert page.count('class="badge badge-ok"') == 0 and page.count('class="badge badge-warning"') == 2
    if lang == "en":
        assert page.count("Original text") == 1
        assert page.count(f"Translation outdated since {date_only(english.updated_at)}.") == 2

    unchanged = twin(new, consulted["version"].sections[0].articles[0])
    page = client.get(f"/charter/articles/{unchanged.id}/languages?lang={lang}").get_data(as_text=True)
    assert page.count('class="badge badge-ok"') == 2 and 'class="badge badge-warning"' not in page


def test_an_article_shown_in_another_language_says_which_and_what_it_is(client, charter_version):
    article = charter_version.sections[2].articles[0]
    spanish = article.exact_text("es")
    spanish.title = spanish.body = ""  # not translated yet: the page falls back to the original
    db.session.commit()
    page = client.get(f"/charter/articles/{article.id}?lang=es").get_data(as_text=True)
    assert '<h1 lang="en">' in page and "Texto original" in page and "Traducción" not in page
    assert "Not yet available in your language." in page or "Aún no disponible en su idioma." in page


def test_an_article_in_the_readers_language_says_whether_its_translation_is_up_to_date(client, charter_version):
    article = charter_version.sections[2].articles[0]
    page = client.get(f"/charter/articles/{article.id}?lang=fr").get_data(as_text=True)
    assert '<h1 lang="fr">' in page and "Traduction à jour" in page and "disponible dans votre langue" not in page
