"""Configuration from environment variables, with safe defaults for local use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """The settings the app reads; README.md lists each one."""
    base_url = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{Path(instance_path) / 'wijkpunt.sqlite3'}"
        ),
        "PUBLIC_BASE_URL": base_url,
        # The domain in calendar UIDs (uid@domain): its own setting, so that a new public address
        # does not make every subscribed calendar show each event twice. Set it once and keep it;
        # empty: the host of PUBLIC_BASE_URL (see agenda.routes.uid_domain).
        "CALENDAR_UID_DOMAIN": os.environ.get("CALENDAR_UID_DOMAIN", "").strip(),
        # Who publishes the feeds (their ORGANIZER, which METHOD:PUBLISH needs): a mailto: URI and a name.
        # Empty: neither METHOD nor ORGANIZER (libical's RFC 5546 check passes either way).
        "CALENDAR_ORGANIZER": os.environ.get("CALENDAR_ORGANIZER",
                                             f"mailto:{os.environ.get('MAIL_FROM', 'wijkpunt@localhost')}").strip(),
        "CALENDAR_ORGANIZER_NAME": os.environ.get("CALENDAR_ORGANIZER_NAME", "Buurthuis Waterschei"),
        # Host headers answered; any other gets 400, so no redirect or link is ever built on a foreign name.
        # TRUSTED_HOSTS (comma-separated) or, unset, the public address's host (see trusted_hosts).
        "TRUSTED_HOSTS": [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()],
        # Where to report a vulnerability (security.txt): a mailto: or https: URI.
        "SECURITY_CONTACT": os.environ.get("SECURITY_CONTACT") or f"mailto:{os.environ.get('MAIL_FROM', 'wijkpunt@localhost')}",
        "SITE_DIR": os.environ.get("SITE_DIR", str(REPO / "site")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "wijkpunt@localhost"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") != "0",
        # Redis away: each process counts for itself until it is back, instead of failing every form with a 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Reverse proxies (nginx) in front of gunicorn: the client's address is then the one they add to
        # X-Forwarded-For, so rate limits count per resident, not for everybody at once. 0: nobody's header is trusted.
        # Sign-ups stored per activity, whoever sends them (on top of the limit per address): one script cannot
        # fill an activity. Shared between processes through RATELIMIT_STORAGE_URI (Redis).
        "SIGNUP_RATE_LIMIT_PER_ACTIVITY": os.environ.get("SIGNUP_RATE_LIMIT_PER_ACTIVITY", "30 per hour"),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # Cookies: never readable by scripts, not sent on cross-site posts; HTTPS-only whenever the
        # public address is https (see secure_cookies).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # A staff session ends after this many seconds without a request, and this long after login
        # at the latest, checked on the server from the times kept in the session (auth/routes.py).
        "SESSION_IDLE_TIMEOUT": int(os.environ.get("SESSION_IDLE_TIMEOUT", str(30 * 60))),
        "SESSION_ABSOLUTE_TIMEOUT": int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(8 * 3600))),
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        # How long personal data are kept (the privacy guide states the same periods; a test compares).
        "SIGNUP_RETENTION_DAYS": int(os.environ.get("SIGNUP_RETENTION_DAYS", "30")),
        "ENROLMENT_RETENTION_MONTHS": int(os.environ.get("ENROLMENT_RETENTION_MONTHS", "3")),
        # Feedback: contact details and photo go 6 months after the case is closed, the message 2 years after.
        "FEEDBACK_CONTACT_RETENTION_MONTHS": int(os.environ.get("FEEDBACK_CONTACT_RETENTION_MONTHS", "6")),
        "FEEDBACK_RETENTION_MONTHS": int(os.environ.get("FEEDBACK_RETENTION_MONTHS", "24")),
        "FEEDBACK_PHOTO_MAX_BYTES": int(os.environ.get("FEEDBACK_PHOTO_MAX_BYTES", str(5 * 1024 * 1024))),
        "AUDIT_RETENTION_MONTHS": int(os.environ.get("AUDIT_RETENTION_MONTHS", "24")),
        "OUTBOX_RETENTION_DAYS": int(os.environ.get("OUTBOX_RETENTION_DAYS", "30")),
        # Outbox worker: seconds between rounds; reminders go out this many hours before an activity.
        "OUTBOX_INTERVAL": float(os.environ.get("OUTBOX_INTERVAL", "5")),
        # A message the mail server refuses, or that cannot be built, is given up after this many tries.
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5")),
        "REMINDER_HOURS": int(os.environ.get("REMINDER_HOURS", "24")),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
    }


def secure_cookies(config) -> None:
    """Over HTTPS: cookies are Secure and named `__Host-…` (this host only, path /); plain names on http."""
    secure = config.get("SESSION_COOKIE_SECURE") or config["PUBLIC_BASE_URL"].startswith("https://")
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = secure
    prefix = "__Host-" if secure else ""
    config["SESSION_COOKIE_NAME"] = f"{prefix}session"
    config["REMEMBER_COOKIE_NAME"] = f"{prefix}remember_token"
    config["DEVICE_COOKIE_NAME"] = f"{prefix}device"  # a device that logged in before (auth/routes.py)
    config["SESSION_COOKIE_DOMAIN"] = config["REMEMBER_COOKIE_DOMAIN"] = None  # __Host- forbids Domain
    config["SESSION_COOKIE_PATH"] = config["REMEMBER_COOKIE_PATH"] = "/"


def trusted_hosts(config) -> None:
    """The public address's host, the hosts named, and the machine's own names (health checks, tests)."""
    named = list(config.get("TRUSTED_HOSTS") or [])
    public = urlsplit(config["PUBLIC_BASE_URL"]).hostname or "localhost"
    config["TRUSTED_HOSTS"] = list(dict.fromkeys([public, *named, "localhost", "127.0.0.1", "::1"]))
