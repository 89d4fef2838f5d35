from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

from consult.admin import views  # noqa: E402,F401
