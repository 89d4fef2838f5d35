"""Notifications: who is told what happened (subscribers to consult.signals), notices in the app,
mail at once or in daily and weekly digests, following, preferences and one-click unsubscribe."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from consult.notifications import views  # noqa: E402,F401
