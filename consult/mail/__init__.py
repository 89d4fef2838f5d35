"""Mail: the outbox a feature writes to (`compose.queue`), its delivery by a background job
(`delivery`), and the secretariat's page of mail not yet delivered."""

from flask import Blueprint

bp = Blueprint("mail", __name__, template_folder="templates", url_prefix="/admin/mail")

from consult.mail import views  # noqa: E402,F401
