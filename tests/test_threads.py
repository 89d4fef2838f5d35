"""Article threads: amendments with redlines, supports, comments — the rules, on both databases."""

import re
import threading

import sqlalchemy as sa

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import (
    Amendment, AmendmentKind, AmendmentRevision, AmendmentStatus, Comment, Region, Role, RoundState, Stance, Support,
    Visibility,
)
from consult.moderation import services as moderation
from tests.conftest import count_rows




def propose_form(article, round_, **overrides):
    text = article.text("fr")
    data = {"round": round_.id, "kind": "modify", "locale": "fr", "title": text.title,
            "body": text.body.replace("Tous les habitants", "Toutes les personnes qui habitent la ville"),
            "rationale": "Une formulation inclusive.", "token": "tok-1", "submit": "1"}
    data.update(overrides)
    return data


def test_an_amendment_keeps_the_exact_text_it_amends_and_its_language(client, login, make_user, article, open_round):
    login(make_user())
    response = client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, open_round))
    assert response.status_code == 302
    amendment = db.session.scalar(sa.select(Amendment))
    assert amendment.locale == "fr" and amendment.base_text == article.text("fr").body
    assert "Toutes les personnes" in amendment.body
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<del>" in page and "<ins>" in page and "personnes qui habitent la ville" in page


def test_preview_shows_the_redline_and_saves_nothing(client, login, make_user, article, open_round):
    login(make_user())
    data = propose_form(article, open_round)
    del data["submit"]
    data["preview"] = "1"
    page = client.post(f"/charter/articles/{article.id}/amend", data=data).get_data(as_text=True)
    assert "<ins>" in page and "personnes qui habitent la ville" in page
    assert count_rows(Amendment) == 0


def test_double_submission_creates_one_amendment(client, login, make_user, article, open_round):
    login(make_user())
    first = client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, open_round))
    second = client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, open_round))
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(Amendment) == 1


def test_an_unchanged_text_is_refused_with_a_message(client, login, make_user, article, open_round):
    login(make_user())
    response = client.post(f"/charter/articles/{article.id}/amend",
                           data=propose_form(article, open_round, body=article.text("fr").body))
    assert response.status_code == 400 and b"same as the article" in response.data
    assert count_rows(Amendment) == 0


def test_new_article_and_deletion_amendments(client, login, make_user, article, open_round):
    login(make_user())
    client.post(f"/charter/articles/{article.id}/amend", data=propose_form(
        article, open_round, kind="add", locale="en", title="Right to digital inclusion", body="1. Everyone...", token="t2"))
    client.post(f"/charter/articles/{article.id}/amend", data=propose_form(
        article, open_round, kind="delete", locale="es", title="", body="", rationale="Redundant.", token="t3"))
    added, deleted = db.session.scalars(sa.select(Amendment).order_by(Amendment.id)).all()
    assert added.kind is AmendmentKind.add and added.base_text == "" and added.title == "Right to digital inclusion"
    assert deleted.kind is AmendmentKind.delete and deleted.body == "" and deleted.base_text == article.text("es").body


def test_another_region_is_refused_on_a_regional_round_and_keeps_its_text(client, login, make_user, make_organisation,
                                                                         article, make_round):
    asia_round = make_round(RoundState.open, region=Region.asia_pacific, restricted_to_region=True)
    login(make_user(organisation=make_organisation(region=Region.europe)))
    data = propose_form(article, asia_round, rationale="Texte que je ne veux pas perdre.")
    response = client.post(f"/charter/articles/{article.id}/amend", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "reserved for organisations of its region" in page
    assert "Texte que je ne veux pas perdre." in page and "Toutes les personnes qui habitent la ville" in page
    assert count_rows(Amendment) == 0

    refused = client.post("/comments", data={"round_id": asia_round.id, "article_id": article.id, "locale": "fr",
                                             "body": "Mon commentaire précieux", "token": "c1", "submit": "1"})
    assert refused.status_code == 403 and "Mon commentaire précieux" in refused.get_data(as_text=True)
    assert count_rows(Comment) == 0


def test_a_closed_round_shows_everything_and_takes_nothing(client, login, make_user, article, make_round):
    round_ = make_round(RoundState.open)
    author = make_user()
    amendment, _ = amendments.propose(author, round_, article, amendments.Proposal(
        AmendmentKind.modify, "en", "Right to the city", article.text("en").body + " More.", "Why"))
    comments.post(author, round_, article, body="A visible comment", locale="en")
    db.session.commit()
    from tests.conftest import put_round_in_state

    put_round_in_state(round_, RoundState.closed)
    login(make_user())
    page = client.get(f"/charter/articles/{article.id}?round={round_.id}").get_data(as_text=True)
    assert "A visible comment" in page and f"Amendment {amendment.id}" in page
    assert "This round is closed" in page
    assert 'action="/comments"' not in page and "/amend?" not in page
    assert client.post(f"/amendments/{amendment.id}/support").status_code == 403
    assert client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, round_)).status_code == 403
    assert count_rows(Support) == 0 and count_rows(Amendment) == 1


