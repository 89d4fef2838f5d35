"""Logins that really end, limits that fit a reverse proxy, and responses that leak nothing.

Each test here was written against a finding of the security review and failed before its fix."""

import pytest

from consult import create_app
from consult.accounts import services
from consult.extensions import db
from tests.conftest import PASSWORD
from tests.test_accounts import registration

SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"
NEW_PASSWORD = "another long password"


@pytest.fixture
def serve(app):
    """An app like `app` (same database) with the given settings, whose requests each get
    their own app context, as in production: `app` holds one open for the test, and Flask-Login
    would carry the logged-in user from one request, and one client, to the next."""
    apps = []

    def make(**settings):
        served = create_app({**app.config, **settings}, instance_path=app.instance_path)
        apps.append(served)
        return served

    yield make
    for served in apps:
        with served.app_context():
            db.session.remove()
            db.engine.dispose()


def log_in(client, user, password: str = PASSWORD, remember: bool = False, **request):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/account/login", data=data, **request)


def logged_in(client) -> bool:
    return client.get("/account/settings").status_code == 200


def copy_cookies(source, target, names=(SESSION_COOKIE, REMEMBER_COOKIE)) -> None:
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


# --- a logout ends the login, wherever its cookies went ----------------------------------------


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    log_in(client, user)
    thief = site.test_client()
    copy_cookies(client, thief, names=[SESSION_COOKIE])
    assert logged_in(thief)

    client.post("/account/logout")
    assert not logged_in(client)
    assert not logged_in(thief)


