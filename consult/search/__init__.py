"""Search in the three languages: one index of the public articles, amendments and comments, kept
current by the signals services send, on SQLite (FTS5) or PostgreSQL (tsvector)."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates", url_prefix="/search")


def init_app(app) -> None:
    """Register the results page and keep the index current (create_app calls this)."""
    from consult.search import services, views  # noqa: F401  (views registers the routes on bp)

    app.register_blueprint(bp)
    services.connect_signals()