def test_supports_once_each_never_ones_own(client, login, make_user, article, open_round):
    author = make_user()
    amendment, _ = amendments.propose(author, open_round, article, amendments.Proposal(
        AmendmentKind.delete, "en", "", "", "Why"))
    db.session.commit()
    login(author)
    assert client.post(f"/amendments/{amendment.id}/support").status_code == 403
    supporter = make_user()
    login(supporter)
    for _ in range(3):
        assert client.post(f"/amendments/{amendment.id}/support").status_code == 302
    assert count_rows(Support) == 1
    client.post(f"/amendments/{amendment.id}/support", data={"undo": "1"})
    assert count_rows(Support) == 0


def _concurrently(app, calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        with app.app_context():
            try:
                barrier.wait()
                call()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_fifty_people_supporting_at_once_give_fifty(app, make_user, article, open_round):
    author = make_user()
    amendment, _ = amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "Why"))
    people = [make_user(organisation=None) for _ in range(50)]
    db.session.commit()
    amendment_id, ids = amendment.id, [p.id for p in people]
    db.session.remove()

    def support(user_id):
        from consult.models import User

        return lambda: amendments.support(db.session.get(User, user_id), db.session.get(Amendment, amendment_id))

    _concurrently(app, [support(uid) for uid in ids])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Support).where(Support.amendment_id == amendment_id)) == 50


def test_one_person_clicking_twenty_times_at_once_gives_one(app, make_user, article, open_round):
    author, fan = make_user(), make_user()
    amendment, _ = amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "Why"))
    db.session.commit()
    amendment_id, fan_id = amendment.id, fan.id
    db.session.remove()

    def support():
        from consult.models import User

        amendments.support(db.session.get(User, fan_id), db.session.get(Amendment, amendment_id))

    _concurrently(app, [support] * 20)
    assert count_rows(Support) == 1


def test_concurrent_double_submission_creates_one_comment(app, make_user, article, open_round):
    author = make_user()
    author_id, round_id, article_id = author.id, open_round.id, article.id
    db.session.remove()

    def post():
        from consult.models import Article, Round, User

        comments.post(db.session.get(User, author_id), db.session.get(Round, round_id), db.session.get(Article, article_id),
                      body="Once", locale="en", token="same-token")

    _concurrently(app, [post] * 10)
    assert count_rows(Comment) == 1


def test_editing_keeps_earlier_wordings_until_answered(client, login, make_user, article, open_round):
    author = login(make_user())
    client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, open_round))
    amendment = db.session.scalar(sa.select(Amendment))
    first_body = amendment.body
    response = client.post(f"/amendments/{amendment.id}/edit", data={
        "round": open_round.id, "kind": "modify", "locale": "fr", "title": amendment.title,
        "body": first_body + " Nouveau.", "rationale": "Mieux dit.", "submit": "1"})
    assert response.status_code == 302
    db.session.refresh(amendment)
    assert amendment.body.endswith("Nouveau.") and amendment.base_text == article.text("fr").body
    revision = db.session.scalar(sa.select(AmendmentRevision))
    assert revision.number == 1 and revision.body == first_body
    page = client.get(f"/amendments/{amendment.id}").get_data(as_text=True)
    assert "Earlier wordings" in page

    amendment.status = AmendmentStatus.accepted
    db.session.commit()
    refused = client.post(f"/amendments/{amendment.id}/edit", data={"title": "x", "body": "y", "rationale": "z", "submit": "1"})
    assert refused.status_code == 403 and b"can no longer be changed" in refused.data
    db.session.refresh(amendment)
    assert amendment.body.endswith("Nouveau.")
    assert author is not None


