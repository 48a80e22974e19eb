"""The retention job: erase the people in the register whose retention period has passed.

The period (PROCUREMENT_RETENTION_MONTHS, default 36) runs from a person's last follow-up
checkpoint in any case, or, for a person with no checkpoint at all, from the day they were
registered. From the day it has run (that day `months` later), the job erases the person
with the reason `retention_period_passed` as the operator (no actor, as the console does):
the key goes, the case history stays, the audit trail records the erasure.

Who is past the period comes from the retention read model (projections/retention.py),
which the job brings up to the log's head first (as the reminders job does in a scheduler
of its own); a read model that does not get there in time skips the round. The report
names people by reference only, never by name.

Today is the service's clock's day, never the wall clock's.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.errors import ConfigurationError, DomainError
from domain.participants.participant import ErasureReason, retention_has_passed
from domain.service import ProcurementService
from projections import retention
from projections.db import Database
from projections.retention import Retention
from scheduler.reminding import DEFAULT_FRESHNESS_TIMEOUT, CatchUpHere, Freshness

log = logging.getLogger("scheduler.retention")

MONTHS_SETTING = "PROCUREMENT_RETENTION_MONTHS"
DEFAULT_MONTHS = 36
MAX_MONTHS = 1200


def retention_months(env: Mapping[str, str] | None = None) -> int:
    """PROCUREMENT_RETENTION_MONTHS: whole months from 1 to 1200 (default 36)."""
    env = os.environ if env is None else env
    raw = env.get(MONTHS_SETTING, "").strip()
    if not raw:
        return DEFAULT_MONTHS
    try:
        months = int(raw)
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        raise ConfigurationError(f"{MONTHS_SETTING} must be a whole number of months from 1 "
                                 f"to {MAX_MONTHS}; got {env.get(MONTHS_SETTING)!r}")
    return months


@dataclass
class RetentionReport:
    today: date
    months: int
    fresh: bool = True  # False: the read model was behind the log, nobody was erased
    looked_at: int = 0  # people in the register not erased
    erased: list[str] = field(default_factory=list)  # references, never names
    refused: list[str] = field(default_factory=list)  # "<reference>: why"
    stopped: bool = False

    @property
    def count(self) -> int:
        return len(self.erased)

    def summary(self) -> str:
        if not self.fresh:
            return f"{self.today}: skipped, the retention read model is behind the log"
        text = (f"{self.today}: {self.count} participant(s) erased past the {self.months}-"
                f"month retention period")
        if self.erased:
            text += f" ({', '.join(self.erased)})"
        text += f", {self.looked_at} looked at"
        if self.refused:
            text += f", {len(self.refused)} refused"
        return text + (", stopped early" if self.stopped else "")


class RetentionJob:
    def __init__(self, service: ProcurementService, months: int = DEFAULT_MONTHS,
                 fresh: Freshness | None = None, *,
                 timeout: float = DEFAULT_FRESHNESS_TIMEOUT) -> None:
        self.service = service
        self.months = months
        self.fresh: Freshness = fresh or CatchUpHere(service, (Retention,))
        self.timeout = timeout
        self.db = Database.of(service)

    def __call__(self, stop: threading.Event | None = None) -> RetentionReport:
        today = self.service.clock.today()
        report = RetentionReport(today, self.months)
        if not self.fresh(self.timeout):
            log.warning("retention read model not caught up within %.0f s; round skipped",
                        self.timeout)
            report.fresh = False
            return report
        for person in retention.kept(self.db):
            report.looked_at += 1
            if not retention_has_passed(person.since, self.months, today):
                continue
            if stop is not None and stop.is_set():
                report.stopped = True
                break
            try:
                self.service.erase_participant(None, person.participant_id,
                                               ErasureReason.RETENTION_PERIOD_PASSED.value)
            except DomainError as error:
                # Erased meanwhile (the matcher, another scheduler): nothing left to do.
                report.refused.append(f"{person.reference}: {error}")
                log.warning("erasing %s refused: %s", person.reference, error)
                continue
            report.erased.append(person.reference)
        if report.erased:
            self.fresh(self.timeout)  # so the read model shows them erased
        return report
