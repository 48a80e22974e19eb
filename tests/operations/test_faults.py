"""Faults survived, each with a few seconds of real load on loopback: a PostgreSQL restart
under gunicorn, a projection process killed and restarted, two web processes writing to
one case, a database that stops accepting writes, and a disk that fills up.

What "survived" means here, checked by counting: every command answered with success is in the
case's history exactly once; a command answered otherwise is not there (or, for a 503 whose
commit outlived its connection, at most once); the answers during the fault are clean
problem documents; the same processes serve again afterwards, none restarted.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from domain.examples import example_setup
from domain.procurement import events
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.values import Role
from projections.registry import named
from projections.runner import ProjectionRunner, status
from tests.e2e.api_helpers import API, SETUP, register_party
from tests.e2e.test_server import procurement_command
from tests.integration.test_projections_exactly_once import _tables
from tests.operations.conftest import (
    Answer,
    OwnPostgres,
    WebServer,
    call,
    process_environment,
    run_for,
)
from web import bootstrap

pytestmark = pytest.mark.postgres

LOAD_SECONDS = 4.0
CLIENTS = 6
NOTE_DAY = date(2026, 2, 1)
ADDED = 204  # a dialogue note added: no content
# Longer than the library's retries of a statement with POSTGRES_CONNECT_TIMEOUT=1 (10
# attempts, each waiting up to 1 s for a connection and 0.2 s after): then requests fail.
OUTAGE_SECONDS = 14
PROBLEM_JSON = "application/problem+json"


class World:
    """A store with its tables made by `db init`, an authority with an API token, and one
    draft case to write dialogue notes to."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        bootstrap.initialise_database(env)
        self.service = bootstrap.build_service({**env, "CREATE_TABLE": "n"})
        self.authority = register_party(self.service, "authority", "Norrviks kommun",
                                        Role.AUTHORITY)
        self.case_id: UUID | None = None
        self.answers: list[tuple[str, Answer]] = []
        self._lock = threading.Lock()

    def create_case(self, server: WebServer) -> UUID:
        created = call(server.base, "POST", f"{API}/procurements", token=self.authority.token,
                       body=SETUP)
        assert created.status == 201, created
        self.case_id = UUID(created.body["id"])
        return self.case_id

    def note(self, server: WebServer, summary: str, case_id: UUID | None = None,
             key: str | None = None) -> Answer:
        """Add a dialogue note over HTTP (with an Idempotency-Key, when given)."""
        headers = {"Idempotency-Key": key} if key else {}
        case_id = case_id or self.case_id
        answer = call(server.base, "POST", f"{API}/procurements/{case_id}/dialogue-notes",
                      token=self.authority.token, headers=headers,
                      body={"counterpart": "union", "organisation_name": "Kommunal",
                            "held_on": "2026-02-01", "summary": summary})
        with self._lock:
            self.answers.append((summary, answer))
        return answer

    def stored_notes(self, *case_ids: UUID) -> Counter[str]:
        assert self.case_id is not None
        return Counter(e.note.summary for case_id in (case_ids or (self.case_id,))
                       for e in self.service.events.get(case_id)
                       if isinstance(e, events.DialogueNoteAdded))

    def by_status(self) -> dict[int, list[str]]:
        grouped: dict[int, list[str]] = {}
        for summary, answer in self.answers:
            grouped.setdefault(answer.status, []).append(summary)
        return grouped

    def close(self) -> None:
        self.service.close()


@pytest.fixture
def world_on() -> Iterator[Callable[[dict[str, str]], World]]:
    made: list[World] = []

    def make(env: dict[str, str]) -> World:
        made.append(World(env))
        return made[-1]

    yield make
    for world in made:
        world.close()


def _assert_store_problem(answer: Answer, code: str) -> None:
    assert answer.status == 503, answer
    assert answer.headers["Content-Type"] == PROBLEM_JSON, answer
    assert answer.problem_type == f"urn:sysselsattning:problem:{code}", answer
    assert answer.body["status"] == 503 and answer.body["detail"], answer
    assert int(answer.headers["Retry-After"]) > 0


# -- PostgreSQL restarted under a write load ---------------------------------------------------