def test_withdrawing_keeps_the_amendment_visible(client, login, make_user, article, open_round):
    login(make_user())
    client.post(f"/charter/articles/{article.id}/amend", data=propose_form(article, open_round))
    amendment = db.session.scalar(sa.select(Amendment))
    assert client.post(f"/amendments/{amendment.id}/withdraw").status_code == 302
    db.session.refresh(amendment)
    assert amendment.status is AmendmentStatus.withdrawn
    assert b"Withdrawn" in client.get(f"/amendments/{amendment.id}").data


def test_comments_replies_stances_edits_and_deletion(client, login, make_user, article, open_round):
    author = login(make_user())
    amendment, _ = amendments.propose(make_user(), open_round, article, amendments.Proposal(
        AmendmentKind.delete, "en", "", "", "Why"))
    db.session.commit()
    base = {"round_id": open_round.id, "article_id": article.id, "submit": "1"}
    client.post("/comments", data={**base, "amendment_id": amendment.id, "body": "Je suis **pour**.", "locale": "fr",
                                   "stance": "for", "token": "a"})
    first = db.session.scalar(sa.select(Comment))
    assert first.stance is Stance.for_ and first.locale == "fr" and "<strong>pour</strong>" in first.body_html
    client.post("/comments", data={**base, "amendment_id": amendment.id, "parent_id": first.id, "body": "Y yo también.",
                                   "locale": "es", "token": "b"})
    reply = db.session.scalar(sa.select(Comment).where(Comment.parent_id == first.id))
    client.post("/comments", data={**base, "amendment_id": amendment.id, "parent_id": reply.id, "body": "Deeper",
                                   "locale": "en", "token": "c"})
    deeper = db.session.scalar(sa.select(Comment).where(Comment.body == "Deeper"))
    assert deeper.parent_id == first.id  # replies stay one level deep
    # a stance is only taken on an amendment
    client.post("/comments", data={**base, "body": "On the article", "locale": "en", "stance": "against", "token": "d"})
    assert db.session.scalar(sa.select(Comment).where(Comment.body == "On the article")).stance is None

    assert client.post(f"/comments/{first.id}/edit", data={"body": "Je suis pour, avec nuances."}).status_code == 302
    db.session.refresh(first)
    assert first.edited_at is not None
    assert client.post(f"/comments/{first.id}/delete").status_code == 302
    db.session.refresh(first)
    assert first.visibility is Visibility.deleted and count_rows(Comment) == 4  # nothing is removed
    page = client.get(f"/amendments/{amendment.id}").get_data(as_text=True)
    assert "deleted by its author" in page and "Y yo también." in page and "avec nuances" not in page
    assert "edited" not in page.split("deleted by its author")[0][-200:]
    assert author is not None


def test_nobody_edits_someone_elses_comment(client, login, make_user, article, open_round):
    comment, _ = comments.post(make_user(), open_round, article, body="Mine", locale="en")
    db.session.commit()
    login(make_user())
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "Hacked"}).status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    db.session.refresh(comment)
    assert comment.body == "Mine" and comment.visibility is Visibility.visible


def test_comment_markdown_is_sanitised(client, login, make_user, article, open_round):
    login(make_user())
    client.post("/comments", data={"round_id": open_round.id, "article_id": article.id, "locale": "en", "token": "x",
                                   "submit": "1", "body": "<script>alert(1)</script> [x](javascript:alert(2)) [ok](https://uclg.org)"})
    html = db.session.scalar(sa.select(Comment)).body_html
    assert "<script" not in html and 'href="javascript' not in html and 'rel="nofollow noopener"' in html


