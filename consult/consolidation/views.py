from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from consult.charter import services as charter
from consult.charter.services import StaleText
from consult.consolidation import bp, services
from consult.extensions import db
from consult.i18n import current_locale
from consult.models import Amendment, AmendmentKind, AmendmentStatus, Section, Version, VersionState
from consult.forms import ConfirmForm
from consult.permissions import Action, authorize, check, checked, requires

ERRORS = {
    "rounds_not_closed": lambda d: _("A version can be consolidated once all its rounds are closed, and only once."),
    "already_dealt_with": lambda d: _("This amendment has already been incorporated or set aside."),
    "reason_required": lambda d: _("Please give a reason."),
    "changed": lambda d: _("The article or its amendments changed since the preview; nothing was applied. "
                           "Look at the new preview."),
    "has_provenance": lambda d: _("This article has taken in amendments; edit it rather than delete it."),
    "not_a_draft": lambda d: _("Only a version being consolidated can be changed."),
    "pending": lambda d: ngettext("%(num)s accepted amendment is still pending: incorporate it or set it aside.",
                                  "%(num)s accepted amendments are still pending: incorporate them or set them aside.",
                                  d["count"]),
    "outdated": lambda d: ngettext("%(num)s translation is outdated. Update it, or confirm that you publish anyway.",
                                   "%(num)s translations are outdated. Update them, or confirm that you publish anyway.",
                                   d["count"]),
}


def _error(error: services.ConsolidationError) -> str:
    return ERRORS[error.code](error.details)


def _checked_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _version_posted_to(version_id: int) -> Version:
    version = db.get_or_404(Version, version_id)
    authorize(Action.consolidate, version)
    _checked_form()
    return version


def _article(article_id: int):
    article = services.load_article(article_id) or abort(404)
    authorize(Action.consolidate, article.version)
    return article


def _amendment_for(article, amendment_id: int, *kinds: AmendmentKind) -> Amendment:
    """Only a pending accepted amendment of this article's lineage can be acted on here."""
    amendment = services.pending_amendment(article.version, amendment_id)
    if amendment is None or (kinds and amendment.kind not in kinds) or amendment.article.lineage_id != article.lineage_id:
        abort(404)
    authorize(Action.consolidate, amendment)  # nobody takes in their own (or their organisation's) amendment
    return amendment


def _locale() -> str:
    locale = request.values.get("locale") or current_locale()
    return locale if locale in ("en", "fr", "es") else "en"


@bp.route("/")
@requires(Action.consolidate)
def index():
    versions = db.session.scalars(db.select(Version).order_by(Version.id.desc())).all()
    return render_template("consolidation/index.html", versions=versions, can_start=services.can_start)


@bp.route("/start/<int:version_id>", methods=["POST"])
@requires(Action.consolidate)
def start(version_id: int):
    version = db.get_or_404(Version, version_id)
    _checked_form()
    labels = {loc: (request.form.get(f"label_{loc}") or "").strip() or version.label(loc) for loc in ("en", "fr", "es")}
    try:
        new = services.start(current_user, version, labels)
    except services.ConsolidationError as error:
        flash(_error(error), "error")
        return redirect(url_for(".index"))
    flash(_("The consolidated draft has been created. Its articles keep their history."), "success")
    return redirect(url_for(".overview", version_id=new.id))


@bp.route("/<int:version_id>/")
@checked
def overview(version_id: int):
    version = db.get_or_404(Version, version_id)
    authorize(Action.consolidate, version)
    work = services.overview(version)
    return render_template("consolidation/overview.html", version=version, work=work,
                           sections=charter.load_version(version), pending=services.pending_count(version),
                           outdated=services.outdated_texts(version))


@bp.route("/articles/<int:article_id>")
@checked
def article(article_id: int):
    article = _article(article_id)
    return _workbench(article, _locale())


