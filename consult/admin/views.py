from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.admin import bp, services
from consult.extensions import db
from consult.models import Organisation, Role, User
from consult.forms import ConfirmForm
from consult.permissions import Action, requires


@bp.route("/organisations")
@requires(Action.manage_users)
def organisations():
    return render_template("admin/organisations.html", organisations=services.organisations())


@bp.route("/organisations/<int:organisation_id>/verify", methods=["POST"])
@requires(Action.manage_users)
def verify(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if ConfirmForm().validate_on_submit():
        services.verify(current_user, organisation)
        flash(_("%(name)s is verified.", name=organisation.name), "success")
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
