import pytest

from consult import create_app
from consult.config import normalise_database_url


def test_defaults_then_instance_file_then_environment(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("PASSWORD_MIN_LENGTH = 12\nRATELIMIT_AUTH = '3 per minute'\n")
    monkeypatch.setenv("CONSULT_RATELIMIT_AUTH", "5 per minute")
    monkeypatch.setenv("CONSULT_SESSION_COOKIE_SECURE", "true")
    monkeypatch.delenv("DATABASE_URL", raising=False)

    app = create_app(instance_path=str(instance))

    assert app.config["PASSWORD_MIN_LENGTH"] == 12  # instance file over defaults
    assert app.config["RATELIMIT_AUTH"] == "5 per minute"  # environment over instance file
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'consult.sqlite'}"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path / "i")).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path / "i")).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "i" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_database_url_selects_postgresql_through_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal/consult")
    monkeypatch.setenv("CONSULT_SECRET_KEY", "shared by every app server")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/consult"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://h/d", "postgresql+psycopg://h/d"),
        ("postgresql+psycopg://h/d", "postgresql+psycopg://h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalise_database_url(given, expected):
    assert normalise_database_url(given) == expected


def test_session_cookie_is_httponly_and_samesite(client, make_user, login):
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": "a long enough password"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_shared_database_without_a_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.internal/consult")
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set.*CONSULT_SECRET_KEY"):
        create_app(instance_path=str(tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_the_demo_needs_no_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CONSULT_SECRET_KEY", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()


@pytest.mark.parametrize("secure", [True, False])
def test_the_remember_cookie_is_secure_exactly_when_the_session_cookie_is(tmp_path, monkeypatch, secure):
    monkeypatch.setenv("CONSULT_SESSION_COOKIE_SECURE", "true" if secure else "false")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert create_app(instance_path=str(tmp_path)).config["REMEMBER_COOKIE_SECURE"] is secure


def test_the_remember_cookie_is_sent_secure_behind_https(app, make_user, tmp_path):
    from consult.extensions import db
    from tests.conftest import PASSWORD, base_config

    config = {**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), "SESSION_COOKIE_SECURE": True}
    secure = create_app(config, instance_path=app.instance_path)
    user = make_user()
    response = secure.test_client().post("/account/login", data={"email": user.email, "password": PASSWORD,
                                                                 "remember": "y"})
    with secure.app_context():
        db.engine.dispose()
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "; Secure" in cookies["remember_token"] and "; Secure" in cookies["session"]


def test_making_another_app_connects_no_second_receiver(tmp_path):
    """A process that makes several apps (the tests, a worker) must not run each subscriber once
    per app made: every signal keeps the receivers it had after the first."""
    from consult import signals

    every_signal = [value for value in vars(signals).values() if hasattr(value, "receivers")]
    create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"},
               instance_path=str(tmp_path / "a"))
    before = [len(signal.receivers) for signal in every_signal]
    create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.sqlite'}"},
               instance_path=str(tmp_path / "b"))
    assert [len(signal.receivers) for signal in every_signal] == before
    assert sum(before) > 0
