"""One form for a phone number, used wherever one is stored and wherever one is looked for.

Residents type a number in many ways: `0470 12 12 12`, `0470/12.12.12`, `+32 470 12 12 12`,
`0032 470 12 12 12`. Each kind of data (sign-ups, enrolments, feedback) stores the same canonical
form, and the privacy tool searches with it, so a person is found however either was typed.
Belgian numbers (a national 0 prefix) become international (+32…); foreign numbers keep their own
country code; the number shown to staff is written back the Belgian way (`phone_label`).
"""

from __future__ import annotations

import re

BELGIUM = "32"


def normalise_phone(value: str | None) -> str:
    """`+` and digits only: `+32470121212` for 0470 12 12 12 and for +32/0032 470 12 12 12."""
    value = (value or "").strip()
    digits = re.sub(r"\D", "", value)
    if not digits:
        return ""
    if value.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return f"+{BELGIUM}{digits[1:]}"
    return digits  # no prefix at all: kept as typed, it may be a short number


def phone_label(stored: str | None) -> str:
    """A stored number as staff dial it: `0470 12 12 12`, `089 36 79 40`; foreign ones stay international."""
    stored = stored or ""
    if not stored.startswith(f"+{BELGIUM}"):
        return stored
    national = "0" + stored[1 + len(BELGIUM):]
    if len(national) == 10 and national.startswith("04"):  # mobile: 04xx xx xx xx
        return f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}"
    if len(national) == 9:  # land line: area code of two or three digits, e.g. 089 36 79 40 or 02 123 45 67
        if national[1] in "2349":
            return f"{national[:2]} {national[2:5]} {national[5:7]} {national[7:]}"
        return f"{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}"
    return national
