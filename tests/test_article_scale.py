"""The article page at the size of a real consultation: comment markup rendered once and reused
but never stale, per-page permission decisions equal to decide(), replies capped with a link to
the comment's own page — on both databases."""

import re

import pytest
from babel.dates import format_date
from flask_babel import refresh

from consult.amendments import services as amendments
from consult.comments import services as comments
from consult.extensions import db
from consult.models import AmendmentKind, AmendmentStatus, Role, RoundState, utcnow
from consult.moderation import services as moderation
from consult.permissions import Action, AmendmentRights, CommentRights, decide
from tests.conftest import put_round_in_state


def page_of(client, article, round_, **args) -> str:
    refresh()  # the test's app context outlives each request: forget the language chosen by the last one
    query = "".join(f"&{k}={v}" for k, v in args.items())
    response = client.get(f"/charter/articles/{article.id}?round={round_.id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_kept_comment_markup_follows_every_change(client, app, make_user, article, open_round):
    author, moderator = make_user(), make_user(role=Role.moderator, organisation=None)
    comment, _ = comments.post(author, open_round, article, body="First words", locale="en")
    db.session.commit()
    assert "First words" in page_of(client, article, open_round)
    assert len(app.extensions["fragments"]) > 0  # kept, and what follows is served from it when unchanged

    comments.edit(comment, body="Second words")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "Second words" in page and "First words" not in page and "edited" in page

    moderation.hide(moderator, comment, "Off topic")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "A moderator hid this comment: Off topic" in page and "Second words" not in page

    moderation.restore(moderator, comment, "On topic after all")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "Second words" in page and "Off topic" not in page

    author.organisation.name = "Renamed City Council"
    db.session.commit()
    assert "Renamed City Council" in page_of(client, article, open_round)

    comments.delete(comment)
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "deleted by its author" in page and "Second words" not in page


def test_kept_comment_markup_follows_the_language(client, make_user, article, open_round):
    comment, _ = comments.post(make_user(), open_round, article, body="Words", locale="en")
    db.session.commit()
    english, french = page_of(client, article, open_round), page_of(client, article, open_round, lang="fr")
    assert format_date(comment.created_at, "long", locale="en") in english
    assert format_date(comment.created_at, "long", locale="fr") in french
    assert format_date(comment.created_at, "long", locale="fr") not in english
    assert format_date(comment.created_at, "long", locale="en") in page_of(client, article, open_round, lang="en")


def test_replies_are_capped_with_a_link_to_the_comments_own_page(client, make_user, article, open_round):
    author = make_user()
    first, _ = comments.post(author, open_round, article, body="The first comment", locale="en")
    replies = [comments.post(author, open_round, article, body=f"Reply number {n}.", locale="en", parent=first)[0]
               for n in range(comments.REPLIES_SHOWN + 5)]
    db.session.commit()

    page = page_of(client, article, open_round)
    assert all(f'id="comment-{r.id}"' in page for r in replies[:comments.REPLIES_SHOWN])
    assert not any(f'id="comment-{r.id}"' in page for r in replies[comments.REPLIES_SHOWN:])
    assert f'<a href="/comments/{first.id}/replies">Show 5 more replies</a>' in page
    assert "Discussion (46 comments)" in page

    own = client.get(f"/comments/{first.id}/replies").get_data(as_text=True)
    assert all(f'id="comment-{r.id}"' in own for r in replies) and "The first comment" in own

    # A permanent link leads to where the comment is shown: past the cap, the comment's own page.
    assert client.get(f"/comments/{replies[-1].id}").headers["Location"] == \
        f"/comments/{first.id}/replies#comment-{replies[-1].id}"
    assert client.get(f"/comments/{replies[0].id}").headers["Location"].endswith(f"#comment-{replies[0].id}")
    assert "/charter/articles/" in client.get(f"/comments/{replies[0].id}").headers["Location"]
    assert client.get(f"/comments/{replies[0].id}/replies").headers["Location"] == f"/comments/{first.id}/replies"


def test_the_comments_own_page_shows_every_reply_page_by_page(client, make_user, article, open_round):
    author = make_user()
    first, _ = comments.post(author, open_round, article, body="The first comment", locale="en")
    replies = [comments.post(author, open_round, article, body=f"Reply {n}.", locale="en", parent=first)[0]
               for n in range(comments.REPLIES_PAGE_SIZE + 3)]
    db.session.commit()
    one = client.get(f"/comments/{first.id}/replies").get_data(as_text=True)
    two = client.get(f"/comments/{first.id}/replies?page=2").get_data(as_text=True)
    shown = [r for r in replies if f'id="comment-{r.id}"' in one] + [r for r in replies if f'id="comment-{r.id}"' in two]
    assert shown == replies
    assert f'id="comment-{replies[comments.REPLIES_PAGE_SIZE].id}"' in two and "The first comment" in two
    assert client.get(f"/comments/{replies[-1].id}").headers["Location"] == \
        f"/comments/{first.id}/replies?page=2#comment-{replies[-1].id}"


@pytest.mark.parametrize("state", [RoundState.open, RoundState.closed])
def test_the_per_page_decisions_are_those_of_decide(make_user, make_organisation, article, make_round, state):
    round_ = make_round(RoundState.open)
    city = make_organisation()
    author, colleague, other = make_user(organisation=city), make_user(organisation=city), make_user()
    moderator, own_moderator = make_user(role=Role.moderator, organisation=None), make_user(role=Role.moderator,
                                                                                            organisation=city)
    visible, _ = comments.post(author, round_, article, body="Visible", locale="en")
    reply, _ = comments.post(other, round_, article, body="Reply", locale="en", parent=visible)
    hidden, _ = comments.post(other, round_, article, body="Hidden", locale="en")
    under_hidden, _ = comments.post(author, round_, article, body="Under a hidden one", locale="en", parent=hidden)
    moderation.hide(moderator, hidden, "Spam")
    deleted, _ = comments.post(author, round_, article, body="Deleted", locale="en")
    comments.delete(deleted)
    db.session.commit()
    put_round_in_state(round_, state)

    from flask_login import AnonymousUserMixin

    for viewer in (AnonymousUserMixin(), author, colleague, other, moderator, own_moderator):
        rights = CommentRights(viewer, round_)
        for comment in (visible, reply, hidden, under_hidden, deleted):
            assert rights.reply(comment) == bool(decide(viewer, Action.comment, comment))
            assert rights.edit(comment) == bool(decide(viewer, Action.edit_comment, comment))
            assert rights.edit(comment) == bool(decide(viewer, Action.delete_comment, comment))
            assert rights.moderate(comment) == bool(decide(viewer, Action.moderate, comment))
            assert rights.report(comment) == (bool(decide(viewer, Action.report, comment))
                                              and comment.author_id != getattr(viewer, "id", None))


@pytest.mark.parametrize("state", [RoundState.open, RoundState.closed])
def test_the_per_page_reply_decisions_on_plain_rows_are_those_of_decide(make_user, make_organisation, article,
                                                                         make_round, state):
    """The article page reads comments as plain rows (discussion(objects=False)): CommentRights
    answers on them, given what they are shown under, what decide() answers on the Comments."""
    round_ = make_round(RoundState.open)
    city = make_organisation()
    author, other = make_user(organisation=city), make_user()
    moderator = make_user(role=Role.moderator, organisation=None)
    visible, _ = comments.post(author, round_, article, body="Visible", locale="en")
    hidden, _ = comments.post(other, round_, article, body="Hidden", locale="en")
    deleted, _ = comments.post(author, round_, article, body="Deleted", locale="en")
    comments.delete(deleted)
    amendment, _ = amendments.propose(other, round_, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "W"))
    on_amendment, _ = comments.post(author, round_, article, amendment=amendment, body="On it", locale="en")
    hidden_amendment, _ = amendments.propose(author, round_, article,
                                             amendments.Proposal(AmendmentKind.delete, "en", "", "", "Why"))
    under_hidden, _ = comments.post(other, round_, article, amendment=hidden_amendment, body="Under", locale="en")
    moderation.hide(moderator, hidden, "Spam")
    moderation.hide(moderator, hidden_amendment, "Spam")
    db.session.commit()
    put_round_in_state(round_, state)

    from flask_login import AnonymousUserMixin

    pages = [(comments.discussion(round_, article, on, objects=False), on) for on in (None, amendment, hidden_amendment)]
    by_id = {c.id: c for c in (visible, hidden, deleted, on_amendment, under_hidden)}
    assert sorted(row.id for page, _ in pages for row in page.comments) == sorted(by_id)
    for viewer in (AnonymousUserMixin(), author, other, moderator):
        rights = CommentRights(viewer, round_)
        for page, on in pages:
            decided = page.decided(rights)
            for row in page.comments:
                comment = by_id[row.id]
                assert not isinstance(row, type(comment))  # a plain row, no Comment loaded
                assert rights.reply(row, on) == decided.reply(row) == bool(decide(viewer, Action.comment, comment))
                assert rights.edit(row) == bool(decide(viewer, Action.edit_comment, comment))
                assert rights.moderate(row) == bool(decide(viewer, Action.moderate, comment))
                assert rights.report(row) == rights.report(comment)


