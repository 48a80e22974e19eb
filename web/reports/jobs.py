"""Long reports in the background: a table of jobs in the read models' database, and the
worker that runs them.

A web request never renders a long listing itself: it checks access, adds a job
(`submit`) and sends the browser to the job's page, which shows the progress and refreshes
itself (no JavaScript) until the files are ready to download. The worker is the scheduler
(scheduler/runner.py, job "reports"): `procurement scheduler run` in production, or the
scheduler thread of `procurement serve`. Several web processes and schedulers on one
PostgreSQL share the table, so any web process shows any job and no process keeps a job
in memory.

Claiming is one UPDATE that moves a queued job to running only if it is still queued (on
PostgreSQL the second of two claimants waits for the first's row lock, then finds the job
taken), so a job runs once. A running job whose worker stopped updating it for
`STALE_AFTER` (the process died) is claimed again. The worker checks access again with
the requesting user as they are now, so a job outlives no revoked right. Files are kept in
the table (a PDF of a 10,000-event case is a few MB) and only the requesting user may see
a job or download its files; anyone else gets 404.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.errors import DomainError
from domain.service import ProcurementService
from domain.values import Actor
from projections.db import Database
from projections.tables import Table

log = logging.getLogger("reports.jobs")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STALE_AFTER = timedelta(minutes=10)
AUDIT_EXTRACT = "audit_extract"

JOBS = Table("report_jobs", (
    ("job_id", "TEXT NOT NULL"),
    ("kind", "TEXT NOT NULL"),
    ("params", "TEXT NOT NULL"),  # JSON
    ("user_id", "TEXT NOT NULL"),  # who asked; only they see the job
    ("language", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL"),  # queued, running, done, failed
    ("percent", "INTEGER NOT NULL"),
    ("stage", "TEXT NOT NULL"),  # what the worker does now, in words (sv|en)
    ("events", "INTEGER NOT NULL"),  # events read so far
    ("created_at", "TEXT NOT NULL"),
    ("updated_at", "TEXT NOT NULL"),
    ("claimed_by", "TEXT"),
    ("error", "TEXT"),
    ("digest", "TEXT"),
    ("pdf", "{blob}"),
    ("jsonl", "{blob}"),
), key=("job_id",), indexes=(("status", "created_at"), ("user_id",)))
_VIEW_COLUMNS = ", ".join(c for c in JOBS.column_names if c not in ("pdf", "jsonl"))


@dataclass(frozen=True)
class Job:
    job_id: UUID
    kind: str
    params: dict[str, Any]
    user_id: UUID
    language: str
    status: str
    percent: int
    stage: str
    events: int
    created_at: str
    updated_at: str
    error: str | None
    digest: str | None

    @property
    def finished(self) -> bool:
        return self.status in (DONE, FAILED)


def _job(row: dict[str, Any]) -> Job:
    return Job(UUID(row["job_id"]), row["kind"], json.loads(row["params"]),
               UUID(row["user_id"]), row["language"], row["status"], int(row["percent"]),
               row["stage"], int(row["events"]), row["created_at"], row["updated_at"],
               row["error"], row["digest"])


class JobStore:
    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now
        db.create_tables(JOBS.ddl())

    def submit(self, actor: Actor, kind: str, params: dict[str, Any], language: str) -> UUID:
        job_id, now = uuid.uuid4(), self.now().isoformat()
        with self.db.transaction() as cursor:
            cursor.insert_many(JOBS.name, JOBS.column_names, [(
                str(job_id), kind, json.dumps(params, sort_keys=True), str(actor.user_id),
                language, QUEUED, 0, "queued", 0, now, now, None, None, None, None, None)])
        return job_id

    def get(self, job_id: UUID, user_id: UUID) -> Job | None:
        """The job, if this user asked for it (None for anyone else, as for no job)."""
        rows = self.db.fetch(f"SELECT {_VIEW_COLUMNS} FROM {{report_jobs}} "  # noqa: S608
                             "WHERE job_id = %s AND user_id = %s", [str(job_id), str(user_id)])
        return _job(rows[0]) if rows else None

    def file(self, job_id: UUID, user_id: UUID, which: str) -> bytes | None:
        if which not in ("pdf", "jsonl"):
            raise ValueError(which)
        rows = self.db.fetch(f"SELECT {which} FROM {{report_jobs}} "  # noqa: S608
                             "WHERE job_id = %s AND user_id = %s AND status = %s",
                             [str(job_id), str(user_id), DONE])
        return bytes(rows[0][which]) if rows and rows[0][which] is not None else None

    def claim(self, worker: str) -> Job | None:
        """The oldest queued job (or one whose worker went silent), now this worker's."""
        now = self.now()
        stale = (now - STALE_AFTER).isoformat()
        waiting = "(status = %s OR (status = %s AND updated_at < %s))"
        with self.db.transaction() as cursor:
            row = cursor.fetch_one(
                f"UPDATE {{report_jobs}} SET status = %s, claimed_by = %s, updated_at = %s "  # noqa: S608
                f"WHERE job_id = (SELECT job_id FROM {{report_jobs}} WHERE {waiting} "
                f"ORDER BY created_at, job_id LIMIT 1) AND {waiting} "
                f"RETURNING {_VIEW_COLUMNS}",
                [RUNNING, worker, now.isoformat(), QUEUED, RUNNING, stale,
                 QUEUED, RUNNING, stale])
        return _job(row) if row else None

    def progress(self, job_id: UUID, percent: int, stage: str, events: int) -> None:
        with self.db.transaction() as cursor:
            cursor.execute("UPDATE {report_jobs} SET percent = %s, stage = %s, events = %s, "
                           "updated_at = %s WHERE job_id = %s",
                           [percent, stage, events, self.now().isoformat(), str(job_id)])

    def finish(self, job_id: UUID, pdf: bytes, jsonl: bytes, digest: str) -> None:
        with self.db.transaction() as cursor:
            cursor.execute("UPDATE {report_jobs} SET status = %s, percent = 100, stage = %s, "
                           "pdf = %s, jsonl = %s, digest = %s, updated_at = %s "
                           "WHERE job_id = %s",
                           [DONE, "done", pdf, jsonl, digest, self.now().isoformat(),
                            str(job_id)])

    def fail(self, job_id: UUID, error: str) -> None:
        with self.db.transaction() as cursor:
            cursor.execute("UPDATE {report_jobs} SET status = %s, stage = %s, error = %s, "
                           "updated_at = %s WHERE job_id = %s",
                           [FAILED, "failed", error[:500], self.now().isoformat(),
                            str(job_id)])


