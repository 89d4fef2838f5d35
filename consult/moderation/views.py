from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from consult.accounts.forms import options
from consult.amendments import services as amendment_services
from consult.charter import services as charter_services
from consult.contributions import RoundClosed, new_submission_token
from consult.extensions import ContributionLimitReached, db, spend_contribution
from consult.forms import ConfirmForm
from consult.models import (
    Amendment, AmendmentStatus, Comment, Organisation, Round, SavedAnswer, User,
)
from consult.moderation import bp, forms, services
from consult.permissions import Action, authorize, check, checked, requires
from consult.rounds import services as round_services
from consult.text.merge import excerpt

ERRORS = {
    "reason_required": lambda: _("Please give a reason."),
    "rejection_needs_reason": lambda: _("A rejection needs a reason in the public answer."),
    "duplicate_needs_original": lambda: _("Give the number of the amendment this one duplicates."),
    "duplicate_unknown": lambda: _("There is no amendment with this number."),
    "duplicate_of_itself": lambda: _("An amendment cannot duplicate itself: give the number of the original."),
    "duplicate_elsewhere": lambda: _("This is not an amendment of the same article in this round."),
    "bad_status": lambda: _("Choose an answer."),
    "not_visible": lambda: _("Only a visible contribution can be hidden."),
    "not_hidden": lambda: _("Only a contribution hidden by a moderator can be restored."),
    "withdrawn": lambda: _("Its author withdrew this amendment meanwhile; it was not answered."),
    "conflict": lambda: _("Another moderator answered this amendment meanwhile; it was not answered again."),
    "not_allowed": lambda: _("You are not allowed to do this."),
    "group_not_answered": lambda: _("The amendment to accept could not be accepted, so the group was not answered."),
}
TARGETS = {"amendments": Amendment, "comments": Comment}


def _target(kind: str, target_id: int):
    model = TARGETS.get(kind) or abort(404)
    return db.get_or_404(model, target_id)


@bp.route("/")
@requires(Action.moderate)
def index():
    rounds = round_services.all_rounds()
    reports = services.open_reports()
    return render_template("moderation/index.html", reports=reports, rounds=rounds,
                           unanswered=round_services.unanswered_counts(), progress=services.progress(),
                           targets=_report_targets(reports))


def _report_targets(reports):
    amendment_ids = [r.amendment_id for r in reports if r.amendment_id]
    comment_ids = [r.comment_id for r in reports if r.comment_id]
    amendments = {a.id: a for a in db.session.scalars(db.select(Amendment).where(Amendment.id.in_(amendment_ids)))}
    comments = {c.id: c for c in db.session.scalars(db.select(Comment).where(Comment.id.in_(comment_ids)))}
    return {r.id: amendments.get(r.amendment_id) or comments.get(r.comment_id) for r in reports}


@bp.route("/report/<kind>/<int:target_id>", methods=["GET", "POST"])
@checked
def report(kind: str, target_id: int):
    """Any participant can report a comment or an amendment to the moderators."""
    target = _target(kind, target_id)
    authorize(Action.report, target)
    form = forms.ReportForm()
    if form.validate_on_submit():
        try:
            spend_contribution("reports", current_user)
        except ContributionLimitReached as reached:
            flash(_("You have sent many reports in a short time. Yours is not sent yet; it is kept here. "
                    "Please send it again in %(wait)s.", wait=reached.wait()), "error")
            return reached.respond(render_template("moderation/report.html", form=form, target=target, kind=kind))
        services.report(current_user, target, form.reason.data)
        flash(_("Thank you. The moderators will look at it."), "success")
        return redirect(_back(target))
    return render_template("moderation/report.html", form=form, target=target, kind=kind), 400 if request.method == "POST" else 200


def _back(target) -> str:
    if isinstance(target, Amendment):
        return url_for("amendments.show", amendment_id=target.id)
    return url_for("comments.show", comment_id=target.id)


@bp.route("/<kind>/<int:target_id>", methods=["GET"])
@checked
def item(kind: str, target_id: int):
    target = _target(kind, target_id)
    authorize(Action.moderate, target)
    reports = db.session.scalars(db.select(services.Report).where(
        (services.Report.amendment_id if kind == "amendments" else services.Report.comment_id) == target.id)
        .order_by(services.Report.id)).all()
    return render_template("moderation/item.html", target=target, kind=kind, reports=reports, form=forms.ReasonForm())


