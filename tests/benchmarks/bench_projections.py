"""Benchmark of the read side: how fast each projection rebuilds, next to the speed of only
reading and decoding the same notifications (the ceiling), and how far the projections lag
behind a steady write load.

Run on demand (not part of the test suite):

    .venv/bin/python -m tests.benchmarks.bench_projections [--events 100000]
        [--rate 200] [--seconds 20] [--stores sqlite,postgres]

The log holds a realistic spread of facts (cases walked through their lifecycle with
placements and checkpoints, organisations and users) filled up to `--events` with
dialogue notes, a hundred to a save. Catch-up and ceiling are measured in the same run on
the same store. The lag run starts `python -m projections.cli run` (all projections) as a
process of its own, writes `--rate` service commands a second from four threads in this
process, and samples every projection's position every 10 ms: the lag of an event is the
time from its save returning to the projection having applied it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from domain.clock import FixedClock
from domain.examples import Parties, example_setup, walk_to
from domain.procurement import Procurement
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.lifecycle import State
from domain.procurement.setup import CaseSetup
from domain.service import ProcurementService
from domain.values import Role
from projections.registry import PROJECTIONS, named
from projections.runner import ProjectionRunner, positions
from tests.benchmarks.bench_service import postgres_env, sqlite_env
from tests.benchmarks.common import Result, Size, postgres_database

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime(2028, 9, 15, 10, tzinfo=UTC)


def _note(number: int) -> DialogueNote:
    return DialogueNote(Counterpart.UNION, "Byggnads", date(2026, 1, 1)
                        + timedelta(days=number % 300), f"Samtal {number} om handledning.")


def fill(service: ProcurementService, events: int) -> dict[str, int]:
    """The log: 40 cases walked to every state (3 placements each in delivery and later),
    40 organisations with a user each, then dialogue notes on 200 draft cases."""
    parties = Parties()
    states = (State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL,
              State.DELIVERY, State.FOLLOW_UP, State.CLOSED, State.CANCELLED)
    for number in range(40):
        walk_to(service, Parties(), states[number % len(states)], placements=3)
    for number in range(40):
        organisation = service.register_organisation(
            None, f"Organisation {number}", "556036-0793", Role.SUPPLIER)
        service.invite_user(None, organisation, f"Person {number}", f"p{number}@example.se")
    lifecycle = service.recorder.max_notification_id() or 0
    cases = []
    for _ in range(200):
        case: object = service.repository.get(service.create_procurement(
            parties.authority, walk_setup()))
        assert isinstance(case, Procurement)
        cases.append(case)
    number = 0
    while (missing := events - (service.recorder.max_notification_id() or 0)) > 0:
        case = cases[number // 100 % len(cases)]
        for _ in range(min(100, missing)):
            case.add_dialogue_note(parties.authority, _note(number))
            number += 1
        service.save(case)
    return {"lifecycle": lifecycle, "notes": number}


def walk_setup() -> CaseSetup:
    return example_setup()


def ceiling(service: ProcurementService) -> float:
    """Events per second for reading and decoding the whole log, writing nothing."""
    started = time.perf_counter()
    position, count = 0, 0
    while batch := service.recorder.select_notifications(position + 1, 500):
        for notification in batch:
            service.mapper.to_domain_event(notification)
        count += len(batch)
        position = batch[-1].id
    return count / (time.perf_counter() - started)


def rebuild_rates(service: ProcurementService) -> tuple[float, dict[str, tuple[float, float]]]:
    """Each projection's rebuild rate and its share of the ceiling measured just before it
    (this machine is shared and noisy: each pair is measured back to back); and the median
    ceiling."""
    rates, ceilings = {}, []
    for projection in named():
        read = ceiling(service)
        ceilings.append(read)
        runner = ProjectionRunner(service, projection)
        started = time.perf_counter()
        applied = runner.rebuild()
        rate = applied / (time.perf_counter() - started)
        rates[projection.name] = (rate, rate / read)
    return statistics.median(ceilings), rates


WRITER = """
import sys, time
from datetime import date, timedelta
from uuid import UUID
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from domain.values import Actor, Role

