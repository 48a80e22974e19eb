"""Prometheus metrics at `/metrics`: what the web processes did, and what the store shows.

Counted in each web process (prometheus_client; under gunicorn in its multiprocess mode,
PROMETHEUS_MULTIPROC_DIR set by web/gunicorn_conf.py, so a scrape sums every worker):
- `procurement_commands_total{command, outcome}`: every write request (POST, PUT, PATCH,
  DELETE) by its route's endpoint and outcome (accepted, invalid, refused, conflict,
  unavailable, error);
- `procurement_request_duration_seconds{method, route}`: latency of every request.

Read from the database at each scrape, so they are right whichever process did the work
(the projection runner, the scheduler) and whichever web process is scraped:
- `procurement_projection_lag_events{projection}`, `..._lag_seconds{projection}`;
- `procurement_reminders_sent{stage}`: reminders and escalations recorded in the cases;
- `procurement_mail_deliveries{status}`: their e-mails (sent, pending, failed, skipped);
- `procurement_store_up`: 1 when the event store answered the scrape.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from eventsourcing.persistence import PersistenceError
from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from domain.service import ProcurementService
from projections import notices
from projections.db import Database
from projections.registry import named
from projections.runner import status
from scheduler import mailer
from web import auth
from web.extension import current_service

log = logging.getLogger("web.metrics")
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

COMMANDS = Counter("procurement_commands_total",
                   "Write requests answered, by route endpoint and outcome",
                   ["command", "outcome"])
REQUEST_SECONDS = Histogram("procurement_request_duration_seconds",
                            "Seconds from a request's arrival to its answer",
                            ["method", "route"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def outcome(status_code: int) -> str:
    """A command's outcome from the status of its answer (web/errors.py decides those)."""
    if status_code < 400:
        return "accepted"
    if status_code in (400, 422):
        return "invalid"
    if status_code in (409, 412):
        return "conflict"
    if status_code == 503:
        return "unavailable"
    return "refused" if status_code < 500 else "error"


def time_requests(app: Flask) -> None:
    app.before_request(_start_clock)
    app.after_request(_observe)


def init_app(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", metrics)


def _start_clock() -> None:
    g.request_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    REQUEST_SECONDS.labels(request.method, route).observe(time.perf_counter() - started)
    if request.method in WRITES:
        COMMANDS.labels(request.endpoint or "unmatched", outcome(response.status_code)).inc()
    return response


@auth.public
def metrics() -> Response:
    """The exposition text. Keep /metrics to the monitoring network (docs/deployment.md)."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(StoreCollector(current_service()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _ThisProcess(Collector):
    """The default registry's metrics (one process: the embedded server, tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class StoreCollector(Collector):
    def __init__(self, service: ProcurementService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("procurement_store_up",
                               "1 when the event store answered this scrape")
        try:
            families = list(self._from_store())
        except PersistenceError as error:
            log.warning("metrics: the event store does not answer: %s", error)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _from_store(self) -> Iterator[Metric]:
        events = GaugeMetricFamily("procurement_projection_lag_events",
                                   "Events stored but not yet applied, by read model",
                                   labels=["projection"])
        seconds = GaugeMetricFamily("procurement_projection_lag_seconds",
                                    "Age of the oldest event a read model has not applied",
                                    labels=["projection"])
        for row in status(self.service, named(), now=self.service.clock.now):
            events.add_metric([row.name], row.lag_events)
            seconds.add_metric([row.name], row.lag_seconds)
        yield events
        yield seconds
        sent = GaugeMetricFamily("procurement_reminders_sent",
                                 "Reminders and escalations recorded in the cases, by stage",
                                 labels=["stage"])
        for stage, count in notices.sent_by_stage(Database.of(self.service)).items():
            sent.add_metric([stage], count)
        yield sent
        deliveries = GaugeMetricFamily("procurement_mail_deliveries",
                                       "Reminder e-mails by delivery status",
                                       labels=["status"])
        for state, count in mailer.status(self.service, errors=0).counts.items():
            deliveries.add_metric([state], count)
        yield deliveries
