from flask import Blueprint

bp = Blueprint("amendments", __name__, template_folder="templates")

from consult.amendments import views  # noqa: E402,F401
