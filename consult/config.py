"""Defaults. Overridden, in order, by instance/config.py and CONSULT_* environment variables."""

import json
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

LOCALES = ("en", "fr", "es")


class Defaults:
    SQLALCHEMY_DATABASE_URI = None  # filled in by load_config: DATABASE_URL or instance SQLite
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LOCALES = LOCALES
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS (CONSULT_SESSION_COOKIE_SECURE=true)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: a slow reader loses nothing
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's; tests use a cheap method to stay fast
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_AUTH = "10 per minute;50 per hour"
    RATELIMIT_DOCUMENTS = "20 per minute"  # Word and PDF files cost the server seconds to build
    RATELIMIT_ENABLED = True
    SEEDS_DIR = str(PROJECT_ROOT / "seeds")
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # the draft import allows more, for its own requests


def _coerce(value: str):
    """Environment values are strings; accept JSON literals (true, 10, "x") too."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def load_config(app, test_config: dict | None = None) -> None:
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key, value in os.environ.items():
            if key.startswith("CONSULT_"):
                app.config[key.removeprefix("CONSULT_")] = _coerce(value)
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.update(test_config)

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "consult.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def normalise_database_url(uri: str) -> str:
    """Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri.removeprefix(prefix)
    return uri


def _instance_secret_key(instance: Path) -> str:
    """Generate the key once into instance/ so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