rate, seconds, start_at = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
actor = Actor(UUID(sys.argv[4]), UUID(sys.argv[5]), Role.AUTHORITY)
cases = [UUID(c) for c in sys.argv[6:]]
service = ProcurementService()
saved = []
for number in range(int(rate * seconds)):
    time.sleep(max(0.0, start_at + number / rate - time.monotonic()))
    note = DialogueNote(Counterpart.UNION, "Byggnads", date(2026, 1, 1)
                        + timedelta(days=number % 300), f"Samtal {number} om handledning.")
    service.add_dialogue_note(actor, cases[number % len(cases)], note)
    saved.append((service.recorder.max_notification_id(), time.monotonic()))
service.close()
print("\\n".join(f"{i} {t}" for i, t in saved))
"""
WRITERS = 4


def lag(env: dict[str, str], rate: int, seconds: float
        ) -> tuple[float, dict[str, tuple[float, float, float, int]]]:
    """The command rate achieved, and p50, p95 and max lag (seconds) of each projection,
    with events it never applied, under `rate` commands a second from WRITERS processes."""
    service = ProcurementService(env, clock=FixedClock(TODAY))
    parties = Parties()
    case_ids = [service.create_procurement(parties.authority, walk_setup())
                for _ in range(WRITERS * 12)]
    environment = {**os.environ, **env, "CREATE_TABLE": "n", "PYTHONPATH": str(ROOT)}
    follower = subprocess.Popen([sys.executable, "-m", "projections.cli", "run"], cwd=ROOT,
                                env=environment, stderr=subprocess.DEVNULL)
    timeline: list[tuple[float, dict[str, int]]] = []
    try:
        head = service.recorder.max_notification_id() or 0
        while min(positions(service, named()).values()) < head:
            time.sleep(0.1)
        start_at = time.monotonic() + 3  # the writers' imports and connections first
        writers = [subprocess.Popen(
            [sys.executable, "-c", WRITER, str(rate / WRITERS), str(seconds), str(start_at),
             str(parties.authority.user_id), str(parties.authority.organisation_id),
             *[str(c) for c in case_ids[number::WRITERS]]],
            cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
            for number in range(WRITERS)]
        while any(w.poll() is None for w in writers) or (
                timeline and min(timeline[-1][1].values()) < (
                    service.recorder.max_notification_id() or 0)):
            timeline.append((time.monotonic(), positions(service, named())))
            time.sleep(0.01)
        saved = [(int(i), float(t)) for w in writers
                 for i, t in (line.split() for line in w.communicate()[0].split("\n") if line)]
    finally:
        follower.terminate()
        follower.wait(30)
        service.close()
    achieved = len(saved) / (max(t for _, t in saved) - start_at)
    result = {}
    for projection in named():
        lags, unseen = [], 0
        for notification_id, saved_at in saved:
            applied = next((t for t, reached in timeline
                            if t >= saved_at and reached[projection.name] >= notification_id),
                           None)
            if applied is None:
                unseen += 1
            else:
                lags.append(applied - saved_at)
        lags.sort()
        result[projection.name] = (statistics.median(lags), lags[int(len(lags) * 0.95)],
                                   lags[-1], unseen)
    return achieved, result


NATIONAL_DECADE = 50_000_000


def _rebuild_one(env: dict[str, str], name: str, start: Any, took: Any) -> None:
    """In a process of its own: wait for the others, rebuild one projection, report the
    seconds it took."""
    # The tables exist: nine processes creating them at once would collide in the catalog.
    service = ProcurementService({**env, "CREATE_TABLE": "n"}, clock=FixedClock(TODAY))
    runner = ProjectionRunner(service, PROJECTIONS[name])
    start.wait()
    started = time.perf_counter()
    runner.rebuild()
    took[name] = time.perf_counter() - started
    service.close()


def parallel_rebuild(env: dict[str, str]) -> tuple[float, int]:
    """Every projection rebuilt at once, one process each (as an operator would after a
    restore: `procurement projections rebuild NAME` for each, side by side): the seconds
    from the common start until the last one finished, and the events in the log."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Event()
        took = manager.dict()
        processes = [context.Process(target=_rebuild_one, args=(env, name, start, took))
                     for name in PROJECTIONS]
        for process in processes:
            process.start()
        time.sleep(3)  # each has imported and connected: the start counts the work only
        start.set()
        for process in processes:
            process.join()
        if len(took) != len(PROJECTIONS):
            raise RuntimeError(f"only {sorted(took)} finished their rebuild")
        longest = max(took.values())
    service = ProcurementService(env, clock=FixedClock(TODAY))
    head = int(service.recorder.max_notification_id() or 0)
    service.close()
    return longest, head


