"""Reminders: every due date the follow-up plan and the contract imply (obligations.py),
with the responsible party and whether it is open or done. The scheduler (issue 6) reads
what is due from here and acts through the application service.

One row per (procurement, kind, subject, due date), keyed by that text, so a reminder
keeps its key for as long as the facts imply it; when a fact moves a date (a placement
ends early, the plan is amended) the old row goes and a row with the new date comes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.procurement.reminders import ReminderPolicy, Stage, stage_day
from projections.casefile import CaseFile, CaseFileProjection
from projections.db import Database, Many
from projections.obligations import obligations
from projections.tables import Rows, Table

REMINDERS = Table("reminders", (
    ("reminder_key", "TEXT NOT NULL"),
    ("procurement_id", "TEXT NOT NULL"),
    ("owner_id", "TEXT NOT NULL"),  # the authority, to whom overdue items escalate
    ("kind", "TEXT NOT NULL"),
    ("subject", "TEXT NOT NULL"),
    ("due_on", "TEXT NOT NULL"),
    ("organisation_id", "TEXT"),  # the responsible organisation (none: not appointed yet)
    ("party", "TEXT NOT NULL"),  # its role: authority, supplier, matcher, social_enterprise
    ("participant_ref", "TEXT"),
    ("status", "TEXT NOT NULL"),  # open or done
    ("done_on", "TEXT"),
    ("remind_from", "TEXT NOT NULL"),  # the first reminder's day (the case's policy)
    ("escalate_after_days", "INTEGER NOT NULL"),
    ("days_before", "INTEGER NOT NULL"),
    ("sent", "TEXT NOT NULL"),  # JSON list of the stages recorded as sent
), key=("reminder_key",), indexes=(
    ("status", "due_on"), ("organisation_id", "status", "due_on"), ("procurement_id",),
    ("status", "remind_from"),
))

OPEN, DONE = "open", "done"


class Reminders(CaseFileProjection):
    name = "reminders"
    title = "Reminders: due dates of checkpoints, reports, deadlines and answers owed"
    derived = (REMINDERS,)

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        case = file.case
        policy = case.reminder_policy
        rows = []
        for o in obligations(file):
            due = o.due_on.isoformat()
            key = f"{case.id}/{o.kind}/{o.subject}/{due}"
            remind_from = stage_day(Stage.BEFORE if policy.days_before else Stage.DUE,
                                    o.due_on, policy)
            rows.append((key, str(case.id), str(case.owner_id), o.kind, o.subject, due,
                         str(o.organisation_id) if o.organisation_id else None, o.role.value,
                         o.participant_ref, DONE if o.done else OPEN,
                         o.done_on.isoformat() if o.done_on else None,
                         remind_from.isoformat(), policy.escalate_after_days,
                         policy.days_before, json.dumps(sorted(
                             case.reminders_sent.get(key, [])))))
        return {REMINDERS.name: REMINDERS.rows(rows)}


@dataclass(frozen=True)
class Reminder:
    key: str
    procurement_id: UUID
    owner_id: UUID
    kind: str
    subject: str
    due_on: date
    organisation_id: UUID | None
    party: str
    participant_ref: str | None
    status: str
    done_on: date | None
    policy: ReminderPolicy  # the reminder days of the case (answer windows not kept here)
    sent: frozenset[Stage]


def due(db: Database, *, until: date, since: date | None = None,
        organisation_id: UUID | None = None, procurement_id: UUID | None = None,
        kinds: list[str] | None = None, status: str | None = OPEN) -> list[Reminder]:
    """Reminders falling due on or before `until` (and on or after `since`), oldest first."""
    where, params = ["due_on <= %s"], [until.isoformat()]
    for clause, value in (("due_on >= %s", since and since.isoformat()),
                          ("organisation_id = %s", organisation_id and str(organisation_id)),
                          ("procurement_id = %s", procurement_id and str(procurement_id)),
                          ("status = %s", status)):
        if value:
            where.append(clause)
            params.append(value)
    query_params: list[Any] = list(params)
    if kinds is not None:
        if not kinds:
            return []
        where.append("kind IN (%s)")
        query_params.append(Many(kinds))
    rows = db.fetch("SELECT * FROM {reminders} WHERE " + " AND ".join(where)  # noqa: S608
                    + " ORDER BY due_on, reminder_key", query_params)
    return [_reminder(r) for r in rows]


def for_procurement(db: Database, procurement_id: UUID) -> list[Reminder]:
    """All of one case's reminders, open and done, by due date."""
    rows = db.fetch("SELECT * FROM {reminders} WHERE procurement_id = %s "
                    "ORDER BY due_on, reminder_key", [str(procurement_id)])
    return [_reminder(r) for r in rows]


def _reminder(row: dict[str, Any]) -> Reminder:
    return Reminder(
        key=row["reminder_key"], procurement_id=UUID(row["procurement_id"]),
        owner_id=UUID(row["owner_id"]), kind=row["kind"], subject=row["subject"],
        due_on=date.fromisoformat(row["due_on"]),
        organisation_id=UUID(row["organisation_id"]) if row["organisation_id"] else None,
        party=row["party"], participant_ref=row["participant_ref"], status=row["status"],
        done_on=date.fromisoformat(row["done_on"]) if row["done_on"] else None,
        policy=ReminderPolicy(days_before=int(row["days_before"]),
                              escalate_after_days=int(row["escalate_after_days"])),
        sent=frozenset(Stage(s) for s in json.loads(row["sent"])))


def to_remind(db: Database, today: date) -> list[Reminder]:
    """Open items whose first reminder day has come (the scheduler's work list), oldest
    first; which stages are due today is `domain.procurement.reminders.stages_due`."""
    rows = db.fetch("SELECT * FROM {reminders} WHERE status = %s AND remind_from <= %s "
                    "ORDER BY due_on, reminder_key", [OPEN, today.isoformat()])
    return [_reminder(r) for r in rows]
