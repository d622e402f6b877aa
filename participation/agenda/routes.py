"""The public agenda: upcoming dates per day, one page per event, and calendar feeds."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from itertools import groupby

from flask import Blueprint, Response, abort, current_app, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.http import http_date
from sqlalchemy import bindparam, func, or_, select

from events import Organizer, build_calendar, calendar_bytes, keep_since
from events.models import TIMEZONE, Category, DateChange, Event, Status
from participation import caching
from participation.extensions import db
from participation.i18n import catalogs_version, current_language, localized, public_host, public_url
from participation.labels import CATEGORY_LABELS
from participation.signups import service as signup_service
from participation.signups.models import Signup, SignupStatus
from participation.site import stylesheets as site_stylesheets
from participation.models import AuditEntry

bp = Blueprint("agenda", __name__)

AGENDA_DAYS = 90
PUBLIC = (Status.PUBLISHED.value, Status.CANCELLED.value)


def _category_arg() -> str | None:
    value = request.args.get("category", "")
    return value if value in {c.value for c in Category} else None


def public_events(category: str | None = None, *, between: tuple[dt.datetime, dt.datetime] | None = None
                  ) -> list[Event]:
    """Published and cancelled events; with `between` (aware), only those that may occur then."""
    query = select(Event).where(Event.status.in_(PUBLIC))
    if category:
        query = query.where(Event.category == category)
    if between:
        # Stored times are Brussels wall-clock time; a day's margin covers any change of clock.
        # This only narrows the rows loaded: occurrences() decides exactly.
        margin = dt.timedelta(days=1)
        start, end = (moment.astimezone(TIMEZONE).replace(tzinfo=None) for moment in between)
        # A series may reach the window (and a moved date may land in it): its rule decides.
        query = query.where(Event.starts_at < end + margin, or_(Event.ends_at > start - margin, Event.is_recurring))
    return list(db.session.scalars(query.order_by(Event.starts_at)))


def _revision_query(of_one_kind: bool):
    """Counts and stamps of the public events (of one kind: bind "category"), of their changed dates,
    and the last deletion."""
    events, changes, audit = Event.__table__, DateChange.__table__, AuditEntry.__table__
    deleted = select(func.max(audit.c.at)).where(audit.c.action == "event.delete").scalar_subquery()
    public = events.c.status.in_(PUBLIC)
    if of_one_kind:
        public = public & (events.c.category == bindparam("category"))
    # A date cancelled, moved or undone raises its own SEQUENCE (and the count, when it is new).
    dates = select(func.count(changes.c.id), func.coalesce(func.sum(changes.c.sequence), 0),
                   func.max(changes.c.updated_at)).select_from(changes.join(events)).where(public)
    date_count, date_sequences, date_newest = (
        dates.with_only_columns(column).scalar_subquery() for column in dates.selected_columns)
    return select(func.count(events.c.id), func.coalesce(func.sum(events.c.sequence), 0),
                  func.max(events.c.updated_at), func.coalesce(func.max(events.c.id), 0), deleted,
                  date_count, date_sequences, date_newest).where(public)


# Built once: these run on every agenda and feed request, even those answered with 304.
_REVISION_QUERIES = {False: _revision_query(False), True: _revision_query(True)}


def _revision(category: str | None = None) -> tuple[str, dt.datetime]:
    """What the public agenda (of one kind) holds, from one aggregate query, without loading it.

    Any edit raises an event's or a date's SEQUENCE and its update time, an event that is added or
    removed changes the count, and a deletion leaves its time in the audit log; together they name
    the content, even for two edits within one second. Returns that name and the time of the last change.
    """
    query = _REVISION_QUERIES[bool(category)]
    row = caching.recent(("revision", category), lambda: tuple(
        db.session.connection().execute(query, {"category": category} if category else {}).one()))
    count, sequences, newest, last_id, deleted, date_count, date_sequences, date_newest = row
    stamps = [stamp for stamp in (newest, deleted, date_newest) if stamp]
    changed = max(stamps, default=dt.datetime(2024, 1, 1)).replace(microsecond=0)
    return f"{count}:{sequences}:{newest}:{last_id}:{deleted}:{date_count}:{date_sequences}:{date_newest}", changed


def _feed_path(category: str | None) -> str:
    return url_for("agenda.category_feed", category=category) if category else url_for("agenda.feed")


@localized(bp, "/agenda/")
def index():
    """Upcoming dates, grouped by day, optionally of one kind only."""
    category = _category_arg()
    now = dt.datetime.now(TIMEZONE)
    if not _anonymous_visit():
        return _render_agenda(category, now)[0]
    return _shared_page(_revision(category)[0], lambda: _render_agenda(category, now), now)


def _render_agenda(category: str | None, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The agenda page, and the moment it changes by itself (a date ends, or a new day begins)."""
    today = dt.datetime.combine(now.date(), dt.time(), TIMEZONE)
    window_end = today + dt.timedelta(days=AGENDA_DAYS)
    occurrences = sorted(
        (o for event in public_events(category, between=(now, window_end))
         for o in event.occurrences(now, window_end)),
        key=lambda o: (o.start, o.event.id),
    )
    days = [(day, list(items)) for day, items in groupby(occurrences, key=lambda o: o.day)]
    feed = current_app.config["PUBLIC_BASE_URL"] + _feed_path(category)
    html = render_template(
        "agenda/index.html", days=days, category=category,
        feed_url=feed, webcal_url="webcal://" + feed.split("://", 1)[1], agenda_days=AGENDA_DAYS,
    )
    return html, _next_change(now, [o.end for o in occurrences])


