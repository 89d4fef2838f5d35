"""The open data API: read-only, versioned (/api/v1), described by an OpenAPI 3.1 document
(openapi.py) that the tests validate every response against. What it shows is decided by
consult.permissions like every page: nothing hidden or deleted, no e-mail address, and drafts
only for the secretariat calling with a personal token (created and revoked in account settings)."""

from flask import Blueprint

bp = Blueprint("api", __name__, template_folder="templates")
PREFIX = "/api/v1"

from consult.api import views  # noqa: E402,F401  (registers the routes on bp)
