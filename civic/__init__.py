"""Civic: participatory budgets, co-decision consultations and appels à communs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Imported when an app is built: `import civic.tally` (the engine, `civic tally`) stays free of Flask.
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application: config, extensions, blueprints, errors, CLI."""
    from flask import Flask

    from civic.config import (
        Config,
        database_url_for,
        finish_config,
        load_or_create_secret_key,
        read_environment,
    )

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("CIVIC_INSTANCE_PATH") or None,
        template_folder="../templates",
        static_folder="../static",
    )
    from civic.web.request import CivicRequest

    app.request_class = CivicRequest
    app.config.from_object(Config)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url_for(app.instance_path)
    read_environment(app.config)
    app.config.from_pyfile("config.py", silent=True)
    if test_config is not None:
        app.config.from_mapping(test_config)
    finish_config(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    _init_extensions(app)
    from civic.web.params import register_converters

    register_converters(app)
    _register_blueprints(app)

    from civic.web.errors import register_error_handlers
    from civic.web.security import register_security_headers
    from civic.web.templating import register_template_helpers

    register_error_handlers(app)
    from civic.core.links import register_host_checks

    register_host_checks(app)
    register_security_headers(app)
    from civic.web.security import trust_proxies

    trust_proxies(app)
    register_template_helpers(app)

    from civic.cli import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from civic.core.content_version import track_content_changes
    from civic.core.database import import_models, install_sqlite_pragmas
    from civic.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
    from civic.web.i18n import select_locale, select_timezone, share_wtforms_catalogs

    import_models()
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
        # Pages cached for anonymous visitors (civic.web.page_cache) go stale when this counter moves.
        track_content_changes(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=os.path.join(os.path.dirname(app.root_path), "translations"),
    )
    share_wtforms_catalogs(app)
    htmx.init_app(app)
    from civic.config import ratelimit_storage_warning
    from civic.web.limits import storage_uri

    configured_storage = app.config["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_STORAGE_URI"] = storage_uri(configured_storage)  # memory:// → swept, no threads
    limiter.init_app(app)
    warning = ratelimit_storage_warning(configured_storage, int(os.environ.get("WEB_CONCURRENCY", "1") or 1))
    if warning:
        app.logger.warning(warning)
    login_manager.init_app(app)
    from civic.core.queue import init_queue

    init_queue(app)

    from civic.accounts.auth import configure_login_manager

    configure_login_manager(login_manager)


def _register_blueprints(app: Flask) -> None:
    from civic.accounts.views import bp as accounts_bp
    from civic.admin.styleguide import bp as styleguide_bp
    from civic.admin.views import bp as admin_bp
    from civic.commons.views import bp as commons_bp
    from civic.home.views import bp as home_bp
    from civic.moderation.views import bp as moderation_bp
    from civic.processes.views import bp as processes_bp
    from civic.proposals.views import bp as proposals_bp
    from civic.results.views import bp as results_bp
    from civic.town.views import bp as town_bp
    from civic.web.views import bp as web_bp

    app.register_blueprint(town_bp)
    blueprints = (web_bp, home_bp, accounts_bp, processes_bp, proposals_bp, results_bp, commons_bp, moderation_bp)
    for blueprint in (*blueprints, admin_bp):
        app.register_blueprint(blueprint)
    # Each domain adds its part of the personal-data export (civic.accounts.personal_data).
    import civic.commons.personal_data
    import civic.moderation.personal_data
    import civic.proposals.personal_data  # noqa: F401
    from civic.analysis.views import register as register_analysis

    register_analysis(app)
    app.register_blueprint(styleguide_bp)
    from civic.eligibility.views import register as register_eligibility

    register_eligibility(app)
    from civic.voting.views import register as register_voting

    register_voting(app)
    from civic.preselection.views import register as register_preselection

    register_preselection(app)