def test_permalinks_lead_to_the_comment_on_its_page(client, make_user, article, open_round):
    author = make_user()
    posted = [comments.post(author, open_round, article, body=f"Comment {n}", locale="en")[0] for n in range(35)]
    db.session.commit()
    response = client.get(f"/comments/{posted[-1].id}")
    assert response.status_code == 302
    assert "cpage=2" in response.headers["Location"] and response.headers["Location"].endswith(f"#comment-{posted[-1].id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="comment-{posted[-1].id}"' in page and f'id="comment-{posted[0].id}"' not in page


def test_filters_and_order(client, make_user, make_organisation, article, open_round):
    asia = make_user(organisation=make_organisation(region=Region.asia_pacific))
    europe = make_user(organisation=make_organisation(region=Region.europe))
    a_asia, _ = amendments.propose(asia, open_round, article, amendments.Proposal(AmendmentKind.delete, "es", "", "", "Asia"))
    a_europe, _ = amendments.propose(europe, open_round, article, amendments.Proposal(AmendmentKind.delete, "fr", "", "", "Europe"))
    for _ in range(2):
        amendments.support(make_user(), a_asia)
    db.session.commit()
    url = f"/charter/articles/{article.id}?round={open_round.id}"

    def shown(query=""):
        page = client.get(url + query).get_data(as_text=True)
        return [a.id for a in (a_asia, a_europe) if f'id="amendment-{a.id}"' in page]

    assert shown() == [a_asia.id, a_europe.id]
    assert shown("&region=asia-pacific") == [a_asia.id]
    assert shown("&language=fr") == [a_europe.id]
    assert shown("&status=accepted") == []
    page = client.get(url + "&sort=supported").get_data(as_text=True)
    assert page.index(f'id="amendment-{a_asia.id}"') < page.index(f'id="amendment-{a_europe.id}"')
    page = client.get(url).get_data(as_text=True)
    assert page.index(f'id="amendment-{a_europe.id}"') < page.index(f'id="amendment-{a_asia.id}"')  # newest first
    assert "2 people · 2 organisations · 1 region" in client.get(url + "&region=asia-pacific").get_data(as_text=True)


def test_table_of_contents_counts_per_round(client, make_user, article, open_round):
    author = make_user()
    amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    comments.post(author, open_round, article, body="c", locale="en")
    comments.post(author, open_round, article, body="d", locale="en")
    db.session.commit()
    page = client.get(f"/charter/versions/{article.version_id}/?round={open_round.id}").get_data(as_text=True)
    assert "1 amendment · 2 comments" in page


def _reply_to_a_reply(reply: Comment, body: str) -> Comment:
    """A reply to a reply as older data and the seed loader hold it: written without the service."""
    comment = Comment(round=reply.round, article=reply.article, parent=reply, author=reply.author, locale="en",
                      body=body, body_html=f"<p>{body}</p>")
    db.session.add(comment)
    db.session.flush()
    return comment


def test_every_count_of_an_articles_thread_says_what_the_article_page_shows(client, make_user, article, open_round):
    """The table of contents, the round tab and the discussion heading count the same comments, and
    every one of them is on the page: visible ones, replies at any depth; not hidden or deleted
    ones, nor those on amendments (counted on each amendment)."""
    author, moderator = make_user(), make_user(role=Role.moderator, organisation=None)
    deletion, _ = amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.add, "en", "New", "1. New.", "y"))
    first, _ = comments.post(author, open_round, article, body="First comment", locale="en")
    reply, _ = comments.post(author, open_round, article, body="A reply", locale="en", parent=first)
    _reply_to_a_reply(reply, "A reply to the reply")
    hidden, _ = comments.post(author, open_round, article, body="Hidden comment", locale="en")
    moderation.hide(moderator, hidden, "Insult")
    deleted, _ = comments.post(author, open_round, article, body="Deleted comment", locale="en")
    comments.delete(deleted)
    comments.post(author, open_round, article, body="On the amendment", locale="en", amendment=deletion)
    spam, _ = amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.add, "en", "Spam", "Spam.", "z"))
    moderation.hide(moderator, spam, "Advertising")
    db.session.commit()

    contents = client.get(f"/charter/versions/{article.version_id}/?round={open_round.id}").get_data(as_text=True)
    page = client.get(f"/charter/articles/{article.id}?round={open_round.id}").get_data(as_text=True)
    assert "2 amendments · 3 comments" in contents
    assert "2 amendments · 3 comments" in page  # the round's tab
    assert "Discussion (3 comments)" in page
    assert ">2 amendments</h2>" in page  # the hidden one is a placeholder, not an amendment
    for body in ("First comment", "A reply", "A reply to the reply"):
        assert body in page
    assert "Hidden comment" not in page and "Deleted comment" not in page


def test_a_reply_to_a_reply_goes_under_the_first_comment_of_its_thread(client, make_user, article, open_round):
    author = make_user()
    first, _ = comments.post(author, open_round, article, body="First", locale="en")
    reply, _ = comments.post(author, open_round, article, body="Reply", locale="en", parent=first)
    deeper = _reply_to_a_reply(reply, "Deeper")
    answer, _ = comments.post(author, open_round, article, body="Answer to the deeper one", locale="en", parent=deeper)
    db.session.commit()
    assert answer.parent_id == first.id
    shown = comments.discussion(open_round, article, None)
    assert [c.body for c in shown.replies[first.id]] == ["Reply", "Deeper", "Answer to the deeper one"]
    assert shown.count == 4 and shown.total == 1
    assert client.get(f"/comments/{deeper.id}").headers["Location"].endswith(f"#comment-{deeper.id}")


