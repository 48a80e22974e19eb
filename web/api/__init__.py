"""The JSON API under /api/v1: one endpoint per command and query of the service.

    api.init_app(app)

flask-smorest serves the OpenAPI 3 document at /api/v1/openapi.json (no sign-in needed: it
describes the API, not any case). Everything else under /api/v1 needs a personal API token
(`Authorization: Bearer`), and answers errors as problem documents (web/api/problems.py).
The body limit (API_MAX_CONTENT_LENGTH, 256 KiB by default) holds for the API only.
"""

from __future__ import annotations

from flask import Flask

from web.api import conditional, consistency, idempotency, routes
from web.api.blueprint import DEFAULT_MAX_BODY, MAX_BODY_CONFIG, URL_PREFIX, bp
from web.api.spec import ProblemApi, UuidConverter, document_types, spec_options

CONVERTER = "api_id"

__all__ = ["init_app", "routes"]


def init_app(app: Flask) -> ProblemApi:
    app.config.setdefault("API_TITLE", "Sysselsättningskrav: procurements with employment "
                                       "requirements")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(MAX_BODY_CONFIG, DEFAULT_MAX_BODY)
    app.url_map.converters[CONVERTER] = UuidConverter
    api = ProblemApi(spec_kwargs={**spec_options(),
                                  "extra_plugins": [consistency.LogPositionDoc()]})
    api.init_app(app)
    document_types(api)
    conditional.register_components(api.spec)
    idempotency.register_components(api.spec)
    consistency.register_components(api.spec)
    api.register_blueprint(bp)
    return api
