"""The API's endpoints (GET, JSON), its document and page, and the token forms of account settings.

Every endpoint is @public: anyone may call it, and what it shows is decided per record by
consult.permissions for the caller — nobody, or the owner of the personal token sent as
`Authorization: Bearer …` (a browser session counts for nothing here, so CORS needs no credentials)."""

import hashlib
import json

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from consult.api import PREFIX, bp, openapi, services, tokens
from consult.api.services import BadRequest
from consult.extensions import db, limiter
from consult.models import ApiToken, Round, Version
from consult.permissions import Action, public, requires

PROBLEM = "application/problem+json"
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
          429: "Too Many Requests", 500: "Internal Server Error"}


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


api_limit = limiter.shared_limit(_api_limit, scope="api")


# --- the caller ----------------------------------------------------------------------------------


def caller():
    """The owner of the bearer token, or None for everyone else; a token that opens nothing is a 401."""
    if "api_user" not in g:
        header = request.headers.get("Authorization")
        if header is None:
            g.api_user = None
        else:
            scheme, _sep, secret = header.partition(" ")
            user = tokens.user_for(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
            if user is None:
                abort(401, description="The token is unknown or has been revoked.")
            g.api_user = user
    return g.api_user


# --- responses -----------------------------------------------------------------------------------


def respond(body: dict, last_modified=None) -> Response:
    """JSON with an ETag of its bytes (304 when If-None-Match has it) and Last-Modified where known."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    response = Response(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


def page_response(page: services.Page, items: list[dict], last_modified=None) -> Response:
    following = None
    if page.next_cursor:
        args = request.args.to_dict() | {"cursor": page.next_cursor}
        following = url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
    return respond({"data": items, "next": following}, last_modified)


def _page_args() -> tuple[int, int]:
    return services.decode_cursor(request.args.get("cursor")), services.parse_limit(request.args.get("limit"))


def problem(code: int, detail: str, headers=None) -> Response:
    response = Response(json.dumps({"type": "about:blank", "title": TITLES.get(code, "Error"), "status": code,
                                    "detail": detail}), status=code, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    _cors(response)
    return response


def _cors(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Authorization, If-None-Match, If-Modified-Since"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After, X-RateLimit-Remaining"
    response.vary.add("Authorization")


@bp.after_app_request
def _api_headers(response: Response) -> Response:
    if request.path.startswith(PREFIX + "/") or request.path == PREFIX:
        _cors(response)
        response.headers.setdefault("Cache-Control", "private, no-cache" if g.get("api_user") else "no-cache")
    return response


def _problem_or_page(error: HTTPException):
    """Under /api/ errors are problem details (RFC 9457); elsewhere the pages' own error page."""
    if not request.path.startswith("/api/"):
        return current_app.error_handler_spec[None][None][HTTPException](error)
    detail = error.description or TITLES.get(error.code, "")
    if error.code == 429:
        detail = f"Rate limit exceeded ({error.description}). Please wait and try again."
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("retry-after", "allow")}
    return problem(error.code, detail, headers)


for _code in (400, 401, 403, 404, 405, 429):
    bp.app_errorhandler(_code)(_problem_or_page)


@bp.errorhandler(BadRequest)
def _bad_parameter(error: BadRequest):
    return problem(400, str(error))


# --- the endpoints -------------------------------------------------------------------------------


@bp.route(f"{PREFIX}/")
@api_limit
@public
def index():
    """The document as a page for people, in their language."""
    return render_template("api/index.html", endpoints=openapi.endpoints(), document_url=url_for(".document"))


@bp.route(f"{PREFIX}/openapi.json")
@api_limit
@public
def document():
    return respond(openapi.DOCUMENT)


@bp.route(f"{PREFIX}/charters")
@api_limit
@public
def charters():
    user = caller()
    page = services.charters(user, *_page_args())
    return page_response(page, [services.charter_json(c, user) for c in page.rows],
                         services.latest(*(c.updated_at for c in page.rows)))


@bp.route(f"{PREFIX}/versions")
@api_limit
@public
def versions():
    page = services.versions(caller(), *_page_args())
    return page_response(page, [services.version_json(v) for v in page.rows],
                         services.latest(*(v.updated_at for v in page.rows)))


def _readable_version(version_id: int) -> Version:
    version = db.session.get(Version, version_id)
    if version is None or not services.may_read(caller(), version):
        abort(404, description="There is no version with this id, or it is not public.")
    return version


@bp.route(f"{PREFIX}/versions/<int:version_id>")
@api_limit
@public
def version(version_id: int):
    _readable_version(version_id)
    body, moment = services.version_detail_json(services.version_with_text(version_id))
    return respond(body, moment)


@bp.route(f"{PREFIX}/versions/<int:version_id>/provenance")
@api_limit
@public
def provenance(version_id: int):
    return respond(services.provenance_json(_readable_version(version_id)))


@bp.route(f"{PREFIX}/rounds")
@api_limit
@public
def rounds():
    page = services.rounds_page(caller(), *_page_args())
    return page_response(page, [services.round_json(r) for r in page.rows])


@bp.route(f"{PREFIX}/rounds/<int:round_id>")
@api_limit
@public
def round_(round_id: int):
    found = db.session.get(Round, round_id)
    if found is None or not services.may_read(caller(), found.version):
        abort(404, description="There is no round with this id, or it is not public.")
    return respond(services.round_detail_json(found))


@bp.route(f"{PREFIX}/amendments")
@api_limit
@public
def amendments():
    page = services.amendments(caller(), request.args, *_page_args())
    return page_response(page, services.amendments_json(page.rows),
                         services.latest(*(a.updated_at for a in page.rows)))


@bp.route(f"{PREFIX}/amendments/<int:amendment_id>")
@api_limit
@public
def amendment(amendment_id: int):
    found = services.visible_amendment(caller(), amendment_id)
    if found is None:
        abort(404, description="There is no amendment with this id, or it is not public.")
    return respond(services.amendments_json([found])[0], found.updated_at)


@bp.route(f"{PREFIX}/comments")
@api_limit
@public
def comments():
    page = services.comments(caller(), request.args, *_page_args())
    return page_response(page, [services.comment_json(c) for c in page.rows],
                         services.latest(*(c.edited_at or c.created_at for c in page.rows)))


@bp.route(f"{PREFIX}/organisations")
@api_limit
@public
def organisations():
    page = services.organisations(*_page_args())
    return page_response(page, [services.organisation_json(o) for o in page.rows],
                         services.latest(*(o.updated_at for o in page.rows)))


# --- personal tokens, from account settings ------------------------------------------------------


@bp.route("/account/api-tokens", methods=["POST"])
@requires(Action.manage_own_account)
def create_token():
    token, secret = tokens.create(current_user, request.form.get("name", ""))
    response = Response(render_template("api/token_created.html", token=token, secret=secret))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Action.manage_own_account)
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke(token)
    flash(_("The token “%(name)s” has been revoked.", name=token.name), "success")
    return redirect(url_for("accounts.settings") + "#api-tokens")


@bp.app_context_processor
def _token_helpers():
    return {"api_tokens_of": tokens.of}
