from flask import Blueprint

bp = Blueprint("exports", __name__, template_folder="templates", url_prefix="/exports")

from consult.exports import views  # noqa: E402,F401
