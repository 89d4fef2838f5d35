from flask import Blueprint

bp = Blueprint("moderation", __name__, template_folder="templates", url_prefix="/moderation")

from consult.moderation import views  # noqa: E402,F401
