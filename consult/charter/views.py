from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from consult.amendments import services as amendment_services
from consult.charter import bp, services
from consult.comments import services as comment_services
from consult.comments.forms import CommentForm
from consult.contributions import new_submission_token
from consult.extensions import db
from consult.i18n import current_locale
from consult.models import Version
from consult.permissions import Action, AmendmentRights, authorize, checked, public


def _main_version_or_404():
    charter = services.main_charter()
    version = charter and services.current_version(charter)
    if version is None:
        abort(404)
    return charter, version


@bp.route("/")
@public
def home():
    charter = services.main_charter()
    return render_template("charter/home.html", charter=charter, home=charter and services.home(charter))


@bp.route("/charter/")
@public
def contents():
    charter, version = _main_version_or_404()
    # The reader's query goes along as it came: as url_for() arguments, `version_id` would clash
    # and `_external` would build the address from the Host header.
    target = url_for(".version_contents", version_id=version.id)
    return redirect(f"{target}?{urlencode(list(request.args.items(multi=True)))}" if request.args else target)


@bp.route("/charter/versions/<int:version_id>/")
@checked
def version_contents(version_id: int):
    version = db.get_or_404(Version, version_id)
    authorize(Action.view_version, version)
    sections = services.load_version(version)
    rounds = services.rounds_of_version(version)
    round_ = services.pick_round(rounds, request.args.get("round", type=int), current_user)
    counts = services.thread_counts(round_) if round_ else {}
    return render_template("charter/contents.html", version=version, sections=sections, rounds=rounds,
                           selected_round=round_, counts=counts)


def render_article(article, *, round_id: int | None = None, comment_form: CommentForm | None = None,
                   preview_html: str | None = None, status: int = 200):
    """The article page: its text, and in the selected round its amendments and discussion.
    Also used to give a refused or invalid comment back to its author with what they typed."""
    rounds, counts = services.rounds_with_counts(article)
    round_ = services.pick_round(rounds, round_id, current_user)
    filters = amendment_services.AmendmentFilters.from_args(request.args)
    amendments = discussion = amendment_rights = None
    if round_:
        amendments = amendment_services.amendments_of_article(article, round_, filters, current_user)
        if current_user.is_authenticated:  # what this reader may do to each amendment, decided once
            amendment_rights = AmendmentRights(current_user._get_current_object(), round_)
        discussion = comment_services.discussion(round_, article, None, page=request.args.get("cpage", 1, type=int),
                                                 objects=False)  # plain rows: CommentRights reads them too
        if comment_form is None and current_user.is_authenticated:  # a visitor is offered no form
            comment_form = CommentForm(
                formdata=None, round_id=round_.id, article_id=article.id, token=new_submission_token(),
                locale=(current_user.locale if current_user.is_authenticated else None) or current_locale(),
            )
    provenance, older = services.history_of(article)
    return render_template(
        "charter/article.html",
        article=article,
        text=article.text(current_locale()),
        neighbours=services.neighbours(article),
        rounds=rounds,
        selected_round=round_,
        counts=counts,
        amendments=amendments,
        amendment_rights=amendment_rights,
        filters=filters,
        discussion=discussion,
        comment_form=comment_form,
        preview_html=preview_html,
        provenance=provenance,
        older=older,
    ), status


@bp.route("/charter/articles/<int:article_id>")
@checked
def article(article_id: int):
    article = services.article_with_texts(article_id) or abort(404)
    authorize(Action.view_version, article.version)
    return render_article(article, round_id=request.args.get("round", type=int))


@bp.route("/charter/articles/<int:article_id>/languages")
@checked
def article_languages(article_id: int):
    article = services.article_with_texts(article_id) or abort(404)
    authorize(Action.view_version, article.version)
    texts = {t.locale: t for t in article.texts}
    return render_template("charter/article_languages.html", article=article, texts=texts,
                           neighbours=services.neighbours(article))


@bp.route("/charter/history")
@public
def history():
    charter = services.main_charter() or abort(404)
    from consult.permissions import is_moderator

    versions = services.versions_of(charter, include_drafts=is_moderator(current_user))
    return render_template("charter/history.html", charter=charter, versions=versions)


@bp.route("/charter/compare")
@checked
def compare():
    """A redline between two versions, per article, following articles across renumbering."""
    old = db.get_or_404(Version, request.args.get("from", type=int) or 0)
    new = db.get_or_404(Version, request.args.get("to", type=int) or 0)
    authorize(Action.view_version, old)
    authorize(Action.view_version, new)
    pairs = services.compare(old, new)
    lineage = request.args.get("article")
    if lineage:
        pairs = [p for p in pairs if (p[0] or p[1]).lineage_id == lineage]
    changes_only = request.args.get("changes") == "only"  # unchanged paragraphs collapsed
    return render_template("charter/compare.html", old=old, new=new, pairs=pairs, single=bool(lineage),
                           changes_only=changes_only)
