from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.addresses import safe_next
from consult.amendments import services as amendment_services
from consult.comments import services as comment_services
from consult.extensions import ContributionLimitReached
from consult.forms import ConfirmForm
from consult.i18n import current_locale
from consult.permissions import Action, authorize, checked, requires
from consult.translation import bp, services


@bp.route("/amendments/<int:amendment_id>/translate", methods=["POST"])
@checked
def amendment(amendment_id: int):
    """Translate into my language: the amendment's page comes back with the translation, or says
    that it is on its way, or that the service failed (the original stays)."""
    found = amendment_services.amendment_with_context(amendment_id) or abort(404)
    authorize(Action.view_version, found.round.version)
    authorize(Action.translate, found)
    original = url_for("amendments.show", amendment_id=found.id)
    return _ask(found, original, url_for("amendments.show", amendment_id=found.id, translate=current_locale(),
                                         _anchor="translation"))


@bp.route("/comments/<int:comment_id>/translate", methods=["POST"])
@checked
def comment(comment_id: int):
    """Translate a comment: shown on the page of its thread, in place of the original there alone."""
    found = comment_services.comment_with_context(comment_id) or abort(404)
    authorize(Action.view_version, found.round.version)
    authorize(Action.translate, found)
    root = comment_services.thread_root(found)
    params = {}
    if root is not found and (place := comment_services.place_of_reply(found, root)) > comment_services.REPLIES_PAGE_SIZE:
        params["page"] = (place - 1) // comment_services.REPLIES_PAGE_SIZE + 1
    original = url_for("comments.thread", comment_id=root.id, _anchor=f"comment-{found.id}", **params)
    return _ask(found, original, url_for("comments.thread", comment_id=root.id, translate=current_locale(),
                                         of=found.id, _anchor=f"comment-{found.id}", **params))


def _ask(contribution, original: str, translated: str):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    target = current_locale()
    if contribution.locale == target:
        return redirect(original)
    try:
        services.request(contribution, target, current_user)
    except ContributionLimitReached as reached:
        flash(_("You have asked for many translations in a short time. Please try again in %(wait)s.",
                wait=reached.wait()), "error")
        return redirect(original)
    return redirect(safe_next(request.form.get("next"), translated))


@bp.route("/secretariat/translations")
@requires(Action.manage_users)
def usage():
    """How much was sent to the translation service, day by day (services often bill by the character)."""
    days = services.characters_per_day(days=30)
    return render_template("translation/usage.html", days=days, total=sum(d[1] for d in days))
