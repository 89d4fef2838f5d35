from flask import Blueprint

bp = Blueprint("charter", __name__, template_folder="templates")

from consult.charter import views  # noqa: E402,F401
