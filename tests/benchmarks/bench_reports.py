"""Benchmark of the reports: the follow-up report of a large contract next to WeasyPrint's
own floor, and the audit extract of a long case produced in the background.

Run on demand (not part of the test suite):

    .venv/bin/python -m tests.benchmarks.bench_reports [--placements 200] [--events 10000]

On an SQLite file of its own (the store does not take part in what is measured: the
report reads the read models, and rendering is WeasyPrint's). Prints a table:

- follow-up report of a contract with `--placements` placements and ten checkpoint records
  each (2,000 for 200): time to PDF (median of 3) and the peak of Python's allocations
  (tracemalloc) while one is made, next to WeasyPrint's time for a plain document of the
  same page count (text only, no tables or charts), measured in the same run: the floor.
  Targets: under 3 s, and within 1.5x the floor;
- the audit extract of a case of `--events` events: how long the request takes to queue
  it, and how long the scheduler's reports round takes to finish it in a thread of its own
  while the caller only polls the job's progress (what the progress page shows).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from pypdf import PdfReader
from weasyprint import HTML

from domain.examples import Parties, example_position, example_terms, walk_to
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate
from domain.service import ProcurementService
from domain.values import TargetGroup
from scheduler.runner import Scheduler
from tests.e2e.api_helpers import register_party
from web.bootstrap import build_service
from web.read_models import ReadModels
from web.reports.audit_extract import Scope
from web.reports.service import Reports

CHECKPOINTS = ("start", "during_3", "during_6", "during_9", "exit")


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def peak_allocation(work: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seed_contract(service: ProcurementService, cast: Parties, placements: int) -> UUID:
    """A contract in delivery with `placements` ended placements, each with a supplier's
    and a matcher's record at five checkpoints (ten records a placement)."""
    today = service.clock.today()
    start = add_months(today, -26)
    pid = walk_to(service, cast, State.DELIVERY, placements=0,
                  contract_start=start).procurement_id
    for number in range(placements):
        placed = add_months(start, 1) + timedelta(days=number % 200)
        position = example_position(placed)
        service.offer_position(cast.supplier, pid, position)
        candidate = Candidate(uuid4(), position.position_id, f"P-{number + 1:04d}",
                              TargetGroup.LONG_TERM_UNEMPLOYED, eligibility_attested=True)
        service.propose_candidate(cast.matcher, pid, candidate)
        service.accept_candidate(cast.supplier, pid, candidate.candidate_id)
        placement_id = uuid4()
        service.start_placement(cast.supplier, pid, placement_id, candidate.candidate_id,
                                example_terms(placed))
        ended = add_months(placed, 12) - timedelta(days=1)
        service.end_placement(cast.supplier, pid, placement_id, ended)
        for checkpoint in CHECKPOINTS:
            months = int(checkpoint.split("_")[1]) if "_" in checkpoint else 0
            observed = ended if checkpoint == "exit" else add_months(placed, months)
            service.record_checkpoint(cast.matcher, pid, placement_id, checkpoint, observed,
                                      {"employment_status": ("same_employer", "studies")[
                                          number % 2]})
            service.record_checkpoint(cast.supplier, pid, placement_id, checkpoint, observed,
                                      {"hours_per_week": 40})
    return pid


def seed_long_case(service: ProcurementService, cast: Parties, events: int) -> UUID:
    """A case of about `events` events: dialogue notes, saved a thousand at a time."""
    pid = walk_to(service, cast, State.DRAFT).procurement_id
    done = len(list(service.events.get(pid)))
    while done < events:
        case = service.repository.get(pid)
        for _ in range(min(1000, events - done)):
            case.add_dialogue_note(cast.authority, DialogueNote(
                Counterpart.UNION, "Fastighetsanställdas Förbund", service.clock.today(),
                "Facket vill se handledning och kollektivavtal i varje anställning."))
            done += 1
        service.save(case)
    return pid


def plain_document(pages: int) -> str:
    """Text only, one page of it per page: what WeasyPrint takes at the least."""
    line = "Uppföljning av sysselsättningskrav: text utan tabeller eller diagram. " * 2
    page = "".join(f"<p>{line}</p>" for _ in range(10))
    body = "".join(f'<section style="break-after: page"><h2>{n}</h2>{page}</section>'
                   for n in range(pages))
    return f"<!doctype html><html><body>{body}</body></html>"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=200)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": str(Path(folder) / "events.db")}
        service = build_service(env)
        read_models = ReadModels(service)
        try:
            run(service, read_models, args.placements, args.events)
        finally:
            read_models.close()
            service.close()