@pytest.mark.parametrize("state", [RoundState.open, RoundState.closed])
def test_the_per_page_amendment_decisions_are_those_of_decide(make_user, make_organisation, article, make_round,
                                                               state):
    """AmendmentRights answers what decide() answers, on the Amendments and on the page's plain rows."""
    round_ = make_round(RoundState.open)
    city = make_organisation()
    author, colleague, other = make_user(organisation=city), make_user(organisation=city), make_user()
    moderator, own_moderator = make_user(role=Role.moderator, organisation=None), make_user(role=Role.moderator,
                                                                                            organisation=city)

    def propose(who, reason, **recorded):
        return amendments.propose(who, round_, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", reason),
                                  **recorded)[0]

    plain, hidden, answered, withdrawn = (propose(author, r) for r in ("Plain", "Hidden", "Answered", "Withdrawn"))
    by_other = propose(other, "Other")
    recorded = amendments.propose(moderator, round_, article,  # an organisation's, typed in by a moderator
                                  amendments.Proposal(AmendmentKind.delete, "en", "", "", "Recorded"),
                                  recorded_by=moderator, recorded_source="Meeting")[0]
    recorded.organisation = city
    moderation.hide(moderator, hidden, "Spam")
    moderation.answer(moderator, answered, AmendmentStatus.rejected, "No")
    amendments.withdraw(withdrawn)
    for supporter in (colleague, other, moderator):
        for amendment in (plain, hidden, answered, withdrawn, by_other):
            amendments.support(supporter, amendment)
    db.session.commit()
    put_round_in_state(round_, state)

    from flask_login import AnonymousUserMixin

    everything = amendments.AmendmentFilters()
    for viewer in (AnonymousUserMixin(), author, colleague, other, moderator, own_moderator):
        rights = AmendmentRights(viewer, round_)
        page = amendments.amendments_of_article(article, round_, everything, viewer)
        rows = {row.id: row for row in page.items}
        cards = {card[0].id: card[3:] for card in page.reader_cards(rights)}
        for amendment in (plain, hidden, answered, withdrawn, by_other, recorded):
            row = rows[amendment.id]
            assert not isinstance(row, type(amendment))  # a plain row, no Amendment loaded
            support, withdraw, moderate = (bool(decide(viewer, action, amendment)) for action in (
                Action.support_amendment, Action.withdraw_support, Action.moderate))
            for a in (amendment, row):
                assert (rights.support(a), rights.withdraw_support(a), rights.moderate(a)) == \
                    (support, withdraw, moderate)
            supported = amendment.id in page.supported
            assert cards[amendment.id] == (supported, withdraw if supported else support, moderate)