@bp.route("/<kind>/<int:target_id>/<act>", methods=["POST"])
@checked
def hide_or_restore(kind: str, target_id: int, act: str):
    target = _target(kind, target_id)
    authorize(Action.moderate, target)
    if act not in ("hide", "restore"):
        abort(404)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(url_for(".item", kind=kind, target_id=target.id))
    try:
        getattr(services, act)(current_user, target, form.reason.data)
    except services.ModerationError as error:
        flash(ERRORS[error.code](), "error")
        return redirect(url_for(".item", kind=kind, target_id=target.id))
    flash(_("Hidden. A placeholder says so and why; nothing is deleted.") if act == "hide" else _("Restored."), "success")
    return redirect(url_for(".item", kind=kind, target_id=target.id))


@bp.route("/reports/<int:report_id>/dismiss", methods=["POST"])
@checked
def dismiss(report_id: int):
    item = db.get_or_404(services.Report, report_id)
    authorize(Action.moderate, _report_targets([item])[item.id])  # keeping it visible is a decision on it too
    if ConfirmForm().validate_on_submit():
        services.dismiss_report(current_user, item)
        flash(_("The report is closed; the contribution stays visible."), "info")
    return redirect(url_for(".index"))


@bp.route("/rounds/<int:round_id>/triage")
@checked
def triage(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.answer_amendment)
    filters = amendment_services.AmendmentFilters.from_args(request.args)
    page = filters.page
    # "Answer it" on an amendment's page asks for the triage page that holds it.
    wanted_id = request.args.get("amendment", type=int)
    wanted = db.session.get(Amendment, wanted_id) if wanted_id else None
    if wanted is not None and wanted.round_id == round_.id:
        page = services.triage_page_of(wanted, filters, _assigned_to()) or page
    return _triage_page(round_, filters, page)


def _assigned_to():
    """"Assigned to me" in the triage: the current moderator, else None (every article)."""
    return current_user if request.args.get("assigned") == "me" else None


def _triage_page(round_: Round, filters, page: int, refused: tuple[Amendment, forms.AnswerForm] | None = None,
                 status: int = 200):
    """A page of the triage; a refused answer form is shown as it was sent, with its errors."""
    result = services.triage(round_, filters, page, _assigned_to())
    answer_forms = {a.id: _answer_form(a) for a in result.items}
    if refused:
        amendment, form = refused
        answer_forms[amendment.id] = form
    groups: dict[int, list[Amendment]] = {}
    for amendment in result.items:
        groups.setdefault(amendment.article_id, []).append(amendment)
    return render_template(
        "moderation/triage.html", round=round_, result=result, groups=groups, filters=filters,
        query=_triage_query(filters), supports=amendment_services.support_summaries([a.id for a in result.items]),
        forms=answer_forms, state=round_services.state(round_), seen=services.answer_version,
        saved_answers=services.saved_answers(), select_all=request.args.get("select") == "all",
        selected={int(v) for v in request.args.get("select", "").split(",") if v.isdigit() and len(v) < 10},
        overlaps=services.overlaps(round_, groups), languages=services.languages_of_articles(round_, groups),
        on_page={a.id for a in result.items}, assignments=services.assignments(round_),
        assigned_to_me=_assigned_to() is not None,
        bulk_form=forms.BulkAnswerForm(formdata=None),
    ), status


def _answer_form(amendment: Amendment) -> forms.AnswerForm:
    return forms.AnswerForm(formdata=None, prefix=f"a{amendment.id}", status=amendment.status.value,
                            answer=amendment.answer, duplicate_of=amendment.duplicate_of_id,
                            seen=services.answer_version(amendment))


def _triage_query(filters) -> dict[str, str]:
    """The filters as the triage's query string, kept in its page links and after an answer."""
    values = {"status": filters.status, "language": filters.locale, "region": filters.region,
              "kind": filters.kind_of_organisation, "assigned": "me" if _assigned_to() else ""}
    return {key: value for key, value in values.items() if value}