@localized(bp, "/agenda/<int:event_id>/")
def event(event_id: int):
    """One event: when, where, what; drafts only for staff, as a preview."""
    now = dt.datetime.now(TIMEZONE)
    if not _anonymous_visit():
        return _render_event(event_id, now)[0]
    state = caching.recent(("event", event_id),
                           lambda: db.session.connection().execute(_EVENT_STATE, {"id": event_id}).one_or_none())
    if state is None or state.status not in PUBLIC:
        abort(404)
    return _shared_page(repr(tuple(state)), lambda: _render_event(event_id, now), now)


def _render_event(event_id: int, now: dt.datetime) -> tuple[str, dt.datetime]:
    """The event page, and the moment it changes by itself (a date passes, sign-ups open or close)."""
    item = db.get_or_404(Event, event_id)
    if not item.is_public and not current_user.is_authenticated:
        abort(404)
    upcoming = item.occurrences(now, now + dt.timedelta(days=366))[:12]
    state = item.signup_state(now.replace(tzinfo=None))
    per_date = item.per_date and item.takes_signups
    # Places left per date (a drop-in), from one query; None for the dates one cannot sign up for.
    left = signup_service.places_left_per_date(item, [o.key for o in upcoming]) if per_date else {}
    closes = item.signups_close_at.replace(tzinfo=TIMEZONE) if item.signups_close_at else None
    bookable = {o.key for o in upcoming if per_date and state == "open" and o.takes_place and o.start > now
                and (closes is None or now < closes)}
    feed = public_url("agenda.event_feed", event_id=item.id)  # in the page's language (url_for keeps it)
    html = render_template("agenda/event.html", event=item, upcoming=upcoming, signup_state=state,
                           feed_url=feed, webcal_url="webcal://" + feed.split("://", 1)[1],
                           per_date=per_date, left=left, bookable=bookable,
                           date_value=lambda start: start.strftime("%Y-%m-%dT%H:%M"),
                           places_left=signup_service.places_left(item) if item.takes_signups and not per_date else 0)
    opens, closes_at = item.signups_open_at, item.signups_close_at or item.starts_at
    turns = [moment.replace(tzinfo=TIMEZONE) for moment in (opens, closes_at) if moment is not None]
    # A date's start closes its sign-up (per date, or a course that takes late joiners).
    return html, _next_change(now, [o.end for o in upcoming] + [o.start for o in upcoming] + turns)


# What an event page shows that can change: the event (any edit, a date's change included, raises
# its update time) and the places taken. Per date, which rows hold the places matters too: the sum
# of their ids (with their people) changes when a place moves from one date to another.
_SIGNUPS = Signup.__table__.c
_CONFIRMED = (_SIGNUPS.event_id == Event.__table__.c.id) & (_SIGNUPS.status == SignupStatus.CONFIRMED.value)
_EVENT_STATE = select(
    Event.__table__.c.status, Event.__table__.c.sequence, Event.__table__.c.updated_at,
    select(func.coalesce(func.sum(_SIGNUPS.people), 0)).where(_CONFIRMED).scalar_subquery(),
    select(func.count(_SIGNUPS.id)).where(_CONFIRMED).scalar_subquery(),
    select(func.coalesce(func.sum(_SIGNUPS.id * _SIGNUPS.people), 0)).where(_CONFIRMED).scalar_subquery(),
    # Every change of a date (cancelled, moved, undone) raises its own SEQUENCE.
    select(func.coalesce(func.sum(DateChange.__table__.c.sequence), 0))
    .where(DateChange.__table__.c.event_id == Event.__table__.c.id).scalar_subquery(),
).where(Event.__table__.c.id == bindparam("id"))