def test_the_remember_cookie_alone_no_longer_logs_in_after_logout(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    log_in(client, user, remember=True)
    thief = site.test_client()
    copy_cookies(client, thief, names=[REMEMBER_COOKIE])
    assert logged_in(thief)  # the remember cookie alone is a login

    client.post("/account/logout")
    thief.delete_cookie(SESSION_COOKIE)  # the one its first visit was given: only the copied cookie is left
    assert not logged_in(thief)


def test_logging_out_leaves_the_other_devices_logged_in(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    phone = site.test_client()
    log_in(client, user)
    log_in(phone, user, remember=True)

    client.post("/account/logout")
    assert logged_in(phone)
    phone.delete_cookie(SESSION_COOKIE)
    assert logged_in(phone)  # its remember cookie too


def test_log_out_everywhere_ends_every_session_and_remember_cookie(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    phone = site.test_client()
    log_in(client, user)
    log_in(phone, user, remember=True)
    assert b"Log out everywhere" in client.get("/account/settings").data

    response = client.post("/account/logout-everywhere")
    assert response.status_code == 302
    assert not logged_in(client)
    assert not logged_in(phone)
    phone.delete_cookie(SESSION_COOKIE)
    assert not logged_in(phone)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    laptop = site.test_client()
    log_in(client, user, remember=True)
    log_in(laptop, user, remember=True)

    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)
    client.delete_cookie(SESSION_COOKIE)
    assert logged_in(client)  # this device's remember cookie was renewed with the new login
    assert not logged_in(laptop)
    laptop.delete_cookie(SESSION_COOKIE)
    assert not logged_in(laptop)

    other = site.test_client()
    assert log_in(other, user).status_code == 400
    assert log_in(other, user, password=NEW_PASSWORD).status_code == 302


def test_a_password_change_needs_the_current_password(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    laptop = site.test_client()
    log_in(client, user)
    log_in(laptop, user)
    old_hash = user.password_hash

    response = client.post("/account/password", data={
        "current_password": "not the password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and b"current password is not right" in response.data
    db.session.refresh(user)
    assert user.password_hash == old_hash
    assert logged_in(laptop)


def test_a_session_from_before_the_upgrade_is_refused_without_error(serve, make_user):
    site, user = serve(), make_user()
    client = site.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what the session held before logins became revocable
    assert not logged_in(client)


# --- rate limits: per account and per address, failures only ----------------------------------


def limited(serve, **limits):
    return serve(RATELIMIT_ENABLED=True, **limits).test_client()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_failed_logins_are_limited_per_account_whatever_the_address(serve, make_user):
    victim, bystander = make_user(), make_user()
    client = limited(serve, RATELIMIT_AUTH="100 per minute", RATELIMIT_LOGIN_ACCOUNT="3 per minute")
    codes = [log_in(client, victim, password="guess", **from_address(f"198.51.100.{n}")).status_code
             for n in range(1, 5)]
    assert codes == [400, 400, 400, 429]
    assert log_in(client, victim, **from_address("198.51.100.9")).status_code == 429
    assert log_in(client, bystander, **from_address("198.51.100.1")).status_code == 302


def test_failed_logins_are_limited_per_address_whatever_the_account(serve, make_user):
    client = limited(serve, RATELIMIT_AUTH="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    codes = [client.post("/account/login", data={"email": f"u{n}@example.org", "password": "guess"},
                         **from_address("198.51.100.1")).status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]
    assert client.post("/account/login", data={"email": "u9@example.org", "password": "guess"},
                       **from_address("198.51.100.2")).status_code == 400


def test_successful_logins_are_not_counted(serve, make_user):
    user = make_user()
    client = limited(serve, RATELIMIT_AUTH="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    assert [log_in(client, user).status_code for _ in range(5)] == [302] * 5
    assert [log_in(client, user, password="typo").status_code for _ in range(3)] == [400, 400, 429]


def test_a_refusal_says_when_to_try_again(serve):
    client = limited(serve, RATELIMIT_AUTH="1 per minute")
    client.post("/account/login", data={"email": "x@example.org", "password": "nope"})
    refused = client.post("/account/login", data={"email": "x@example.org", "password": "nope"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


@pytest.mark.parametrize("hops, second_address_refused", [(0, True), (1, False)])
def test_forwarded_addresses_are_believed_only_when_configured(serve, hops, second_address_refused):
    client = limited(serve, RATELIMIT_AUTH="1 per minute", PROXY_FIX_X_FOR=hops)

    def attempt(forwarded_for: str) -> int:
        return client.post("/account/login", data={"email": f"{forwarded_for}@example.org", "password": "nope"},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    assert attempt("203.0.113.1") == 400
    assert attempt("203.0.113.2") == (429 if second_address_refused else 400)


# --- registration tells nothing about who has an account ---------------------------------------


def test_registering_a_known_address_does_the_same_work(client, make_user, monkeypatch):
    make_user(email="taken@example.org")
    hashed = []
    real_hash = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password) or real_hash(password))

    taken = client.post("/account/register", data=registration(email="taken@example.org"))
    fresh = client.post("/account/register", data=registration(email="fresh@example.org"))
    assert hashed == [PASSWORD, PASSWORD]
    assert taken.status_code == fresh.status_code == 302


# --- response headers --------------------------------------------------------------------------


def test_the_content_security_policy_allows_no_plugins(client):
    assert "object-src 'none'" in client.get("/").headers["Content-Security-Policy"]


def test_pages_for_a_logged_in_person_are_never_stored_by_caches(serve, make_user):
    client = serve().test_client()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    log_in(client, make_user())
    assert client.get("/account/settings").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_a_draft_s_export_is_never_stored_by_caches(serve, secretariat, charter_version):
    client = serve().test_client()
    log_in(client, secretariat)
    response = client.get(f"/exports/versions/{charter_version.id}/charter.en.md")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


# --- addresses that used to crash or to follow the Host header ---------------------------------


@pytest.mark.parametrize("query", ["version_id=5", "_external=1", "_external=1&_scheme=https", "_anchor=x",
                                   "_method=POST"])
def test_any_query_on_the_charter_address_redirects_locally(client, charter_version, query):
    response = client.get(f"/charter/?{query}", headers={"Host": "evil.example"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/charter/versions/{charter_version.id}/")


def test_the_charter_address_keeps_the_reader_s_query(client, charter_version):
    response = client.get("/charter/?lang=fr&round=3")
    assert response.headers["Location"] == f"/charter/versions/{charter_version.id}/?lang=fr&round=3"
