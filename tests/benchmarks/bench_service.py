"""Benchmark of the write side: the service's command rate next to the library's raw save
rate on the same store, and case load time with and without snapshots.

Run on demand (not part of the test suite):

    .venv/bin/python -m tests.benchmarks.bench_service [--commands 1000] [--events 2000]

PostgreSQL is used when it answers on 127.0.0.1:5432 (a throw-away database is created
and dropped). Prints a table; a comparison is a ratio measured in the same run.

`results(size)` (for `python -m tests.benchmarks.run`) measures the production set-up on
PostgreSQL: 8 clients posting dialogue notes through HTTP to gunicorn while `procurement
projections run` follows in its own process, next to 8 threads saving the same event with
the library alone, in the same database in the same run; the CPU each kind of process
spends per command; how far the read models are behind when the load stops; the same
writes each followed by a list read with the write's Log-Position; the same commands
through the service in-process (what HTTP and the web layer add); loading a case of
`size.case_events` events from the process's cache, from its snapshot and by replay; and
each process's peak memory.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.examples import Parties, example_setup
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections.registry import PROJECTIONS
from projections.runner import positions
from tests.benchmarks.common import (
    Processes,
    Result,
    Size,
    cpu_seconds,
    ms,
    percentile,
    postgres_database,
    postgres_pids,
    production,
)
from tests.e2e.api_helpers import register_party
from web.bootstrap import build_service


class Counter(Aggregate):
    """The smallest aggregate: what the library does with no domain logic at all."""

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self, note: str) -> None:
        self.count += 1


EXTRA: dict[str, str] = {}
CASES = 50


class RawApplication(Application):
    pass


def _note(number: int) -> DialogueNote:
    held_on = date(2026, 1, 1) + timedelta(days=number % 300)
    return DialogueNote(Counterpart.UNION, "Byggnads", held_on,
                        f"Samtal {number}: synpunkter på kravnivån och handledning.")


def _rate(count: int, action: Callable[[int], None]) -> float:
    started = time.perf_counter()
    for number in range(count):
        action(number)
    return count / (time.perf_counter() - started)


@contextmanager
def sqlite_env() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        yield {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": str(Path(folder) / "events.sqlite3")}


@contextmanager
def postgres_env() -> Iterator[dict[str, str]]:
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": name,
               "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432",
               "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
               "POSTGRES_ENABLE_DB_FUNCTIONS": "y"}
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                             autocommit=True) as c:
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def measure(env: dict[str, str], commands: int, events: int) -> dict[str, float]:
    env = {**env, **EXTRA}
    raw = RawApplication(env)
    counter = Counter()
    raw.save(counter)

    def raw_save(number: int) -> None:
        counter.increment(f"n{number}")
        raw.save(counter)

    raw_rate = _rate(commands, raw_save)
    raw.close()

    service = ProcurementService(env)
    parties = Parties()
    # Commands spread over many cases, as in real use: each loads a case of modest size.
    case_ids = [service.create_procurement(parties.authority, example_setup())
                for _ in range(CASES)]
    service_rate = _rate(commands, lambda n: service.add_dialogue_note(
        parties.authority, case_ids[n % CASES], _note(n)))
    case_id = case_ids[0]
    for number in range(commands // CASES, events):
        service.add_dialogue_note(parties.authority, case_id, _note(number))

    version = service.repository.get(case_id).version
    started = time.perf_counter()
    service.repository.get(case_id, version=version)  # passes the process's cache by
    with_snapshot = time.perf_counter() - started
    started = time.perf_counter()
    _replay(service, case_id)
    without_snapshot = time.perf_counter() - started
    service.close()
    return {"raw": raw_rate, "service": service_rate, "load_snap_ms": with_snapshot * 1000,
            "load_replay_ms": without_snapshot * 1000}


def _replay(service: ProcurementService, case_id: object) -> None:
    """Rebuild the case from every event, ignoring snapshots."""
    case = None
    for stored in service.events.get(case_id):  # type: ignore[arg-type]
        case = stored.mutate(case)


# -- the runner's measurements (tests/benchmarks/run.py) -------------------------------------

CLIENTS = 8


@dataclass
class HttpLoad:
    """What CLIENTS keep-alive clients measured, and the CPU each kind of process used for
    it (ms per request; /proc, so Linux only)."""

    latencies: list[float]
    errors: int
    rate: float
    cpu_ms: dict[str, float] = field(default_factory=dict)


def results(size: Size) -> list[Result]:
    with postgres_database() as env:
        service = build_service(env)
        party = register_party(service, "authority", "Norrviks kommun", Role.AUTHORITY)
        cases = [service.create_procurement(party.actor, example_setup()) for _ in range(48)]
        with production(env) as processes:
            # Warm: every pool and PostgreSQL backend exists before the CPU is counted.
            _http_commands(processes, party.token, cases, min(1.0, size.seconds))
            load = _http_commands(processes, party.token, cases, size.seconds)
            lag, caught_up = _read_models_after_load(service)
            pairs = _http_commands(processes, party.token, cases, size.seconds,
                                   then_list=True)
            memory = processes.peak_memory()
        raw_rate, raw_cpu = _counted(size.seconds, _raw_saver(service, party.actor))
        in_process, in_process_cpu = _counted(
            size.seconds, _service_commands(service, party.actor, cases))
        cached, snap, replay = _long_case_load(service, party.actor, size.case_events)
        service.close()
    area = "Write side (PostgreSQL)"
    cpu = load.cpu_ms
    total = sum(cpu.values())
    cores = os.cpu_count() or 1
    return [
        Result(area, f"raw library saves/s, {CLIENTS} threads (one note per save)",
               f"{raw_rate:,.0f}", note=_cpu_note(raw_cpu)),
        Result(area, f"service commands/s in-process, {CLIENTS} threads", f"{in_process:,.0f}",
               note=f"{in_process / raw_rate:.2f} of raw; " + _cpu_note(in_process_cpu)),
        Result(area, f"HTTP commands/s, {CLIENTS} clients, gunicorn 2x4, projections "
               "following", f"{load.rate:,.0f}", "≥ 0.5 of raw", load.rate >= raw_rate / 2,
               f"{load.rate / raw_rate:.2f} of raw"
               + (f"; {load.errors} errors" if load.errors else "")),
        Result(area, "HTTP command latency p50 / p99",
               f"{ms(percentile(load.latencies, 0.5))} / "
               f"{ms(percentile(load.latencies, 0.99))}",
               note="answered once stored; the lists follow (Log-Position)"),
        Result(area, "CPU per HTTP command, by process",
               f"{total:.2f} ms", note="; ".join(f"{name} {value:.2f}"
                                                 for name, value in cpu.items())
               + f": {cores} cores allow {cores * 1000 / total:,.0f}/s"),
        Result(area, "read models behind at the end of the load", f"{lag:,} events",
               note=f"caught up {caught_up:.1f} s later"),
        Result(area, "HTTP write, then the task list with its Log-Position",
               f"{pairs.rate:,.0f} pairs/s",
               note=f"p50 / p99 {ms(percentile(pairs.latencies, 0.5))} / "
                    f"{ms(percentile(pairs.latencies, 0.99))} per pair"
                    + (f"; {pairs.errors} errors" if pairs.errors else "")),
        Result(area, f"load a case of {size.case_events:,} events, cached in the process",
               ms(cached), note="what a command does: only the events after the cached "
                                "version are read"),
        Result(area, f"load a case of {size.case_events:,} events, with snapshots",
               ms(snap), note="a process that has not cached it"),
        Result(area, f"load a case of {size.case_events:,} events, full replay", ms(replay),
               note=f"{replay / snap:.0f}x the snapshot load"),
        *(Result("Peak memory", name, f"{mib:,.0f} MiB", note="under the HTTP load")
          for name, mib in memory.items()),
    ]


def _counted(seconds: float, make_worker: Callable[[int], Callable[[int], None]]
             ) -> tuple[float, dict[str, float]]:
    """`_threaded_rate`, and the CPU this process and PostgreSQL spent per operation (ms;
    the window includes the threads' start, one warm-up call each)."""
    pids = {"Python": [os.getpid()], "PostgreSQL": postgres_pids()}
    before = {name: sum(cpu_seconds(pid) for pid in group) for name, group in pids.items()}
    rate = _threaded_rate(seconds, make_worker)
    operations = max(1.0, rate * seconds)
    return rate, {name: (sum(cpu_seconds(pid) for pid in group) - before[name]) * 1000
                  / operations for name, group in pids.items()}


def _cpu_note(cpu: dict[str, float]) -> str:
    return "CPU per operation " + ", ".join(f"{name} {value:.2f}" for name, value in cpu.items()) \
        + f" = {sum(cpu.values()):.2f} ms"


def _read_models_after_load(service: ProcurementService) -> tuple[int, float]:
    """How far the slowest read model is behind the log the moment the load stops, and
    how long it then takes to catch up."""
    head = int(service.recorder.max_notification_id() or 0)
    behind = head - min(positions(service, PROJECTIONS.values()).values())
    started = time.perf_counter()
    deadline = started + 300
    while min(positions(service, PROJECTIONS.values()).values()) < head:
        if time.perf_counter() > deadline:
            return behind, float("inf")
        time.sleep(0.02)
    return behind, time.perf_counter() - started


def _threaded_rate(seconds: float, make_worker: Callable[[int], Callable[[int], None]]
                   ) -> float:
    """Operations per second of CLIENTS threads, each running its own worker in a loop."""
    counts = [0] * CLIENTS
    stop = threading.Event()

    def loop(number: int) -> None:
        work = make_worker(number)
        work(-1)  # warm: connections, caches
        barrier.wait()
        while not stop.is_set():
            work(counts[number])
            counts[number] += 1

    barrier = threading.Barrier(CLIENTS + 1)
    threads = [threading.Thread(target=loop, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - started)


def _raw_saver(service: ProcurementService, actor: Actor
               ) -> Callable[[int], Callable[[int], None]]:
    """Each thread appends notes to its own case held in memory and saves it: the library's
    save of the same event, with no load, no access check, no retry."""
    def make(number: int) -> Callable[[int], None]:
        case = service.repository.get(service.create_procurement(actor, example_setup()))

        def save(count: int) -> None:
            case.add_dialogue_note(actor, _note(count))
            service.save(case)
        return save
    return make


def _service_commands(service: ProcurementService, actor: Actor, cases: list[UUID]
                      ) -> Callable[[int], Callable[[int], None]]:
    def make(number: int) -> Callable[[int], None]:
        mine = cases[number::CLIENTS]
        return lambda count: service.add_dialogue_note(actor, mine[count % len(mine)],
                                                       _note(count))
    return make


def _http_commands(processes: Processes, token: str, cases: list[UUID], seconds: float,
                   *, then_list: bool = False) -> HttpLoad:
    """CLIENTS threads, each on a keep-alive connection, posting dialogue notes round its
    share of the cases; with `then_list`, each post followed by the task list sent with the
    post's Log-Position (read your own write). Latency is of the post, or of the pair."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors = [0] * CLIENTS
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connections: list[http.client.HTTPConnection] = []

    def make(number: int) -> Callable[[int], None]:
        conn = http.client.HTTPConnection(processes.host, processes.port, timeout=30)
        connections.append(conn)
        mine = cases[number::CLIENTS]

        def post(count: int) -> None:
            note = _note(count)
            body = json.dumps({"counterpart": note.counterpart.value,
                               "organisation_name": note.organisation_name,
                               "held_on": note.held_on.isoformat(), "summary": note.summary})
            started = time.perf_counter()
            conn.request("POST", f"/api/v1/procurements/{mine[count % len(mine)]}"
                         "/dialogue-notes", body, headers)
            response = conn.getresponse()
            response.read()
            failed = response.status != 204
            if then_list and not failed:
                position = response.getheader("Log-Position") or ""
                conn.request("GET", "/api/v1/tasks", headers={**headers,
                                                              "Log-Position": position})
                listed = conn.getresponse()
                listed.read()
                failed = listed.status != 200
            if count >= 0:
                latencies[number].append(time.perf_counter() - started)
                errors[number] += failed
        return post

    pids = {"web": processes.worker_pids(), "projections": [processes.follower.pid],
            "PostgreSQL": postgres_pids(), "clients": [os.getpid()]}
    before = {name: sum(cpu_seconds(pid) for pid in group) for name, group in pids.items()}
    rate = _threaded_rate(seconds, make)
    used = {name: sum(cpu_seconds(pid) for pid in group) - before[name]
            for name, group in pids.items()}
    for conn in connections:
        conn.close()
    done = [t for per in latencies for t in per]
    return HttpLoad(done, sum(errors), rate,
                    {name: value * 1000 / max(1, len(done)) for name, value in used.items()})


def _long_case_load(service: ProcurementService, actor: Actor, events: int
                    ) -> tuple[float, float, float]:
    """Median time to load one case of `events` events: from this process's cache (read
    the events after the cached version), from the store (the snapshot and the events
    after it: `version=` passes the cache by) and by replaying every event."""
    case = service.repository.get(service.create_procurement(actor, example_setup()))
    while case.version < events:
        for number in range(min(100, events - case.version)):
            case.add_dialogue_note(actor, _note(number))
        service.save(case)
    cached = statistics.median(_timed(lambda: service.repository.get(case.id))
                               for _ in range(7))
    snap = statistics.median(_timed(lambda: service.repository.get(case.id,
                                                                   version=case.version))
                             for _ in range(7))
    replay = statistics.median(_timed(lambda: _replay(service, case.id)) for _ in range(3))
    return cached, snap, replay


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    rows = []
    for name, env_factory in (("SQLite file", sqlite_env), ("PostgreSQL 127.0.0.1", postgres_env)):
        with env_factory() as env:
            result = measure(env, args.commands, args.events)
        rows.append((name, result))
    header = (f"| store | raw saves/s | service commands/s ({CASES} cases) | service/raw "
              f"| load {args.events}-event case, snapshots (ms) | same, full replay (ms) |")
    print(header)
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(f"| {name} | {r['raw']:.0f} | {r['service']:.0f} | {r['service'] / r['raw']:.2f} "
              f"| {r['load_snap_ms']:.1f} | {r['load_replay_ms']:.1f} |")


if __name__ == "__main__":
    main()
