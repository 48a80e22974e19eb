"""How much of a command's time is spent waiting for the events table's lock, from
PostgreSQL's own wait statistics, with the writers on one schema and spread over two.

The library takes `LOCK TABLE ... IN EXCLUSIVE MODE` on every insert, so the writers of
one events table queue for it. Four writer processes (as four web workers would) run
`add_dialogue_note` through the service as fast as they can (and, for the ceiling, the
library's save of the same event on a case held in memory); a sampler polls
`pg_stat_activity` every few milliseconds for the writers' connections (named by
`PGAPPNAME`). Each writer is single-threaded, so at every sample each writer is either in
Python (no active query), in PostgreSQL waiting for a lock (`wait_event_type = 'Lock'`,
`wait_event = 'relation'` for LOCK TABLE) or in PostgreSQL doing other work: the shares
of the samples are the shares of the command's time.

    .venv/bin/python -m tests.benchmarks.run --only lock_wait
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from uuid import UUID

from domain.examples import Parties, example_setup
from domain.service import ProcurementService
from domain.values import Actor
from tests.benchmarks.common import ROOT, Result, Size, admin_connect, postgres_database

WRITERS = 4
APP_NAME = "bench-lock-writer"

WRITER = """
import sys, time
from datetime import date, timedelta
from uuid import UUID
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from domain.values import Actor, Role

mode = sys.argv[1]
actor = Actor(UUID(sys.argv[2]), UUID(sys.argv[3]), Role.AUTHORITY)
cases = [UUID(c) for c in sys.argv[4:]]
service = ProcurementService()
held = service.repository.get(cases[0])  # connect before the clock starts
print("ready", flush=True)
start_at, stop_at = map(float, sys.stdin.readline().split())
time.sleep(max(0.0, start_at - time.time()))
done = 0
while time.time() < stop_at:
    note = DialogueNote(Counterpart.UNION, "Byggnads", date(2026, 1, 1)
                        + timedelta(days=done % 300), f"Samtal {done} om handledning.")
    if mode == "raw":  # the library's save alone: the case stays in memory
        held.add_dialogue_note(actor, note)
        service.save(held)
    else:
        service.add_dialogue_note(actor, cases[done % len(cases)], note)
    done += 1
service.close()
print(done)
"""


KINDS = {"service": "service commands", "raw": "raw library saves"}


def results(size: Size) -> list[Result]:
    rows = []
    area = "Table lock (PostgreSQL wait statistics)"
    for mode, kind in KINDS.items():
        for schemas in (1, 2):
            rate, shares, samples = measure(mode, schemas, size.seconds)
            where = "1 schema" if schemas == 1 else f"{schemas} schemas"
            rows.append(Result(
                area, f"{WRITERS} processes of {kind}, {where}: time waiting for the lock",
                f"{shares['lock']:.1%}",
                note=f"{rate:,.0f}/s; in PostgreSQL otherwise {shares['database']:.1%}, "
                     f"in Python {shares['python']:.1%}; {samples:,} samples"))
    return rows


def measure(mode: str, schemas: int, seconds: float) -> tuple[float, dict[str, float], int]:
    names = [f"s{n}" for n in range(schemas)]
    with postgres_database(names) as env:
        envs = [{**env, "POSTGRES_SCHEMA": name} for name in names]
        parties = Parties()
        actor = parties.authority
        cases = []
        for schema_env in envs:  # the tables, and a dozen cases per writer
            service = ProcurementService(schema_env)
            cases.append([service.create_procurement(actor, example_setup())
                          for _ in range(12 * WRITERS // schemas)])
            service.close()
        writers = [_writer(mode, envs[n % schemas], actor,
                           cases[n % schemas][n // schemas::WRITERS // schemas])
                   for n in range(WRITERS)]
        for writer in writers:  # imported and connected: start together
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        start_at = time.time() + 0.5
        stop_at = start_at + seconds
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write(f"{start_at} {stop_at}\n")
            writer.stdin.flush()
        counts, total = _sample(env["POSTGRES_DBNAME"], start_at, stop_at)
        done = sum(int(w.communicate()[0].strip() or 0) for w in writers)
    writer_time = max(1, total * WRITERS)
    return done / seconds, {
        "lock": counts["lock"] / writer_time,
        "database": counts["database"] / writer_time,
        "python": (writer_time - counts["lock"] - counts["database"]) / writer_time,
    }, total


def _writer(mode: str, env: dict[str, str], actor: Actor, cases: list[UUID]
            ) -> subprocess.Popen[str]:
    environment = {**os.environ, **env, "CREATE_TABLE": "n", "PYTHONPATH": str(ROOT),
                   "PGAPPNAME": APP_NAME, "POSTGRES_POOL_SIZE": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, mode, str(actor.user_id), str(actor.organisation_id),
         *map(str, cases)],
        cwd=ROOT, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _sample(dbname: str, start_at: float, stop_at: float) -> tuple[Counter[str], int]:
    """Per sample, each writer connection's state: waiting for a lock, or active otherwise.
    Idle connections are writers in Python (or spare connections of a pool)."""
    counts: Counter[str] = Counter()
    total = 0
    with admin_connect(dbname) as conn:
        time.sleep(max(0.0, start_at - time.time()))
        while time.time() < stop_at:
            rows = conn.execute(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = current_database()",
                [APP_NAME]).fetchall()
            total += 1
            for state, wait_type, _wait_event in rows:
                if state != "active":
                    continue
                counts["lock" if wait_type == "Lock" else "database"] += 1
            time.sleep(0.002)
    return counts, total