@bp.route("/amendments/<int:amendment_id>/answer", methods=["POST"])
@checked
def answer(amendment_id: int):
    amendment = amendment_services.amendment_with_context(amendment_id) or abort(404)
    authorize(Action.answer_amendment, amendment)
    form = forms.AnswerForm(prefix=f"a{amendment.id}")
    filters = amendment_services.AmendmentFilters.from_args(request.args)
    if form.validate_on_submit():
        try:
            services.answer(current_user, amendment, form.status_value(), form.answer.data or "", form.duplicate_of.data,
                            expected=form.seen.data or None)
        except services.AnswerConflict as conflict:
            return render_template("moderation/conflict.html", amendment=conflict.amendment, form=form,
                                   seen_now=services.answer_version(conflict.amendment),
                                   back=url_for(".triage", round_id=amendment.round_id, amendment=amendment.id,
                                                **_triage_query(filters))), 409
        except services.ModerationError as error:
            form.refused(error.code, ERRORS[error.code]())
        else:
            flash(_("Amendment %(id)s: %(status)s.", id=amendment.id, status=amendment.status.label), "success")
            page = {"page": filters.page} if filters.page > 1 else {}
            return redirect(url_for(".triage", round_id=amendment.round_id, **_triage_query(filters), **page)
                            + f"#amendment-{amendment.id}")
    # Nothing is saved. The page that holds this amendment comes back with its form as it was sent,
    # the error beside the field: nothing typed is lost. Were the filters to leave it out now, they go.
    page = services.triage_page_of(amendment, filters)
    if page is None:
        filters = amendment_services.AmendmentFilters()
        page = services.triage_page_of(amendment, filters)
    return _triage_page(amendment.round, filters, page, refused=(amendment, form), status=400)


