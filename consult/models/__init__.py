"""All models, importable from one place (Alembic and the services need them registered)."""

from consult.models.api import ApiToken
from consult.models.accounts import LoginSession, Organisation, OrganisationKind, Region, Role, User
from consult.models.base import Base, utcnow
from consult.models.charter import Article, ArticleText, Charter, Incorporation, Section, TextStatus, Version, VersionState
from consult.models.contributions import (
    Amendment,
    AmendmentKind,
    AmendmentRevision,
    AmendmentStatus,
    Comment,
    Stance,
    Support,
    Visibility,
)
from consult.models.invitations import Invitation
from consult.models.mail import OutgoingMail
from consult.models.moderation import ArticleAssignment, AuditEvent, Report, SavedAnswer
from consult.models.notifications import Follow, Notice, NotificationPreference, RoundAnnouncement
from consult.models.rounds import Round, RoundState
from consult.models.search import SearchEntry
from consult.models.translation import MachineTranslation, TranslationState

__all__ = [
    "Amendment", "ApiToken", "AmendmentKind", "ArticleAssignment", "AmendmentRevision", "AmendmentStatus", "Article", "ArticleText",
    "AuditEvent", "Base", "Charter", "Comment", "Follow", "Incorporation", "Invitation", "LoginSession", "MachineTranslation", "Notice", "NotificationPreference", "Organisation",
    "OrganisationKind", "OutgoingMail", "Region", "Report", "Role", "Round", "RoundAnnouncement", "RoundState", "SavedAnswer", "SearchEntry", "Section", "Stance",
    "Support", "TextStatus", "TranslationState", "User", "Version", "VersionState", "Visibility", "utcnow",
]
