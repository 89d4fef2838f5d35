"""Search in three languages, on both backends: stemming and folded accents in each language, only
what readers can see (never hidden, deleted or draft texts), kept current by the services' signals,
any query syntax answered with a page, the same results on SQLite and PostgreSQL."""

import re

import pytest
import sqlalchemy as sa

from consult import create_app
from consult.amendments import services as amendments
from consult.charter import services as charter_services
from consult.comments import services as comments
from consult.consolidation import services as consolidation
from consult.extensions import db, limiter
from consult.models import AmendmentKind, Article, ArticleText, SearchEntry, VersionState
from consult.moderation import services as moderation
from consult.search import analysis, services
from consult.search.index import Filters, find
from tests.conftest import POSTGRES_URL, ROOT, _draft_documents, _reset_postgres, base_config, count_rows, running_app


def found(query: str, **filters) -> list[tuple[str, int, str]]:
    hits, _total = find(query, Filters(**filters), limit=1000, offset=0)
    return sorted((h.kind, h.target_id, h.locale) for h in hits)


def article_hits(query: str, **filters) -> set[tuple[str, str]]:
    """(article number, locale) of the article texts found."""
    ids = [target for kind, target, _locale in found(query, kind="article", **filters)]
    rows = db.session.execute(sa.select(Article.number, ArticleText.locale).join(ArticleText.article)
                              .where(ArticleText.id.in_(ids))).all()
    return {tuple(row) for row in rows}


# --- the language of each text -------------------------------------------------------------------


def test_analysis_folds_accents_and_stems_in_the_texts_language():
    assert analysis.lexeme("logements", "fr") == analysis.lexeme("logement", "fr")
    assert analysis.lexeme("democratica", "es") == analysis.lexeme("democrática", "es")
    assert analysis.lexeme("Œuvre", "fr") == analysis.lexeme("oeuvre", "fr")
    assert analysis.lexeme("housing", "en") == analysis.lexeme("houses", "en") == "hous"
    assert analysis.lexeme("the", "en") is None and analysis.lexeme("des", "fr") is None
    assert analysis.words("l'homme, human-rights; NEAR(a*b)") == ["l", "homme", "human", "rights", "NEAR", "a", "b"]


@pytest.mark.parametrize("query, expected", [
    ("logements", ("X", "fr")),  # the French text says "logement"
    ("democratica participativa", ("II", "es")),  # "democracia participativa", accents folded
    ("vivienda", ("X", "es")),
    ("housing", ("X", "en")),
    ("DÉMOCRATIE participative", ("II", "fr")),
    ("democratie participative", ("II", "fr")),
])
def test_each_language_is_found_stemmed_and_without_accents(charter_version, query, expected):
    assert expected in article_hits(query)


def test_democratica_finds_democratica_with_its_accent(charter_version):
    hits = article_hits("democratica", locale="es")
    assert ("I", "es") in hits  # "una comunidad local democrática"
    assert all(locale == "es" for _n, locale in hits)


def test_a_query_is_stemmed_in_each_language_it_is_matched_against(charter_version):
    # "vivienda" is a Spanish word: it finds the Spanish text, not the English or French ones.
    assert {locale for _n, locale in article_hits("vivienda")} == {"es"}
    assert {locale for _n, locale in article_hits("logement")} == {"fr"}


def test_stop_words_alone_find_nothing(charter_version):
    assert found("the and of") == []
    assert found("de la") == []


# --- the page ------------------------------------------------------------------------------------


def test_the_results_page_highlights_and_links(client, charter_version):
    response = client.get("/search/?q=logements")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<mark>logement</mark>" in page
    article = db.session.scalar(sa.select(Article).where(Article.version_id == charter_version.id,
                                                         Article.number == "X"))
    assert f'href="/charter/articles/{article.id}"' in page
    assert re.search(r'<h3 lang="fr">\s*<a href="/charter/articles/\d+">Article X\. Droit au <mark>logement</mark>', page)


def test_a_short_query_asks_for_more_and_searches_nothing(client, charter_version):
    page = client.get("/search/?q=a").get_data(as_text=True)
    assert "Type at least 2 characters" in page
    assert "<mark>" not in page


def test_the_header_has_the_search_box(client, charter_version):
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'name="q"' in page and 'action="/search/"' in page