def run(service: ProcurementService, read_models: ReadModels, placements: int,
        events: int) -> None:
    made = {name: register_party(service, name, f"Bench {name}", role) for name, role in (
        ("authority", Parties().authority.role), ("supplier", Parties().supplier.role),
        ("other_supplier", Parties().supplier.role), ("matcher", Parties().matcher.role),
        ("partner", Parties().social_enterprise.role))}
    cast = Parties(authority=made["authority"].actor, supplier=made["supplier"].actor,
                   other_supplier=made["other_supplier"].actor, matcher=made["matcher"].actor,
                   social_enterprise=made["partner"].actor)
    seeding, pid = timed(lambda: seed_contract(service, cast, placements))
    long_seeding, long_pid = timed(lambda: seed_long_case(service, cast, events))
    assert read_models.wait_for_head(timeout=600), "read models stuck"
    reports = Reports(service)
    owner = cast.authority
    report_times, pdf = [], b""
    for _ in range(3):
        seconds, pdf = timed(lambda: reports.follow_up_pdf(owner, pid, "sv"))
        report_times.append(seconds)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    report_peak = peak_allocation(lambda: reports.follow_up_pdf(owner, pid, "sv"))
    plain = plain_document(pages)
    floor_times = [timed(lambda: HTML(string=plain).write_pdf())[0] for _ in range(3)]
    floor_pages = len(PdfReader(io.BytesIO(HTML(string=plain).write_pdf())).pages)
    report_s, floor_s = statistics.median(report_times), statistics.median(floor_times)

    queue_s, job_id = timed(lambda: reports.request_audit_extract(
        owner, Scope(long_pid), "sv"))
    store = reports.job_store()
    scheduler = Scheduler(service)
    seen: list[tuple[float, int, str]] = []
    started = time.perf_counter()
    worker = threading.Thread(target=scheduler.run_reports)
    worker.start()
    while worker.is_alive():
        job = store.get(job_id, owner.user_id)
        if job is not None and (not seen or seen[-1][1:] != (job.percent, job.stage)):
            seen.append((time.perf_counter() - started, job.percent, job.stage))
        time.sleep(0.5)
    worker.join()
    extract_s = time.perf_counter() - started
    scheduler.leader.release()
    job = store.get(job_id, owner.user_id)
    assert job is not None and job.status == "done", job
    extract_pdf = store.file(job_id, owner.user_id, "pdf") or b""
    extract_pages = len(PdfReader(io.BytesIO(extract_pdf)).pages)

    print(f"seeded: contract with {placements} placements and {placements * 10} checkpoint "
          f"records in {seeding:.0f} s; a case of {job.events} events in {long_seeding:.0f} s")
    print()
    print(f"{'measure':<58} {'value':>12}")
    print("-" * 71)
    rows = [
        ("follow-up report: time to PDF (median of 3)", f"{report_s:.2f} s"),
        ("follow-up report: pages", f"{pages}"),
        ("follow-up report: peak Python allocations while made", f"{report_peak / 2**20:.0f} MiB"),
        (f"floor: WeasyPrint, plain text, {floor_pages} pages (median of 3)", f"{floor_s:.2f} s"),
        ("follow-up report / floor", f"{report_s / floor_s:.2f}x"),
        ("target: under 3 s and within 1.5x the floor",
         "met" if report_s < 3 and report_s <= 1.5 * floor_s else "NOT met"),
        ("audit extract: the request (queue the job)", f"{queue_s * 1000:.0f} ms"),
        (f"audit extract: {job.events} events, done in the background", f"{extract_s:.1f} s"),
        ("audit extract: pages", f"{extract_pages}"),
        ("audit extract: PDF size", f"{len(extract_pdf) / 2**20:.1f} MiB"),
    ]
    for name, value in rows:
        print(f"{name:<58} {value:>12}")
    print()
    print("progress the job page showed (seconds, percent, stage):")
    print("  " + ", ".join(f"{s:.0f}s {p}% {stage}" for s, p, stage in seen))


if __name__ == "__main__":
    main()
