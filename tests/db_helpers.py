"""Reading back what a request stored, for assertions made after the app context is gone."""

from __future__ import annotations

from sqlalchemy import select

from participation.extensions import db


def rows(app, model, *where) -> list:
    """Every row of `model` (matching `where`) in the order stored, detached so it can be read afterwards."""
    with app.app_context():
        found = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
        db.session.expunge_all()
        return found
