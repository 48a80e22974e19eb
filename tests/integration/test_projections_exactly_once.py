"""Exactly once: a projection process killed at random moments resumes and ends with the
rows of a clean rebuild; writers in other processes while projections follow leave
nothing behind; on PostgreSQL, an id that is still being committed holds a projection
back until it is there (or rolled back for good)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from domain.directory.organisation import Organisation
from domain.examples import Parties, walk_to
from domain.procurement import Procurement
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections import audit_trail
from projections.audit_trail import AuditTrail
from projections.db import Database
from projections.registry import named
from projections.runner import Follower, ProjectionRunner, status
from tests.integration.conftest import ServiceFactory

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 10_000
KILLS = 5


@pytest.fixture
def service(open_service: ServiceFactory, durable_env: dict[str, str]) -> ProcurementService:
    return open_service(durable_env)


def _note(number: int) -> DialogueNote:
    return DialogueNote(Counterpart.NON_PROFIT, "Stadsmissionen",
                        date(2026, 1, 1) + timedelta(days=number % 300),
                        f"Samtal {number} om handledning och introduktion.")


def _fill(service: ProcurementService, actor: Actor, case_ids: list[UUID], until: int) -> None:
    """Dialogue notes, a hundred to a save, round the cases until the log holds `until`
    (the cases stay in memory: loading a case of thousands of notes is the slow part)."""
    cases = []
    for case_id in case_ids:
        case = service.repository.get(case_id)
        assert isinstance(case, Procurement)
        cases.append(case)
    number = 0
    while (missing := until - (service.recorder.max_notification_id() or 0)) > 0:
        case = cases[number // 100 % len(cases)]
        for _ in range(min(100, missing)):
            case.add_dialogue_note(actor, _note(number))
            number += 1
        service.save(case)


def _environment(env: dict[str, str]) -> dict[str, str]:
    """The store's settings for a process of its own. The tables exist already; processes
    starting together must not all run the library's DDL at once (PostgreSQL answers
    "tuple concurrently updated"), so they start with CREATE_TABLE=n, as workers should."""
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("POSTGRES_", "SQLITE_", "PERSISTENCE_MODULE",
                                        "PROCUREMENT_", "CREATE_TABLE"))}
    return {**environment, **env, "CREATE_TABLE": "n", "PYTHONPATH": str(ROOT)}


def _positions(service: ProcurementService) -> dict[str, int]:
    return {s.name: s.position for s in status(service, named())}


def _tables(service: ProcurementService) -> dict[str, list[dict[str, Any]]]:
    db = Database.of(service)
    found = {}
    for projection in named():
        for table in projection.tables:
            order = ", ".join(table.key)
            with db.transaction() as cursor:
                rows = cursor.fetch(f"SELECT * FROM {{{table.name}}} ORDER BY {order}")  # noqa: S608
            found[table.name] = [{k: bytes(v) if isinstance(v, memoryview) else v
                                  for k, v in row.items()} for row in rows]
    return found


@pytest.fixture
def projection_process(durable_env: dict[str, str],
                       tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        with (tmp_path / f"run-{len(started)}.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "projections.cli", "run", "--batch-size", "100",
                 "--poll-interval", "0.05"],
                cwd=ROOT, env=_environment(durable_env), stdout=log, stderr=log)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_projection_process_killed_at_random_resumes_and_equals_a_clean_rebuild(
        service: ProcurementService, parties: Parties, projection_process: Any,
        tmp_path: Path) -> None:
    walk_to(service, parties, State.CLOSED, placements=2)
    walk_to(service, parties, State.DELIVERY, placements=3)
    cases = [walk_to(service, Parties(authority=parties.authority), State.DRAFT
                     ).procurement_id for _ in range(20)]
    _fill(service, parties.authority, cases, EVENTS)
    head = service.recorder.max_notification_id()
    assert head is not None and head >= EVENTS
    rng = random.Random()
    cut_short = 0
    for _ in range(KILLS):
        before = sum(_positions(service).values())
        process = projection_process()
        _wait(lambda before=before: sum(_positions(service).values()) > before, 60,
              "the projection process to apply a batch")
        time.sleep(rng.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        cut_short += min(_positions(service).values()) < head
    assert cut_short, "every kill came after the projections had caught up"
    process = projection_process()
    _wait(lambda: min(_positions(service).values()) == head, 120, "the final catch-up")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, (tmp_path / f"run-{KILLS}.log").read_text()
    after_kills = _tables(service)
    for projection in named():
        ProjectionRunner(service, projection).rebuild()
    rebuilt = _tables(service)
    assert len(after_kills[audit_trail.AUDIT_TRAIL.name]) == head
    for table, rows in rebuilt.items():
        assert after_kills[table] == rows, f"{table} differs from a clean rebuild"


WRITER = textwrap.dedent("""
    import sys
    from datetime import date, timedelta
    from uuid import UUID
    from domain.errors import ConcurrencyConflict
    from domain.procurement.dialogue import Counterpart, DialogueNote
    from domain.service import ProcurementService
    from domain.values import Actor, Role

    user, organisation, commands = UUID(sys.argv[1]), UUID(sys.argv[2]), int(sys.argv[3])
    cases = [UUID(c) for c in sys.argv[4:]]
    actor = Actor(user, organisation, Role.AUTHORITY)
    service = ProcurementService()
    for number in range(commands):
        note = DialogueNote(Counterpart.UNION, "Kommunal", date(2026, 1, 1)
                            + timedelta(days=number % 200), f"Anteckning {number}")
        try:
            service.add_dialogue_note(actor, cases[number % len(cases)], note)
        except ConcurrencyConflict:
            pass
    service.close()