def test_a_logged_in_readers_kept_amendment_cards_are_theirs(client, app, login, make_user, article, open_round):
    """The logged-in reader's amendment list is kept whole, under what they may do to each card:
    another reader never gets their controls, and the kept list is the one rendered afresh."""
    author, supporter = make_user(), make_user()
    moderator = make_user(role=Role.moderator, organisation=None)
    mine, _ = amendments.propose(author, open_round, article,
                                 amendments.Proposal(AmendmentKind.delete, "en", "", "", "Mine"))
    theirs, _ = amendments.propose(supporter, open_round, article,
                                   amendments.Proposal(AmendmentKind.delete, "en", "", "", "Theirs"))
    amendments.support(supporter, mine)
    db.session.commit()

    def cards_of(page: str) -> str:
        start = page.index('<section class="amendments"')
        # A CSRF token carries the second it was signed in: two renders may straddle one.
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page[start:page.index("</section>", start)])

    def forms(page: str) -> dict[int, str]:  # amendment id -> the support button offered on its card
        def card(a):
            rest = cards_of(page).split(f'id="amendment-{a.id}"')[1]
            return rest[:rest.index("</article>")]
        return {a.id: next((b for b in (">Withdraw my support<", ">Support<") if b in card(a)), "") for a in (mine, theirs)}

    login(author)
    first = page_of(client, article, open_round)
    assert forms(first) == {mine.id: "", theirs.id: ">Support<"} and ">Moderate<" not in cards_of(first)
    app.extensions["fragments"].clear()
    assert cards_of(page_of(client, article, open_round)) == cards_of(first)  # kept or afresh, the same

    login(supporter)
    page = page_of(client, article, open_round)
    assert forms(page) == {mine.id: ">Withdraw my support<", theirs.id: ""}
    from consult.fragments import CSRF_PLACEHOLDER
    assert CSRF_PLACEHOLDER not in page

    login(moderator)
    page = page_of(client, article, open_round)
    assert cards_of(page).count(">Moderate</a>") == 2 and forms(page) == {mine.id: ">Support<", theirs.id: ">Support<"}


