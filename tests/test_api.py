"""The open data API: every response validated against its OpenAPI document, pagination, what it
hides (hidden comments, drafts, e-mail addresses), tokens, caching, CORS, rate limits."""

import json
import re

import jsonschema
import pytest
import sqlalchemy as sa
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathNotFound

from consult.api import services as api_services
from consult.api.openapi import DOCUMENT
from consult.comments import services as comments
from consult.extensions import db, limiter
from consult.models import (
    Amendment, AmendmentKind, AmendmentStatus, ApiToken, Role, Stance, User, Version, VersionState,
    Visibility, utcnow,
)
from consult.moderation import services as moderation
from consult.models import RoundState
from tests.conftest import publish_with_first_amendment, put_round_in_state, running_app

# problem+json is JSON: openapi-core deserialises only the media types it knows.
SPEC = OpenAPI.from_dict(DOCUMENT, config=Config(extra_media_type_deserializers={"application/problem+json": json.loads}))
EMAIL = re.compile(rb"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def get(client, path: str, *, status: int = 200, **headers):
    """GET under /api/v1, the response validated against the document; never an e-mail address."""
    response = client.get(path if path.startswith("http") else "/api/v1" + path, headers=headers)
    assert response.status_code == status, (path, response.status_code, response.data[:300])
    try:
        SPEC.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
    except PathNotFound:  # an address the document does not name: a problem as its component says
        assert status == 404
        jsonschema.validate(response.json, DOCUMENT["components"]["schemas"]["Problem"],
                            cls=jsonschema.Draft202012Validator)
    assert not EMAIL.search(response.data), response.data
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    if status >= 400:
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == status and response.json["title"] and response.json["detail"]
    return response


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def public_data(consulted, moderator, make_user):
    """The consulted draft (in consultation) with a published successor, comments (one hidden, one
    on a hidden amendment), a support, and a draft nobody outside the secretariat may read."""
    round_ = consulted["first"].round
    article = consulted["article"]
    supporter = make_user()
    put_round_in_state(round_, RoundState.open)
    visible, _ = comments.post(supporter, round_, article, body="I agree with this.", locale="en",
                               stance=Stance.for_, amendment=consulted["first"])
    hidden, _ = comments.post(supporter, round_, article, body="A SECRET insult.", locale="en")
    moderation.hide(moderator, hidden, "insult")
    hidden_amendment = consulted["second"]
    under_hidden, _ = comments.post(supporter, round_, article, body="Under a hidden one.", locale="en",
                                    amendment=hidden_amendment)
    hidden_amendment.visibility = Visibility.hidden
    db.session.commit()
    put_round_in_state(round_, RoundState.closed)
    published, new_article = publish_with_first_amendment(moderator, make_user(role=Role.secretariat, organisation=None),
                                                          consulted)
    draft = Version(charter_id=published.charter_id, slug="next-draft", labels={"en": "Next draft"},
                    state=VersionState.draft, source_locale="en")
    db.session.add(draft)
    db.session.commit()
    return {**consulted, "round": round_, "visible_comment": visible, "hidden_comment": hidden,
            "under_hidden": under_hidden, "hidden_amendment": hidden_amendment, "published": published,
            "new_article": new_article, "draft": draft}


def test_every_endpoint_answers_as_its_document_says(client, public_data):
    d = public_data
    get(client, "/openapi.json")
    get(client, "/")
    charters = get(client, "/charters").json["data"]
    assert charters and d["draft"].id not in charters[0]["versions"]
    versions = get(client, "/versions").json["data"]
    assert {v["id"] for v in versions} == {d["version"].id, d["published"].id}
    detail = get(client, f"/versions/{d['version'].id}").json
    texts = detail["sections"][2]["articles"][0]["texts"]
    assert {t["locale"] for t in texts} == {"en", "fr", "es"}
    assert {t["status"] for t in texts} <= {"source", "current", "outdated"} and "source" in {t["status"] for t in texts}
    provenance = get(client, f"/versions/{d['published'].id}/provenance").json
    taken = [a for a in provenance["articles"] if a["amendments"]]
    assert [(a["article_id"], a["amendments"][0]["amendment_id"]) for a in taken] == [
        (d["new_article"].id, d["first"].id)]
    rounds = get(client, "/rounds").json["data"]
    assert [r["id"] for r in rounds] == [d["round"].id]
    figures = get(client, f"/rounds/{d['round'].id}").json["figures"]
    assert figures["amendments"] == 4 and figures["comments"] == 2  # the hidden amendment and comment not counted
    amendments = get(client, "/amendments").json["data"]
    assert d["hidden_amendment"].id not in {a["id"] for a in amendments} and len(amendments) == 4
    first = get(client, f"/amendments/{d['first'].id}").json
    assert first["status"] in ("accepted", "incorporated") and first["incorporated_in_id"] == d["published"].id
    assert first["answer"] == "ok" and first["base_text"] == d["article"].text("en").body
    get(client, f"/amendments/{d['hidden_amendment'].id}", status=404)
    get(client, "/comments")
    get(client, "/organisations")
    get(client, "/nothing-here", status=404)
    get(client, f"/versions/{d['draft'].id}", status=404)
    get(client, "/amendments?limit=0", status=400)
    get(client, "/amendments?cursor=%21%21", status=400)


def test_amendment_filters_mirror_the_pages(client, public_data):
    d = public_data
    rejected = get(client, "/amendments?status=rejected").json["data"]
    assert [a["status"] for a in rejected] == ["rejected"]
    assert get(client, f"/amendments?round={d['round'].id}&article={d['article'].id}&locale=en").json["data"]
    assert get(client, "/amendments?locale=fr").json["data"] == []
    assert get(client, f"/amendments?round={d['round'].id + 1}").json["data"] == []
    get(client, "/amendments?status=lost", status=400)
    get(client, "/amendments?round=x", status=400)


def test_supports_are_counted_by_people_organisations_and_regions(client, public_data, make_user):
    from consult.models import Support

    amendment = public_data["third"]
    for _ in range(3):
        user = make_user()
        db.session.add(Support(amendment_id=amendment.id, user_id=user.id, organisation_id=user.organisation_id,
                               created_at=utcnow()))
    db.session.commit()
    shown = get(client, f"/amendments/{amendment.id}").json["supports"]
    assert shown == {"people": 3, "organisations": 3, "regions": 1}


def test_hidden_comments_are_absent(client, public_data):
    d = public_data
    shown = get(client, "/comments?limit=100").json["data"]
    ids = {c["id"] for c in shown}
    assert d["visible_comment"].id in ids
    assert d["hidden_comment"].id not in ids and d["under_hidden"].id not in ids
    assert b"SECRET" not in client.get("/api/v1/comments").data
    assert [c["id"] for c in get(client, f"/comments?amendment={d['first'].id}").json["data"]] == [
        d["visible_comment"].id]
    assert get(client, f"/comments?article={d['article'].id}&round={d['round'].id}").json["data"]


def test_no_email_address_anywhere(client, public_data):
    emails = [e.encode() for e in db.session.scalars(sa.select(User.email))]
    for path in ("/charters", "/versions", "/rounds", "/amendments", "/comments", "/organisations",
                 f"/rounds/{public_data['round'].id}", f"/versions/{public_data['version'].id}"):
        body = get(client, path).data
        assert not any(e in body for e in emails)


def _bulk_amendments(round_, article, author, count: int) -> list[int]:
    now = utcnow()
    db.session.execute(sa.insert(Amendment), [
        {"round_id": round_.id, "article_id": article.id, "kind": AmendmentKind.modify, "locale": "en",
         "title": f"Bulk {n}", "body": f"Body {n}", "author_id": author.id, "status": AmendmentStatus.submitted,
         "visibility": Visibility.visible, "created_at": now, "updated_at": now} for n in range(count)])
    db.session.commit()
    return list(db.session.scalars(sa.select(Amendment.id).where(Amendment.visibility == Visibility.visible)))


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self)