""")


def test_writers_in_other_processes_while_projections_follow_leave_nothing_behind(
        service: ProcurementService, parties: Parties, durable_env: dict[str, str]) -> None:
    shared = walk_to(service, parties, State.DRAFT).procurement_id
    own = [walk_to(service, parties, State.DRAFT).procurement_id for _ in range(3)]
    follower = Follower(service, named(), poll_interval=0.05)
    follower.start()
    try:
        writers = [subprocess.Popen(
            [sys.executable, "-c", WRITER, str(parties.authority.user_id),
             str(parties.authority.organisation_id), "150", str(case), str(shared)],
            cwd=ROOT, env=_environment(durable_env)) for case in own]
        assert [w.wait(120) for w in writers] == [0, 0, 0]
        head = service.recorder.max_notification_id()
        _wait(lambda: min(_positions(service).values()) == head, 60,
              f"the followers ({_positions(service)}, head {head}, {follower.errors})")
    finally:
        follower.stop()
    assert not follower.errors
    ids = [n.id for n in service.recorder.select_notifications(1, 100_000)]
    db = Database.of(service)
    trail = audit_trail.entries(db, limit=1000)
    positions: list[int] = []
    while True:
        positions += [e.position for e in trail.entries]
        if trail.next_cursor is None:
            break
        trail = audit_trail.entries(db, after=trail.next_cursor, limit=1000)
    assert positions == ids
    with db.transaction() as cursor:
        versions = {r["procurement_id"]: r["version"]
                    for r in cursor.fetch("SELECT procurement_id, version FROM {case_list}")}
    for case_id in (shared, *own):
        assert versions[str(case_id)] == service.inspect(case_id)[0].version


# -- PostgreSQL: an id committed out of order ------------------------------------------------

def _held_insert(service: ProcurementService, env: dict[str, str]) -> psycopg.Connection[Any]:
    """A connection inside a transaction that has inserted an event (holding its id)."""
    organisation = Organisation.register(None, "Sen AB", "556036-0793", Role.SUPPLIER)
    stored = service.mapper.to_stored_event(organisation.collect_events()[0])
    connection = psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                                 port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                 password=env["POSTGRES_PASSWORD"])
    connection.execute(
        sql.SQL("INSERT INTO {}.procurement_events (originator_id, originator_version, topic, "
                "state) VALUES (%s, %s, %s, %s)").format(sql.Identifier(env["POSTGRES_SCHEMA"])),
        (stored.originator_id, stored.originator_version, stored.topic, stored.state))
    return connection


@pytest.mark.postgres
def test_an_id_committed_late_holds_the_projection_until_it_is_there(
        open_service: ServiceFactory, fresh_postgres_env: dict[str, str]) -> None:
    service = open_service(fresh_postgres_env)
    service.register_organisation(None, "Först AB", "556016-0680", Role.SUPPLIER)
    runner = ProjectionRunner(service, AuditTrail, gap_grace=0.05)
    runner.catch_up()
    held = _held_insert(service, fresh_postgres_env)
    try:
        service.register_organisation(None, "Sist AB", "556677-8899", Role.SUPPLIER)
        head = service.recorder.max_notification_id()
        runner.step()
        time.sleep(0.1)
        runner.step()
        assert runner.position() == head - 2 and runner.waiting
        held.commit()
    finally:
        held.close()
    runner.catch_up()
    names = [e.summary_en for e in audit_trail.entries(Database.of(service)).entries]
    assert names == ["Organisation registered: Först AB", "Organisation registered: Sen AB",
                     "Organisation registered: Sist AB"]


@pytest.mark.postgres
def test_an_id_rolled_back_is_skipped_once_its_writer_is_gone(
        open_service: ServiceFactory, fresh_postgres_env: dict[str, str]) -> None:
    service = open_service(fresh_postgres_env)
    runner = ProjectionRunner(service, AuditTrail, gap_grace=0.05)
    held = _held_insert(service, fresh_postgres_env)
    try:
        service.register_organisation(None, "Sist AB", "556677-8899", Role.SUPPLIER)
        assert runner.step() == 0 and runner.waiting
        held.rollback()
    finally:
        held.close()
    runner.catch_up()
    assert runner.position() == service.recorder.max_notification_id() == 2
    (entry,) = audit_trail.entries(Database.of(service)).entries
    assert entry.position == 2
