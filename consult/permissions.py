"""The one place that answers: may this person do this to that, now?

Views call `authorize()` (refusing with a translated reason), templates call `can()` (to hide
the button exactly when the action would be refused). Every view is declared `@public` or
`@checked`; an undeclared endpoint is refused, and a `@checked` view that never called
`authorize()` is an error — deny by default.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import wraps

from flask import abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consult.i18n import current_locale

from consult.models import (
    Amendment,
    AmendmentStatus,
    Comment,
    Organisation,
    Role,
    Round,
    RoundState,
    User,
    Version,
    VersionState,
    Visibility,
    utcnow,
)


class Action(StrEnum):
    # anyone
    view_version = "view_version"
    export_version = "export_version"  # published ones for anyone, drafts for the secretariat
    # participants
    manage_own_account = "manage_own_account"
    propose_amendment = "propose_amendment"
    support_amendment = "support_amendment"
    withdraw_support = "withdraw_support"
    comment = "comment"
    edit_amendment = "edit_amendment"
    withdraw_amendment = "withdraw_amendment"
    edit_comment = "edit_comment"
    delete_comment = "delete_comment"
    report = "report"
    translate = "translate"  # ask a machine translation of another person's contribution (a service configured)
    # an organisation's contact (of a verified organisation), and the secretariat
    decide_membership = "decide_membership"  # approve or refuse a request to join; obj = the Organisation
    # moderators
    moderate = "moderate"  # hide / restore, the report queue
    answer_amendment = "answer_amendment"
    close_round = "close_round"
    extend_round = "extend_round"
    record_on_behalf = "record_on_behalf"
    consolidate = "consolidate"
    view_audit_log = "view_audit_log"
    manage_saved_answers = "manage_saved_answers"  # the moderators' reusable answer texts
    # secretariat
    manage_rounds = "manage_rounds"
    manage_versions = "manage_versions"
    manage_users = "manage_users"
    export_all = "export_all"
    assign_articles = "assign_articles"  # who answers which article's amendments in a round


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)

_NEEDS_LOGIN = _l("Please log in to take part.")
_NOT_ALLOWED = _l("You are not allowed to do this.")

_MODERATOR_ACTIONS = {
    Action.moderate, Action.answer_amendment, Action.close_round, Action.extend_round,
    Action.record_on_behalf, Action.consolidate, Action.view_audit_log, Action.manage_saved_answers,
}
# Decisions on a contribution (hiding, answering, incorporating): never by its author or their organisation.
_JUDGEMENTS = {Action.moderate, Action.answer_amendment, Action.consolidate}
_SECRETARIAT_ACTIONS = {Action.manage_rounds, Action.manage_versions, Action.manage_users, Action.export_all,
                        Action.assign_articles}
_ROUND_FEATURE = {
    Action.propose_amendment: ("allows_amendments", _l("This round does not take amendments.")),
    Action.support_amendment: ("allows_supports", _l("This round does not take supports.")),
    Action.comment: ("allows_comments", _l("This round does not take comments.")),
}


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.role in (Role.moderator, Role.secretariat))


def is_secretariat(user) -> bool:
    return bool(user and user.is_authenticated and user.role is Role.secretariat)


def decide(user: User | None, action: Action, obj=None, *, now: datetime | None = None) -> Decision:
    """Role × round state × ownership. `obj` is the Round, Amendment, Comment or Version acted on."""
    now = now or utcnow()
    authenticated = bool(user and user.is_authenticated)

    if action is Action.view_version:
        if isinstance(obj, Version) and obj.state in (VersionState.draft, VersionState.consolidating):
            return ALLOW if is_moderator(user) else Decision(False, _NOT_ALLOWED)
        return ALLOW
    if action is Action.export_version:
        if isinstance(obj, Version) and obj.state in (VersionState.draft, VersionState.consolidating):
            return ALLOW if is_secretariat(user) else Decision(False, _NOT_ALLOWED)
        return ALLOW

    if not authenticated:
        if action in _ROUND_FEATURE and obj is not None and not (decision := _round_open(_round_of(obj), now)):
            return decision  # "closed" says more than "log in" when nobody can take part
        return Decision(False, _NEEDS_LOGIN)
    if action is Action.manage_own_account:
        return ALLOW
    if not user.is_confirmed:
        return Decision(False, _l("Please confirm your e-mail address first: open the link we sent you."))
    if action is Action.translate:
        return _translation(user, obj)
    if action in _SECRETARIAT_ACTIONS:
        return ALLOW if is_secretariat(user) else Decision(False, _NOT_ALLOWED)
    if action in _MODERATOR_ACTIONS:
        if not is_moderator(user):
            return Decision(False, _NOT_ALLOWED)
        if action in _JUDGEMENTS and isinstance(obj, Amendment | Comment) and _own_or_organisations(user, obj):
            return Decision(False, _l("This is your contribution or your organisation's: "
                                      "another moderator decides on it."))
        return _moderator_round_rule(action, obj, now)

    if action is Action.withdraw_support and isinstance(obj, Amendment):
        # taking one's own support back needs no eligibility, even on a hidden amendment
        if obj.status is not AmendmentStatus.submitted:
            return Decision(False, _l("This amendment has been answered or withdrawn and can no longer be supported."))
        return _round_open(obj.round, now)
    if action in _ROUND_FEATURE and _hidden(obj):
        return Decision(False, _l("A moderator hid this contribution; it can no longer be supported or replied to."))

    if action is Action.support_amendment and isinstance(obj, Amendment):
        if obj.author_id == user.id:
            return Decision(False, _l("You cannot support your own amendment."))
        if obj.status is not AmendmentStatus.submitted:
            return Decision(False, _l("This amendment has been answered or withdrawn and can no longer be supported."))
    if action in _ROUND_FEATURE:
        return _participation(user, action, _round_of(obj), now)
    if action in (Action.edit_amendment, Action.withdraw_amendment):
        return _own_amendment(user, obj, now)
    if action in (Action.edit_comment, Action.delete_comment):
        return _own_comment(user, obj, now)
    if action is Action.report:
        if isinstance(obj, Amendment | Comment) and obj.author_id == user.id:
            return Decision(False, _l("This is your own contribution: edit or withdraw it instead."))
        return ALLOW
    if action is Action.decide_membership:
        return _membership_decision(user, obj)
    return Decision(False, _NOT_ALLOWED)


def _membership_decision(user: User, organisation: Organisation | None) -> Decision:
    """The secretariat decides on any request to join; an organisation's contact on those to their own
    organisation once the secretariat has verified it (before that, anyone could have founded it)."""
    if is_secretariat(user):
        return ALLOW
    if not isinstance(organisation, Organisation) or not (user.is_contact and user.organisation_id == organisation.id):
        return Decision(False, _NOT_ALLOWED)
    if not organisation.is_verified:
        return Decision(False, _l("Your organisation is not verified yet: until it is, the secretariat decides "
                                  "who joins it."))
    return ALLOW


def translation_enabled() -> bool:
    return (current_app.config.get("TRANSLATION_BACKEND") or "none").lower() != "none"


def _translation(user: User, contribution) -> Decision:
    """Machine translation: offered only where a service is configured, never of one's own text
    (a person's words are never replaced), nor of a hidden or deleted contribution."""
    if not translation_enabled():
        return Decision(False, _l("Machine translation is not available on this platform."))
    if isinstance(contribution, Amendment | Comment):
        if contribution.visibility is not Visibility.visible:
            return Decision(False, _NOT_ALLOWED)
        if contribution.author_id == user.id:
            return Decision(False, _l("This is your own text."))
    return ALLOW


def _own_or_organisations(user: User, contribution: Amendment | Comment) -> bool:
    """Whose it is: the author's — but one a moderator recorded for an organisation at a meeting is
    the organisation's, the moderator only typed it in — and the organisation's people's."""
    own = contribution.author_id == user.id and not contribution.on_behalf_of_organisation
    return own or (user.organisation_id is not None and contribution.organisation_id == user.organisation_id)


def _hidden(obj) -> bool:
    """Hidden by a moderator, or under something that is: a reply would be shown beneath it."""
    if isinstance(obj, Comment):
        return obj.visibility is Visibility.hidden or _hidden(obj.parent or obj.amendment)
    return isinstance(obj, Amendment) and obj.visibility is Visibility.hidden


def _round_of(obj) -> Round:
    if isinstance(obj, Round):
        return obj
    if isinstance(obj, Amendment | Comment):
        return obj.round
    raise TypeError(f"no round for {obj!r}")


def _round_open(round_: Round, now: datetime) -> Decision:
    phase = round_.phase(now)
    if phase is RoundState.scheduled:
        return Decision(False, _l("This round has not opened yet."))
    if phase is not RoundState.open:
        return Decision(False, _l("This round is closed; contributions can no longer be made or changed."))
    return ALLOW


def _participation(user: User, action: Action, round_: Round, now: datetime) -> Decision:
    if not (decision := _round_open(round_, now)):
        return decision
    flag, refusal = _ROUND_FEATURE[action]
    if not getattr(round_, flag):
        return Decision(False, refusal)
    if is_moderator(user):
        return ALLOW  # moderators take part everywhere, e.g. to record in-person contributions
    organisation = user.organisation  # approved membership only: a pending request gives nothing
    if round_.restricted_to_region and (organisation is None or organisation.region is not round_.region):
        if user.requested_organisation_id is not None:
            return Decision(False, _l("This round is reserved for organisations of its region. Your request to join "
                                      "an organisation is still waiting; until it is approved you take part as an "
                                      "individual."))
        return Decision(False, _l("This round is reserved for organisations of its region."))
    if (
        action is Action.propose_amendment
        and round_.requires_verified_organisation
        and (organisation is None or not organisation.is_verified)
    ):
        return Decision(False, _l("Amendments in this round need an organisation verified by the secretariat."))
    return ALLOW


def _own_amendment(user: User, amendment: Amendment, now: datetime) -> Decision:
    if amendment.author_id != user.id:
        return Decision(False, _NOT_ALLOWED)
    if amendment.status is not AmendmentStatus.submitted:
        return Decision(False, _l("This amendment has been answered or withdrawn and can no longer be changed."))
    if amendment.visibility is not Visibility.visible:
        return Decision(False, _l("A moderator hid this amendment; it can no longer be changed."))
    return _round_open(amendment.round, now)


def _own_comment(user: User, comment: Comment, now: datetime) -> Decision:
    if comment.author_id != user.id or comment.visibility is not Visibility.visible:
        return Decision(False, _NOT_ALLOWED)
    return _round_open(comment.round, now)


def _moderator_round_rule(action: Action, obj, now: datetime) -> Decision:
    """Closed rounds are read-only for moderators too, except answering and hiding."""
    if action is Action.close_round and isinstance(obj, Round):
        return _round_open(obj, now)
    if action is Action.extend_round and isinstance(obj, Round):
        if obj.phase(now) is RoundState.scheduled:
            return Decision(False, _l("This round has not opened yet; the secretariat can change its dates."))
        if obj.version.state is not VersionState.in_consultation:
            return Decision(False, _l("The version of this round is no longer in consultation."))
    if action is Action.record_on_behalf and obj is not None:
        return _round_open(_round_of(obj), now)
    if action is Action.consolidate and isinstance(obj, Version) and obj.state is not VersionState.consolidating:
        return Decision(False, _l("This version is not being consolidated."))
    if action is Action.answer_amendment and isinstance(obj, Amendment):
        if obj.round.phase(now) is RoundState.scheduled or obj.status is AmendmentStatus.withdrawn:
            return Decision(False, _NOT_ALLOWED)
        if obj.incorporated_in_id or obj.set_aside_reason:
            return Decision(False, _l("This amendment has been dealt with in a consolidation; its answer stays."))
    return ALLOW


# --- for views and templates ----------------------------------------------------------------


def can(action: Action | str, obj=None) -> Decision:
    return decide(current_user, Action(action), obj)


class CommentRights:
    """decide() for the comments of one discussion page, as one viewer sees it. A long page asks
    the same questions of hundreds of comments; what depends only on the viewer and the round
    (logged in? a moderator? the round open and taking comments?) is decided once here, the
    comment's own part (whose, hidden) per comment. Same rules as decide(): a test compares them."""

    def __init__(self, user: User | None, round_: Round, now: datetime | None = None):
        now = now or utcnow()
        # Until their address is confirmed a person may do nothing here, as a visitor.
        self.user = user if user is not None and user.is_authenticated and user.is_confirmed else None
        self.round_id = round_.id
        self._moderator = is_moderator(self.user)
        self._round_open = bool(_round_open(round_, now))
        self._may_comment = bool(decide(user, Action.comment, round_, now=now))
        self._may_translate = bool(decide(user, Action.translate, now=now))
        self._locale = current_locale()

    def reply(self, comment, above: Amendment | Comment | None = None) -> bool:
        """`comment` a Comment, or a plain value with its visibility (a page's row) shown under `above`:
        its parent or amendment (None for a first-level comment on an article)."""
        if isinstance(comment, Comment):
            return self._may_comment and not _hidden(comment)
        return self._may_comment and comment.visibility is not Visibility.hidden and not _hidden(above)

    def edit(self, comment: Comment) -> bool:  # and delete: the same rule
        return (self.user is not None and comment.author_id == self.user.id
                and comment.visibility is Visibility.visible and self._round_open)

    def moderate(self, comment: Comment) -> bool:
        return self._moderator and not _own_or_organisations(self.user, comment)

    def report(self, comment: Comment) -> bool:
        """Anyone logged in may report; the link is not offered on one's own comment."""
        return self.user is not None and comment.author_id != self.user.id

    def translate(self, comment) -> bool:
        """The machine translation of another person's visible comment written in another language
        than the reader's (the language is no rule of decide(): a translation into the same is none)."""
        return (self._may_translate and comment.author_id != self.user.id
                and comment.visibility is Visibility.visible and comment.locale != self._locale)


class AmendmentRights:
    """decide() for the amendment cards of one page, as one viewer sees them: like CommentRights,
    what depends only on the viewer and the round is decided once, the amendment's own part (whose,
    answered, hidden) per amendment. An amendment here is an Amendment or any plain value with its
    visibility, status, author_id, organisation_id and on_behalf_of_organisation (a page's rows).
    Same rules as decide(): a test compares them."""

    def __init__(self, user: User | None, round_: Round, now: datetime | None = None):
        now = now or utcnow()
        self.user = user if user is not None and user.is_authenticated and user.is_confirmed else None
        self._moderator = is_moderator(self.user)
        self._round_open = bool(_round_open(round_, now))
        self._may_support = bool(decide(user, Action.support_amendment, round_, now=now))

    def support(self, amendment) -> bool:
        return (self._may_support and amendment.visibility is not Visibility.hidden
                and amendment.author_id != self.user.id and amendment.status is AmendmentStatus.submitted)

    def withdraw_support(self, amendment) -> bool:
        return self.user is not None and amendment.status is AmendmentStatus.submitted and self._round_open

    def moderate(self, amendment) -> bool:
        return self._moderator and not _own_or_organisations(self.user, amendment)


def comment_rights(round_: Round) -> CommentRights:
    return CommentRights(current_user._get_current_object(), round_)  # not the proxy: asked per comment


def authorize(action: Action | str, obj=None) -> Decision:
    """Refuse the request (401 for visitors, 403 otherwise) unless the action is allowed."""
    g.authorized = True
    decision = can(action, obj)
    if not decision:
        if not current_user.is_authenticated and request.method == "GET":
            abort(current_app.login_manager.unauthorized())  # to the login page, and back after
        abort(401 if not current_user.is_authenticated else 403, description=str(decision.reason))
    return decision


def check(action: Action | str, obj=None) -> Decision:
    """Like authorize() but returns the refusal, for views that re-show a form with its text."""
    g.authorized = True
    return can(action, obj)


def public(view: Callable) -> Callable:
    view.access = "public"
    return view


def checked(view: Callable) -> Callable:
    """The view calls authorize() or check() itself, once it has loaded the object acted on."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.authorized = False
        response = view(*args, **kwargs)
        if not g.authorized:
            raise RuntimeError(f"view {request.endpoint} is @checked but never called authorize()")
        return response

    wrapper.access = "checked"
    return wrapper


def requires(action: Action) -> Callable:
    """For views whose permission needs no object: decided before the view runs."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            authorize(action)
            return view(*args, **kwargs)

        wrapper.access = "checked"
        return wrapper

    return decorator


def refuse_undeclared_endpoints() -> None:
    """before_request: an endpoint that is neither public nor checked is refused."""
    if request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint == "static" or getattr(view, "access", None) in ("public", "checked"):
        return
    abort(403)