def test_a_visitors_kept_discussion_is_the_one_rendered_afresh(client, app, make_user, article, open_round):
    """A visitor's page keeps the whole list of comments (nobody's controls are in it): taken from
    the cache or rendered anew, it is the same markup."""
    author = make_user()
    first, _ = comments.post(author, open_round, article, body="First", locale="en")
    comments.post(make_user(), open_round, article, body="A reply", locale="es", parent=first)
    comments.post(author, open_round, article, body="Second", locale="fr")
    db.session.commit()

    def discussion_of(page: str) -> str:
        return page[page.index('<section class="discussion"'):]

    kept = discussion_of(page_of(client, article, open_round))
    assert discussion_of(page_of(client, article, open_round)) == kept
    app.extensions["fragments"].clear()
    assert discussion_of(page_of(client, article, open_round)) == kept
    assert "A reply" in kept and "Second" in kept and "Report" not in kept and "Reply</summary>" not in kept


def test_who_says_whether_the_organisation_is_verified_and_follows_it(client, login, make_user, make_organisation,
                                                                      article, open_round):
    city = make_organisation(name="Checked City", verified=False)
    author = make_user(organisation=city)
    amendments.propose(author, open_round, article, amendments.Proposal(AmendmentKind.delete, "en", "", "", "Why"))
    comments.post(author, open_round, article, body="Words", locale="en")
    db.session.commit()
    assert page_of(client, article, open_round).count("not verified") == 2  # the amendment card and the comment

    city.verified_at = utcnow()
    db.session.commit()
    assert "not verified" not in page_of(client, article, open_round)
    login(make_user())  # the per-reader rendering says the same
    assert "not verified" not in page_of(client, article, open_round)


