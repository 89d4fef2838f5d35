from flask import Blueprint

bp = Blueprint("consolidation", __name__, template_folder="templates", url_prefix="/consolidation")

from consult.consolidation import views  # noqa: E402,F401
