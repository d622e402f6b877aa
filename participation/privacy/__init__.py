"""Keeping personal data no longer than the privacy guide promises, and a person's rights under the GDPR.

retention.py erases what has expired (`flask --app participation purge-expired`, daily);
person.py finds, exports and erases everything about one person (staff page /staff/privacy/).
Each kind of personal data registers itself in KINDS, so a new form adds one entry here.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the retention command and the staff pages."""
    from participation.privacy import retention
    from participation.privacy.routes import bp

    retention.init_app(app)
    app.register_blueprint(bp)
