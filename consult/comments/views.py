from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.amendments import services as amendment_services
from consult.charter import services as charter_services
from consult.comments import bp, forms, services
from consult.contributions import RoundClosed, new_submission_token
from consult.extensions import ContributionLimitReached, db, spend_contribution
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.models import Comment, Round, Stance
from consult.permissions import Action, authorize, check, checked
from consult.text.markdown import render_markdown
from consult import translation


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        abort(400)


@bp.route("/comments", methods=["POST"])
@checked
def create():
    """A comment on an article or an amendment, or a reply. Refused or invalid, the page comes
    back with the text as typed."""
    form = forms.CommentForm()
    round_ = db.session.get(Round, _int(form.round_id.data)) or abort(404)
    article = charter_services.article_with_texts(_int(form.article_id.data)) or abort(404)
    amendment = None
    if form.amendment_id.data:
        amendment = amendment_services.amendment_with_context(_int(form.amendment_id.data)) or abort(404)
    parent = db.session.get(Comment, _int(form.parent_id.data)) if form.parent_id.data else None
    if article.version_id != round_.version_id or (amendment and (amendment.article_id, amendment.round_id) != (article.id, round_.id)):
        abort(404)

    def again(status: int, preview_html: str | None = None):
        if amendment:
            from consult.amendments.views import render_amendment

            return render_amendment(amendment, comment_form=form, preview_html=preview_html, status=status)
        from consult.charter.views import render_article

        return render_article(article, round_id=round_.id, comment_form=form, preview_html=preview_html, status=status)

    decision = check(Action.comment, parent or amendment or round_)  # what the comment goes under
    if not decision:
        flash(str(decision.reason), "error")
        if parent is not None:
            form.parent_id.data = ""  # no reply form under a hidden comment: the text comes back in the main form
        return again(403)
    if not form.validate_on_submit():
        return again(400)
    if form.preview.data:
        return again(200, preview_html=render_markdown(form.body.data))
    try:
        comment, created = services.post(
            current_user, round_, article, body=form.body.data, locale=form.locale.data, amendment=amendment,
            parent=parent, stance=Stance(form.stance.data) if form.stance.data else None, token=form.token.data,
        )
        if created:  # counted once written: a resubmission or a refusal costs nothing (the 429 rolls it back)
            spend_contribution("comments", current_user)
    except ContributionLimitReached as reached:
        # The form comes back as sent, so the text is there to send again: what a person expects.
        flash(_("You have sent many comments in a short time. Yours is not published yet; it is kept here. "
                "Please send it again in %(wait)s.", wait=reached.wait()), "error")
        return reached.respond(again(429))
    except RoundClosed:
        flash(str(check(Action.comment, round_).reason), "error")  # the round closed meanwhile
        return again(403)
    except services.CommentError:
        abort(400)
    if created:
        flash(_("Your comment has been published."), "success")
    return redirect(permalink(comment))


def permalink(comment: Comment) -> str:
    """Where a comment is shown: its place in its discussion, or — a reply past the first
    REPLIES_SHOWN of its thread — on the page of its first-level comment."""
    anchor = f"comment-{comment.id}"
    root = services.thread_root(comment)
    if root is not comment and (place := services.place_of_reply(comment, root)) > services.REPLIES_SHOWN:
        page = (place - 1) // services.REPLIES_PAGE_SIZE + 1
        return url_for("comments.thread", comment_id=root.id, _anchor=anchor, **({"page": page} if page > 1 else {}))
    page = services.page_of(root)
    params = {"cpage": page} if page > 1 else {}
    if comment.amendment_id:
        return url_for("amendments.show", amendment_id=comment.amendment_id, _anchor=anchor, **params)
    return url_for("charter.article", article_id=comment.article_id, round=comment.round_id, _anchor=anchor, **params)


@bp.route("/comments/<int:comment_id>")
@checked
def show(comment_id: int):
    """The permanent link of a comment: its place in its discussion."""
    comment = services.comment_with_context(comment_id) or abort(404)
    authorize(Action.view_version, comment.round.version)
    return redirect(permalink(comment))


@bp.route("/comments/<int:comment_id>/replies")
@checked
def thread(comment_id: int):
    """A first-level comment on its own page, with all its replies, page by page."""
    comment = services.comment_with_context(comment_id) or abort(404)
    authorize(Action.view_version, comment.round.version)
    if comment.parent_id is not None:
        return redirect(url_for(".thread", comment_id=services.thread_root(comment).id))
    shown = services.thread(comment, page=request.args.get("page", 1, type=int))
    form = forms.CommentForm(
        formdata=None, round_id=comment.round_id, article_id=comment.article_id, amendment_id=comment.amendment_id,
        token=new_submission_token(),
        locale=(current_user.locale if current_user.is_authenticated else None) or current_locale(),
    )
    return render_template("comments/thread.html", thread=shown, round=comment.round, article=comment.article,
                           amendment=comment.amendment, comment_form=form, back=permalink(comment),
                           translation=_translation_asked(shown))


def _translation_asked(shown) -> tuple | None:
    """The one comment of this page whose machine translation was asked for (?translate=…&of=id)."""
    wanted = request.args.get("of", type=int)
    found = next((c for c in (shown.comment, *shown.replies) if c.id == wanted), None) if wanted else None
    if found is None:
        return None
    asked = translation.requested(found)
    return (found.id, asked) if asked is not None else None


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@checked
def edit(comment_id: int):
    comment = services.comment_with_context(comment_id) or abort(404)
    form = forms.CommentEditForm(obj=comment if request.method == "GET" else None)
    decision = check(Action.edit_comment, comment)
    if not decision:
        if request.method == "GET":
            authorize(Action.edit_comment, comment)
        flash(str(decision.reason), "error")
        return render_template("comments/edit.html", form=form, comment=comment), 403
    if form.validate_on_submit():
        services.edit(comment, body=form.body.data)
        flash(_("Your comment has been updated."), "success")
        return redirect(permalink(comment))
    return render_template("comments/edit.html", form=form, comment=comment), 400 if request.method == "POST" else 200


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@checked
def delete(comment_id: int):
    comment = services.comment_with_context(comment_id) or abort(404)
    authorize(Action.delete_comment, comment)
    if ConfirmForm().validate_on_submit():
        services.delete(comment)
        flash(_("Your comment has been deleted."), "info")
    return redirect(permalink(comment))
