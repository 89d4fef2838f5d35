from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.amendments import bp, forms, services
from consult.charter import services as charter_services
from consult.comments import services as comment_services
from consult.comments.forms import CommentForm
from consult.contributions import RoundClosed, new_submission_token
from consult.extensions import ContributionLimitReached, db, spend_contribution
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.models import AmendmentKind, Round, Visibility
from consult.permissions import Action, authorize, check, checked, requires
from consult.addresses import safe_next
from consult import translation

UNCHANGED = "unchanged"


def _article_and_round(article_id: int):
    article = charter_services.article_with_texts(article_id) or abort(404)
    round_ = db.session.get(Round, request.values.get("round", type=int) or 0)
    if round_ is None or round_.version_id != article.version_id:
        abort(404)
    return article, round_


def _kind() -> AmendmentKind:
    try:
        return AmendmentKind(request.values.get("kind", "modify"))
    except ValueError:
        abort(404)


@bp.route("/charter/articles/<int:article_id>/amend", methods=["GET", "POST"])
@checked
def propose(article_id: int):
    """Propose a change, a new article after this one, or this article's deletion."""
    article, round_ = _article_and_round(article_id)
    kind = _kind()
    form = forms.AmendmentForm(kind=kind.value)
    if request.method == "GET":
        form.locale.data = request.args.get("locale") or (current_user.locale if current_user.is_authenticated else None) or current_locale()
        base = article.text(form.locale.data)
        if kind is AmendmentKind.modify and base:
            form.title.data, form.body.data = base.title, base.body
        form.token.data = new_submission_token()
        authorize(Action.propose_amendment, round_)
        return _form_page(form, article, round_, kind)

    decision = check(Action.propose_amendment, round_)
    if not decision:
        # Refused: say why, and give back everything typed.
        return _form_page(form, article, round_, kind, refusal=decision.reason, status=403)
    if not form.validate_on_submit():
        return _form_page(form, article, round_, kind, status=400)
    if form.preview.data:
        return _form_page(form, article, round_, kind, preview=True)
    proposal = services.Proposal(kind=kind, locale=form.locale.data, title=form.title.data or "",
                                 body=form.body.data or "", rationale=form.rationale.data)
    try:
        amendment, created = services.propose(current_user, round_, article, proposal, token=form.token.data)
        if created:  # counted once written: a resubmission or a refusal costs nothing (the 429 rolls it back)
            spend_contribution("amendments", current_user)
    except ContributionLimitReached as reached:
        refusal = _("You have proposed many amendments in a short time. Yours is not submitted yet; it is kept "
                    "here. Please send it again in %(wait)s.", wait=reached.wait())
        return reached.respond(_form_page(form, article, round_, kind, refusal=refusal, status=429))
    except RoundClosed:  # the round closed meanwhile
        return _form_page(form, article, round_, kind, refusal=check(Action.propose_amendment, round_).reason,
                          status=403)
    except services.AmendmentError:
        form.body.errors.append(_("Your text is the same as the article's: change something, or explain in a comment."))
        return _form_page(form, article, round_, kind, status=400)
    if created:
        flash(_("Your amendment has been submitted."), "success")
    return redirect(url_for(".show", amendment_id=amendment.id))


def _form_page(form, article, round_, kind, *, amendment=None, refusal=None, preview=False, status=200):
    base = article.text(form.locale.data or current_locale())
    if amendment is not None:
        base_title, base_text = amendment.base_title, amendment.base_text
    else:
        base_title, base_text = (base.title, base.body) if base else ("", "")
    return render_template(
        "amendments/form.html", form=form, article=article, round=round_, kind=kind, amendment=amendment,
        base_title=base_title, base_text=base_text, refusal=refusal, preview=preview,
    ), status


@bp.route("/amendments/<int:amendment_id>")
@checked
def show(amendment_id: int):
    amendment = services.amendment_with_context(amendment_id) or abort(404)
    authorize(Action.view_version, amendment.round.version)
    return render_amendment(amendment)


def render_amendment(amendment, *, comment_form: CommentForm | None = None, preview_html: str | None = None,
                     status: int = 200):
    round_ = amendment.round
    discussion = comment_services.discussion(round_, amendment.article, amendment, page=request.args.get("cpage", 1, type=int))
    if comment_form is None:
        comment_form = CommentForm(
            formdata=None, round_id=round_.id, article_id=amendment.article_id, amendment_id=amendment.id,
            token=new_submission_token(),
            locale=(current_user.locale if current_user.is_authenticated else None) or current_locale(),
        )
    return render_template(
        "amendments/show.html",
        amendment=amendment,
        article=charter_services.article_with_texts(amendment.article_id),
        supports=services.support_summaries([amendment.id]).get(amendment.id, services.SupportSummary()),
        supported=amendment.id in services.supported_by(current_user, [amendment.id]),
        history=services.history(amendment) if amendment.visibility is Visibility.visible else [],
        discussion=discussion,
        comment_form=comment_form,
        preview_html=preview_html,
        translation=translation.requested(amendment),
    ), status