@dataclass(frozen=True)
class Ran:
    done: int = 0
    failed: int = 0

    def summary(self) -> str:
        return f"{self.done} report(s) produced, {self.failed} failed"


Worker = Callable[[Job, Actor, Callable[[int, str, int], None]], tuple[bytes, bytes, str]]


def _reporter(store: JobStore, job_id: UUID) -> Callable[[int, str, int], None]:
    def report(percent: int, stage: str, events: int) -> None:
        store.progress(job_id, percent, stage, events)
    return report


def run_pending(service: ProcurementService, store: JobStore, work: Worker,
                *, limit: int = 10, worker: str | None = None) -> Ran:
    """Run queued jobs, oldest first, at most `limit` of them, one at a time."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    done = failed = 0
    for _ in range(limit):
        job = store.claim(worker)
        if job is None:
            break
        actor = service.actor_for(job.user_id)
        try:
            if actor is None:
                raise LookupError("the user who asked for the report is no longer active")
            pdf, jsonl, digest = work(job, actor, _reporter(store, job.job_id))
        except (DomainError, LookupError) as refused:
            store.fail(job.job_id, str(refused))
            failed += 1
        except Exception as error:
            log.exception("report job %s failed", job.job_id)
            store.fail(job.job_id, f"{type(error).__name__}")
            failed += 1
        else:
            store.finish(job.job_id, pdf, jsonl, digest)
            done += 1
    return Ran(done, failed)
