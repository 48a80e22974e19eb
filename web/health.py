"""What a load balancer and an orchestrator ask a web process.

- `/healthz` (liveness): the process answers. It opens nothing, so a database outage never
  gets healthy workers restarted in a loop.
- `/readyz` (readiness): the event store answers, and no read model is further behind
  than PROCUREMENT_READY_MAX_LAG seconds (the age of the oldest event it has not applied
  yet). 503 otherwise, with what is wrong, so the balancer sends requests elsewhere
  until it is right again.
"""

from __future__ import annotations

import logging
from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Flask, Response, current_app, jsonify

from domain.config import OperationsSettings
from projections.registry import named
from projections.runner import status
from web import auth
from web.extension import current_service

log = logging.getLogger("web.health")
OPERATIONS_KEY = "PROCUREMENT_OPERATIONS"


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


@auth.public
def healthz() -> Response:
    """Liveness: the process answers. It does not open the store."""
    return jsonify(status="ok")


@auth.public
def readyz() -> tuple[Response, int]:
    settings: OperationsSettings = current_app.config[OPERATIONS_KEY]
    limit = settings.ready_max_lag_seconds
    try:
        service = current_service()
        rows = status(service, named(), now=service.clock.now)
    except PersistenceError as error:
        log.warning("not ready: the event store does not answer: %s", error)
        return jsonify(status="unavailable", database=f"unavailable: {error}"), 503
    projections: dict[str, Any] = {
        s.name: {"position": s.position, "lag_events": s.lag_events,
                 "lag_seconds": round(s.lag_seconds, 1)} for s in rows}
    behind = sorted(s.name for s in rows if s.lag_seconds > limit)
    ready = not behind
    body: dict[str, Any] = {"status": "ready" if ready else "lagging", "database": "ok",
            "max_lag_seconds": limit, "projections": projections}
    if behind:
        body["behind"] = behind
    return jsonify(body), 200 if ready else 503