def _anonymous_visit() -> bool:
    """A visitor who is not logged in and has no message waiting sees the same page as any other."""
    return not current_user.is_authenticated and not session.get("_flashes")


def _next_change(now: dt.datetime, moments: list[dt.datetime]) -> dt.datetime:
    """The first of `moments` still to come, or the next midnight, whichever is sooner."""
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), TIMEZONE)
    return min([moment for moment in moments if moment > now] + [midnight])


def _shared_page(state: str, render: Callable[[], tuple[str, dt.datetime]], now: dt.datetime) -> Response:
    """A page that is the same for every visitor in the same `state`, kept until it changes by itself.

    The key also holds the language and query (the URL) and the hashed names of the stylesheets the
    page links. The page gets an ETag, so a browser's reload is answered with 304.
    """
    assets = "|".join([*site_stylesheets(), url_for("static", filename="app.css")])
    key = f"{request.full_path}|{now.date()}|{state}|{assets}"
    pages = caching.cache("pages", size=64)
    kept = pages.get(key)
    if kept is None or now >= kept[2]:
        html, valid_until = render()
        body = html.encode()  # once, not on every request
        kept = (body, hashlib.sha256(body).hexdigest()[:32], valid_until)
        pages.put(key, kept)
    response = Response(kept[0], mimetype="text/html")
    response.set_etag(kept[1], weak=True)
    caching.share_body(kept[1])
    return response.make_conditional(request)


def uid_domain() -> str:
    """The domain of calendar UIDs: CALENDAR_UID_DOMAIN, or else the public address's host."""
    return current_app.config.get("CALENDAR_UID_DOMAIN") or public_host()


def _utcnow() -> dt.datetime:
    """Now in UTC, naive, with microseconds (the tests stop this clock)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _last_modified(stamp: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Last-Modified for content last changed at `stamp` (naive UTC, whole seconds), sent at `now`.

    HTTP dates have whole seconds: a feed sent within the second of its last change may miss another
    change in that same second, so it says a second earlier (and If-Modified-Since is not answered
    with 304 during that second), so that the next request fetches it again.
    """
    return stamp - dt.timedelta(seconds=1) if now < stamp + dt.timedelta(seconds=1) else stamp


def _calendar_response(load: Callable[[], list[Event]], revision: tuple[str, dt.datetime],
                       name: Callable[[], str], filename: str, *, attachment: bool = False,
                       single: bool = False, whole_history: bool = False) -> Response:
    """An iCalendar answer that repeats to a conditional request with 304, before loading any event.

    `revision` names the content (see `_revision`); the ETag also holds the language, the file name,
    the version of the translations and, for feeds, the first day they still show, so the calendar's
    `name` is translated only to build it. A feed built once is kept under its ETag. `single`: one
    event to download (no calendar name); `whole_history`: no past events are left out.
    """
    language = current_language()
    content, stamp = revision
    now = _utcnow()
    today = now.replace(tzinfo=dt.UTC).astimezone(TIMEZONE).date()
    since = None if single or whole_history else keep_since(today)
    if since is not None:
        # The feed also changes when old events leave it, on the first of each month.
        month_began = dt.datetime.combine(today.replace(day=1), dt.time(), TIMEZONE)
        stamp = max(stamp, month_began.astimezone(dt.UTC).replace(tzinfo=None))
    # The public address and UID domain too: both are written into every feed.
    where = f"{current_app.config['PUBLIC_BASE_URL']}|{uid_domain()}"
    etag = hashlib.sha256(f"{language}|{filename}|{_translations_version()}|{since}|{where}|{content}".encode()
                          ).hexdigest()[:32]
    # Weak: the same feed compressed or not (see participation.compression). Plain strings, because
    # a calendar app asking again (304) is the most common request of all.
    settled = now >= stamp + dt.timedelta(seconds=1)
    headers = {"ETag": f'W/"{etag}"', "Last-Modified": http_date(_last_modified(stamp, now).replace(tzinfo=dt.UTC)),
               "Cache-Control": "public, max-age=300"}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers, mimetype="text/calendar")
    disposition = "attachment" if attachment else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response = Response(headers=headers, mimetype="text/calendar")
    response.charset = "utf-8"
    if settled:  # within the second of a change, a date cannot tell whether the copy has it
        response.make_conditional(request)  # If-Modified-Since
        if response.status_code == 304:
            return response
    feeds = caching.cache("feeds", size=32)
    body = feeds.get(etag)
    if body is None:
        config = current_app.config
        organizer = Organizer(config["CALENDAR_ORGANIZER"], config["CALENDAR_ORGANIZER_NAME"]) \
            if config.get("CALENDAR_ORGANIZER") else None
        calendar = build_calendar(
            load(), language=language, name=name(),
            description=_("Activities, homework support, information sessions and meetings of the buurthuis "
                          "in Waterschei (Genk). Cancelled and moved dates are shown too."),
            event_url=lambda e: public_url("agenda.event", event_id=e.id),
            category_label=lambda c: str(CATEGORY_LABELS.get(c, c)),
            cancelled_title=lambda title: _("Cancelled: %(title)s", title=title),
            host=uid_domain(), organizer=organizer, single=single, keep_since=since,
        )
        body = calendar_bytes(calendar)
        feeds.put(etag, body)
    response.set_data(body)
    caching.share_body(etag)
    return response


