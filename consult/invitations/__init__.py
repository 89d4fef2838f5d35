"""Invitations: the secretariat invites focal points from a CSV list; each sets a password from
the link and arrives as a member of their organisation."""

from flask import Blueprint

bp = Blueprint("invitations", __name__, template_folder="templates", url_prefix="/invitations")

from consult.invitations import views  # noqa: E402,F401
