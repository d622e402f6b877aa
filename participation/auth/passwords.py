"""Refuse passwords that are easy to guess, offline: zxcvbn's estimate of how many guesses it takes.

zxcvbn knows the common and breached passwords of its lists (the 30,000 most used of leaked
password lists), names, words, keyboard patterns, dates and repeats; nothing is sent anywhere.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

# Score 3 of 0–4: about 10^8 guesses or more, "safely unguessable" for an online attack that argon2
# and the login throttle slow down further.
MIN_SCORE = 3
# zxcvbn refuses longer input (its matching grows quickly with the length); the rest only adds.
_CHECKED = 72
# Words anyone would try first against this portal's accounts.
_PORTAL_WORDS = ["wijkpunt", "waterschei", "genk", "buurthuis", "stad", "staff", "admin"]


def too_easy(password: str, *personal: str) -> bool:
    """True when `password` is common, breached or easy to guess (also from the person's e-mail or name)."""
    words = [*_PORTAL_WORDS]
    for value in personal:
        words += [value, *value.replace("@", " ").replace(".", " ").split()]
    return zxcvbn(password[:_CHECKED], user_inputs=words)["score"] < MIN_SCORE
