"""The audit log: every staff action that changes data, with who and when."""

from __future__ import annotations

from flask_login import current_user

from participation.extensions import db
from participation.models import AuditEntry


def record(action: str, subject, summary: str = "") -> AuditEntry:
    """Add an audit entry to the current transaction; it is stored with the change itself."""
    db.session.flush()  # a new subject gets its id here
    actor = current_user if current_user and current_user.is_authenticated else None
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_email=actor.email if actor else "system",
        action=action,
        subject_type=type(subject).__name__,
        subject_id=str(getattr(subject, "id", "") or ""),
        summary=summary,
    )
    db.session.add(entry)
    return entry

