"""Pages at the size of a real consultation: the round's public account paginated with its weekly
figures counted by the database; static files at versioned addresses; compressed responses."""

import gzip
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from consult.extensions import db
from consult.models import Amendment, AmendmentKind, AmendmentStatus, Comment, RoundState, Visibility, utcnow
from consult.rounds import services as rounds


def add_amendments(round_, author, count: int, *, status=AmendmentStatus.submitted, at=None, articles=None) -> None:
    """Rows written directly: what is measured is reading them."""
    articles = articles or [a for s in round_.version.sections for a in s.articles]
    at = at or utcnow()
    db.session.execute(sa.insert(Amendment), [
        {"round_id": round_.id, "article_id": articles[n % len(articles)].id, "kind": AmendmentKind.modify,
         "locale": "en", "base_title": "t", "base_text": "b", "title": "t", "body": f"b {n}", "rationale": "r",
         "rationale_html": "", "author_id": author.id, "organisation_id": author.organisation_id, "status": status,
         "answer": "", "answer_html": "", "created_at": at, "updated_at": at} for n in range(count)])
    db.session.commit()


def statements(client, url: str) -> tuple[int, bytes]:
    """Queries a page makes, and its body."""
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counted)
    try:
        body = client.get(url).data
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counted)
    return count, body


# -- the round's public account ---------------------------------------------------------------

def test_the_public_account_costs_the_same_for_a_round_ten_times_larger(client, make_round, make_user, charter_version):
    author = make_user()
    small, large = make_round(RoundState.open), make_round(RoundState.open)
    article = charter_version.sections[2].articles[0]  # a page of either shows the same one article
    add_amendments(small, author, 120, articles=[article])
    add_amendments(large, author, 1200, articles=[article])
    queries_small, page_small = statements(client, f"/rounds/{small.id}")
    queries_large, page_large = statements(client, f"/rounds/{large.id}")
    assert queries_large == queries_small
    assert page_small.count(b"Not answered yet.") == page_large.count(b"Not answered yet.") == rounds.OUTCOMES_PAGE_SIZE
    # Only numbers differ: the counts, the amendments' longer ids, the last page's number.
    assert abs(len(page_large) - len(page_small)) < len(page_small) / 100, (len(page_small), len(page_large))
    assert b"Amendments 1 to 50 of 1,200." in page_large


def test_every_amendment_is_on_one_page_of_the_account_and_the_filter_is_kept(client, make_round, make_user,
                                                                            charter_version):
    author = make_user()
    round_ = make_round(RoundState.closed)
    add_amendments(round_, author, 70, status=AmendmentStatus.accepted)
    add_amendments(round_, author, 10, status=AmendmentStatus.rejected)
    seen = []
    for page in (1, 2):
        body = client.get(f"/rounds/{round_.id}?status=accepted&page={page}").get_data(as_text=True)
        seen += re.findall(r'<td><a href="/amendments/(\d+)"', body)
        assert "page=2" in body and "status=accepted" in body  # the pages keep the filter
    accepted = db.session.scalars(sa.select(Amendment.id).where(Amendment.status == AmendmentStatus.accepted)).all()
    assert sorted(map(int, seen)) == sorted(accepted)
    assert client.get(f"/rounds/{round_.id}?page=99").status_code == 200  # past the end: the last page


