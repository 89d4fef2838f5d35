from flask import Response, abort, stream_with_context

from consult.documents import contributions
from consult.exports import bp
from consult.extensions import db
from consult.models import Round
from consult.permissions import Action, authorize, checked


@bp.route("/rounds/<int:round_id>/contributions.<fmt>")
@checked
def round_contributions(round_id: int, fmt: str):
    """A round's public contributions as a streamed download."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.view_version, round_.version)
    if fmt not in contributions.RENDERERS:
        abort(404)
    render, mimetype = contributions.RENDERERS[fmt]
    filename = f"{round_.slug}-contributions.{fmt}"
    return Response(stream_with_context(render(contributions.rows(round_))), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/versions/<int:version_id>/charter.<lang>.md")
@checked
def charter_markdown(version_id: int, lang: str):
    """The charter as Markdown in one language: the same file the importer reads."""
    from consult.charter import services as charter
    from consult.documents.markdown_export import to_markdown
    from consult.models import Version

    version = db.get_or_404(Version, version_id)
    authorize(Action.view_version, version)
    if lang not in ("en", "fr", "es"):
        abort(404)
    filename = f"{version.charter.slug}-{version.slug}.{lang}.md"
    return Response(to_markdown(charter.document_of(version, lang)), mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