def test_paginating_returns_each_amendment_exactly_once_in_constant_queries(client, open_round, article, make_user):
    expected = _bulk_amendments(open_round, article, make_user(), 350)
    seen, url, pages = [], "/amendments?limit=100", 0
    while url:
        page = get(client, url).json
        seen += [a["id"] for a in page["data"]]
        url, pages = page["next"], pages + 1
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen)) == 350 and pages == 4
    counts = []
    for limit in (1, 10, 100):
        with QueryCounter() as counter:
            get(client, f"/amendments?limit={limit}")
        counts.append(counter.count)
    assert len(set(counts)) == 1, counts


def test_a_participant_token_reads_no_drafts_and_a_secretariat_token_does(client, public_data, make_user, login):
    draft = public_data["draft"]

    def token_of(user) -> str:
        login(user)
        page = client.post("/account/api-tokens", data={"name": "dashboard"})
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        secret = re.search(rb"cst_[\w-]+", page.data).group().decode()
        client.post("/account/logout")
        stored = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()))
        assert stored.secret_hash != secret and secret not in stored.secret_hash
        return secret

    participant = token_of(make_user())
    get(client, f"/versions/{draft.id}", status=404, **bearer(participant))
    assert draft.id not in {v["id"] for v in get(client, "/versions", **bearer(participant)).json["data"]}
    moderator_token = token_of(make_user(role=Role.moderator, organisation=None))
    get(client, f"/versions/{draft.id}", status=404, **bearer(moderator_token))
    secretariat = token_of(make_user(role=Role.secretariat, organisation=None))
    assert get(client, f"/versions/{draft.id}", **bearer(secretariat)).json["state"] == "draft"
    assert draft.id in {v["id"] for v in get(client, "/versions", **bearer(secretariat)).json["data"]}
    # a browser session is no token: logged in as the secretariat, the draft stays out of reach
    login(db.session.scalar(sa.select(User).where(User.role == Role.secretariat).order_by(User.id.desc())))
    get(client, f"/versions/{draft.id}", status=404)


