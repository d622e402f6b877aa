"""The public agenda: upcoming dates per day, one page per event, and calendar feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from events import build_calendar, calendar_bytes
from events.models import TIMEZONE, Category, Event, Status
from participation.extensions import db
from participation.i18n import current_language, localized
from participation.labels import CATEGORY_LABELS
from participation.signups import service as signup_service
from participation.models import AuditEntry

bp = Blueprint("agenda", __name__)

AGENDA_DAYS = 90
PUBLIC = (Status.PUBLISHED.value, Status.CANCELLED.value)


def _category_arg() -> str | None:
    value = request.args.get("category", "")
    return value if value in {c.value for c in Category} else None


def public_events(category: str | None = None) -> list[Event]:
    query = select(Event).where(Event.status.in_(PUBLIC))
    if category:
        query = query.where(Event.category == category)
    return list(db.session.scalars(query.order_by(Event.starts_at)))


def _absolute(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + path


def _feed_path(category: str | None) -> str:
    return url_for("agenda.category_feed", category=category) if category else url_for("agenda.feed")


@localized(bp, "/agenda/")
def index():
    """Upcoming dates, grouped by day, optionally of one kind only."""
    category = _category_arg()
    now = dt.datetime.now(TIMEZONE)
    today = dt.datetime.combine(now.date(), dt.time(), TIMEZONE)
    window_end = today + dt.timedelta(days=AGENDA_DAYS)
    occurrences = sorted(
        (o for event in public_events(category) for o in event.occurrences(now, window_end)),
        key=lambda o: (o.start, o.event.id),
    )
    days = [(day, list(items)) for day, items in groupby(occurrences, key=lambda o: o.day)]
    feed = _absolute(_feed_path(category))
    return render_template(
        "agenda/index.html", days=days, category=category,
        feed_url=feed, webcal_url="webcal://" + feed.split("://", 1)[1], agenda_days=AGENDA_DAYS,
    )


@localized(bp, "/agenda/<int:event_id>/")
def event(event_id: int):
    """One event: when, where, what; drafts only for staff, as a preview."""
    item = db.get_or_404(Event, event_id)
    if not item.is_public and not current_user.is_authenticated:
        abort(404)
    now = dt.datetime.now(TIMEZONE)
    upcoming = item.occurrences(now, now + dt.timedelta(days=366))[:12]
    return render_template("agenda/event.html", event=item, upcoming=upcoming,
                           signup_state=item.signup_state(now.replace(tzinfo=None)),
                           places_left=signup_service.places_left(item) if item.takes_signups else 0)


def _calendar_response(events: list[Event], name: str, filename: str, attachment: bool) -> Response:
    """An iCalendar answer that repeats to a conditional request with 304."""
    language = current_language()
    stamp = _revision(events)
    response = Response(mimetype="text/calendar")
    response.charset = "utf-8"
    response.set_etag(_etag(events, language, name))
    response.last_modified = stamp.replace(tzinfo=dt.UTC)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.make_conditional(request)
    if response.status_code == 304:
        return response
    calendar = build_calendar(
        events, language=language, name=name,
        event_url=lambda e: _absolute(url_for("agenda.event", event_id=e.id)),
        category_label=lambda c: str(CATEGORY_LABELS.get(c, c)),
        host=current_app.config["PUBLIC_BASE_URL"].split("://", 1)[1].split("/")[0].split(":")[0],
    )
    response.set_data(calendar_bytes(calendar))
    return response


def _revision(events: list[Event]) -> dt.datetime:
    """When the feed last changed: the newest edit, or the newest deletion of an event."""
    deleted = db.session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == "event.delete"))
    stamps = [e.updated_at for e in events] + ([deleted] if deleted else [])
    return max(stamps, default=dt.datetime(2024, 1, 1)).replace(microsecond=0)


def _etag(events: list[Event], language: str, name: str) -> str:
    """Changes whenever an event in the feed is added, edited or removed."""
    digest = hashlib.sha256(f"{language}|{name}".encode())
    for e in events:
        digest.update(f"|{e.uid}:{e.sequence}:{e.updated_at.isoformat()}".encode())
    return digest.hexdigest()[:32]


@localized(bp, "/agenda/feed.ics")
def feed():
    """The whole agenda as a calendar to subscribe to."""
    return _calendar_response(public_events(), _("Waterschei agenda"), "waterschei.ics", attachment=False)


@localized(bp, "/agenda/feed/<any(" + ", ".join(f'"{c.value}"' for c in Category) + "):category>.ics")
def category_feed(category: str):
    """One kind of event as a calendar to subscribe to."""
    name = _("Waterschei agenda: %(category)s", category=CATEGORY_LABELS[Category(category)])
    return _calendar_response(public_events(category), name, f"waterschei-{category}.ics", attachment=False)


@localized(bp, "/agenda/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event to add to a calendar app."""
    item = db.get_or_404(Event, event_id)
    if not item.is_public:
        abort(404)
    title, _fallback = item.text(current_language())
    return _calendar_response([item], title.title, f"waterschei-{item.id}.ics", attachment=True)