@bp.route("/rounds/<int:round_id>/bulk-answer", methods=["POST"])
@checked
def bulk_answer(round_id: int):
    """Several amendments selected in the triage, one answer. The first request shows the answer to
    review (a saved answer filled in, each language editable); "confirm" answers them all at once."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.answer_amendment)
    ids = sorted({int(v) for v in request.form.getlist("selected") if v.isdigit() and len(v) < 10})
    amendments = db.session.scalars(
        db.select(Amendment).where(Amendment.id.in_(ids), Amendment.round_id == round_.id).order_by(Amendment.id)
    ).all() if ids else []
    filters = amendment_services.AmendmentFilters.from_args(request.args)
    back = url_for(".triage", round_id=round_.id, **_triage_query(filters),
                   **({"page": filters.page} if filters.page > 1 else {}))
    if not amendments:
        flash(_("Select at least one amendment to answer."), "error")
        return redirect(back)
    form = forms.BulkAnswerForm()
    saved = services.saved_answers()
    form.saved.choices = [(0, _("(none)"))] + [(item.id, item.title) for item in saved]
    chosen = next((item for item in saved if item.id == form.saved.data), None)
    # What each amendment's answer looked like when the moderator selected it (a change meanwhile is a conflict).
    expected = {a.id: request.form.get(f"seen-{a.id}") or services.answer_version(a) for a in amendments}
    if chosen is not None and ("fill" in request.form or "confirm" not in request.form and not any(form.texts().values())):
        for locale in ("en", "fr", "es"):
            form[f"answer_{locale}"].data = getattr(chosen, f"text_{locale}")
    status = 200
    if "confirm" in request.form:
        if form.validate_on_submit() and form.status.data:
            outcome = services.answer_many(
                current_user, amendments, AmendmentStatus(form.status.data), form.texts(), form.duplicate_of.data,
                expected=expected, permitted=lambda a: check(Action.answer_amendment, a))
            if outcome.answered:
                flash(ngettext("%(num)s amendment answered: %(status)s.", "%(num)s amendments answered: %(status)s.",
                               len(outcome.answered), status=AmendmentStatus(form.status.data).label), "success")
            for amendment, code in outcome.refused:
                reason = ERRORS[code]() if code in ERRORS else code
                flash(_("Amendment %(id)s was not answered: %(reason)s", id=amendment.id, reason=reason), "error")
            return redirect(back)
        if not form.status.data:
            form.status.errors = [*form.status.errors, _("Choose an answer.")]
        status = 400
    return render_template("moderation/bulk_answer.html", round=round_, form=form, amendments=amendments,
                           expected=expected, query=_triage_query(filters), page=filters.page, back=back), status


@bp.route("/rounds/<int:round_id>/overlaps/<int:amendment_id>", methods=["GET", "POST"])
@checked
def overlap_group(round_id: int, amendment_id: int):
    """An overlap group side by side, the passage they all change marked in the base text; one form
    accepts one of them and marks the others its duplicates, each getting its own answer."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.answer_amendment)
    amendment = db.get_or_404(Amendment, amendment_id)
    overlap = services.overlaps(round_, [amendment.article_id]).get(amendment.id) if amendment.round_id == round_.id else None
    if overlap is None:
        flash(_("Amendment %(id)s overlaps no other amendment now.", id=amendment.id), "info")
        return redirect(url_for(".triage", round_id=round_.id, amendment=amendment.id))
    members = db.session.scalars(db.select(Amendment).where(Amendment.id.in_(overlap.members)).order_by(Amendment.id)
                                 .options(joinedload(Amendment.author), joinedload(Amendment.organisation),
                                          joinedload(Amendment.recorded_by), joinedload(Amendment.article))).all()
    answerable = [a for a in members if check(Action.answer_amendment, a) and a.status is not AmendmentStatus.withdrawn]
    form = forms.GroupAnswerForm()
    form.kept.choices = options((a.id, _("Amendment %(id)s", id=a.id)) for a in answerable)
    expected = {a.id: request.form.get(f"seen-{a.id}") or services.answer_version(a) for a in members}
    if request.method == "GET":
        for locale in ("en", "fr", "es"):
            with force_locale(locale):
                form[f"duplicate_{locale}"].data = _("Another amendment proposing the same change was accepted; "
                                                    "this one is answered with it.")
    elif form.validate_on_submit():
        kept = next(a for a in answerable if a.id == form.kept.data)
        others = [a for a in answerable if a is not kept]
        outcome = services.answer_group(current_user, kept, others, form.texts("accepted"), form.texts("duplicate"),
                                        expected=expected, permitted=lambda a: check(Action.answer_amendment, a))
        if outcome.answered:
            flash(ngettext("Amendment %(id)s accepted; %(num)s other marked as its duplicate.",
                           "Amendment %(id)s accepted; %(num)s others marked as its duplicates.",
                           len(outcome.answered) - 1, id=kept.id), "success")
        for refused, code in outcome.refused:
            reason = ERRORS[code]() if code in ERRORS else code
            flash(_("Amendment %(id)s was not answered: %(reason)s", id=refused.id, reason=reason), "error")
        return redirect(url_for(".triage", round_id=round_.id, amendment=kept.id))
    return render_template("moderation/overlap_group.html", round=round_, overlap=overlap, members=members,
                           answerable={a.id for a in answerable}, form=form, expected=expected,
                           passage=excerpt(overlap.base_text, overlap.passages),
                           other_languages=services.in_other_languages(round_, overlap),
                           supports=amendment_services.support_summaries(overlap.members)), \
        400 if request.method == "POST" else 200


