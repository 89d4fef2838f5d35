"""The kinds of notice, and the groups people choose a rhythm for."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

RHYTHMS = {
    "immediately": _l("At once"),
    "daily": _l("In a daily digest"),
    "weekly": _l("In a weekly digest"),
    "never": _l("Never by mail"),
}


@dataclass(frozen=True)
class Group:
    label: object
    default: str
    kinds: tuple[str, ...]
    moderators_only: bool = False
    rhythms: tuple[str, ...] = tuple(RHYTHMS)  # what the settings offer for it


GROUPS = {
    "answers": Group(_l("Answers to my amendments, and moderation of what I wrote"), "immediately",
                     ("amendment_answered", "amendment_incorporated", "contribution_hidden", "contribution_restored")),
    "replies": Group(_l("Replies to my comments and comments on my amendments"), "immediately",
                     ("reply", "comment_on_amendment")),
    "supports": Group(_l("Supports of my amendments"), "daily", ("support",)),
    "followed": Group(_l("New amendments and comments on what I follow"), "daily",
                      ("followed_amendment", "followed_comment")),
    "rounds": Group(_l("Rounds I may take part in: opening, and closing in three days"), "immediately",
                    ("round_opened", "round_closing")),
    "versions": Group(_l("A new version of the charter is published"), "immediately", ("version_published",)),
    "moderation": Group(_l("For moderators: new reports, and amendments waiting when a round closes"), "daily",
                        ("report_filed", "round_closed_waiting"), moderators_only=True),
    # Mailed at once to their audience, never held for a digest: anything but "never" means at once.
    "announcements": Group(_l("Announcements from the secretariat"), "immediately", ("announcement",),
                           rhythms=("immediately", "never")),
}
GROUP_OF = {kind: name for name, group in GROUPS.items() for kind in group.kinds}