def results(size: Size) -> list[Result]:
    """For the runner: each projection's catch-up on PostgreSQL over `size.log_events`
    events, and what that rate means for a rebuild of a national decade's log: one after
    another, and all at once in processes of their own on this machine's cores."""
    with postgres_database() as env:
        service = ProcurementService(env, clock=FixedClock(TODAY))
        fill(service, size.log_events)
        read, rates = rebuild_rates(service)
        service.close()
        together, events = parallel_rebuild(env)
    area = f"Projections (PostgreSQL, {size.log_events:,} events)"
    rows = [Result(area, "read + decode the log (ceiling, median)", f"{read:,.0f} events/s")]
    rows += [Result(area, f"catch-up {name}", f"{rate:,.0f} events/s",
                    note=f"{share:.2f} of the ceiling") for name, (rate, share) in rates.items()]
    area = "Rebuild, 50 million events"
    for name, (rate, _) in rates.items():
        hours = NATIONAL_DECADE / rate / 3600
        rows.append(Result(area, f"{name} (extrapolated)", f"{hours:.1f} h", "< 1 h",
                           hours < 1))
    every = sum(NATIONAL_DECADE / rate for rate, _ in rates.values()) / 3600
    rows.append(Result(area, "all, one after another (extrapolated)", f"{every:.1f} h"))
    hours = NATIONAL_DECADE / (events / together) / 3600
    rows.append(Result(area, f"all {len(PROJECTIONS)} at once, a process each "
                             "(measured, extrapolated)", f"{hours:.1f} h", "< 1 h", hours < 1,
                       note=f"{events:,} events in {together:.1f} s on "
                            f"{os.cpu_count()} cores"))
    return rows


@contextmanager
def store(name: str) -> Iterator[dict[str, str]]:
    with (sqlite_env() if name == "sqlite" else postgres_env()) as env:
        yield env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    labels = {"sqlite": "SQLite file", "postgres": "PostgreSQL 127.0.0.1"}
    catch_up, lags = [], []
    for name in args.stores.split(","):
        with store(name) as env:
            service = ProcurementService(env, clock=FixedClock(TODAY))
            mix = fill(service, args.events)
            read, rates = rebuild_rates(service)
            service.close()
        catch_up.append((labels[name], mix, read, rates))
        with store(name) as env:
            lags.append((labels[name], lag(env, args.rate, args.seconds)))
    names = [p.name for p in named()]
    print(f"Catch-up: rebuild over {args.events} events, events/s (share of the ceiling)\n")
    print("| store | read + decode (ceiling, median) | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for label, _, read, rates in catch_up:
        cells = " | ".join(f"{rates[n][0]:,.0f} ({rates[n][1]:.2f})" for n in names)
        print(f"| {label} | {read:,.0f} | {cells} |")
    print(f"\n(log: {mix['lifecycle']} lifecycle and directory events, {mix['notes']} "
          "dialogue notes)\n")
    print(f"Lag at {args.rate} commands/s for {args.seconds:.0f} s, seconds p50 / p95 / max\n")
    print("| store | achieved commands/s | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for label, (achieved, result) in lags:
        cells = " | ".join(f"{result[n][0]:.2f} / {result[n][1]:.2f} / {result[n][2]:.2f}"
                           + (f" ({result[n][3]} unseen)" if result[n][3] else "")
                           for n in names)
        print(f"| {label} | {achieved:.0f} | {cells} |")


if __name__ == "__main__":
    main()