def _workbench(article, locale, *, status=200, edit=None):
    all_dealt = request.args.get("dealt") == "all"
    work = services.article_work(article, page=request.args.get("page", 1, type=int), all_dealt=all_dealt)
    if all_dealt:
        provenance, more_provenance = services.provenance(article), False
    else:
        provenance, more_provenance = services.latest_provenance(article, services.WORKBENCH_DEALT_SHOWN)
    return render_template(
        "consolidation/article.html", article=article, locale=locale, text=article.exact_text(locale),
        base=work.base, work=work,
        sections=charter.load_version(article.version), edit=edit,
        provenance=provenance, more_provenance=more_provenance, is_pending=services.is_pending,
    ), status


@bp.route("/articles/<int:article_id>/text", methods=["POST"])
@checked
def save_text(article_id: int):
    article = _article(article_id)
    _checked_form()
    locale = _locale()
    form = request.form
    try:
        services.save_text(current_user, article, locale, title=form["title"].strip(), body=form["body"].strip(),
                           expected_revision=form.get("revision", type=int))
    except StaleText as stale:
        return _stale(article, locale, stale, form["title"], form["body"])
    flash(_("Saved. The other languages are marked as needing an update."), "success")
    return redirect(url_for(".article", article_id=article.id, locale=locale))


def _stale(article, locale, stale: StaleText, title: str, body: str, amendment=None):
    """Someone saved in between: show both texts; nothing typed is lost."""
    return render_template("consolidation/stale.html", article=article, locale=locale, theirs=stale.current,
                           title=title, body=body, amendment=amendment), 409


@bp.route("/articles/<int:article_id>/apply/<int:amendment_id>", methods=["POST"])
@checked
def apply(article_id: int, amendment_id: int):
    """Merge the amendment into the text as it now stands: a result to confirm, or a conflict."""
    article = _article(article_id)
    _checked_form()
    amendment = _amendment_for(article, amendment_id, AmendmentKind.modify)
    title, body = services.preview(article, amendment)
    text = article.exact_text(amendment.locale)
    # Accepted in part: the whole change must not go in; the moderator edits the merge result
    # beside their own answer, and only the text they confirm is saved.
    return render_template("consolidation/apply.html", article=article, amendment=amendment, text=text,
                           title=title, body=body, clean=title.clean and body.clean,
                           in_part=amendment.status is AmendmentStatus.accepted_in_part)


@bp.route("/articles/<int:article_id>/apply-all", methods=["POST"])
@checked
def apply_all_preview(article_id: int):
    """What applying every accepted amendment that merges cleanly would give; confirmed once."""
    article = _article(article_id)
    _checked_form()
    plan = services.plan_apply_all(article, lambda a: check(Action.consolidate, a))
    return render_template("consolidation/apply_all.html", article=article, plan=plan)


@bp.route("/articles/<int:article_id>/apply-all/confirm", methods=["POST"])
@checked
def apply_all(article_id: int):
    article = _article(article_id)
    _checked_form()
    expected = [int(v) for v in request.form.getlist("amendment") if v.isdigit() and len(v) < 10]
    try:
        plan = services.apply_all(current_user, article, expected=expected,
                                  permitted=lambda a: check(Action.consolidate, a))
    except (services.ConsolidationError, StaleText) as error:
        flash(_error(error) if isinstance(error, services.ConsolidationError) else ERRORS["changed"]({}), "error")
        return redirect(url_for(".article", article_id=article.id))
    flash(ngettext("%(num)s amendment incorporated.", "%(num)s amendments incorporated.", len(plan.clean)), "success")
    return redirect(url_for(".article", article_id=article.id))


@bp.route("/<int:version_id>/apply-all", methods=["POST"])
@checked
def apply_all_version_preview(version_id: int):
    """Every article's "apply all that merge cleanly" at once: what each would take in and leave."""
    version = _version_posted_to(version_id)
    plans = services.plan_apply_all_version(version, lambda a: check(Action.consolidate, a))
    return render_template("consolidation/apply_all_version.html", version=version, plans=plans,
                           clean=sum(len(plan.clean) for plan in plans))


