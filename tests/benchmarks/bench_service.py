"""Benchmark of the write side: the service's command rate next to the library's raw save
rate on the same store, and case load time with and without snapshots.

Run on demand (not part of the test suite):

    .venv/bin/python -m tests.benchmarks.bench_service [--commands 1000] [--events 2000]

PostgreSQL is used when it answers on 127.0.0.1:5432 (a throw-away database is created
and dropped). Prints a table; a comparison is a ratio measured in the same run.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from domain.examples import Parties, example_setup
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService


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

    started = time.perf_counter()
    service.repository.get(case_id)
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