@pytest.mark.parametrize("query", [
    '"', '"unbalanced', 'housing"', '*', 'hous*', 'NEAR(housing water)', 'NEAR', '-housing', 'housing -water',
    '(housing', 'housing)', '()', 'housing OR water', 'AND', 'NOT housing', 'document:housing', '{document}: housing',
    '^housing', "'", "\\", '%_%', 'housing AND (water OR', '" OR "" AND ', 'fr_log', '🏠 housing', 'x' * 500,
    ' '.join(['housing'] * 80), 'housing & water | !city', "housing:*", "<script>alert(1)</script>",
])
def test_query_syntax_is_never_an_error(client, charter_version, query):
    response = client.get("/search/", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_odd_filters_and_pages_are_ignored_or_bounded(client, charter_version):
    for query in ({"q": "housing", "page": "99999999999"}, {"q": "housing", "page": "-3"},
                  {"q": "housing", "round": "x"}, {"q": "housing", "version": "99999999999999"},
                  {"q": "housing", "kind": "users"}, {"q": "housing", "language": "de"}):
        assert client.get("/search/", query_string=query).status_code == 200
    page = client.get("/search/", query_string={"q": "droit", "page": 40}).get_data(as_text=True)
    assert "<mark>Droit</mark>" in page  # past the end: the last page, not an empty one


def test_filters_narrow_by_kind_version_and_language(client, make_round, make_user, charter_version):
    round_ = make_round()
    article = charter_version.sections[2].articles[9]  # Article X
    comments.post(make_user(), round_, article, body="Le logement social manque.", locale="fr")
    db.session.commit()
    assert {kind for kind, _t, _l in found("logement")} == {"article", "comment"}
    assert {kind for kind, _t, _l in found("logement", kind="comment")} == {"comment"}
    assert found("logement", round_id=round_.id) == found("logement", kind="comment")
    assert found("logement", version_id=charter_version.id + 100) == []
    assert found("logement", locale="en") == []
    page = client.get("/search/", query_string={"q": "logement", "kind": "comment"}).get_data(as_text=True)
    assert "Le <mark>logement</mark> social manque." in page and "Article X" in page


# --- kept current ----------------------------------------------------------------------------------


def test_comments_follow_posting_editing_hiding_restoring_deleting(make_round, make_user, moderator, article):
    round_ = make_round()
    author = make_user()
    comment, _ = comments.post(author, round_, article, body="Les jardins partagés comptent.", locale="fr")
    db.session.commit()
    assert ("comment", comment.id, "fr") in found("jardin partage")

    comments.edit(comment, body="Les potagers urbains comptent.")
    db.session.commit()
    assert found("jardins") == [] and ("comment", comment.id, "fr") in found("potagers urbains")

    moderation.hide(moderator, comment, "Off topic")
    db.session.commit()
    assert found("potagers") == []
    moderation.restore(moderator, comment, "On reflection, fine")
    db.session.commit()
    assert ("comment", comment.id, "fr") in found("potagers")

    comments.delete(comment)
    db.session.commit()
    assert found("potagers") == []


def test_amendments_follow_proposing_editing_withdrawing_hiding(make_round, make_user, moderator, article):
    round_ = make_round()
    author = make_user()
    text = article.text("es")
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "es", text.title, text.body + "\n\nIncluye las ludotecas públicas.", "Porque sí."))
    db.session.commit()
    assert ("amendment", amendment.id, "es") in found("ludoteca publica")

    amendments.edit(amendment, title=text.title, body=text.body + "\n\nIncluye los velódromos.", rationale="Porque sí.")
    db.session.commit()
    assert found("ludotecas") == [] and ("amendment", amendment.id, "es") in found("velodromo")

    amendments.withdraw(amendment)  # still shown on its page, with its status: still found
    db.session.commit()
    assert ("amendment", amendment.id, "es") in found("velódromos")

    moderation.hide(moderator, amendment, "Spam")
    db.session.commit()
    assert found("velódromos") == []
    moderation.restore(moderator, amendment, "Not spam")
    db.session.commit()
    assert ("amendment", amendment.id, "es") in found("velódromos")


def test_hidden_content_is_gone_from_the_page_and_back_after_restoring(client, make_round, make_user, moderator,
                                                                       article):
    comment, _ = comments.post(make_user(), make_round(), article, body="Zanzibar quokkas everywhere", locale="en")
    db.session.commit()
    assert "<mark>quokkas</mark>" in client.get("/search/?q=quokka").get_data(as_text=True)
    moderation.hide(moderator, comment, "Nonsense")
    db.session.commit()
    page = client.get("/search/?q=quokka").get_data(as_text=True)
    assert "quokkas everywhere" not in page and "Nothing found" in page
    moderation.restore(moderator, comment, "Fine")
    db.session.commit()
    assert "<mark>quokkas</mark>" in client.get("/search/?q=quokka").get_data(as_text=True)


def test_drafts_and_consolidations_are_never_found_until_published(consulted, moderator, secretariat):
    from tests.conftest import start, twin

    charter = consulted["version"].charter
    documents = {locale: _draft_documents()[locale] for locale in ("en", "fr", "es")}
    draft = charter_services.create_version(charter, documents, slug="next", labels={"en": "Next"},
                                            state=VersionState.draft)
    db.session.commit()
    assert draft.id not in {h for h in _versions_found("housing")}

    new = start(moderator, consulted)
    article = twin(new, consulted["article"])
    consolidation.save_text(moderator, article, "en", title=article.text("en").title,
                            body=article.text("en").body + "\n\nAnd kangaroo crossings.",
                            expected_revision=article.text("en").revision)
    db.session.commit()
    assert found("kangaroo") == []
    assert new.id not in _versions_found("housing")

    for key in ("first", "second", "third", "new_article"):
        consolidation.set_aside(moderator, consulted[key], "Later")
    consolidation.publish(secretariat, new, despite_outdated=True)
    db.session.commit()
    assert [(kind, locale) for kind, _t, locale in found("kangaroo")] == [("article", "en")]
    # The earlier version, now archived, is still found: articles of the current and earlier versions.
    assert {consulted["version"].id, new.id} <= _versions_found("housing")


