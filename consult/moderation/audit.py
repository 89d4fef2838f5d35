"""The audit log: every moderator and secretariat act, written in the act's own transaction."""

from typing import Any

from consult.extensions import db
from consult.models import AuditEvent, User


def record(actor: User | None, action: str, obj: Any, **payload: Any) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=getattr(obj, "id", None),
        payload={key: _plain(value) for key, value in payload.items()},
    )
    db.session.add(event)
    return event


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value
