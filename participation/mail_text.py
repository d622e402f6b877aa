"""Text that goes into an e-mail: header values that nothing typed can break, bodies SMTP carries.

A resident may paste anything into a name: a line or paragraph separator (U+2028/2029, U+0085), a
carriage return, a control or direction-override character, ten thousand letters. Python's email
package refuses a header value with a line break in it, so one such name used to stop every e-mail
behind it. Every header value passes `header_text`, every body `body_text`, when a message is
queued and again when it is sent (rows stored before this existed are cleaned on the way out).
"""

from __future__ import annotations

import re
import unicodedata

SUBJECT_LENGTH = 150  # a subject stays readable in a phone's mail list
NAME_IN_SUBJECT = 40  # what a resident typed, inside a subject (a child's first name)

# Line breaks of every kind: \n \r, vertical tab, form feed, file/group/record separators, NEL, LS, PS.
_LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _invisible(character: str) -> bool:
    """Control, format (direction marks and overrides, zero-width), unassigned, private or separator-only."""
    category = unicodedata.category(character)
    return category[0] == "C" or category in ("Zl", "Zp")


def header_text(value: object, limit: int = SUBJECT_LENGTH) -> str:
    """One line of visible text, at most `limit` characters (an ellipsis shows a cut)."""
    text = unicodedata.normalize("NFC", str(value or ""))
    text = "".join(" " if _invisible(character) else character for character in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def in_subject(value: object) -> str:
    """What a resident typed, short enough to leave room for the rest of a subject."""
    return header_text(value, NAME_IN_SUBJECT)


def body_text(value: object) -> str:
    """Plain text with \n line ends only, no NUL or other control character, no direction override."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", str(value or "")))
    return "".join(character for character in text if _kept_in_body(character))


# Embedding and override characters can make a link read as something else; plain marks (LRM, RLM) stay.
_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _kept_in_body(character: str) -> bool:
    if character in "\n\t":
        return True
    if character in _OVERRIDES:
        return False
    return unicodedata.category(character) == "Cf" or not _invisible(character)