def test_postgres_restarted_under_load_loses_nothing_and_the_same_workers_serve_on(
        own_postgres: OwnPostgres, web_server: Callable[..., WebServer],
        world_on: Callable[[dict[str, str]], World]) -> None:
    """Two faults under one write load: a quick restart, which the library's own retries
    (each statement up to 10 times, 0.2 s apart) hide from the clients; and an outage
    longer than those retries, in which the commands in flight and those arriving answer
    a clean 503. Then the same gunicorn workers carry on, and the history holds every
    accepted command exactly once."""
    env = own_postgres.create_database(f"restart_{secrets.token_hex(4)}")
    world = world_on({**env, "POSTGRES_CONNECT_TIMEOUT": "1"})
    server = web_server(world.env, workers=2, threads=4)
    cases = [world.create_case(server) for _ in range(CLIENTS)]  # one each: no conflicts
    workers = server.workers()
    round_ = 0

    def write(client: int, n: int) -> None:
        summary = f"restart {round_}/{client}-{n}"
        world.note(server, summary, cases[client], key=summary)

    def with_commands_in_flight(fault: Callable[[], None]) -> Callable[[], None]:
        """Hold the lock every insert of an event takes (the library's LOCK TABLE), so the
        commands arriving meanwhile wait inside their transactions; then the fault."""
        def run() -> None:
            time.sleep(0.5)
            holder = own_postgres.connect(env["POSTGRES_DBNAME"])
            holder.autocommit = False
            holder.execute("LOCK TABLE procurement_events IN EXCLUSIVE MODE")
            time.sleep(0.3)
            fault()  # stopping the server ends every session, the holder's too
            holder.close()
        return run

    def during(seconds: float, fault: Callable[[], None]) -> list[Answer]:
        first = len(world.answers)
        faulting = threading.Thread(target=with_commands_in_flight(fault))
        faulting.start()
        run_for(seconds, CLIENTS, write)
        faulting.join()
        return [a for _, a in world.answers[first:]]

    quick = during(2.5, own_postgres.restart)
    assert {a.status for a in quick} <= {ADDED, 503}, quick
    round_ += 1

    def outage() -> None:
        own_postgres.stop("fast")
        time.sleep(OUTAGE_SECONDS)
        own_postgres.start()

    long = during(OUTAGE_SECONDS + 3, outage)
    assert {a.status for a in long} <= {ADDED, 503}, [a for a in long if a.status != ADDED]
    unavailable = [a for a in long if a.status == 503]
    assert unavailable, "no command answered 503 while PostgreSQL was down"
    for answer in unavailable:
        _assert_store_problem(answer, "store-unavailable")

    # The same gunicorn and the same workers go on: later commands succeed.
    assert server.process.poll() is None and server.workers() == workers
    after = [world.note(server, f"after {n}", cases[n % CLIENTS]) for n in range(6)]
    assert [a.status for a in after] == [ADDED] * 6, after
    answers = world.by_status()
    # A 503'd command sent again with its Idempotency-Key is carried out once, or (when
    # its first try committed but could not keep its answer) refused as in flight.
    for summary in answers[503]:
        client = int(summary.split("/")[1].split("-")[0])
        again = world.note(server, summary, cases[client], key=summary)
        assert again.status in (ADDED, 409), again
    stored = world.stored_notes(*cases)
    assert max(stored.values()) == 1, "a note stored twice"
    accepted = {s for s, a in world.answers if a.status == ADDED}
    assert accepted <= set(stored), "an accepted note is missing"
    assert set(stored) <= accepted | set(answers[503]), "a note nobody sent"
    # Both workers' counts in one scrape (prometheus_client's multiprocess mode).
    metrics = call(server.base, "GET", "/metrics").body
    for outcome, code in (("accepted", ADDED), ("unavailable", 503)):
        sent = sum(1 for _, a in world.answers if a.status == code)
        assert (f'procurement_commands_total{{command="api.add_dialogue_note",'
                f'outcome="{outcome}"}} {float(sent)}') in metrics


# -- a projection process killed under load ----------------------------------------------------

def test_a_projection_process_killed_under_load_and_restarted_equals_a_rebuild(
        fresh_postgres_env: dict[str, str], world_on: Callable[[dict[str, str]], World],
        tmp_path: Path) -> None:
    world = world_on(fresh_postgres_env)
    case_ids = [world.service.create_procurement(
        world.authority.actor, example_setup(reference=f"KS 2026/{n:04d}")) for n in range(4)]
    environment = process_environment(fresh_postgres_env, CREATE_TABLE="n",
                                       PROCUREMENT_LOG_FORMAT="json")
    started: list[subprocess.Popen[bytes]] = []

    def start_projections() -> subprocess.Popen[bytes]:
        with (tmp_path / f"projections-{len(started)}.log").open("wb") as log:
            started.append(subprocess.Popen(
                [*procurement_command(), "projections", "run", "--batch-size", "50",
                 "--poll-interval", "0.05"], env=environment, stdout=log, stderr=log))
        return started[-1]

    def write(client: int, n: int) -> None:
        note = DialogueNote(Counterpart.UNION, "Kommunal", NOTE_DAY, f"load {client}-{n}")
        world.service.add_dialogue_note(world.authority.actor, case_ids[client % 4], note)

    process = start_projections()

    def kill_and_restart() -> None:
        nonlocal process
        for _ in range(2):
            time.sleep(LOAD_SECONDS / 3)
            process.send_signal(signal.SIGKILL)
            process.wait()
            process = start_projections()

    killer = threading.Thread(target=kill_and_restart)
    killer.start()
    try:
        run_for(LOAD_SECONDS, 4, write)
        killer.join()
        head = world.service.recorder.max_notification_id() or 0
        deadline = time.monotonic() + 60
        while min(s.position for s in status(world.service, named())) < head:
            assert time.monotonic() < deadline, "the restarted projections did not catch up"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        for each in started:
            if each.poll() is None:
                each.kill()
                each.wait()
    assert [p.returncode for p in started[:2]] == [-signal.SIGKILL] * 2
    followed = _tables(world.service)
    for projection in named():
        ProjectionRunner(world.service, projection).rebuild()
    rebuilt = _tables(world.service)
    assert followed["audit_trail"] and len(followed["audit_trail"]) == head
    for table, rows in rebuilt.items():
        assert followed[table] == rows, f"{table} differs from a rebuild"


