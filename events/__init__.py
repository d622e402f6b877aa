"""Events of the neighbourhood agenda: model, weekly recurrence and iCalendar feeds, free of Flask."""

from events.models import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    TIMEZONE,
    Base,
    Category,
    Event,
    EventText,
    Occurrence,
    Status,
)
from events.recurrence import expand
from events.ical import build_calendar, calendar_bytes

__all__ = [
    "Base",
    "Category",
    "DEFAULT_LANGUAGE",
    "Event",
    "EventText",
    "LANGUAGES",
    "Occurrence",
    "Status",
    "TIMEZONE",
    "build_calendar",
    "calendar_bytes",
    "expand",
]