def _translations_version() -> str:
    return catalogs_version(current_app.root_path)


def _feed_events(category: str | None = None) -> list[Event]:
    """The public events a feed may show (of one kind); build_calendar leaves out those long past."""
    since = keep_since(dt.datetime.now(TIMEZONE).date())
    query = select(Event).where(Event.status.in_(PUBLIC))
    if category:
        query = query.where(Event.category == category)
    # Only narrows the rows loaded: a series' rule (or a moved date) decides in build_calendar.
    query = query.where(or_(Event.is_recurring, Event.ends_at >= dt.datetime.combine(since, dt.time())))
    return list(db.session.scalars(query.order_by(Event.starts_at, Event.id)))


@localized(bp, "/agenda/feed.ics")
def feed():
    """The whole agenda as a calendar to subscribe to."""
    return _calendar_response(_feed_events, _revision(), lambda: _("Waterschei agenda"), "waterschei.ics")


@localized(bp, "/agenda/feed/<any(" + ", ".join(f'"{c.value}"' for c in Category) + "):category>.ics")
def category_feed(category: str):
    """One kind of event as a calendar to subscribe to."""
    return _calendar_response(
        lambda: _feed_events(category), _revision(category),
        lambda: _("Waterschei agenda: %(category)s", category=CATEGORY_LABELS[Category(category)]),
        f"waterschei-{category}.ics")


# One event's SEQUENCE and stamps, and those of its changed dates: what its download and feed show.
_ONE_EVENT_STATE = select(
    Event.__table__.c.status, Event.__table__.c.uid, Event.__table__.c.sequence, Event.__table__.c.updated_at,
    *(select(aggregate).where(DateChange.__table__.c.event_id == Event.__table__.c.id).scalar_subquery()
      for aggregate in (func.count(DateChange.__table__.c.id),
                        func.coalesce(func.sum(DateChange.__table__.c.sequence), 0),
                        func.max(DateChange.__table__.c.updated_at))),
).where(Event.__table__.c.id == bindparam("id"))


def _one_event_revision(event_id: int) -> tuple[str, dt.datetime]:
    """The revision of one public event and its dates (404 for a draft or none), from one query."""
    state = caching.recent(("event-feed", event_id), lambda: db.session.connection().execute(
        _ONE_EVENT_STATE, {"id": event_id}).one_or_none())
    if state is None or state.status not in PUBLIC:
        abort(404)
    status, uid, sequence, updated_at, count, sequences, dates_newest = state
    changed = max(stamp for stamp in (updated_at, dates_newest) if stamp).replace(microsecond=0)
    return f"{status}:{uid}:{sequence}:{updated_at}:{count}:{sequences}:{dates_newest}", changed


def _one_event(event_id: int) -> list[Event]:
    item = db.session.get(Event, event_id)
    return [item] if item is not None and item.is_public else []


def _title(event_id: int) -> str:
    item = db.session.get(Event, event_id)
    return item.text(current_language())[0].title if item is not None else ""


@localized(bp, "/agenda/<int:event_id>.ics")
def event_ics(event_id: int):
    """One event to add to a calendar app once (a download, not a calendar of its own)."""
    return _calendar_response(lambda: _one_event(event_id), _one_event_revision(event_id),
                              lambda: _title(event_id), f"waterschei-{event_id}.ics",
                              attachment=True, single=True)


@localized(bp, "/agenda/<int:event_id>/feed.ics")
def event_feed(event_id: int):
    """One activity as a calendar to subscribe to: every change to its dates reaches the phone."""
    return _calendar_response(
        lambda: _one_event(event_id), _one_event_revision(event_id),
        lambda: _("Waterschei agenda: %(activity)s", activity=_title(event_id)),
        f"waterschei-{event_id}-feed.ics", whole_history=True)