@bp.route("/rounds/<int:round_id>/assignments", methods=["GET", "POST"])
@checked
def assignments(round_id: int):
    """The secretariat sets which moderator answers each article's amendments in the round."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.assign_articles, round_)
    articles = [article for section in charter_services.load_version(round_.version) for article in section.articles]
    moderators = services.moderators()
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        chosen = {m.id for m in moderators}
        if "assign_rest" in request.form:
            everyone = request.form.get("everyone", type=int)
            changed = services.assign_unassigned(current_user, round_, everyone) if everyone in chosen else 0
        else:
            values = {article.id: request.form.get(f"article-{article.id}", type=int) for article in articles}
            # anything but a moderator or "nobody" (0) changes nothing
            changed = services.assign(current_user, round_, {article_id: value or None
                                                             for article_id, value in values.items()
                                                             if value == 0 or value in chosen})
        flash(ngettext("%(num)s article assigned.", "%(num)s articles assigned.", changed), "success")
        return redirect(url_for(".assignments", round_id=round_.id))
    return render_template("moderation/assignments.html", round=round_, articles=articles, moderators=moderators,
                           current=services.assignments(round_), form=form,
                           waiting=round_services.waiting_per_article(round_))


@bp.route("/saved-answers", methods=["GET", "POST"])
@requires(Action.manage_saved_answers)
def saved_answers():
    form = forms.SavedAnswerForm()
    if form.validate_on_submit():
        services.save_answer_template(current_user, None, title=form.title.data,
                                      texts={loc: form[f"text_{loc}"].data for loc in ("en", "fr", "es")})
        flash(_("Saved answer added."), "success")
        return redirect(url_for(".saved_answers"))
    return render_template("moderation/saved_answers.html", items=services.saved_answers(), form=form), 400 if request.method == "POST" else 200


@bp.route("/saved-answers/<int:item_id>", methods=["GET", "POST"])
@requires(Action.manage_saved_answers)
def saved_answer(item_id: int):
    item = db.get_or_404(SavedAnswer, item_id)
    form = forms.SavedAnswerForm(obj=item)
    if form.validate_on_submit():
        services.save_answer_template(current_user, item, title=form.title.data,
                                      texts={loc: form[f"text_{loc}"].data for loc in ("en", "fr", "es")})
        flash(_("Saved answer changed."), "success")
        return redirect(url_for(".saved_answers"))
    return render_template("moderation/saved_answer.html", item=item, form=form), \
        400 if request.method == "POST" else 200


@bp.route("/saved-answers/<int:item_id>/delete", methods=["GET", "POST"])
@requires(Action.manage_saved_answers)
def delete_saved_answer(item_id: int):
    """Asks first: a saved answer deleted by a slip of the mouse would have to be typed again in
    three languages."""
    item = db.get_or_404(SavedAnswer, item_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_answer_template(current_user, item)
        flash(_("Saved answer deleted. The answers given with it stay as they are."), "info")
        return redirect(url_for(".saved_answers"))
    return render_template("moderation/delete_saved_answer.html", item=item, form=form)


@bp.route("/rounds/<int:round_id>/record", methods=["GET", "POST"])
@checked
def record(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.record_on_behalf, round_)
    form = forms.RecordForm()
    organisations = db.session.scalars(db.select(Organisation).order_by(Organisation.name)).all()
    if round_.restricted_to_region:
        organisations = [o for o in organisations if o.region is round_.region]
    form.organisation_id.choices = options((o.id, o.name) for o in organisations)
    from consult.charter.labels import article_heading
    from consult.i18n import current_locale

    articles = [a for s in charter_services.load_version(round_.version) for a in s.articles]
    form.article_id.choices = options((a.id, article_heading(a, a.text(current_locale()))) for a in articles)
    if request.method == "GET":
        form.token.data = new_submission_token()
    if form.validate_on_submit():
        authorize(Action.propose_amendment if form.kind.data == "amendment" else Action.comment, round_)
        organisation = db.session.get(Organisation, form.organisation_id.data) or abort(400)
        article = next((a for a in articles if a.id == form.article_id.data), None) or abort(400)
        try:
            services.record_contribution(current_user, round_, article, organisation, kind=form.kind.data,
                                         locale=form.locale.data, body=form.body.data, rationale=form.rationale.data or "",
                                         source=form.source.data, token=form.token.data)
        except amendment_services.AmendmentError:
            form.body.errors.append(_("Your text is the same as the article's: change something, or explain in a comment."))
        except RoundClosed:  # the round closed while this was being typed in: the text stays in the form
            flash(str(check(Action.record_on_behalf, round_).reason), "error")
            return render_template("moderation/record.html", form=form, round=round_), 403
        else:
            flash(_("Recorded for %(organisation)s.", organisation=organisation.name), "success")
            return redirect(url_for(".record", round_id=round_.id))
    return render_template("moderation/record.html", form=form, round=round_), 400 if request.method == "POST" else 200


@bp.route("/audit")
@requires(Action.view_audit_log)
def audit_log():
    actor_id = request.args.get("actor", type=int)
    events = services.audit_log(action=request.args.get("action", ""), actor_id=actor_id,
                                object_type=request.args.get("object", ""))
    staff = db.session.scalars(db.select(User).where(User.role != "participant").order_by(User.name)).all()
    return render_template("moderation/audit.html", events=events, actions=services.audit_actions(), staff=staff)
