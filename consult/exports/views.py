"""Downloads: the charter in every format, redlines between versions, the consultation report
and the contributions data. Every file is built by `exports.services`, as the CLI builds it."""

from flask import Response, abort, current_app, redirect, render_template, request, stream_with_context, url_for
from werkzeug.http import dump_options_header
from flask_login import current_user

from consult.charter import services as charter_services
from consult.documents import contributions
from consult.exports.contributions import rows
from consult.exports import bp, services
from consult.extensions import db, limiter
from consult.i18n import LANGUAGE_NAMES, current_locale
from consult.models import Round, Version
from consult.permissions import Action, authorize, checked, decide


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": dump_options_header("attachment", {"filename": filename})}


def _download(make) -> Response:
    """The file `make()` builds, as an attachment; an export that cannot be made as asked is a 400
    with the reason."""
    try:
        export = make()
    except services.ExportError as error:
        abort(400, description=str(error))
    # The content type is sent as written: as a `mimetype`, Flask would add a second charset.
    return Response(export.content, content_type=export.mimetype, headers=_attachment(export.filename))


def _documents_limit() -> str:
    return current_app.config["RATELIMIT_DOCUMENTS"]


def _version(version_id: int) -> Version:
    version = db.get_or_404(Version, version_id)
    authorize(Action.export_version, version)
    return version


@bp.route("/versions/<int:version_id>/")
@checked
def version(version_id: int):
    """Every download of a version, in each language, and redlines against the others."""
    version = _version(version_id)
    others = [v for v in charter_services.versions_of(version.charter, include_drafts=True)
              if v.id != version.id and decide(current_user, Action.export_version, v)]
    return render_template("exports/version.html", version=version, others=others,
                           rounds=charter_services.rounds_of_version(version), languages=LANGUAGE_NAMES,
                           formats=services.CHARTER_FORMATS)


@bp.route("/versions/<int:version_id>/charter.<any(en, fr, es, all):lang>.<fmt>")
@limiter.limit(_documents_limit)
@checked
def charter(version_id: int, lang: str, fmt: str):
    version = _version(version_id)
    fmt = "akn" if fmt == "akn.xml" else fmt
    return _download(lambda: services.render_charter(version, fmt=fmt, lang=lang,
                                                     provenance=request.args.get("provenance") == "1"))


@bp.route("/versions/<int:old_id>/redline/<int:new_id>.<any(en, fr, es):lang>.<fmt>")
@limiter.limit(_documents_limit)
@checked
def redline(old_id: int, new_id: int, lang: str, fmt: str):
    old, new = _version(old_id), _version(new_id)
    return _download(lambda: services.render_redline(old, new, fmt=fmt, lang=lang))


@bp.route("/versions/<int:version_id>/report.<any(en, fr, es):lang>.<fmt>")
@limiter.limit(_documents_limit)
@checked
def version_report(version_id: int, lang: str, fmt: str):
    version = _version(version_id)
    return _download(lambda: services.render_report(fmt=fmt, lang=lang, version=version))


@bp.route("/rounds/<int:round_id>/report.<any(en, fr, es):lang>.<fmt>")
@limiter.limit(_documents_limit)
@checked
def round_report(round_id: int, lang: str, fmt: str):
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.export_version, round_.version)
    return _download(lambda: services.render_report(fmt=fmt, lang=lang, round_=round_))


@bp.route("/rounds/<int:round_id>/contributions.<fmt>")
@checked
def round_contributions(round_id: int, fmt: str):
    """A round's public contributions as a streamed download."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.export_version, round_.version)
    if fmt not in contributions.RENDERERS:
        abort(404)
    render, content_type = contributions.RENDERERS[fmt]
    app = current_app._get_current_object()

    def body():
        # The body is sent after the request has ended and closed its database session: the rows
        # are read in an app context (so a session) of their own, from the round's id alone.
        # stream_with_context keeps the request, so SQLite reads it without taking the write lock.
        with app.app_context():
            yield from render(rows(round_id))

    return Response(stream_with_context(body()), content_type=content_type,
                    headers=_attachment(f"{round_.slug}-contributions.{fmt}"))


@bp.route("/versions/<int:version_id>/download")
@checked
def download(version_id: int):
    """Where the forms of the files page send their choice: on to the file's own address."""
    version = _version(version_id)
    what, lang, fmt = request.args.get("what"), request.args.get("lang", ""), request.args.get("format", "")
    if lang not in (*services.LOCALES, "all") or not fmt.isalpha():
        abort(404)
    if what == "charter":
        if fmt == "md" and lang == "all":
            lang = current_locale()  # Markdown is one language a file
        target = url_for("exports.charter", version_id=version.id, lang=lang, fmt=fmt,
                         **({"provenance": "1"} if request.args.get("provenance") == "1" else {}))
    elif what == "redline" and lang != "all":
        target = url_for("exports.redline", old_id=request.args.get("from", type=int) or 0, new_id=version.id,
                         lang=lang, fmt=fmt)
    elif what == "report" and lang != "all" and request.args.get("round", type=int):
        round_ = db.get_or_404(Round, request.args.get("round", type=int))
        target = url_for("exports.round_report", round_id=round_.id, lang=lang, fmt=fmt)
    elif what == "report" and lang != "all":
        target = url_for("exports.version_report", version_id=version.id, lang=lang, fmt=fmt)
    else:
        abort(404)
    return redirect(target)
