"""The consultation platform for the Global Charter-Agenda for Human Rights in the City."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from consult import database  # noqa: F401  (registers the engine settings)
from consult.config import load_config
from consult.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    instance_path = instance_path or os.environ.get("CONSULT_INSTANCE_PATH") or None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)
    if app.config["PROXY_FIX_X_FOR"]:
        # The client's address (rate limits) from X-Forwarded-For, trusting only the configured proxies.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"])

    from consult import jobs, search, translation, web
    from consult.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    jobs.init_app(app)

    from consult.accounts import bp as accounts_bp
    from consult.api import bp as api_bp
    from consult.admin import bp as admin_bp
    from consult.amendments import bp as amendments_bp
    from consult.charter import bp as charter_bp
    from consult.comments import bp as comments_bp
    from consult.consolidation import bp as consolidation_bp
    from consult.exports import bp as exports_bp
    from consult.imports import bp as imports_bp
    from consult.invitations import bp as invitations_bp
    from consult.mail import bp as mail_bp
    from consult.notifications import bp as notifications_bp, subscribers
    from consult.moderation import bp as moderation_bp
    from consult.rounds import bp as rounds_bp

    app.url_map.converters["int"] = web.BoundedIntConverter  # before the routes that use it
    for blueprint in (accounts_bp, charter_bp, amendments_bp, comments_bp, rounds_bp, moderation_bp, admin_bp,
                      consolidation_bp, exports_bp, imports_bp, mail_bp, notifications_bp, invitations_bp, api_bp):
        app.register_blueprint(blueprint)
    web.init_app(app)
    search.init_app(app)
    translation.init_app(app)
    subscribers.connect()

    from consult.cli import register_commands

    register_commands(app)
    return app