def _versions_found(query: str) -> set[int]:
    ids = [t for _k, t, _l in found(query, kind="article")]
    return set(db.session.scalars(sa.select(Article.version_id).join(ArticleText.article).where(ArticleText.id.in_(ids))))


def test_reindex_rebuilds_what_readers_can_see(runner, make_round, make_user, moderator, article):
    round_ = make_round()
    kept, _ = comments.post(make_user(), round_, article, body="Wombats welcome", locale="en")
    hidden, _ = comments.post(make_user(), round_, article, body="Wombats unwelcome", locale="en")
    moderation.hide(moderator, hidden, "Rude")
    db.session.commit()
    before = found("wombat")
    db.session.execute(sa.delete(SearchEntry))
    db.session.commit()
    assert found("wombat") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    assert found("wombat") == before == [("comment", kept.id, "en")]
    assert count_rows(SearchEntry) == services.count_indexable()


def test_the_seed_command_leaves_the_index_filled(runner, app):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert count_rows(SearchEntry) == services.count_indexable() > 100
    assert {kind for kind, _t, _l in found("vivienda")} >= {"article"}


def test_the_page_costs_the_same_number_of_queries_whatever_it_shows(client, make_round, make_user, article):
    round_ = make_round()
    author = make_user()

    def queries_for(q: str) -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/search/", query_string={"q": q}).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    for n in range(25):
        comments.post(author, round_, article, body=f"Numerous platypus remarks, number {n}", locale="en")
    comments.post(author, round_, article, body="A single echidna remark", locale="en")
    db.session.commit()
    assert queries_for("platypus") == queries_for("echidna")


def test_a_query_too_common_ranks_the_most_recent_and_says_so(client, monkeypatch, make_round, make_user, article):
    round_ = make_round()
    author = make_user()
    posted = [comments.post(author, round_, article, body=f"Dingo sighting {n}", locale="en")[0] for n in range(8)]
    db.session.commit()
    hits, total = find("dingo", Filters(), limit=20, offset=0, candidates=5)
    assert total == 6  # five, and one more to know there are more
    assert {h.target_id for h in hits} == {c.id for c in posted[-5:]}  # the most recent, no more
    monkeypatch.setattr(services, "MAX_RESULTS", 5)
    page = client.get("/search/?q=dingo").get_data(as_text=True)
    assert "More than 5 results for “dingo”" in page
    assert page.count('class="card search-result ') == 5


# --- abuse ---------------------------------------------------------------------------------------


@pytest.fixture
def limited_app(backend, tmp_path):
    with running_app(backend, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_SEARCH="2 per minute") as app:
        limiter.reset()
        yield app


def test_searches_are_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    assert client.get("/search/").status_code == 200  # the empty form is not counted
    assert client.get("/search/?q=a").status_code == 200  # nor a query too short to run
    assert [client.get("/search/?q=housing").status_code for _ in range(3)] == [200, 200, 429]


# --- the same on both backends -------------------------------------------------------------------

QUERIES = ["logements", "logement social", "democratica", "democrática", "vivienda", "housing", "houses", "droit",
           "derecho humanos", "human rights", "participation", "participación", "participacion", "eau potable",
           "agua", "water", "femmes", "niños", "children", "climat", "clima", "santé", "salud", "ciudad", "city",
           "ville", "l'homme", "culture", "cultural", "mise en œuvre", "oeuvre", "2011", "amendment", "rationale"]


def _results_of_demo(uri: str, tmp_path, postgres: bool) -> dict:
    app = create_app(base_config(uri, tmp_path), instance_path=str(tmp_path / "instance"))
    if postgres:
        _reset_postgres(app)
    else:
        with app.app_context():
            db.create_all()
    with app.app_context():
        from consult.seeding import load_seeds

        load_seeds(ROOT / "seeds")
        services.reindex()
        db.session.commit()
        results = {}
        for query in QUERIES:
            for locale in ("", "en", "fr", "es"):
                hits, total = find(query, Filters(locale=locale), limit=5000, offset=0, candidates=5000)
                results[query, locale] = (total, sorted((h.kind, h.target_id, h.locale) for h in hits))
        db.session.remove()
        db.engine.dispose()
    return results


@pytest.mark.postgresql
def test_sqlite_and_postgresql_find_the_same(tmp_path):
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server configured (CONSULT_TEST_POSTGRES_URL)")
    on_sqlite = _results_of_demo(f"sqlite:///{tmp_path / 'same.sqlite'}", tmp_path / "a", postgres=False)
    on_postgres = _results_of_demo(POSTGRES_URL, tmp_path / "b", postgres=True)
    assert sum(total for total, _hits in on_sqlite.values()) > 500  # a corpus, not a handful
    differences = {key: (on_sqlite[key], on_postgres[key]) for key in on_sqlite if on_sqlite[key] != on_postgres[key]}
    assert differences == {}