@bp.route("/<int:version_id>/apply-all/confirm", methods=["POST"])
@checked
def apply_all_version(version_id: int):
    version = _version_posted_to(version_id)
    expected: dict[int, list[int]] = {}
    for value in request.form.getlist("amendment"):
        article_id, _sep, amendment_id = value.partition(":")
        if article_id.isdigit() and amendment_id.isdigit() and len(value) < 21:
            expected.setdefault(int(article_id), []).append(int(amendment_id))
    try:
        plans = services.apply_all_version(current_user, version, expected=expected,
                                           permitted=lambda a: check(Action.consolidate, a))
    except (services.ConsolidationError, StaleText) as error:
        db.session.rollback()  # all or nothing: an article written before the refusal is undone
        flash(_error(error) if isinstance(error, services.ConsolidationError) else ERRORS["changed"]({}), "error")
        return redirect(url_for(".overview", version_id=version.id))
    applied = sum(len(plan.clean) for plan in plans)
    if len(plans) == 1:
        flash(ngettext("%(num)s amendment incorporated in one article.",
                       "%(num)s amendments incorporated in one article.", applied), "success")
    else:
        flash(ngettext("%(num)s amendment incorporated in %(articles)s articles.",
                       "%(num)s amendments incorporated in %(articles)s articles.", applied, articles=len(plans)),
              "success")
    return redirect(url_for(".overview", version_id=version.id))


@bp.route("/articles/<int:article_id>/incorporate/<int:amendment_id>", methods=["POST"])
@checked
def incorporate(article_id: int, amendment_id: int):
    article = _article(article_id)
    _checked_form()
    amendment = _amendment_for(article, amendment_id, AmendmentKind.modify)
    form = request.form
    try:
        services.incorporate(current_user, article, amendment, title=form["title"].strip(), body=form["body"].strip(),
                             expected_revision=form.get("revision", type=int))
    except StaleText as stale:
        return _stale(article, amendment.locale, stale, form["title"], form["body"], amendment)
    except services.ConsolidationError as error:
        flash(_error(error), "error")
    else:
        flash(_("Amendment %(id)s is incorporated.", id=amendment.id), "success")
    return redirect(url_for(".article", article_id=article.id, locale=amendment.locale))


@bp.route("/amendments/<int:amendment_id>/set-aside", methods=["POST"])
@checked
def set_aside(amendment_id: int):
    article = _article(request.form.get("article_id", type=int) or 0)
    _checked_form()
    amendment = _amendment_for(article, amendment_id)
    try:
        services.set_aside(current_user, amendment, request.form.get("reason", ""))
    except services.ConsolidationError as error:
        flash(_error(error), "error")
    else:
        flash(_("Amendment %(id)s is set aside.", id=amendment.id), "info")
    return redirect(url_for(".article", article_id=article.id))


@bp.route("/articles/<int:article_id>/add", methods=["POST"])
@checked
def add_article(article_id: int):
    after = _article(article_id)
    _checked_form()
    amendment_id = request.form.get("amendment_id", type=int)
    amendment = _amendment_for(after, amendment_id, AmendmentKind.add) if amendment_id else None
    if amendment is not None:
        texts = {amendment.locale: (amendment.title, amendment.body)}
    else:
        texts = {loc: (request.form.get(f"title_{loc}", "").strip(), request.form.get(f"body_{loc}", "").strip())
                 for loc in ("en", "fr", "es")}
        if not any(t or b for t, b in texts.values()):
            flash(_("Give the new article a title and a text in at least one language."), "error")
            return redirect(url_for(".article", article_id=after.id))
    new = services.add_article(current_user, after, number=request.form.get("number", "").strip(), texts=texts,
                               from_amendment=amendment)
    flash(_("The new article has been added; its other languages are marked as needing a translation."), "success")
    return redirect(url_for(".article", article_id=new.id))


