"""Logs every process writes: one JSON object per line in production, with the request id.

    configure(settings)          at the start of a process (web worker, projections, scheduler)
    init_app(app)                a request id on every request, echoed as X-Request-Id

A request id is the caller's `X-Request-Id` when it is a plausible one (a proxy or load
balancer in front usually sets it), otherwise a new one; it is on every log line written
while the request is handled and on the answer, so one failed request can be followed from
the proxy's log through ours.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from gunicorn.glogging import Logger as _GunicornBaseLogger
from pythonjsonlogger.json import JsonFormatter

from domain.config import OperationsSettings

REQUEST_ID_HEADER = "X-Request-Id"
# Printable, no spaces or quotes, bounded: a header value we put into logs and answers.
_PLAUSIBLE_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_OURS = "procurement_handler"
requests_log = logging.getLogger("web.requests")
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def current_request_id() -> str:
    if has_request_context():
        return str(g.get("request_id", ""))
    return ""


def configure(settings: OperationsSettings) -> None:
    """Send the root logger's records to stderr in the chosen format (replacing the handler
    an earlier call set, so calling it twice does not print every line twice; handlers
    others added, such as pytest's, stay)."""
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _OURS, True)
    handler.addFilter(RequestIdFilter())
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter(JSON_FIELDS, rename_fields={
            "asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)


def init_app(app: Flask) -> None:
    app.before_request(_take_request_id)
    app.after_request(_echo_request_id)


def _take_request_id() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if _PLAUSIBLE_ID.match(offered) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = current_request_id()
    # One line per request (gunicorn's access log is off): with the request id and, in
    # JSON, its fields as fields, so a log search can filter on status or path.
    requests_log.info("%s %s %s", request.method, request.path, response.status_code,
                      extra={"method": request.method, "path": request.path,
                             "status": response.status_code})
    return response


class GunicornLogger(_GunicornBaseLogger):
    """gunicorn's error log (start, worker boot and exit) through the root logger, so it
    comes out in the format `configure` chose rather than in gunicorn's own."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.handlers.clear()
        self.error_log.propagate = True
