"""The reminders job: record every reminder and escalation due today, once.

It reads the open items from the reminders read model (projections/reminders.py), asks the
domain which stages each is due today (domain/procurement/reminders.py) and records each
through the application service, so every reminder is an event in the case history. The
case refuses a second recording, so a run that another scheduler (or this one, before it
was killed) already did in part records only what is missing.

Today is the service's clock's day, never the wall clock's. A scheduler that was down
records, on its first run, every reminder it missed: late, once.

The read model must have applied the whole log before the job reads it, or an item done a
moment ago would still look open and be reminded. Where it is brought up to date depends
on the process:

- in the web process (`procurement serve`, projections in background threads) the
  follower is already doing it: the job wakes it and waits (`WaitForFollower`);
- in a scheduler process of its own, the job applies the log to the reminders and notices
  read models itself (`CatchUpHere`). That is safe next to a `procurement projections run`
  process: each batch claims its position, so two appliers never apply one event twice,
  and the scheduler does not depend on that process being up.

Either way the wait is bounded; a read model that does not get there in time skips the
round (nothing is recorded from stale rows) and the next round tries again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol
from uuid import UUID

from domain.errors import DomainError
from domain.procurement.reminders import DueItem, Reminder, Stage, reminders_due
from domain.service import ProcurementService
from domain.values import Role
from projections import reminders
from projections.base import Projection
from projections.db import Database
from projections.notices import Notices
from projections.reminders import Reminders
from projections.runner import Follower, ProjectionRunner, positions, wait_for

log = logging.getLogger("scheduler.reminders")

# The read models the scheduler reads: what is due, and (for the mailer) what was sent.
READ_MODELS = (Reminders, Notices)
DEFAULT_FRESHNESS_TIMEOUT = 30.0  # seconds


class Freshness(Protocol):
    def __call__(self, timeout: float) -> bool:
        """Bring the read models up to the log's head now; False if not within timeout."""


class CatchUpHere:
    """Applies the log to the read models in this process (a scheduler of its own)."""

    def __init__(self, service: ProcurementService,
                 read_models: tuple[type[Projection], ...] = READ_MODELS) -> None:
        self.service = service
        self.read_models = read_models
        self.runners = [ProjectionRunner(service, p) for p in read_models]

    def __call__(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        head = int(self.service.recorder.max_notification_id() or 0)
        # The tracked positions, not the runners' cached ones: another applier may have
        # moved them on, or a rebuild back.
        tracked = positions(self.service, self.read_models)
        for runner in self.runners:
            while tracked[runner.name] < head:
                if time.monotonic() >= deadline:
                    return False
                if runner.step() == 0:
                    time.sleep(0.02)  # a gap still settling, or another applier's turn
                tracked = positions(self.service, self.read_models)
        return True


class WaitForFollower:
    """Waits for the projections this process follows in background threads."""

    def __init__(self, service: ProcurementService, follower: Follower) -> None:
        self.service = service
        self.follower = follower

    def __call__(self, timeout: float) -> bool:
        head = int(self.service.recorder.max_notification_id() or 0)
        self.follower.wake()
        return wait_for(self.service, head, READ_MODELS, timeout)


@dataclass
class RemindersReport:
    today: date
    fresh: bool = True  # False: the read model was behind, nothing was done
    items: int = 0  # open items whose first reminder day has come
    recorded: int = 0
    already: int = 0  # recorded meanwhile by another scheduler
    escalations: int = 0  # of those recorded
    late: int = 0  # of those recorded
    refused: list[str] = field(default_factory=list)  # "<key>#<stage>: why"
    stopped: bool = False  # asked to stop before the end; the next round does the rest

    def summary(self) -> str:
        if not self.fresh:
            return f"{self.today}: skipped, the reminders read model is behind the log"
        text = (f"{self.today}: {self.recorded} reminder(s) recorded ({self.escalations} "
                f"escalation(s), {self.late} late), {self.already} already recorded "
                f"elsewhere, {self.items} open item(s) looked at")
        if self.refused:
            text += f", {len(self.refused)} refused"
        return text + (", stopped early" if self.stopped else "")


class RemindersJob:
    """Reads what is due from one store's read model (`store`, by default the service's
    own) and records it through `service`, which reaches the case wherever it lives
    (domain/routing.py)."""

    def __init__(self, service: ProcurementService, fresh: Freshness | None = None, *,
                 timeout: float = DEFAULT_FRESHNESS_TIMEOUT,
                 store: ProcurementService | None = None) -> None:
        self.service = service
        self.store = store or service
        self.fresh: Freshness = fresh or CatchUpHere(self.store)
        self.timeout = timeout
        self.db = Database.of(self.store)

    def __call__(self, stop: threading.Event | None = None) -> RemindersReport:
        """One round; `stop` ends it between two recordings (the rest is the next
        round's)."""
        today = self.service.clock.today()
        report = RemindersReport(today)
        if not self.fresh(self.timeout):
            log.warning("reminders read model not caught up within %.0f s; round skipped",
                        self.timeout)
            report.fresh = False
            return report
        for row in reminders.to_remind(self.db, today):
            report.items += 1
            for reminder in reminders_due(due_item(row), today):
                if stop is not None and stop.is_set():
                    report.stopped = True
                    return report
                self._record(row.procurement_id, reminder, report)
        if report.recorded:
            # So the mailer's feed shows them, and the next round sees them sent.
            self.fresh(self.timeout)
        return report

    def _record(self, procurement_id: UUID, reminder: Reminder, report: RemindersReport
                ) -> None:
        try:
            done = self.service.record_reminder(procurement_id, reminder)
        except DomainError as error:
            # The read model lagged a change to the case (closed, policy changed): the case
            # is right; the next round reads the fresher row.
            report.refused.append(f"{reminder.reminder_key}#{reminder.stage.value}: {error}")
            log.warning("reminder %s#%s refused: %s", reminder.reminder_key,
                        reminder.stage.value, error)
            return
        if not done:
            report.already += 1
            return
        report.recorded += 1
        report.escalations += reminder.stage is Stage.ESCALATION
        report.late += reminder.late


def due_item(row: reminders.Reminder) -> DueItem:
    """The read model's row as the domain's due item."""
    return DueItem(row.key, row.kind, row.subject, row.due_on, Role(row.party),
                   row.organisation_id, row.owner_id, row.policy, row.sent,
                   row.participant_ref)


def due_today(service: ProcurementService, today: date) -> int:
    """How many reminders the read model says are due today (for `scheduler status`)."""
    return sum(len(reminders_due(due_item(row), today))
               for row in reminders.to_remind(Database.of(service), today))
