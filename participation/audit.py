"""The audit log: every staff action that changes data, and every look at a child's or a resident's
details (actions `view.…`), with who and when."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from participation.extensions import db
from participation.models import AuditEntry


def record(action: str, subject, summary: str = "", *, actor=None, actor_email: str | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction; it is stored with the change itself.

    The actor is the logged-in account, unless given: a login names the account (if any) and the
    e-mail address typed."""
    db.session.flush()  # a new subject gets its id here
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_email=(actor_email or (actor.email if actor else "system"))[:254],
        action=action,
        subject_type=subject.__name__ if isinstance(subject, type) else type(subject).__name__,
        subject_id="" if isinstance(subject, type) else str(getattr(subject, "id", "") or ""),
        summary=summary,
    )
    db.session.add(entry)
    return entry


def record_view(action: str, subject, summary: str = "") -> AuditEntry | None:
    """Staff opened a person's details: who, and what (the subject's type and id; a class for a list),
    never the data themselves; the view commits it at once, in the request that shows them. Only a GET
    counts (None otherwise): a form sent back with errors shows again what the GET before it showed
    (and recorded), and a refused request changes nothing."""
    if request.method != "GET":
        return None
    return record(f"view.{action}", subject, summary)
