import re

import sqlalchemy as sa
import pytest

from consult.extensions import db
from consult.models import Organisation, OrganisationKind, Region, User
from tests.conftest import PASSWORD, count_rows


def without_csrf_token(page: bytes) -> bytes:
    """A page as any visitor sees it: a CSRF token carries the second it was made, so two pages a
    second apart differ there and nowhere else."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token"', page)


def registration(**overrides):
    data = {
        "name": "Amina Diallo",
        "email": "Amina@Example.org",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "locale": "fr",
        "affiliation": "individual",
        "organisation_id": "0",
        "organisation_name": "",
        "organisation_kind": "civil-society",
        "organisation_region": "africa",
        "country": "SN",
        "accept_privacy": "y",
    }
    data.update(overrides)
    return data


def test_an_individual_registers_and_logs_in(client):
    response = client.post("/account/register", data=registration())
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    user = db.session.scalar(sa.select(User))
    assert user.email == "amina@example.org" and user.organisation is None and user.country == "SN"
    assert user.locale == "fr"
    assert user.password_hash != PASSWORD

    response = client.post("/account/login", data={"email": "AMINA@example.org", "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/account/settings")
    assert page.status_code == 200 and "Amina Diallo".encode() in page.data


def test_passwords_are_hashed_with_scrypt_by_default(app):
    from consult.accounts.services import hash_password

    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    assert hash_password(PASSWORD).startswith("scrypt:")


def test_joining_a_new_organisation_creates_it_unverified(client):
    response = client.post("/account/register", data=registration(
        affiliation="new", organisation_name="Réseau des villes du Sahel", organisation_kind="association",
        organisation_region="africa", country="BF"))
    assert response.status_code == 302
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation.name == "Réseau des villes du Sahel"
    assert organisation.kind is OrganisationKind.association and organisation.region is Region.africa
    assert organisation.verified_at is None
    founder = db.session.scalar(sa.select(User))
    assert founder.organisation_id == organisation.id and founder.is_contact  # its member and contact
    assert b"with you as its contact" in client.get(response.headers["Location"]).data


def test_joining_an_existing_organisation_is_a_request(client, make_organisation):
    city = make_organisation(name="City of Bogotá", region=Region.latin_america, country="CO")
    response = client.post("/account/register", data=registration(affiliation="existing", organisation_id=str(city.id),
                                                                  country=""))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.organisation_id is None and user.requested_organisation_id == city.id  # an individual meanwhile
    assert user.requested_at is not None and user.country == "CO" and not user.is_contact
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You asked to join City of Bogotá" in page and "until then you take part as an individual" in page


def test_the_answer_is_the_same_for_a_known_address_when_joining(client, make_user, make_organisation):
    city = make_organisation(name="City of Bogotá")
    make_user(email="taken@example.org", organisation=None)
    answers = []
    for email in ("taken@example.org", "fresh@example.org"):
        response = client.post("/account/register", data=registration(email=email, affiliation="existing",
                                                                      organisation_id=str(city.id)))
        page = without_csrf_token(client.get(response.headers["Location"]).data.replace(email.split("@")[0].encode(), b"X"))
        answers.append((response.status_code, response.headers["Location"].replace(email.split("@")[0], "X"), page))
    assert answers[0] == answers[1]
    taken = db.session.scalar(sa.select(User).where(User.email == "taken@example.org"))
    assert taken.requested_organisation_id is None  # nothing happens to the existing account


def test_a_known_address_founds_no_organisation(client, make_user):
    make_user(email="taken@example.org", organisation=None)
    client.post("/account/register", data=registration(email="taken@example.org", affiliation="new",
                                                       organisation_name="Brand New Network"))
    assert count_rows(Organisation) == 0


def test_bad_input_is_refused_clearly_and_keeps_what_was_typed(client):
    response = client.post("/account/register", data=registration(password="short", confirm="short",
                                                                  affiliation="new", organisation_name=""))
    assert response.status_code == 400
    assert b"Use at least 10 characters." in response.data
    assert b"This field is required." in response.data
    assert b'value="Amina Diallo"' in response.data and b'value="Amina@Example.org"' in response.data
    assert count_rows(User) == 0 and count_rows(Organisation) == 0


def test_errors_are_translated(client):
    response = client.post("/account/register?lang=es", data=registration(password="short", confirm="short"))
    assert "Use al menos 10 caracteres.".encode() in response.data


def test_a_known_address_gets_the_same_answer_and_no_second_account(client, make_user):
    make_user(email="taken@example.org")
    first = client.post("/account/register", data=registration(email="taken@example.org"))
    second = client.post("/account/register", data=registration(email="fresh@example.org"))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"].replace("taken", "X") == second.headers["Location"].replace("fresh", "X")
    assert count_rows(User) == 2


def test_login_says_the_same_for_unknown_address_and_wrong_password(client, make_user):
    user = make_user()
    unknown = client.post("/account/login", data={"email": "nobody@example.org", "password": PASSWORD})
    wrong = client.post("/account/login", data={"email": user.email, "password": "wrong password!"})
    assert unknown.status_code == wrong.status_code == 400
    assert without_csrf_token(unknown.data.replace(b"nobody@example.org", b"@")) == \
        without_csrf_token(wrong.data.replace(user.email.encode(), b"@"))
    assert b"do not match an account" in unknown.data


@pytest.mark.parametrize("target, lands_on", [
    ("/charter/", "/charter/"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_ever_leads_to_a_local_page(client, make_user, target, lands_on):
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302 and response.headers["Location"] == lands_on


def test_logout_is_a_post(client, make_user, login):
    login(make_user())
    assert client.get("/account/logout").status_code == 405
    assert client.post("/account/logout").status_code == 302
    assert client.get("/account/settings").status_code == 302  # back to the login page


def test_settings_need_a_login_and_save_the_language(client, make_user, login):
    assert "/account/login" in client.get("/account/settings").headers["Location"]
    user = login(make_user())
    response = client.post("/account/settings", data={"name": "New Name", "locale": "es"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale) == ("New Name", "es")
    assert b'lang="es"' in client.get("/").data


def test_login_and_registration_are_rate_limited(app):
    from consult import create_app

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True}, instance_path=app.instance_path)
    client = limited.test_client()
    with limited.app_context():
        codes = [client.post("/account/login", data={"email": "x@example.org", "password": "nope"}).status_code
                 for _ in range(12)]
        for n in range(10):
            client.post("/account/register", data=registration(email=f"p{n}@example.org"))
        refused = client.post("/account/register", data=registration(email="late@example.org"))
        db.session.remove()
        db.engine.dispose()
    assert codes[:10] == [400] * 10 and codes[10:] == [429, 429]
    assert refused.status_code == 429 and b"Too many attempts" in refused.data
    assert count_rows(User) == 10


def test_a_name_of_invisible_characters_is_refused(client):
    response = client.post("/account/register", data=registration(name=" \u200b\ufeff ", affiliation="individual"))
    assert response.status_code == 400 and "Write at least one letter or digit." in response.get_data(as_text=True)
    assert count_rows(User) == 0
