from flask import Blueprint

bp = Blueprint("rounds", __name__, template_folder="templates")

from consult.rounds import views  # noqa: E402,F401
