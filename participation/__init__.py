"""Wijkpunt Waterschei's participation app: the agenda, sign-ups, enrolments, feedback and staff tools."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; `test_config` replaces settings read from the environment, its INSTANCE_PATH the folder's."""
    instance_path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path,
                instance_relative_config=True, static_url_path="/static/app")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from participation import (assets, caching, cli, compression, config, database, enrolment, errors, forms, i18n, inputs,
                               privacy, roles, security, site, templating)
    from participation.extensions import babel, db, limiter, login, migrate

    app.config.from_mapping(config.from_environment(app.instance_path))
    if test_config:
        app.config.from_mapping(test_config)
    config.secure_cookies(app.config)
    config.trusted_hosts(app.config)
    database.sqlite_options(app.config)
    inputs.init_app(app)  # before any rule and request: bounded <int:…> ids, no NUL, the client's address

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    babel.init_app(app, locale_selector=i18n.current_language,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    limiter.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    compression.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    forms.init_app(app)
    templating.init_app(app)
    cli.init_app(app)

    from participation.agenda.routes import bp as agenda_bp
    from participation.auth.routes import bp as auth_bp
    from participation.checkers.routes import bp as checkers_bp
    from participation.enrolment.routes import bp as enrolment_bp, staff_bp as homework_staff_bp
    from participation.feedback.routes import bp as feedback_bp, staff_bp as feedback_staff_bp
    from participation.signups.routes import bp as signups_bp
    from participation.staff.routes import bp as staff_bp

    app.register_blueprint(agenda_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(checkers_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(homework_staff_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(feedback_staff_bp)
    enrolment.init_app(app)
    app.register_blueprint(signups_bp)
    app.register_blueprint(staff_bp)
    privacy.init_app(app)
    # After the blueprints' own checks (an issued password is changed first, auth/routes.py), before
    # any view: a staff page opens only for the roles ROUTE_ROLES gives it.
    roles.init_app(app)
    site.init_app(app)  # last: the static site answers every URL the app does not
    return app
