"""Does a command or a list get slower as the store fills up? The same authority's commands
and case list at a small store and again after it grew a hundredfold (target: flat).

The bulk of the store is other authorities' cases. The service creates cases one command
at a time (tens to hundreds a second here), so the bulk is written with the library's own
save of the `Procurement.Created` event, 500 cases per save: the same events the service
would store, without its access check and one transaction per case.

    .venv/bin/python -m tests.benchmarks.run --only growth
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID, uuid4

from eventsourcing.application import Application

from domain.examples import Parties, example_setup
from domain.procurement import Procurement
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections import case_list
from projections.db import Database
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.benchmarks.common import Result, Size, ms, percentile, postgres_database

OWN_CASES = 20
SAMPLES = 200
BATCH = 500


def results(size: Size) -> list[Result]:
    with postgres_database() as env:
        service = ProcurementService(env)
        actor = Parties().authority
        own = [service.create_procurement(actor, example_setup()) for _ in range(OWN_CASES)]
        _grow(service, size.small_store - OWN_CASES)
        small = _latencies(service, actor, own)
        started = time.perf_counter()
        _grow(service, size.large_store - size.small_store)
        grow_rate = (size.large_store - size.small_store) / (time.perf_counter() - started)
        large = _latencies(service, actor, own)
        service.close()
    area = f"Store growth: {size.small_store:,} → {size.large_store:,} procurements"
    rows = []
    for measure in small:
        before, after = small[measure], large[measure]
        ratio = percentile(after, 0.5) / percentile(before, 0.5)
        rows.append(Result(
            area, f"{measure} p50 / p99",
            f"{ms(percentile(before, 0.5))} / {ms(percentile(before, 0.99))} → "
            f"{ms(percentile(after, 0.5))} / {ms(percentile(after, 0.99))}",
            "flat (p50 within 1.5x)", ratio <= 1.5, f"p50 {ratio:.2f}x"))
    rows.append(Result(area, "bulk cases written by the library's save (not the service)",
                       f"{grow_rate:,.0f} cases/s", note=f"{BATCH} per save"))
    return rows


def _grow(service: ProcurementService, count: int) -> None:
    """`count` more cases of other authorities (a hundred cases each), straight through
    the library's save, then the case list brought up to date."""
    authorities = [Actor(uuid4(), uuid4(), Role.AUTHORITY) for _ in range(count // 100 + 1)]
    for start in range(0, count, BATCH):
        cases = [Procurement.create(authorities[n // 100], example_setup())
                 for n in range(start, min(count, start + BATCH))]
        Application.save(service, *cases)
    ProjectionRunner(service, PROJECTIONS["case_list"]).catch_up()


def _latencies(service: ProcurementService, actor: Actor, own: list[UUID]
               ) -> dict[str, list[float]]:
    db = Database.of(service)
    found: dict[str, list[float]] = {"add_dialogue_note (in-process)": [],
                                     "open a case (get_case)": [],
                                     "the authority's case list (read model)": []}
    for number in range(SAMPLES):
        case_id = own[number % len(own)]
        note = DialogueNote(Counterpart.UNION, "Byggnads",
                            date(2026, 1, 1) + timedelta(days=number % 300), f"Samtal {number}")
        found["add_dialogue_note (in-process)"].append(_timed(
            service.add_dialogue_note, actor, case_id, note))
        found["open a case (get_case)"].append(_timed(service.get_case, actor, case_id))
        found["the authority's case list (read model)"].append(_timed(
            case_list.cases_for, db, actor))
    return found


def _timed(action: Callable[..., object], *args: object) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started
