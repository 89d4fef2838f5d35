"""Deny by default: every endpoint is declared public or permission-checked."""

import pytest
from flask import Blueprint

from consult.permissions import checked


def test_every_endpoint_is_public_or_permission_checked(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "access", None) not in ("public", "checked")
    ]
    assert undeclared == []


def test_an_undeclared_endpoint_is_refused(app):
    bp = Blueprint("stray", __name__)
    bp.add_url_rule("/stray", "stray", lambda: "secret")
    app.register_blueprint(bp)
    response = app.test_client().get("/stray")
    assert response.status_code == 403 and b"secret" not in response.data


def test_a_checked_view_that_forgets_to_authorize_fails_closed(app):
    bp = Blueprint("forgetful", __name__)
    bp.add_url_rule("/forgetful", "forgetful", checked(lambda: "secret"))
    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="never called authorize"):
        app.test_client().get("/forgetful")


def test_every_form_needs_a_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    client = app.test_client()
    response = client.post("/account/login", data={"email": user.email, "password": "a long enough password"})
    assert response.status_code == 400
    assert b"expired" in response.data


@pytest.mark.parametrize("address", [
    "/amendments/99999999999999999999999", "/charter/articles/9223372036854775808", "/rounds/9223372036854775808",
    "/charter/compare?from=99999999999999999999&to=1", "/charter/versions/1/?round=9223372036854775808",
])
def test_numbers_too_large_for_the_database_are_not_found(client, charter_version, address):
    assert client.get(address).status_code == 404
