"""Template filters: dates and times the way residents read them, and safe paragraphs."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from babel.lists import format_list as babel_format_list
from flask_babel import format_date, format_datetime, get_locale
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from participation.labels import CATEGORY_LABELS, LANGUAGE_LABELS, STATUS_LABELS, WEEKDAY_LABELS
from participation.mail_text import in_subject
from participation.phone import phone_label


def day_label(day: dt.date) -> str:
    """'woensdag 10 maart 2027', 'Çarşamba, 10 Mart 2027', 'сряда, 10 март 2027 г.'."""
    return format_date(day, format="full")


def short_date(day: dt.date) -> str:
    return format_date(day, format="medium")


def clock(moment: dt.datetime | dt.time) -> str:
    """24-hour wall-clock time, as used in all three languages."""
    return moment.strftime("%H:%M")


def weekday_list(codes: list[str]) -> str:
    return babel_format_list([str(WEEKDAY_LABELS[code]).lower() for code in codes], locale=get_locale())


def stamp(moment: dt.datetime) -> str:
    """A stored UTC time shown in Brussels time."""
    return format_datetime(moment.replace(tzinfo=dt.UTC), format="short")


def paragraphs(text: str) -> Markup:
    """Plain text typed by staff: escaped, blank lines make paragraphs, newlines make line breaks."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    return Markup("".join(
        "<p>" + "<br>".join(str(escape(line)) for line in block.split("\n")) + "</p>" for block in blocks
    ))


def _lazy_text_as_html(text: LazyString) -> Markup:
    """A lazy translation rendered in a template: escaped, like any other text."""
    return escape(str(text))


def init_app(app: Flask) -> None:
    """Register the filters and the label tables; make lazy translations render as text."""
    # Flask-Babel's LazyString.__html__ returns the string as it is, so Jinja (and WTForms, and
    # markupsafe.escape) treat `_l("“%(group)s” is full", group=name)` as trusted markup: a name typed
    # by staff or a date typed in a form would reach the page unescaped. No lazy text of ours holds
    # markup on purpose, so every one is escaped (tests/test_injection.py).
    LazyString.__html__ = _lazy_text_as_html
    app.jinja_env.filters.update(day_label=day_label, short_date=short_date, clock=clock,
                                 weekday_list=weekday_list, paragraphs=paragraphs, stamp=stamp,
                                 in_subject=in_subject, phone=phone_label)
    app.jinja_env.globals.update(categories=CATEGORY_LABELS, status_labels=STATUS_LABELS,
                                 language_labels=LANGUAGE_LABELS)