def test_kept_amendment_cards_follow_every_change(client, login, make_user, article, open_round):
    """A visitor's page keeps the whole list of amendment cards: any change to what they show is
    another key, whether the reader is a visitor or logged in."""
    author, moderator, supporter = make_user(), make_user(role=Role.moderator, organisation=None), make_user()
    amendment, _ = amendments.propose(author, open_round, article,
                                      amendments.Proposal(AmendmentKind.delete, "en", "", "", "First reason"))
    db.session.commit()
    assert "First reason" in page_of(client, article, open_round)

    amendments.edit(amendment, title="", body="", rationale="Second reason")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "Second reason" in page and "First reason" not in page

    amendments.support(supporter, amendment)
    comments.post(supporter, open_round, article, amendment=amendment, body="On it", locale="en")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "1 person" in page and "1 comment<" in page

    moderation.answer(moderator, amendment, AmendmentStatus.rejected, "Not this time")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "Not this time" in page and str(AmendmentStatus.rejected.label) in page

    moderation.hide(moderator, amendment, "Abusive")
    db.session.commit()
    page = page_of(client, article, open_round)
    assert "A moderator hid this amendment: Abusive" in page and "Not this time" not in page

    login(supporter)  # a reader with controls gets the cards one by one, from the same snapshots
    page = page_of(client, article, open_round)
    assert "A moderator hid this amendment: Abusive" in page and "1 person" in page


def test_a_logged_in_readers_kept_discussion_is_theirs_and_its_forms_fresh(client, app, login, make_user, article,
                                                                          open_round):
    """A logged-in reader's list is kept too, under what they may do to each comment: another reader
    never gets their controls, and each reply form gets its own submission token on every request."""
    import re

    from consult.fragments import CSRF_PLACEHOLDER, TOKEN_PLACEHOLDER

    author, other = make_user(), make_user()
    moderator = make_user(role=Role.moderator, organisation=None)
    mine, _ = comments.post(author, open_round, article, body="Mine", locale="en")
    theirs, _ = comments.post(other, open_round, article, body="Theirs", locale="en", parent=mine)
    db.session.commit()

    def discussion_of(page: str) -> str:
        start = page.index('<ol class="comments">')
        return page[start:page.index("<h3>", start)]  # up to the form for a new comment

    def tokens(page: str) -> list[str]:
        return re.findall(r'name="token" value="([^"]+)"', discussion_of(page))

    login(author)
    first, again = page_of(client, article, open_round), page_of(client, article, open_round)
    assert f'/comments/{mine.id}/edit' in first and f'/comments/{theirs.id}/edit' not in first
    assert f'/report/comments/{theirs.id}"' in first and f'/report/comments/{mine.id}"' not in first
    assert CSRF_PLACEHOLDER not in first and TOKEN_PLACEHOLDER not in first
    assert len(tokens(first)) == 1 and tokens(first) != tokens(again)  # one reply form, a token each time
    app.extensions["fragments"].clear()
    fresh = page_of(client, article, open_round)
    assert re.sub(r'value="[^"]{20,}"', "", discussion_of(fresh)) == re.sub(r'value="[^"]{20,}"', "",
                                                                          discussion_of(again))

    login(other)
    page = page_of(client, article, open_round)
    assert f'/comments/{theirs.id}/edit' in page and f'/comments/{mine.id}/edit' not in page
    assert f'/report/comments/{mine.id}"' in page

    login(moderator)
    page = page_of(client, article, open_round)
    assert "/edit" not in discussion_of(page) and discussion_of(page).count(">Moderate</a>") == 2


def test_the_kept_filter_form_shows_the_filters_of_the_page(client, article, open_round):
    chosen = page_of(client, article, open_round, status="rejected", sort="supported", language="fr")
    assert '<option value="rejected" selected>' in chosen and '<option value="supported" selected>' in chosen
    assert '<option value="fr" selected>' in chosen
    plain = page_of(client, article, open_round)
    assert plain.split('class="filters"')[1].split("</form>")[0].count(" selected>") == 1  # newest first
    assert f'<input type="hidden" name="round" value="{open_round.id}">' in plain


def test_the_fragment_cache_is_bounded_by_count_and_by_size():
    from consult.fragments import FragmentCache

    cache = FragmentCache(size=3, characters=10)
    for n in range(5):
        cache.get_or_render(("small", n), lambda: "ab")
    assert len(cache) == 3  # the oldest went first
    cache.get_or_render("big", lambda: "x" * 9)
    assert len(cache) == 1 and cache.get_or_render("big", lambda: "other") == "x" * 9
    cache.get_or_render("huge", lambda: "y" * 50)  # larger than the whole budget: kept alone, the last one
    assert len(cache) == 1 and cache.get_or_render("huge", lambda: "z") == "y" * 50
