"""Production processes: the tables made once by `procurement db init`, every setting checked
at start, health and readiness, metrics, JSON logs with a request id. The real gunicorn
serving against PostgreSQL is in test_gunicorn.py."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg.errors
import pytest
from click.testing import CliRunner
from eventsourcing.persistence import (
    InterfaceError,
    InternalError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from flask import Flask

from domain.config import OperationsSettings
from domain.errors import ConfigurationError
from domain.service import ProcurementService
from domain.values import Role
from projections.registry import PROJECTIONS
from tests.e2e.api_helpers import API, SETUP, ApiWorld, open_world
from web import bootstrap, logs
from web.cli import main
from web.errors import store_problem_code
from web.health import OPERATIONS_KEY
from web.metrics import outcome


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    """The API on an SQLite file; its read models are followed by no one (as under
    gunicorn, where `procurement projections run` does it), and lag over 60 s is unready."""
    with open_world(sqlite_env, ("authority",), PROCUREMENT_PROJECTIONS="external",
                    PROCUREMENT_OWN_WRITE_WAIT="0",
                    **{OPERATIONS_KEY: OperationsSettings(ready_max_lag_seconds=60)}) as made:
        yield made


# -- db init and CREATE_TABLE=n --------------------------------------------------------------

@pytest.mark.postgres
def test_db_init_creates_every_table_once_so_workers_start_without_creating_any(
        fresh_postgres_env: dict[str, str]) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["db", "init"], env=fresh_postgres_env)
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["db", "init"], env=fresh_postgres_env)
    assert again.exit_code == 0, again.output
    assert first.output.splitlines()[1] == again.output.splitlines()[1]
    created = set(first.output.splitlines()[1].strip().split(", "))
    expected = {"procurement_events", "procurement_snapshots", "procurement_tracking",
                "participant_keys", "participant_read_log", "mail_deliveries", "scheduler_runs",
                "api_idempotency_keys",
                *(t.name for p in PROJECTIONS.values() for t in p.tables)}
    assert expected <= created
    worker = ProcurementService({**fresh_postgres_env, "CREATE_TABLE": "n"})
    try:
        worker.register_organisation(None, "Norrviks kommun", "212000-1124", Role.AUTHORITY)
        assert worker.recorder.max_notification_id() == 1
    finally:
        worker.close()


@pytest.mark.postgres
def test_a_worker_with_create_table_n_on_an_empty_schema_fails_rather_than_creating(
        fresh_postgres_env: dict[str, str]) -> None:
    worker = ProcurementService({**fresh_postgres_env, "CREATE_TABLE": "n"})
    try:
        with pytest.raises(Exception, match="procurement_events"):
            worker.recorder.max_notification_id()
    finally:
        worker.close()


# -- settings ----------------------------------------------------------------------------

def test_every_mistake_in_the_settings_is_named_on_a_line_of_its_own(tmp_path: Path) -> None:
    wrong = {"PROCUREMENT_DATA_DIR": str(tmp_path), "PROCUREMENT_LOG_FORMAT": "xml",
             "PROCUREMENT_WEB_WORKERS": "many", "PROCUREMENT_READY_MAX_LAG": "-1",
             "PROCUREMENT_BIND": "8000", "PROCUREMENT_PROJECTIONS": "sometimes",
             "PROCUREMENT_COOKIE_SECURE": "perhaps", "PROCUREMENT_SCHEDULER_INTERVAL": "0"}
    result = CliRunner().invoke(main, ["check-config"], env=wrong)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line]
    assert all(line.startswith("Configuration error: ") for line in lines)
    for name in ("PROCUREMENT_LOG_FORMAT: 'xml' is not one of text, json",
                 "PROCUREMENT_WEB_WORKERS: 'many' is not a whole number from 1 to 64",
                 "PROCUREMENT_READY_MAX_LAG: '-1' is not a number of seconds",
                 "PROCUREMENT_BIND: '8000' is not HOST:PORT",
                 "PROCUREMENT_PROJECTIONS must be one of", "PROCUREMENT_COOKIE_SECURE",
                 "PROCUREMENT_SCHEDULER_INTERVAL must be a number of seconds"):
        assert sum(name in line for line in lines) == 1, (name, lines)
    assert len(lines) == 7


def test_wrong_postgres_numbers_are_named_before_any_connection() -> None:
    problems = bootstrap.check_settings({
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "x",
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_USER": "u", "POSTGRES_PORT": "99999",
        "POSTGRES_POOL_SIZE": "ten", "POSTGRES_PRE_PING": "maybe"})
    assert problems == [
        "POSTGRES_PORT: '99999' is not a whole number from 1 to 65535",
        "POSTGRES_POOL_SIZE: 'ten' is not a whole number from 1 to 1000",
        "POSTGRES_PRE_PING: 'maybe' is neither yes nor no"]


def test_the_case_cache_is_bounded_and_never_serves_a_case_as_it_was_when_cached(
        tmp_path: Path) -> None:
    store = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
             "SQLITE_DBNAME": str(tmp_path / "events.db")}
    assert bootstrap.check_settings({**store, "AGGREGATE_CACHE_MAXSIZE": "500"}) == []
    assert bootstrap.check_settings({
        **store, "AGGREGATE_CACHE_MAXSIZE": "0", "AGGREGATE_CACHE_FASTFORWARD": "n",
        "PROCUREMENT_DEEPCOPY_FROM_AGGREGATE_CACHE": "no"}) == [
        "AGGREGATE_CACHE_MAXSIZE: '0' is not a whole number from 1 to 1,000,000",
        "AGGREGATE_CACHE_FASTFORWARD: must stay 'y' (several processes share the store); "
        "got 'n'",
        "DEEPCOPY_FROM_AGGREGATE_CACHE: must stay 'y' (several processes share the store); "
        "got 'no'"]
    service = ProcurementService(store)
    try:
        cache = service.repository.cache
        assert service.repository.fastforward
        assert getattr(cache, "maxsize", None) == 1000  # the default
    finally:
        service.close()


def test_the_in_memory_store_is_refused_at_start_unless_asked_for_twice(tmp_path: Path) -> None:
    chosen = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    result = CliRunner().invoke(main, ["web"], env=chosen)
    assert result.exit_code == 2
    assert "PROCUREMENT_ALLOW_IN_MEMORY=yes" in result.output
    assert bootstrap.check_settings({**chosen, "PROCUREMENT_ALLOW_IN_MEMORY": "yes",
                                     "PROCUREMENT_DATA_DIR": str(tmp_path)}) == []


def test_a_valid_set_up_is_reported_as_such(sqlite_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["check-config"], env=sqlite_env)
    assert result.exit_code == 0, result.output
    assert f"SQLite file {sqlite_env['SQLITE_DBNAME']}" in result.output


# -- health and readiness -----------------------------------------------------------------

def test_liveness_answers_without_opening_the_store(tmp_path: Path) -> None:
    from web.app import create_app

    unreachable = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "none",
                   "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "9", "POSTGRES_USER": "x",
                   "POSTGRES_PASSWORD": "", "POSTGRES_CONNECT_TIMEOUT": "1"}
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": unreachable,
                      "PROCUREMENT_PROJECTIONS": "external",
                      "PROCUREMENT_DATA_DIR": str(tmp_path)})
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["status"] == "unavailable"
    assert ready.get_json()["database"].startswith("unavailable: ")


def test_readiness_turns_false_when_a_read_model_lags_past_the_limit_and_back(
        world: ApiWorld) -> None:
    client = world.client
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    created = world.post("authority", f"{API}/procurements", json=SETUP)
    assert created.status_code == 201
    world.clock.advance(timedelta(seconds=30))
    behind_but_within = client.get("/readyz").get_json()
    assert behind_but_within["status"] == "ready"
    assert behind_but_within["projections"]["case_list"]["lag_events"] > 0
    world.clock.advance(timedelta(seconds=31))
    lagging = client.get("/readyz")
    assert lagging.status_code == 503
    assert lagging.get_json()["behind"] == sorted(PROJECTIONS)
    _catch_up(world.app)
    assert client.get("/readyz").status_code == 200


def _catch_up(app: Flask) -> None:
    from projections.runner import ProjectionRunner
    from web.extension import current_service

    with app.app_context():
        service = current_service()
        for projection in PROJECTIONS.values():
            ProjectionRunner(service, projection).catch_up()


# -- metrics ------------------------------------------------------------------------------

def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.rsplit(" ", 1)[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


def test_metrics_count_commands_by_outcome_and_show_latency_and_lag(world: ApiWorld) -> None:
    def scrape() -> str:
        answer = world.client.get("/metrics")
        assert answer.status_code == 200
        assert answer.content_type.startswith("text/plain")
        return answer.get_data(as_text=True)

    accepted = 'procurement_commands_total{command="api.create_procurement",outcome="accepted"}'
    invalid = 'procurement_commands_total{command="api.create_procurement",outcome="invalid"}'
    before = scrape()
    counts = {name: (_metric(before, name) if name in before else 0.0)
              for name in (accepted, invalid)}
    assert world.post("authority", f"{API}/procurements", json=SETUP).status_code == 201
    assert world.post("authority", f"{API}/procurements", json={}).status_code == 400
    after = scrape()
    assert _metric(after, accepted) == counts[accepted] + 1
    assert _metric(after, invalid) == counts[invalid] + 1
    assert _metric(after, 'procurement_request_duration_seconds_count'
                          '{method="POST",route="/api/v1/procurements"}') >= 2
    assert _metric(after, 'procurement_projection_lag_events{projection="case_list"}') > 0
    assert _metric(after, "procurement_store_up") == 1
    assert 'procurement_mail_deliveries{status="failed"} 0.0' in after
    _catch_up(world.app)
    assert _metric(scrape(), 'procurement_projection_lag_events{projection="case_list"}') == 0


@pytest.mark.parametrize(("status", "expected"), [
    (201, "accepted"), (204, "accepted"), (302, "accepted"), (400, "invalid"),
    (401, "refused"), (403, "refused"), (404, "refused"), (409, "conflict"),
    (412, "conflict"), (503, "unavailable"), (500, "error")])
def test_a_commands_outcome_follows_the_status_of_its_answer(status: int, expected: str) -> None:
    assert outcome(status) == expected


def test_reminders_sent_are_counted_by_stage_from_the_read_model(world: ApiWorld) -> None:
    from projections import notices
    from projections.db import Database

    db = Database.of(world.service)
    assert notices.sent_by_stage(db) == {}
    with db.transaction() as cursor:
        cursor.insert_many("notices", notices.NOTICES.column_names, [
            (f"n{i}", i, "c", None, "authority", stage, "report", "s", "2028-01-01",
             "2028-01-01", 0, None, "2028-01-01T00:00:00+00:00")
            for i, stage in enumerate(("before", "due", "due", "escalation"))])
    assert notices.sent_by_stage(db) == {"before": 1, "due": 2, "escalation": 1}
    text = world.client.get("/metrics").get_data(as_text=True)
    assert 'procurement_reminders_sent{stage="due"} 2.0' in text


# -- logs and request ids -----------------------------------------------------------------

@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    logs.configure(OperationsSettings(log_format="json"))
    root = logging.getLogger()
    (ours,) = [h for h in root.handlers if getattr(h, "procurement_handler", False)]
    assert isinstance(ours, logging.StreamHandler)
    ours.setStream(stream)
    yield stream
    root.removeHandler(ours)


def test_a_request_id_is_echoed_and_on_every_json_log_line_of_that_request(
        world: ApiWorld, json_log: io.StringIO) -> None:
    answer = world.post("authority", f"{API}/procurements", json={},
                        headers={"X-Request-Id": "lb-7f3a:42"})
    assert answer.headers["X-Request-Id"] == "lb-7f3a:42"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    request_line = next(line for line in lines if line["logger"] == "web.requests")
    assert request_line["request_id"] == "lb-7f3a:42"
    assert request_line["status"] == 400 and request_line["method"] == "POST"
    assert {"time", "level", "message", "process"} <= set(request_line)


def test_a_missing_or_implausible_request_id_is_replaced_by_a_new_one(
        sqlite_env: dict[str, str]) -> None:
    from web.app import create_app

    client = create_app({"TESTING": True, "PROCUREMENT_ENV": sqlite_env}).test_client()
    for offered in (None, "", "has space", "x" * 200, 'quote"d', "line\u2028break"):
        headers = {} if offered is None else {"X-Request-Id": offered}
        first = client.get("/healthz", headers=headers).headers["X-Request-Id"]
        second = client.get("/healthz", headers=headers).headers["X-Request-Id"]
        assert first != offered and len(first) == 32 and first != second, offered


def test_a_wrong_log_setting_stops_the_process_at_start() -> None:
    with pytest.raises(ConfigurationError, match="PROCUREMENT_LOG_LEVEL: 'LOUD'"):
        from domain.config import operations_settings

        operations_settings({"PROCUREMENT_LOG_LEVEL": "LOUD"})


# -- the store's refusals -----------------------------------------------------------------

def _wrapped(kind: type[PersistenceError], message: str,
             cause: BaseException | None = None) -> PersistenceError:
    error = kind(message)
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("error", "code"), [
    (_wrapped(InternalError, "cannot execute INSERT in a read-only transaction",
              psycopg.errors.ReadOnlySqlTransaction("read-only")), "store-read-only"),
    (_wrapped(OperationalError, "could not extend file: No space left on device",
              psycopg.errors.DiskFull("no space")), "store-full"),
    (_wrapped(OperationalError, "attempt to write a readonly database"), "store-read-only"),
    (_wrapped(OperationalError, "database or disk is full"), "store-full"),
    (_wrapped(OperationalError, "couldn't get a connection after 5.00 sec"),
     "store-unavailable"),
    (_wrapped(InterfaceError, "the connection is closed"), "store-unavailable"),
    (_wrapped(ProgrammingError, 'relation "procurement_events" does not exist'), None),
])
def test_the_stores_refusals_are_told_apart_and_a_bug_is_not_one_of_them(
        error: PersistenceError, code: str | None) -> None:
    """Read-only and full are what the tests cannot make reliably on every CI machine (a
    tmpfs needs privileges a container may lack; file modes do not stop root): their
    mapping is checked here, the read-only PostgreSQL for real in test_faults.py."""
    assert store_problem_code(error) == code