def weekly_in_python(round_) -> list[tuple]:
    """The computation the account made before the database counted: every moment read back."""
    moments = list(db.session.scalars(sa.select(Amendment.created_at).where(
        Amendment.round_id == round_.id, Amendment.visibility == Visibility.visible)))
    moments += list(db.session.scalars(sa.select(Comment.created_at).where(
        Comment.round_id == round_.id, Comment.visibility == Visibility.visible)))
    start, end = round_.opens_at, min(round_.effective_close, utcnow())
    weeks = max(1, (end - start).days // 7 + 1)
    counts = [0] * weeks
    for moment in moments:
        counts[min(max((moment - start).days // 7, 0), weeks - 1)] += 1
    return [(start + timedelta(weeks=n), counts[n]) for n in range(weeks)]


def test_weekly_figures_are_those_the_python_count_gave(make_round, make_user, charter_version):
    author = make_user()
    round_ = make_round(RoundState.closed)
    round_.opens_at = utcnow().replace(microsecond=123456) - timedelta(days=60)
    round_.closes_at = round_.opens_at + timedelta(days=45, hours=5)
    db.session.commit()
    start = round_.opens_at
    # Around every week's start (a microsecond either side), before the opening, after the close.
    moments = [start + timedelta(weeks=n) + timedelta(microseconds=d) for n in range(8) for d in (-1, 0, 1)]
    moments += [start - timedelta(days=3), round_.closes_at + timedelta(days=2), start + timedelta(days=20, hours=7)]
    for moment in moments:
        add_amendments(round_, author, 1, at=moment)
    comment_rows = [{"round_id": round_.id, "article_id": round_.version.sections[2].articles[0].id,
                     "author_id": author.id, "locale": "fr", "body": "c", "body_html": "", "created_at": moment,
                     "updated_at": moment, "visibility": Visibility.visible if n % 3 else Visibility.hidden}
                    for n, moment in enumerate(moments)]
    db.session.execute(sa.insert(Comment), comment_rows)
    db.session.commit()
    weekly = rounds.account(round_).contributions_by_week
    assert weekly == weekly_in_python(round_)
    assert sum(n for _, n in weekly) == len(moments) + sum(1 for row in comment_rows if row["visibility"] is Visibility.visible)


# -- static files and compression ---------------------------------------------------------------

def test_static_addresses_name_their_content_and_are_kept_a_year(client, app):
    page = client.get("/").get_data(as_text=True)
    address = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{16})"', page).group(1)
    for url, kept_a_year in ((address, True), ("/static/css/site.css?v=0000", False), ("/static/css/site.css", False)):
        with client.get(url) as response:
            assert (response.headers["Cache-Control"] == "public, max-age=31536000, immutable") is kept_a_year


def test_text_is_compressed_when_the_browser_accepts_it(client, app):
    with client.get("/static/css/site.css") as css, \
            client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip, br"}) as packed:
        assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == css.data and len(packed.data) < len(css.data) / 2
        assert packed.headers["ETag"].startswith("W/")
        assert "Content-Encoding" not in css.headers


@pytest.mark.parametrize(("fetch_site", "compressed"), [
    ("same-origin", True), ("none", True), ("cross-site", False), ("same-site", False), (None, False)])
def test_a_page_holding_a_token_is_compressed_only_for_this_sites_own_requests(client, app, fetch_site, compressed):
    """BREACH guesses are requests another site makes the browser send: those get the page as it is."""
    headers = {"Accept-Encoding": "gzip"} | ({"Sec-Fetch-Site": fetch_site} if fetch_site else {})
    response = client.get("/rounds/", headers=headers)
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") is compressed
    body = gzip.decompress(response.data) if compressed else response.data
    assert b'name="csrf_token"' in body


# -- the account's figures, kept between requests and never stale ----------------------------------

def test_the_figures_are_kept_and_follow_every_change_to_what_they_count(client, make_round, make_user, moderator,
                                                                          charter_version):
    from consult.amendments import services as amendments
    from consult.comments import services as comments
    from consult.models import Region, Round
    from consult.moderation import services as moderation

    round_ = make_round(RoundState.open)
    article = charter_version.sections[0].articles[0]
    author = make_user()
    add_amendments(round_, author, 3, articles=[article])

    def figures():
        db.session.commit()
        db.session.expire_all()
        return rounds.account(db.session.get(Round, round_.id))

    def page_says(text: str) -> bool:
        return text in client.get(f"/rounds/{round_.id}").get_data(as_text=True)

    first = figures()
    assert (first.amendments, first.comments, first.participants) == (3, 0, 1)
    count = 0

    def counted(*_args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", counted)
    try:
        assert figures() == first  # kept: the stamp read, nothing counted
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counted)
    assert count <= 3, count  # the round, its token (and BEGIN): no counting

    comment, _created = comments.post(make_user(), round_, article, body="Oui.", locale="fr")
    now = figures()
    assert (now.comments, now.participants, now.contributions_by_language["fr"]) == (1, 2, 1)
    assert sum(n for _week, n in now.contributions_by_week) == 4

    moderation.hide(moderator, comment, "Off topic")
    assert (figures().comments, figures().participants) == (0, 1)
    moderation.restore(moderator, comment, "On topic after all")
    assert figures().comments == 1

    amendment = db.session.scalars(sa.select(Amendment).where(Amendment.round_id == round_.id)).first()
    moderation.answer(moderator, amendment, AmendmentStatus.accepted, "Agreed.")
    assert figures().amendments_by_status == {"submitted": 2, "accepted": 1}
    moderation.hide(moderator, amendment, "Spam")
    assert figures().amendments == 2

    supporter = make_user()
    amendment = db.session.scalars(sa.select(Amendment).where(Amendment.round_id == round_.id,
                                                              Amendment.visibility == Visibility.visible)).first()
    amendments.support(supporter, amendment)
    assert (figures().supports, figures().participants) == (1, 3)
    amendments.withdraw_support(supporter, amendment)
    assert (figures().supports, figures().participants) == (0, 2)

    author.organisation.region = Region.africa
    assert figures().participants_by_region["africa"] == 1
    # The page shows the kept figures, labelled in the reader's language.
    assert page_says("Africa")


def test_figures_of_another_round_are_kept_apart(make_round, make_user, charter_version):
    from consult.models import Round

    one, other = make_round(RoundState.open), make_round(RoundState.open)
    author = make_user()
    add_amendments(one, author, 2)
    assert rounds.account(one).amendments == 2
    assert rounds.account(other).amendments == 0
    assert rounds.account([one, other]).amendments == 2
    add_amendments(other, author, 5)
    db.session.expire_all()
    assert rounds.account(db.session.get(Round, other.id)).amendments == 5
    assert rounds.account([db.session.get(Round, one.id), db.session.get(Round, other.id)]).amendments == 7
