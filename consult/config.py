"""Defaults. Overridden, in order, by instance/config.py and CONSULT_* environment variables."""

import json
import os
import secrets
from datetime import timedelta
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
    REMEMBER_COOKIE_DURATION = timedelta(days=365)  # a login's row lasts as long (accounts.services)
    # REMEMBER_COOKIE_SECURE follows SESSION_COOKIE_SECURE unless set itself (load_config)
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session: a slow reader loses nothing
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's; tests use a cheap method to stay fast
    RATELIMIT_STORAGE_URI = "memory://"  # per process: several processes need Redis or Memcached
    RATELIMIT_AUTH = "10 per minute;50 per hour"  # per address: failed logins, registrations
    RATELIMIT_LOGIN_ACCOUNT = "10 per minute;50 per hour"  # failed logins per account, from any address
    RATELIMIT_HEADERS_ENABLED = True  # a refusal says when to try again (Retry-After)
    RATELIMIT_DOCUMENTS = "20 per minute"  # Word and PDF files cost the server seconds to build
    # Contributions per account (consult.extensions.spend_contribution): a person typing never meets them.
    RATELIMIT_COMMENTS = "10 per minute;100 per day"
    RATELIMIT_AMENDMENTS = "5 per minute;30 per day"
    RATELIMIT_SUPPORTS = "30 per minute;300 per day"
    RATELIMIT_REPORTS = "5 per minute;20 per day"
    RATELIMIT_SEARCH = "30 per minute;500 per hour"  # searches per address (the empty form is not counted)
    RATELIMIT_API = "60 per minute;1000 per hour"  # open data API requests per address (consult/api)
    RATELIMIT_TRANSLATIONS = "10 per minute;100 per day"  # machine translations asked per account (a cached one is free)
    RATELIMIT_ENABLED = True
    SEEDS_DIR = str(PROJECT_ROOT / "seeds")
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024  # the draft import allows more, for its own requests
    # Behind a reverse proxy: how many proxies put the client's address in X-Forwarded-For.
    # 0 believes no such header (anyone could write it), so every visitor is the proxy's address.
    PROXY_FIX_X_FOR = 0
    # Where mails' links point (https://consult.example.org). Unset, they point where the request
    # that caused the mail came in; mail written by periodic jobs needs it.
    BASE_URL = None
    PLATFORM_NAME = None  # named in every mail; unset: "Human Rights in the City: charter consultation", translated
    # Background jobs (consult.jobs): huey, with SQLite in instance/ unless REDIS_URL is set.
    REDIS_URL = None
    JOBS_IMMEDIATE = False  # run jobs in the request that queues them (tests)
    # Mail (consult.mail): "file" writes .eml files to MAIL_OUTBOX_DIR (default instance/outbox) and
    # prints a line; "smtp" sends through MAIL_SMTP_HOST.
    MAIL_TRANSPORT = "file"
    MAIL_FROM = "Charter consultation <no-reply@localhost>"
    MAIL_OUTBOX_DIR = None
    MAIL_SMTP_HOST = "localhost"
    MAIL_SMTP_PORT = 587
    MAIL_SMTP_SECURITY = "starttls"  # "starttls", "tls" (implicit, usually port 465) or "none"
    MAIL_SMTP_USERNAME = None
    MAIL_SMTP_PASSWORD = None
    MAIL_SMTP_TIMEOUT = 30
    MAIL_CLAIM_SECONDS = 300  # a delivery holds its message this long: more than any SMTP timeout
    MAIL_MAX_ATTEMPTS = 8  # then the message waits for the secretariat (Moderation → Mail)
    # Signed links in mails: how long each lasts.
    CONFIRM_EMAIL_MAX_AGE = timedelta(days=7)
    RESET_PASSWORD_MAX_AGE = timedelta(hours=2)
    INVITATION_MAX_AGE = timedelta(days=30)
    # Machine translation of contributions, on request (consult.translation): "none" hides the feature;
    # "libretranslate" asks a LibreTranslate-compatible service at TRANSLATION_URL.
    TRANSLATION_BACKEND = "none"
    TRANSLATION_URL = None  # e.g. http://127.0.0.1:5000 for a self-hosted LibreTranslate
    TRANSLATION_API_KEY = None
    TRANSLATION_TIMEOUT = 20  # seconds per request to the service
    TRANSLATION_RETRIES = 2  # further attempts after a failure to connect, a timeout, a 429 or a 5xx


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
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])

    if not app.config.get("SECRET_KEY"):
        if not uri.startswith("sqlite:"):
            # A key generated into instance/ belongs to one machine; a shared database means
            # app servers that may be on several, each of which would generate its own.
            raise RuntimeError(MISSING_SECRET_KEY)
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


MISSING_SECRET_KEY = (
    "SECRET_KEY is not set. With a database other than SQLite the platform will not make one up: "
    "every app server must sign sessions with the same key. Set CONSULT_SECRET_KEY (for example to the "
    "output of: python -c 'import secrets; print(secrets.token_hex(32))') or SECRET_KEY in instance/config.py."
)


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
        # Written aside, then linked into place: of several workers starting at once, the first
        # link wins and all of them read that key.
        draft = instance / f"secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()
