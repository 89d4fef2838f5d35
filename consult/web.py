"""What every request shares: one commit per request, deny by default, errors, template helpers,
static files at addresses that name their content, compressed responses."""

import functools
import hashlib
import os
import re
from pathlib import Path

from flask import Flask, Request, abort, current_app, render_template, request
from flask_login import current_user
from flask_babel import format_number, gettext, lazy_gettext as _l, ngettext
from markupsafe import Markup
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.security import safe_join

from consult import compression, fragments, i18n, permissions
from consult.addresses import page_link
from consult.accounts import services as accounts
from consult.charter import labels
from consult.extensions import db, login_manager
from consult.amendments.services import SupportSummary, face as amendment_face
from consult.comments.services import face as comment_face
from consult.contributions import new_submission_token
from consult.models import AmendmentStatus, OrganisationKind, Region, User
from consult.text.normalise import ControlCharacterError, control_characters, normalise
from consult.text.redline import inline_redline_html, redline_html


ERROR_MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    401: (_l("Please log in"), _l("You need to log in to do this.")),
    403: (_l("Not allowed"), _l("You are not allowed to do this.")),
    404: (_l("Page not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("Someone changed this in the meantime. Nothing was saved.")),
    413: (_l("File too large"), _l("The file is larger than the platform accepts.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; please try again.")),
}

SECURITY_HEADERS = {
    # No third-party requests, no inline scripts: everything the pages need is served from here.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


LARGEST_ID = 2**63 - 1  # the databases' integers
_DIGITS = re.compile(r"-?\d{1,400}")


class BoundedIntConverter(IntegerConverter):
    """Numbers in addresses as the databases store them: a larger one is a 404, not an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


class NormalisingRequest(Request):
    """Every submitted form value arrives as stored text is kept: LF line ends (browsers send a
    textarea's as CRLF), Unicode NFC. Views, forms and raw `request.form` reads all see it."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__["form"]
        self.__dict__["form"] = self.parameter_storage_class(
            (key, normalise(value)) for key, value in form.items(multi=True))


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    # The session and the remember cookie name a login, not a user: once it has ended (logout,
    # "log out everywhere", a new password), copies of either log no one in.
    return accounts.resume_session(session_token)


def init_app(app: Flask) -> None:
    app.request_class = NormalisingRequest
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    app.before_request(permissions.refuse_undeclared_endpoints)

    @app.before_request
    def refuse_control_characters_in_addresses():
        # Forms say so beside their field (consult.forms.Form); an address has no field to show it.
        codes = [code for value in request.args.values() for code in control_characters(value)]
        if codes:
            raise ControlCharacterError(codes)
        if any(_DIGITS.fullmatch(value) and abs(int(value)) > LARGEST_ID for value in request.args.values()):
            abort(404)  # no page or record has such a number, and the databases cannot even compare it

    @app.after_request
    def finish(response):
        # Asked before the commit: loading the person afterwards would open a new transaction.
        private = request.endpoint != "static" and current_user.is_authenticated
        # One commit per request; anything refused or failed changes nothing.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if private:  # a shared cache must never hand one person's page (or a draft's export) to another
            response.headers["Cache-Control"] = "no-store"
        elif request.endpoint == "static" and request.args.get("v") == static_version(request.view_args["filename"]):
            # The address names this content: when the file changes, so does the address.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return compression.compress(response)

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            values["v"] = static_version(values["filename"])

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        title, message = ERROR_MESSAGES.get(code, ERROR_MESSAGES[400 if code < 500 else 500])
        detail = error.description if code in (401, 403) and _is_custom(error) else None
        return render_template("errors/error.html", code=code, title=title, message=detail or message), code

    @app.errorhandler(ControlCharacterError)
    def control_characters_refused(error: ControlCharacterError):
        message = _l("The text held invisible control characters (%(codes)s), which the platform does not accept. "
                     "Nothing was saved; go back, remove them and send it again.", codes=", ".join(error.codes))
        return render_template("errors/error.html", code=400, title=ERROR_MESSAGES[400][0], message=message), 400

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _l("This form had expired. Nothing was saved; please send it again.")
        return render_template("errors/error.html", code=400, title=_l("Form expired"), message=message), 400

    @app.context_processor
    def template_helpers():
        return {
            "can": permissions.can,
            "Action": permissions.Action,
            "LANGUAGE_NAMES": i18n.LANGUAGE_NAMES,
            "LOCALES": app.config["LOCALES"],
            "current_locale": i18n.current_locale(),
            "status_choices": AmendmentStatus.choices(),
            "region_choices": Region.choices()[1:],
            "kind_choices": OrganisationKind.choices(),
            "empty_support": SupportSummary(),
        }

    app.jinja_env.filters.update(
        country=i18n.country_name,
        language_name=i18n.language_name,
        datetime_utc=i18n.datetime_utc,
        date=i18n.date_only,
        time_until=i18n.time_until,
        number=format_number,
    )
    app.jinja_env.globals.update(
        article_label=labels.article_label,
        article_heading=labels.article_heading,
        redline=_redline,
        unread_notices=_unread_notices,
        new_token=new_submission_token,
        comment_face=comment_face,
        amendment_face=amendment_face,
        comment_rights=permissions.comment_rights,
        is_following=_is_following,
    )
    fragments.init_app(app)
    app.jinja_env.globals["request_path"] = lambda: request.full_path.rstrip("?")
    app.jinja_env.globals["page_link"] = page_link


def static_version(filename: str) -> str | None:
    """A digest of a static file's content, for its address; None for a file that is not there."""
    path = safe_join(current_app.static_folder, filename)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size) if stat else None


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """Read once per version of the file (its time and size are in the key)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _unread_notices() -> int:
    from consult.notifications.services import unread_notice_count

    return unread_notice_count(current_user) if current_user.is_authenticated else 0


def _is_following(target: str, target_id: int) -> bool:
    from consult.notifications.services import is_following

    return current_user.is_authenticated and is_following(current_user, target, target_id)


def _redline(old: str, new: str, changed_only: bool = False, inline: bool = False) -> Markup:
    """A redline for templates: blocks of an article body, or `inline` for a title."""
    labels = {"deleted_label": gettext("deleted:"), "inserted_label": gettext("inserted:")}
    if inline:
        return Markup(inline_redline_html(old, new, **labels))
    return Markup(redline_html(old, new, changed_only=changed_only, **labels, unchanged=lambda count: ngettext(
        "%(num)d unchanged paragraph", "%(num)d unchanged paragraphs", count)))


def _is_custom(error: HTTPException) -> bool:
    return error.description != type(error).description
