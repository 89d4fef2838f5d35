from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.accounts import services as accounts
from consult.admin import bp, services
from consult.extensions import db
from consult.models import Organisation, Role, User
from consult.forms import ConfirmForm
from consult.permissions import Action, requires


@bp.route("/organisations")
@requires(Action.manage_users)
def organisations():
    return render_template("admin/organisations.html", organisations=services.organisations(),
                           requests=accounts.membership_requests())


@bp.route("/organisations/<int:organisation_id>/verify", methods=["POST"])
@requires(Action.manage_users)
def verify(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if ConfirmForm().validate_on_submit():
        services.verify(current_user, organisation)
        flash(_("%(name)s is verified.", name=organisation.name), "success")
    return redirect(url_for(".organisations"))


@bp.route("/organisations/<int:organisation_id>/contact", methods=["POST"])
@requires(Action.manage_users)
def name_contact(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    member_id = request.form.get("user_id", type=int)
    member = db.session.get(User, member_id) if member_id else None
    if ConfirmForm().validate_on_submit():
        try:
            accounts.name_contact(current_user, organisation, member)
        except accounts.MembershipError:
            abort(400)
        if member:
            flash(_("%(name)s is now the contact of %(organisation)s.", name=member.name,
                    organisation=organisation.name), "success")
        else:
            flash(_("%(organisation)s has no contact now.", organisation=organisation.name), "info")
    return redirect(url_for(".organisations"))


@bp.route("/people")
@requires(Action.manage_users)
def users():
    return render_template("admin/users.html", people=services.people(), roles=list(Role))


@bp.route("/people/<int:user_id>/role", methods=["POST"])
@requires(Action.manage_users)
def set_role(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        abort(400)
    if ConfirmForm().validate_on_submit():
        try:
            services.set_role(current_user, user, role)
        except services.AdminError:
            flash(_("You cannot change your own role; ask another member of the secretariat."), "error")
        else:
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=role.label), "success")
    return redirect(url_for(".users"))
