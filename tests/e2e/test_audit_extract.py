"""The audit extract: asked for in the portal, produced in the background by the scheduler
(never by the request), followed on a progress page, downloaded when ready; its digest is
the SHA-256 of the history it covers, and changes when any event in its range differs."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace
from datetime import date
from uuid import UUID

from pypdf import PdfReader

from projections import audit_trail
from scheduler.runner import DONE, Scheduler
from tests.e2e.api_helpers import (
    ApiWorld,
    case_path,
    draft_case,
    open_world,
    parties,
    settle,
    tender_json,
)
from tests.e2e.conftest import SECRET_KEY
from tests.e2e.reports_seed import Seeded
from tests.e2e.test_reports import keep_first_page, signed_in
from web.extension import current_read_models
from web.reports import audit_extract
from web.reports.audit_extract import CANONICAL_KEYS, Scope


def _run_scheduler_round(world: ApiWorld) -> None:
    scheduler = Scheduler(world.service)
    try:
        run = scheduler.run_reports()
    finally:
        scheduler.leader.release()
    assert run.outcome == DONE and run.report.done >= 1 and not run.report.failed, run


def test_an_extract_is_produced_in_the_background_and_downloaded(
        seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    owner = signed_in(opened, "authority")
    asked = owner.post(f"/procurements/{seeded.case_a}/reports/audit-extract")
    assert asked.status_code == 303  # the request only queues the job
    job_page = asked.headers["Location"]
    waiting = owner.page(job_page)
    assert '<meta http-equiv="refresh" content="2">' in waiting  # refreshes itself
    assert "<progress" in waiting
    _run_scheduler_round(opened)  # the scheduler process's round
    ready = owner.page(job_page)
    assert "http-equiv" not in ready
    digest = re.search(r'<code class="digest">([0-9a-f]{64})</code>', ready).group(1)
    pdf = owner.get(f"{job_page}/extract.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        pdf.get_data())).pages).split())
    history = owner.get(f"{job_page}/history.jsonl").get_data()
    lines = history.decode("utf-8").splitlines()
    assert hashlib.sha256(history).hexdigest() == digest  # sha256sum reproduces it
    assert all(tuple(sorted(json.loads(line))) == tuple(sorted(CANONICAL_KEYS))
               for line in lines)
    assert f"Händelser {len(lines)}" in text and len(lines) > 60
    assert digest[:40] in text.replace(" ", "")
    assert "Anställning påbörjad" in text and "P-0009 från" in text  # events, pseudonyms
    assert "Uppföljning registrerad" in text and "Norrviks kommun (Upphandlande" in text
    assert "Sida 1 av" in text and "Handläggare Norrviks kommun" in text
    keep_first_page(pdf, "audit-extract-sv")
    # Only the one who asked sees the job and its files.
    auditor = signed_in(opened, "auditor")
    for path in (job_page, f"{job_page}/extract.pdf", f"{job_page}/history.jsonl"):
        assert auditor.get(path).status_code == 404


def test_who_may_ask_for_an_extract(seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    path = f"/procurements/{seeded.case_a}/reports/audit-extract"
    assert signed_in(opened, "auditor").post(path).status_code == 303
    assert signed_in(opened, "supplier").post(path).status_code == 403
    assert signed_in(opened, "other_authority").post(path).status_code == 404
    authority = opened["authority"].organisation_id
    period = {"authority": str(authority), "since": "2027-01-01", "until": "2027-12-31"}
    assert signed_in(opened, "auditor").post("/reports/audit-extract",
                                             period).status_code == 303
    assert signed_in(opened, "other_authority").post("/reports/audit-extract",
                                                     period).status_code == 404
    backwards = signed_in(opened, "authority", "en").post(
        "/reports/audit-extract", {**period, "until": "2026-01-01"})
    assert backwards.status_code == 400 and "until" in backwards.get_data(as_text=True)


def test_the_digest_changes_when_any_event_in_its_range_differs(
        seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    with opened.app.app_context():
        db = current_read_models().reads_of_authority(opened["authority"].organisation_id)
    scope = Scope(seeded.case_a)
    entries = audit_extract.entries(db, scope)
    digest = audit_extract.history_digest(entries)
    assert audit_extract.history_digest(audit_extract.entries(db, scope)) == digest
    assert hashlib.sha256(audit_extract.to_jsonl(entries)).hexdigest() == digest
    middle = len(entries) // 2
    changed = [
        entries[:middle] + entries[middle + 1:],  # one left out
        [*entries[:middle], entries[middle + 1], entries[middle], *entries[middle + 2:]],
        [*entries[:-1], replace(entries[-1], changes={**entries[-1].changes, "x": 1})],
        [replace(entries[0], occurred_at=entries[0].occurred_at.replace(year=2020)),
         *entries[1:]],
        [*entries[:middle], replace(entries[middle], organisation_id=None),
         *entries[middle + 1:]],
        [*entries[:middle], replace(entries[middle], summary_sv="annat"),
         *entries[middle + 1:]],
    ]
    for other in changed:
        assert audit_extract.history_digest(other) != digest
    # A new event in the range: the same extract, made again, has another digest.
    cast = parties(opened)
    opened.service.record_checkpoint(cast.matcher, seeded.case_a, seeded.placements_a[0],
                                     "during_6", date(2027, 8, 1),
                                     {"employment_status": "studies"})
    settle(opened.app)
    again = audit_extract.entries(db, scope)
    assert len(again) == len(entries) + 1
    assert audit_extract.history_digest(again) != digest
    assert isinstance(audit_trail.AuditEntry, type)


def test_an_extract_made_while_tenders_are_sealed_numbers_versions_without_their_gaps(
        sqlite_env: dict[str, str]) -> None:
    """Two suppliers tender, then the owner adds a note, all before tendering closes. The
    extract leaves the tenders out, as the trail does, and numbers the case's versions as
    the owner's history does: 1, 2, 3, … with no gap that would tell how many tendered."""
    with open_world(sqlite_env, SECRET_KEY=SECRET_KEY) as opened:
        case_id = draft_case(opened)
        assert opened.post("authority", case_path(case_id, "publish"),
                           json={"tender_deadline": "2028-07-01"}).status_code == 204
        for supplier in ("supplier", "other_supplier"):
            assert opened.post(supplier, case_path(case_id, "tenders"),
                               json=tender_json(sme=True)).status_code in (201, 204)
        assert opened.post("authority", case_path(case_id, "dialogue-notes"), json={
            "counterpart": "union", "organisation_name": "Kommunal",
            "held_on": "2028-06-01", "summary": "Samråd"}).status_code == 204
        settle(opened.app)
        owner = signed_in(opened, "authority")
        job_page = owner.post(f"/procurements/{case_id}/reports/audit-extract"
                              ).headers["Location"]
        _run_scheduler_round(opened)
        lines = [json.loads(line) for line in owner.get(
            f"{job_page}/history.jsonl").get_data().decode("utf-8").splitlines()]
        stored = [e.originator_version for e in opened.service.events.get(UUID(case_id))]
    versions = [line["aggregate_version"] for line in lines
                if line["aggregate_id"] == case_id]
    assert versions == list(range(1, len(versions) + 1))
    assert "TenderSubmitted" not in {line["event_type"] for line in lines}
    assert lines[-1]["event_type"] == "DialogueNoteAdded"
    assert stored[-1] == versions[-1] + 2  # the two tenders, as the store numbers them