def test_my_contributions(client, login, make_user, article, open_round):
    user = login(make_user())
    amendments.propose(user, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    comments.post(user, open_round, article, body="c", locale="en")
    db.session.commit()
    page = client.get("/my/contributions").get_data(as_text=True)
    assert "Awaiting an answer" in page and "Article I. Right to the city" in page


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _article_page_queries(client, article, round_):
    url = f"/charter/articles/{article.id}?round={round_.id}"  # before counting: the test's own reads are not the page's
    counter = QueryCounter()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return counter.count


def _grow_thread(article, round_, people, n_comments, n_amendments):
    for n in range(n_amendments):
        amendment, _ = amendments.propose(people[n % len(people)], round_, article,
                                          amendments.Proposal(AmendmentKind.delete, "en", "", "", f"r{n}"))
        amendments.support(people[(n + 1) % len(people)], amendment)
        comments.post(people[n % len(people)], round_, article, amendment=amendment, body="on it", locale="en")
    first = None
    for n in range(n_comments):
        comment, _ = comments.post(people[n % len(people)], round_, article, body=f"c{n}", locale="fr",
                                   parent=first if n % 3 else None)
        first = first or comment
    db.session.commit()


def test_the_article_page_costs_the_same_queries_for_5_or_300_comments(client, login, make_user, article, open_round,
                                                                      charter_version, make_round):
    """A fixed number of queries, at most 12, whatever the size of the thread, for a visitor and for
    a participant (whose page also asks for their login and notices)."""
    people = [make_user() for _ in range(6)]
    _grow_thread(article, open_round, people, n_comments=5, n_amendments=2)
    big_round = make_round(RoundState.open)
    _grow_thread(article, big_round, people, n_comments=300, n_amendments=60)
    visitor = [_article_page_queries(client, article, r) for r in (open_round, big_round)]
    login(people[0])
    participant = [_article_page_queries(client, article, r) for r in (open_round, big_round)]
    assert visitor[0] == visitor[1] <= 12
    assert participant[0] == participant[1] <= 12


def test_page_links_keep_the_query_but_cannot_be_steered_by_it(client, make_user, article, open_round):
    """Page links repeat the address's own arguments; url_for's own switches among them
    (`_external`, `_scheme`) must not turn a link into another site's or a script."""
    author = make_user()
    for n in range(25):
        amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.add, "en", f"New {n}",
                                                                           f"Text {n}.", "why"))
    db.session.commit()
    page = client.get(f"/charter/articles/{article.id}?round={open_round.id}&language=en"
                      "&_external=1&_scheme=javascript&_anchor=x").get_data(as_text=True)
    links = re.findall(r'<nav class="pagination"[^>]*>(.*?)</nav>', page, re.S)[0]
    hrefs = re.findall(r'href="([^"]+)"', links)
    assert hrefs and all(h.startswith(f"/charter/articles/{article.id}?") for h in hrefs)
    assert all("javascript" not in h.split("?")[0] and "page=2" in h for h in hrefs[:1])
    assert f"round={open_round.id}" in hrefs[0] and "language=en" in hrefs[0]


def test_a_support_can_be_taken_back_while_the_round_is_open_and_the_amendment_unanswered(
        client, login, make_user, article, open_round):
    from consult.models import Support
    from consult.moderation import services as moderation

    author, supporter = make_user(), make_user()
    moderator = make_user(role=Role.moderator, organisation=None)
    amendment, _ = amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "x"))
    amendments.support(supporter, amendment)
    moderation.hide(moderator, amendment, "Off topic")
    db.session.commit()
    login(supporter)
    page = client.get(f"/amendments/{amendment.id}").get_data(as_text=True)
    assert "Withdraw my support" in page  # even hidden: it is one's own support
    assert client.post(f"/amendments/{amendment.id}/support", data={"undo": "1"}).status_code == 302
    assert count_rows(Support) == 0

    amendments.support(supporter, amendment)
    moderation.answer(moderator, amendment, AmendmentStatus.rejected, "No")
    db.session.commit()
    assert "Withdraw my support" not in client.get(f"/amendments/{amendment.id}").get_data(as_text=True)
    assert client.post(f"/amendments/{amendment.id}/support", data={"undo": "1"}).status_code == 403
    assert count_rows(Support) == 1
