"""Events of the neighbourhood agenda: model, recurrence (series and their changed dates) and iCalendar feeds, free of Flask."""

from events.models import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    TIMEZONE,
    Base,
    Category,
    DateChange,
    DateStatus,
    Event,
    EventText,
    Occurrence,
    Status,
)
from events.recurrence import expand
from events.ical import Organizer, build_calendar, calendar_bytes, keep_since

__all__ = [
    "Base",
    "Category",
    "DateChange",
    "DateStatus",
    "DEFAULT_LANGUAGE",
    "Event",
    "EventText",
    "LANGUAGES",
    "Occurrence",
    "Organizer",
    "Status",
    "TIMEZONE",
    "build_calendar",
    "calendar_bytes",
    "keep_since",
    "expand",
]