def test_a_revoked_or_unknown_token_is_refused(client, public_data, make_user, login):
    user = login(make_user(role=Role.secretariat, organisation=None))
    secret = re.search(rb"cst_[\w-]+", client.post("/account/api-tokens", data={"name": "old"}).data).group().decode()
    assert b"old" in client.get("/account/settings").data
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert get(client, "/versions", **bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 302
    refused = get(client, "/versions", status=401, **bearer(secret))
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    get(client, "/versions", status=401, **bearer("cst_made-up"))
    get(client, "/versions", status=401, Authorization="Basic abc")


def test_another_persons_token_cannot_be_revoked(client, make_user, login):
    from consult.api import tokens

    token, _secret = tokens.create(make_user(), "theirs")
    db.session.commit()
    login(make_user())
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_etag_and_if_none_match(client, public_data):
    first = get(client, "/amendments")
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    again = get(client, "/amendments", status=304, **{"If-None-Match": etag})
    assert again.data == b""
    public_data["third"].title = "Changed"
    db.session.commit()
    assert get(client, "/amendments", **{"If-None-Match": etag}).headers["ETag"] != etag
    version = get(client, f"/versions/{public_data['version'].id}")
    assert version.headers["Last-Modified"]


def test_cursors_and_limits_are_checked():
    assert api_services.decode_cursor(api_services.encode_cursor(12345)) == 12345
    for bad in ("%%%", "LTE", api_services.encode_cursor(1)[:-1] + "!"):
        with pytest.raises(api_services.BadRequest):
            api_services.decode_cursor(bad)
    with pytest.raises(api_services.BadRequest):
        api_services.parse_limit("101")


def test_the_page_lists_every_operation_of_the_document(client):
    page = client.get("/api/v1/").data.decode()
    for path in DOCUMENT["paths"]:
        assert "/api/v1" + path in page
    assert "<script" not in page and "cdn" not in page.lower()
    french = client.get("/api/v1/", headers={"Accept-Language": "fr"})
    assert french.status_code == 200 and 'lang="fr"' in french.data.decode()


@pytest.fixture
def limited_app(backend, tmp_path):
    with running_app(backend, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute") as app:
        limiter.reset()
        yield app


def test_the_api_is_rate_limited_per_address(limited_app):
    client = limited_app.test_client()
    for path in ("/charters", "/versions", "/organisations"):  # one limit across the endpoints
        get(client, path)
    refused = get(client, "/rounds", status=429)
    assert refused.headers["Retry-After"]
    assert limited_app.test_client().get("/api/v1/charters", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