@bp.route("/articles/<int:article_id>/delete", methods=["POST"])
@checked
def delete_article(article_id: int):
    article = _article(article_id)
    _checked_form()
    amendment_id = request.form.get("amendment_id", type=int)
    amendment = _amendment_for(article, amendment_id, AmendmentKind.delete) if amendment_id else None
    version_id = article.version_id
    try:
        services.delete_article(current_user, article, from_amendment=amendment)
    except services.ConsolidationError as error:
        flash(_error(error), "error")
        return redirect(url_for(".article", article_id=article.id))
    flash(_("The article has been removed from the new version."), "info")
    return redirect(url_for(".overview", version_id=version_id))


@bp.route("/articles/<int:article_id>/structure", methods=["POST"])
@checked
def structure(article_id: int):
    """Renumber, move to another section, or up and down."""
    article = _article(article_id)
    _checked_form()
    form = request.form
    if "number" in form and form["number"].strip() != article.number:
        services.renumber(current_user, article, form["number"])
    section = db.session.get(Section, form.get("section_id", type=int) or article.section_id)
    if section is None or section.version_id != article.version_id:
        abort(400)
    step = form.get("step", 0, type=int)
    if section.id != article.section_id or step:
        services.move_article(current_user, article, section=section, step=max(-1, min(1, step)))
    flash(_("The structure has been saved."), "success")
    return redirect(url_for(".article", article_id=article.id))


@bp.route("/<int:version_id>/sections", methods=["POST"])
@checked
def sections(version_id: int):
    version = db.get_or_404(Version, version_id)
    authorize(Action.consolidate, version)
    _checked_form()
    titles = {loc: request.form.get(f"title_{loc}", "").strip() for loc in ("en", "fr", "es")}
    if not all(titles.values()):
        flash(_("Give the section a title in each language."), "error")
        return redirect(url_for(".overview", version_id=version.id))
    section = db.session.get(Section, request.form.get("section_id", type=int) or 0)
    if section is not None and section.version_id == version.id:
        services.rename_section(current_user, section, titles)
    else:
        services.add_section(current_user, version, titles)
    flash(_("The sections have been saved."), "success")
    return redirect(url_for(".overview", version_id=version.id))


@bp.route("/articles/<int:article_id>/translate/<locale>", methods=["GET", "POST"])
@checked
def translate(article_id: int, locale: str):
    """One language next to a redline of what changed in another since they were last aligned."""
    article = _article(article_id)
    if locale not in ("en", "fr", "es"):
        abort(404)
    text = article.exact_text(locale) or abort(404)
    if request.method == "POST":
        _checked_form()
        try:
            services.save_text(current_user, article, locale, title=request.form["title"].strip(),
                               body=request.form["body"].strip(), expected_revision=request.form.get("revision", type=int))
        except StaleText as stale:
            return _stale(article, locale, stale, request.form["title"], request.form["body"])
        flash(_("The translation is up to date."), "success")
        return redirect(url_for(".overview", version_id=article.version_id))
    changed = article.exact_text(text.outdated_by) if text.outdated_by else None
    return render_template("consolidation/translate.html", article=article, locale=locale, text=text, changed=changed)


@bp.route("/<int:version_id>/publish", methods=["POST"])
@checked
def publish(version_id: int):
    version = db.get_or_404(Version, version_id)
    authorize(Action.manage_versions, version)
    _checked_form()
    if version.state is not VersionState.consolidating:
        abort(400)
    try:
        services.publish(current_user, version, despite_outdated=bool(request.form.get("despite_outdated")))
    except services.ConsolidationError as error:
        flash(_error(error), "error")
        return redirect(url_for(".overview", version_id=version.id))
    flash(_("The new version is published."), "success")
    return redirect(url_for("charter.version_contents", version_id=version.id))
