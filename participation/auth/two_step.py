"""Two-step login: a TOTP code from an authenticator app (RFC 6238) after the password, or a recovery code.

Codes are the standard ones (SHA-1, 6 digits, 30 seconds), so every authenticator app reads the
QR code. A code is accepted one time step either side of now (a phone's clock may be a little off),
and only for a step after the last one accepted: the same code never works twice. Recovery codes
are 12 random digits, kept only as a hash keyed with SECRET_KEY, each usable once.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select, update

from events.models import utcnow
from participation.auth.models import RecoveryCode
from participation.extensions import db
from participation.models import StaffUser

ISSUER = "Wijkpunt Waterschei"
INTERVAL = 30  # seconds a code lasts: what every authenticator app assumes
RECOVERY_CODES = 10
RECOVERY_DIGITS = 12


class Checked(enum.Enum):
    """What a typed code turned out to be."""

    CODE = "code"  # the authenticator app's code of now
    RECOVERY = "recovery"  # an unused recovery code, now used
    USED = "code used before"  # right, but its time step was accepted before
    WRONG = "wrong code"


def new_secret() -> str:
    """A random TOTP secret (160 bits, base32), as authenticator apps take it."""
    return pyotp.random_base32(32)


def setup_uri(user: StaffUser, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(uri: str) -> str:
    """The QR code of `uri` as a data: URI of an SVG image: nothing is fetched from elsewhere."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4)


def grouped(text: str, size: int = 4) -> str:
    """A secret or recovery code in groups of `size`, easier to read and type."""
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def _normal(code: str) -> str:
    """What was typed without spaces and dashes (apps and printed codes show them in groups)."""
    return "".join(code.split()).replace("-", "")


def is_app_code(code: str) -> bool:
    """Six digits: a code of the app (a recovery code has twelve)."""
    code = _normal(code)
    return len(code) == 6 and code.isdigit()


def is_recovery_code(code: str) -> bool:
    """Twelve digits: a recovery code."""
    code = _normal(code)
    return len(code) == RECOVERY_DIGITS and code.isdigit()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (of now, or one either side) whose code `code` is, or None."""
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    now = int(time.time()) // INTERVAL
    code = _normal(code)
    matches = [step for step in (now - 1, now, now + 1) if hmac.compare_digest(totp.generate_otp(step), code)]
    return matches[-1] if matches else None


def _recovery_hash(code: str) -> str:
    key = hmac.new(current_app.secret_key.encode(), b"recovery-code", hashlib.sha256).digest()
    return hmac.new(key, _normal(code).encode(), hashlib.sha256).hexdigest()


def check(user: StaffUser, code: str) -> Checked:
    """Check a code of the app or a recovery code of `user`; an accepted one can never be used again."""
    if user.totp_secret is None:
        return Checked.WRONG
    if is_recovery_code(code):
        used = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_hash(code),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()))
        return Checked.RECOVERY if used.rowcount == 1 else Checked.WRONG
    step = _matching_step(user.totp_secret, code) if is_app_code(code) else None
    if step is None:
        return Checked.WRONG
    if user.totp_last_step is not None and step <= user.totp_last_step:
        return Checked.USED
    user.totp_last_step = step
    return Checked.CODE


def start_setup(user: StaffUser, *, again: bool = False) -> str:
    """The secret being set up for `user`: a new one when there is none yet (or `again`)."""
    if user.totp_pending_secret is None or again:
        user.totp_pending_secret = new_secret()
    return user.totp_pending_secret


def confirm_setup(user: StaffUser, code: str) -> list[str] | None:
    """Switch on the secret being set up when `code` is its code of now; the new recovery codes, or None."""
    secret = user.totp_pending_secret
    step = _matching_step(secret, code) if secret and is_app_code(code) else None
    if step is None:
        return None
    return switch_on(user, secret, step)


def switch_on(user: StaffUser, secret: str, last_step: int | None = None) -> list[str]:
    """Use `secret` for `user` from now on (replacing an earlier one); returns new recovery codes."""
    user.totp_secret, user.totp_pending_secret, user.totp_last_step = secret, None, last_step
    user.two_step_since = utcnow()
    return new_recovery_codes(user)


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Ten new recovery codes for `user`, shown once; the earlier ones no longer work."""
    db.session.flush()  # a new account gets its id here
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice("0123456789") for _ in range(RECOVERY_DIGITS)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes)
    return [grouped(code) for code in codes]


def recovery_codes_left(user: StaffUser) -> int:
    """How many of `user`'s recovery codes are not used yet."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def switch_off(user: StaffUser) -> None:
    """Log in with the password alone again (administrators may not: the view checks)."""
    user.totp_secret = user.totp_pending_secret = user.totp_last_step = user.two_step_since = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
