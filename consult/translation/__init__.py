"""Machine translation of contributions, on request: a Translator chosen by TRANSLATION_BACKEND
("none" by default, and then nothing of it appears), translations cached per text and language,
labelled as a machine's, never in place of a person's own text."""

from flask import Blueprint

bp = Blueprint("translation", __name__, template_folder="templates")


def init_app(app) -> None:
    """Register the routes and the template helpers (create_app calls this)."""
    from consult.permissions import translation_enabled
    from consult.translation import services, views  # noqa: F401  (views registers the routes on bp)

    app.register_blueprint(bp)
    app.jinja_env.globals.update(translation_enabled=translation_enabled,
                                 cached_translations=_cached_translations)


def _cached_translations(contributions):
    """For a page that shows many amendments (triage, workbench): the translations into the reader's
    language already cached, by id, in one query; nothing when no service is configured."""
    from consult.i18n import current_locale
    from consult.permissions import translation_enabled
    from consult.translation.services import cached_for

    if not translation_enabled():
        return {}
    return cached_for(list(contributions), current_locale())


def requested(contribution):
    """The translation this page was asked to show (`?translate=<language>`), as services.Shown, or
    None: none asked, none allowed (one's own text, a hidden one, no service), or the same language."""
    from flask import current_app, request

    from consult.permissions import can
    from consult.translation.services import shown

    target = request.args.get("translate")
    if (not target or target not in current_app.config["LOCALES"] or target == contribution.locale
            or not can("translate", contribution)):
        return None
    return shown(contribution, target)
