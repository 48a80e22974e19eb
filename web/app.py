"""The web application factory.

    create_app()                                  settings from the environment
    create_app({"PROCUREMENT_ENV": {...}})        other store settings (tests)
    create_app(service=service)                   a service built elsewhere (the CLI)

A WSGI server runs it as `web.app:create_app()`; the service is built on the first request
of each process (web/extension.py), so building the app never touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from domain import config
from domain.service import ProcurementService
from web import (
    account,
    api,
    auth,
    errors,
    extension,
    formatting,
    health,
    i18n,
    layout,
    logs,
    metrics,
    open_data,
    organisation,
    security,
    sessions,
    signin,
    start,
)
from web.portals import participants, past, timeline
from web.portals import routes as portal_routes
from web.reports import routes as reports


def create_app(settings: Mapping[str, Any] | None = None,
               service: ProcurementService | None = None) -> Flask:
    """`settings` are Flask config keys, plus PROCUREMENT_ENV (store settings that override
    the environment) and PROCUREMENT_CLOCK (a domain.clock.Clock)."""
    app = Flask(__name__)
    app.config.from_mapping(PROCUREMENT_ENV=None, PROCUREMENT_CLOCK=None)
    app.config.update(settings or {})
    app.config.setdefault(health.OPERATIONS_KEY, config.operations_settings())
    logs.init_app(app)  # first: every later hook and log line knows the request id
    metrics.time_requests(app)  # early: its after_request runs last, timing the whole answer
    sessions.init_app(app, settings or {})
    extension.init_app(app, service)
    errors.init_app(app)
    auth.init_app(app)  # every route needs a signed-in user unless marked public...
    security.init_app(app)  # ...checked before the CSRF token, then headers on every answer
    formatting.init_app(app)
    i18n.init_app(app)
    layout.init_app(app)
    for blueprint in (start.bp, signin.bp, account.bp, organisation.bp, portal_routes.bp,
                      timeline.bp, participants.bp, reports.bp, open_data.bp, past.bp):
        app.register_blueprint(blueprint)
    api.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    return app
