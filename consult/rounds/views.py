from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from consult.documents.charts import bar_chart
from consult.extensions import db
from consult.models import AmendmentStatus, Region, Round, Version
from consult.permissions import Action, authorize, checked, public, requires
from consult.rounds import bp, forms, services

ROUND_ERRORS = {
    "closes_before_opening": lambda: _("The closing date must come after the opening date."),
    "implausible_dates": lambda: _("Check the years: a round opens in 2000 or later and lasts at most three years."),
    "reason_required": lambda: _("Please give a reason."),
    "extension_not_later": lambda: _("The new closing date must be later than the present one."),
    "not_open": lambda: _("This round is not open: someone closed it meanwhile."),
}


@bp.route("/rounds/")
@public
def index():
    return render_template("rounds/index.html", rounds=services.all_rounds(), state=services.state)


@bp.route("/rounds/<int:round_id>")
@checked
def show(round_id: int):
    """The public account of a round: outcomes of every amendment, and the figures."""
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.view_version, round_.version)
    account = services.account(round_)
    status = request.args.get("status", "")
    status = status if status in {s.value for s in AmendmentStatus} else ""
    outcomes = services.outcomes(round_, status=status, page=request.args.get("page", 1, type=int))
    return render_template("rounds/show.html", round=round_, account=account, outcomes=outcomes, status=status,
                           state=services.state(round_),
                           charts=_charts(account), close_form=forms.CloseRoundForm(prefix="close"),
                           extend_form=forms.ExtendRoundForm(prefix="extend",
                                                             closes_at=round_.effective_close.replace(tzinfo=None)))


def _charts(account) -> dict[str, dict]:
    return {
        key: {"title": figure.title, "items": figure.items,
              "svg": Markup(bar_chart(figure.title, figure.items, chart_id=f"chart-{key}",
                                      description=_("The figures are in the table below.")))}
        for key, figure in services.figures(account).items()
    }


def _settings(form: forms.RoundForm) -> services.RoundSettings:
    return services.RoundSettings(
        version=db.session.get(Version, form.version_id.data),
        slug=form.slug.data,
        titles={loc: getattr(form, f"title_{loc}").data.strip() for loc in ("en", "fr", "es")},
        descriptions={loc: getattr(form, f"description_{loc}").data.strip() for loc in ("en", "fr", "es")},
        region=Region(form.region.data),
        opens_at=form.utc(form.opens_at),
        closes_at=form.utc(form.closes_at),
        allows_amendments=form.allows_amendments.data,
        allows_comments=form.allows_comments.data,
        allows_supports=form.allows_supports.data,
        restricted_to_region=form.restricted_to_region.data,
        requires_verified_organisation=form.requires_verified_organisation.data,
    )


def _version_choices(form):
    from consult.accounts.forms import options
    from consult.i18n import current_locale

    versions = db.session.scalars(db.select(Version).order_by(Version.id.desc())).all()
    form.version_id.choices = options(
        [(v.id, _("%(version)s (%(state)s)", version=v.label(current_locale()), state=v.state.label)) for v in versions])


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires(Action.manage_rounds)
def create():
    form = forms.RoundForm()
    _version_choices(form)
    if form.validate_on_submit() and _slug_free(form, None):
        try:
            round_ = services.create(current_user, _settings(form))
        except services.RoundError as error:
            form.closes_at.errors.append(ROUND_ERRORS[error.code]())
        else:
            flash(_("The round has been created."), "success")
            return redirect(url_for(".show", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=None), 400 if request.method == "POST" else 200


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@requires(Action.manage_rounds)
def edit(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = forms.RoundForm(obj=None if request.method == "POST" else _form_data(round_))
    _version_choices(form)
    if form.validate_on_submit() and _slug_free(form, round_):
        try:
            services.update(current_user, round_, _settings(form))
        except services.RoundError as error:
            form.closes_at.errors.append(ROUND_ERRORS[error.code]())
        else:
            flash(_("The round has been saved."), "success")
            return redirect(url_for(".show", round_id=round_.id))
    return render_template("rounds/form.html", form=form, round=round_), 400 if request.method == "POST" else 200


def _slug_free(form, round_: Round | None) -> bool:
    other = db.session.scalar(db.select(Round).where(Round.slug == form.slug.data))
    if other is not None and other is not round_:
        form.slug.errors.append(_("Another round already uses this short name."))
        return False
    return True


def _form_data(round_: Round) -> SimpleNamespace:
    data = SimpleNamespace()
    for loc in ("en", "fr", "es"):
        setattr(data, f"title_{loc}", round_.titles.get(loc, ""))
        setattr(data, f"description_{loc}", round_.descriptions.get(loc, ""))
    for name in ("slug", "version_id", "allows_amendments", "allows_comments", "allows_supports",
                 "restricted_to_region", "requires_verified_organisation"):
        setattr(data, name, getattr(round_, name))
    data.region = round_.region.value
    data.opens_at = round_.opens_at.replace(tzinfo=None)
    data.closes_at = round_.closes_at.replace(tzinfo=None)
    return data


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@checked
def close(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.close_round, round_)
    form = forms.CloseRoundForm(prefix="close")
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(url_for(".show", round_id=round_.id))
    try:
        services.close_early(current_user, round_, form.reason.data)
    except services.RoundError as error:
        flash(ROUND_ERRORS[error.code](), "info")
    else:
        flash(_("The round is closed. Every contribution stays as it was."), "success")
    return redirect(url_for(".show", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/extend", methods=["POST"])
@checked
def extend(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    authorize(Action.extend_round, round_)
    form = forms.ExtendRoundForm(prefix="extend")
    if form.validate_on_submit():
        from datetime import UTC

        try:
            services.extend(current_user, round_, form.closes_at.data.replace(tzinfo=UTC), form.reason.data)
        except services.RoundError as error:
            flash(ROUND_ERRORS[error.code](), "error")
        else:
            flash(_("The round has been extended."), "success")
    else:
        flash(_("Please give a new closing date and a reason."), "error")
    return redirect(url_for(".show", round_id=round_.id))