@bp.route("/amendments/<int:amendment_id>/edit", methods=["GET", "POST"])
@checked
def edit(amendment_id: int):
    amendment = services.amendment_with_context(amendment_id) or abort(404)
    article = charter_services.article_with_texts(amendment.article_id)
    form = forms.AmendmentForm(obj=amendment if request.method == "GET" else None, kind=amendment.kind.value)
    form.locale.data = amendment.locale
    if request.method == "GET":
        authorize(Action.edit_amendment, amendment)
        return _form_page(form, article, amendment.round, amendment.kind, amendment=amendment)
    decision = check(Action.edit_amendment, amendment)
    if not decision:
        return _form_page(form, article, amendment.round, amendment.kind, amendment=amendment,
                          refusal=decision.reason, status=403)
    if not form.validate_on_submit():
        return _form_page(form, article, amendment.round, amendment.kind, amendment=amendment, status=400)
    if form.preview.data:
        return _form_page(form, article, amendment.round, amendment.kind, amendment=amendment, preview=True)
    services.edit(amendment, title=form.title.data or "", body=form.body.data or "", rationale=form.rationale.data)
    flash(_("Your amendment has been updated; its earlier wording stays in its history."), "success")
    return redirect(url_for(".show", amendment_id=amendment.id))


@bp.route("/amendments/<int:amendment_id>/withdraw", methods=["POST"])
@checked
def withdraw(amendment_id: int):
    amendment = services.amendment_with_context(amendment_id) or abort(404)
    authorize(Action.withdraw_amendment, amendment)
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw(amendment)
        except services.AmendmentError:
            flash(_("A moderator answered your amendment meanwhile; it can no longer be withdrawn."), "error")
        else:
            flash(_("Your amendment has been withdrawn. It stays visible, marked as withdrawn."), "info")
    return redirect(url_for(".show", amendment_id=amendment.id))


@bp.route("/amendments/<int:amendment_id>/support", methods=["POST"])
@checked
def support(amendment_id: int):
    amendment = services.amendment_with_context(amendment_id) or abort(404)
    undo = bool(request.form.get("undo"))
    action = Action.withdraw_support if undo else Action.support_amendment
    authorize(action, amendment)
    if ConfirmForm().validate_on_submit():
        try:
            spend_contribution("supports", current_user)
            if undo:
                services.withdraw_support(current_user, amendment)
                flash(_("Your support has been withdrawn."), "info")
            else:
                services.support(current_user, amendment)
                flash(_("You support this amendment."), "success")
        except ContributionLimitReached as reached:
            flash(_("You have supported or withdrawn support many times in a short time. Please try again in "
                    "%(wait)s.", wait=reached.wait()), "error")
            return reached.respond(render_amendment(amendment))
        except RoundClosed:
            authorize(action, amendment)  # the round closed meanwhile: refused, with the reason
    return redirect(_back_to(amendment))


def _back_to(amendment) -> str:
    return safe_next(request.form.get("next"), url_for(".show", amendment_id=amendment.id))


@bp.route("/my/contributions")
@requires(Action.manage_own_account)
def mine():
    amendments, comments = services.contributions_of(current_user)
    return render_template("amendments/mine.html", amendments=amendments, comments=comments)


@bp.route("/amendments/<int:amendment_id>/repropose", methods=["POST"])
@checked
def repropose(amendment_id: int):
    """One step to carry one's unanswered amendment of an older text onto the current one."""
    old = services.amendment_with_context(amendment_id) or abort(404)
    article = charter_services.article_with_texts(request.form.get("article_id", type=int) or 0) or abort(404)
    round_ = db.session.get(Round, request.form.get("round", type=int) or 0) or abort(404)
    if (old.author_id != current_user.id or old not in charter_services.older_unanswered(article)
            or round_.version_id != article.version_id or article.exact_text(old.locale) is None):
        abort(404)
    authorize(Action.propose_amendment, round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        spend_contribution("amendments", current_user)
        amendment, _text = services.repropose(current_user, old, round_, article)
    except ContributionLimitReached as reached:
        flash(_("You have proposed many amendments in a short time. Please try again in %(wait)s.",
                wait=reached.wait()), "error")
        return reached.respond(render_amendment(old))
    except RoundClosed:
        authorize(Action.propose_amendment, round_)  # the round closed meanwhile: refused, with the reason
        abort(403)
    if amendment is None:
        flash(_("Your change no longer fits the current text as it stands: adjust it below."), "info")
        return redirect(url_for(".propose", article_id=article.id, round=round_.id, locale=old.locale))
    flash(_("Your amendment has been proposed again on the current text."), "success")
    return redirect(url_for(".show", amendment_id=amendment.id))