# -- two web processes writing to the same case ------------------------------------------------

def test_two_web_processes_writing_to_one_case_record_every_accepted_command_once(
        fresh_postgres_env: dict[str, str], web_server: Callable[..., WebServer],
        world_on: Callable[[dict[str, str]], World]) -> None:
    world = world_on(fresh_postgres_env)
    servers = [web_server(world.env, workers=1, threads=4) for _ in range(2)]
    world.create_case(servers[0])

    def write(client: int, n: int) -> None:
        world.note(servers[(client + n) % 2], f"two {client}-{n}")

    run_for(LOAD_SECONDS, CLIENTS, write)
    answers = world.by_status()
    assert set(answers) <= {ADDED, 409}, {s: len(a) for s, a in answers.items()}
    assert len(answers[ADDED]) >= 20
    stored = world.stored_notes()
    assert max(stored.values()) == 1
    assert set(stored) == set(answers[ADDED]), "accepted and stored differ"
    assert world.case_id is not None
    versions = [e.originator_version for e in world.service.events.get(world.case_id)]
    assert versions == list(range(1, len(versions) + 1))


# -- a database that refuses writes ------------------------------------------------------------

def test_a_read_only_database_refuses_writes_with_a_clear_error_and_keeps_reading(
        own_postgres: OwnPostgres, web_server: Callable[..., WebServer],
        world_on: Callable[[dict[str, str]], World]) -> None:
    world = world_on(own_postgres.create_database(f"readonly_{secrets.token_hex(4)}"))
    server = web_server(world.env, workers=1, threads=2)
    case_id = world.create_case(server)
    assert world.note(server, "before").status == ADDED
    head = world.service.recorder.max_notification_id()
    own_postgres.read_only(True)
    try:
        for n in range(3):
            refused = world.note(server, f"refused {n}")
            _assert_store_problem(refused, "store-read-only")
            assert "read-only" in refused.body["detail"]
        keyed = world.note(server, "refused keyed", key="k-1")
        _assert_store_problem(keyed, "store-read-only")
        shown = call(server.base, "GET", f"{API}/procurements/{case_id}",
                     token=world.authority.token)
        assert shown.status == 200, shown
        assert call(server.base, "GET", "/readyz").status == 200
    finally:
        own_postgres.read_only(False)
    assert world.service.recorder.max_notification_id() == head
    assert world.note(server, "after").status == ADDED
    assert world.note(server, "refused keyed", key="k-1").status == ADDED
    assert world.stored_notes() == Counter({"before": 1, "after": 1, "refused keyed": 1})
    metrics = call(server.base, "GET", "/metrics").body
    assert ('procurement_commands_total{command="api.add_dialogue_note",'
            'outcome="unavailable"} 4.0') in metrics



# -- a full disk ---------------------------------------------------------------------------

def test_a_full_disk_refuses_writes_with_a_clear_error_and_nothing_is_half_written(
        own_postgres: OwnPostgres, web_server: Callable[..., WebServer],
        world_on: Callable[[dict[str, str]], World]) -> None:
    """The database's files on a file system of their own, which another program fills:
    PostgreSQL cannot extend the events table, and the answer says so (503 store-full);
    reads go on; once there is room again the same server writes again, and the history
    holds every accepted note once and no refused one, with no gap in its versions."""
    with own_postgres.small_disk(f"small_{secrets.token_hex(3)}", megabytes=40) as disk:
        world = world_on(own_postgres.create_database(f"full_{secrets.token_hex(4)}",
                                                      tablespace=disk.tablespace))
        server = web_server(world.env, workers=1, threads=2)
        case_id = world.create_case(server)
        assert world.note(server, "before").status == ADDED
        assert disk.fill() > 0
        refused = None
        for number in range(2000):  # the table's last page may hold a few more notes
            answer = world.note(server, f"while full {number}")
            if answer.status != ADDED:
                refused = answer
                break
        assert refused is not None, "the disk never filled up"
        _assert_store_problem(refused, "store-full")
        assert "disk full" in refused.body["detail"]
        assert world.note(server, "refused again").status == 503
        shown = call(server.base, "GET", f"{API}/procurements/{case_id}",
                     token=world.authority.token)
        assert shown.status == 200, shown
        disk.free()
        assert world.note(server, "after").status == ADDED
        accepted = Counter(summary for summary, answer in world.answers
                           if answer.status == ADDED)
        assert world.stored_notes() == accepted
        assert {"before", "after"} <= set(accepted) and "refused again" not in accepted
        versions = [e.originator_version for e in world.service.events.get(case_id)]
        assert versions == list(range(1, len(versions) + 1))
