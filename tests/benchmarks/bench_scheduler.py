"""The scheduler's daily scan among a million due dates, and the peak memory of one
scheduler round as an operator runs it (`procurement scheduler once`).

The reminders read model is filled by SQL (`generate_series`) with `size.due_dates` rows:
due dates spread evenly over ten years around today, those in the past done except one in
a thousand (overdue), those ahead open. The scan is what each round does before recording
anything: the open items whose first reminder day has come (`reminders.to_remind`, an
indexed query) and, for each, the stages the domain says are due today.

    .venv/bin/python -m tests.benchmarks.run --only scheduler
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date

from domain.procurement.reminders import reminders_due
from domain.service import ProcurementService
from projections import reminders
from projections.db import Database
from projections.registry import PROJECTIONS
from projections.view import open_view
from scheduler.reminding import due_item
from tests.benchmarks.common import ROOT, Result, Size, ms, postgres_database

FILL = """
INSERT INTO {reminders} (reminder_key, procurement_id, owner_id, kind, subject, due_on,
    organisation_id, party, participant_ref, status, done_on, remind_from,
    escalate_after_days, days_before, sent)
SELECT 'bench/' || g, md5((g / 20)::text)::uuid::text, md5((g / 2000)::text)::uuid::text,
    'checkpoint', 'Uppföljning ' || g, to_char(d, 'YYYY-MM-DD'),
    md5((g / 200)::text)::uuid::text, 'supplier', 'P-' || g,
    CASE WHEN d < %s::date AND g %% 1000 <> 0 THEN 'done' ELSE 'open' END,
    CASE WHEN d < %s::date AND g %% 1000 <> 0 THEN to_char(d, 'YYYY-MM-DD') END,
    to_char(d - 7, 'YYYY-MM-DD'), 14, 7, '[]'
FROM generate_series(1, %s) AS g,
     LATERAL (SELECT %s::date - 1826 + (g %% 3652) AS d) AS due
"""

# VmHWM, not ru_maxrss: the latter starts from the forking parent's peak.
MEASURE_ROUND = """
import sys
from tests.benchmarks.common import peak_rss_mib
from web.cli import main
try:
    main(["scheduler", "once"])
except SystemExit:
    pass
finally:
    print(peak_rss_mib(0), file=sys.stderr)
"""


def results(size: Size) -> list[Result]:
    today = date.today()  # the scheduler round's own today is the system clock's
    with postgres_database() as env:
        service = ProcurementService(env)
        projection = PROJECTIONS["reminders"]
        open_view(service, projection.name, projection.tables)
        db = Database.of(service)
        started = time.perf_counter()
        with db.transaction() as cursor:
            cursor.execute(FILL, [today, today, size.due_dates, today])
        filled = time.perf_counter() - started
        with db.transaction() as cursor:
            cursor.execute("ANALYZE {reminders}")
        scans = []
        for _ in range(5):
            started = time.perf_counter()
            items = reminders.to_remind(db, today)
            due = sum(len(reminders_due(due_item(row), today)) for row in items)
            scans.append(time.perf_counter() - started)
        service.close()
        peak = _scheduler_round_peak(env)
    area = f"Scheduler, {size.due_dates:,} due dates"
    return [
        Result(area, "scan: open items whose reminder day has come, and their due stages",
               ms(statistics.median(scans)),
               note=f"{len(items):,} items, {due:,} reminders due; median of 5"),
        Result(area, "filling the read model by SQL (set-up, not a target)", ms(filled)),
        Result("Peak memory", "scheduler round (`procurement scheduler once`)",
               f"{peak:,.0f} MiB", note="the scan's items refer to no stored case: each "
               "recording is refused, so the round reads all and stores nothing"),
    ]


def _scheduler_round_peak(env: dict[str, str]) -> float:
    """Peak resident memory (MiB) of one `procurement scheduler once` on this store, with
    the service's today pinned by the round's own clock (the system clock)."""
    environment = {**os.environ, **env, "CREATE_TABLE": "n", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", MEASURE_ROUND], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=600, check=False)
    return float(done.stderr.strip().splitlines()[-1])
