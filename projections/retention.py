"""Retention: when each person in the register was last followed up, so the retention job
(scheduler/retention.py) finds who is past the period without replaying cases.

`retention_checkpoints` has one row per (procurement, participant reference): the day of the
last follow-up checkpoint observed for that person in that case. `retention_participants`
follows the register's own events: each registered person's reference, id, the day they were
registered and whether they are erased. References only: nothing personal is held here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatchmethod
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.participants.participant import ERASED, REGISTERED
from projections.base import PROCUREMENT_TOPICS, Event, Write
from projections.casefile import CaseFile, CaseFileProjection
from projections.db import Database
from projections.tables import Rows, Table

CHECKPOINTS = Table("retention_checkpoints", (
    ("procurement_id", "TEXT NOT NULL"),
    ("participant_ref", "TEXT NOT NULL"),
    ("last_observed_on", "TEXT NOT NULL"),
), key=("procurement_id", "participant_ref"), indexes=(("participant_ref",),))

PARTICIPANTS = Table("retention_participants", (
    ("participant_ref", "TEXT NOT NULL"),
    ("participant_id", "TEXT NOT NULL"),
    ("registered_on", "TEXT NOT NULL"),
    ("erased", "INTEGER NOT NULL"),
), key=("participant_ref",), indexes=(("erased",),))


class Retention(CaseFileProjection):
    name = "retention"
    title = "Retention: each registered person's last follow-up checkpoint"
    derived = (CHECKPOINTS,)
    other_tables = (PARTICIPANTS,)
    topics = (*PROCUREMENT_TOPICS, get_topic(REGISTERED), get_topic(ERASED))

    @singledispatchmethod
    def process_other(self, event: Event, writes: list[Write]) -> None:
        """Other events change nothing here."""

    @process_other.register(REGISTERED)
    def _(self, event: Event, writes: list[Write]) -> None:
        reference: str = getattr(event, "reference")  # noqa: B009 - unseen by mypy
        registered: datetime = getattr(event, "timestamp")  # noqa: B009 - unseen by mypy
        row = (reference, str(event.originator_id), registered.date().isoformat(), 0)
        writes.append(lambda cursor: cursor.insert_many(
            PARTICIPANTS.name, PARTICIPANTS.column_names, [row], upsert_key=PARTICIPANTS.key))

    @process_other.register(ERASED)
    def _(self, event: Event, writes: list[Write]) -> None:
        reference: str = getattr(event, "reference")  # noqa: B009 - unseen by mypy
        writes.append(lambda cursor: cursor.execute(
            "UPDATE {retention_participants} SET erased = 1 WHERE participant_ref = %s",
            [reference]))

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        last: dict[str, date] = {}
        for record in file.case.checkpoints:
            seen = last.get(record.participant_ref)
            if seen is None or record.observed_on > seen:
                last[record.participant_ref] = record.observed_on
        pid = str(file.case.id)
        return {CHECKPOINTS.name: CHECKPOINTS.rows(
            (pid, ref, day.isoformat()) for ref, day in last.items())}


@dataclass(frozen=True)
class Kept:
    """A person not erased, and the day their retention period runs from."""

    participant_id: UUID
    reference: str
    registered_on: date
    last_checkpoint_on: date | None

    @property
    def since(self) -> date:
        return self.last_checkpoint_on or self.registered_on


def kept(db: Database) -> list[Kept]:
    """Every registered person not erased, with their last checkpoint in any case."""
    rows = db.fetch(
        "SELECT p.participant_ref, p.participant_id, p.registered_on, "
        "MAX(c.last_observed_on) AS last_observed_on FROM {retention_participants} p "
        "LEFT JOIN {retention_checkpoints} c ON c.participant_ref = p.participant_ref "
        "WHERE p.erased = 0 GROUP BY p.participant_ref, p.participant_id, p.registered_on "
        "ORDER BY p.participant_ref")
    return [Kept(UUID(r["participant_id"]), r["participant_ref"],
                 date.fromisoformat(r["registered_on"]),
                 date.fromisoformat(r["last_observed_on"]) if r["last_observed_on"]
                 else None) for r in rows]
