"""Reminders: when a party is told that something falls due, and when an overdue item is
escalated to the authority. Nobody has to remember to send them; these rules say which
reminder is due on a given day, and the case records each one it was sent, once.

For each due date the case implies (projections/obligations.py works them out):

- BEFORE: `days_before` days ahead, to the responsible party;
- DUE: on the day, to the responsible party;
- ESCALATION: `escalate_after_days` after the day, if still not done, to the authority
  (not for the authority's own items: it would escalate to itself).

A reminder a stopped scheduler missed is still sent once when it starts again, marked
late; a BEFORE reminder whose due date has come meanwhile is not sent at all (the DUE one
is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from uuid import UUID

from domain import validation
from domain.values import Role, parse_enum


class Stage(Enum):
    BEFORE = "before"
    DUE = "due"
    ESCALATION = "escalation"


@dataclass(frozen=True)
class ReminderPolicy:
    """Per procurement; the authority may change it. The answer windows say when a
    proposed candidate or a submitted report is owed an answer."""

    days_before: int = 7
    escalate_after_days: int = 14
    answer_days: int = 10
    verify_days: int = 14

    def __post_init__(self) -> None:
        for name, low in (("days_before", 0), ("escalate_after_days", 1),
                          ("answer_days", 1), ("verify_days", 1)):
            object.__setattr__(self, name, validation.integer(
                getattr(self, name), name, minimum=low, maximum=365))


@dataclass(frozen=True)
class Reminder:
    """One reminder as sent: about which due item, at which stage, to whom, and whether a
    stopped scheduler sent it late."""

    reminder_key: str  # the due item's key (procurement/kind/subject/due date)
    stage: Stage
    kind: str
    subject: str
    due_on: date
    recipient_id: UUID | None  # the organisation told; None: nobody holds that part yet
    recipient_role: Role
    sent_on: date
    late: bool
    participant_ref: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "reminder_key", validation.text(self.reminder_key, "reminder_key",
                                                   max_length=400))
        set_(self, "stage", parse_enum(Stage, self.stage, "stage"))
        set_(self, "recipient_role", parse_enum(Role, self.recipient_role, "recipient_role"))
        set_(self, "due_on", validation.day(self.due_on, "due_on"))
        set_(self, "sent_on", validation.day(self.sent_on, "sent_on"))


def stage_day(stage: Stage, due_on: date, policy: ReminderPolicy) -> date:
    """The first day on which the stage's reminder is due."""
    if stage is Stage.BEFORE:
        return due_on - timedelta(days=policy.days_before)
    if stage is Stage.DUE:
        return due_on
    return due_on + timedelta(days=policy.escalate_after_days)


def stages_due(due_on: date, today: date, policy: ReminderPolicy, responsible: Role,
               sent: frozenset[Stage]) -> list[tuple[Stage, bool]]:
    """The stages to send today for an open item, each with whether it is late."""
    found: list[tuple[Stage, bool]] = []
    before = stage_day(Stage.BEFORE, due_on, policy)
    if Stage.BEFORE not in sent and policy.days_before > 0 and before <= today < due_on:
        # Sent after its day (a scheduler that was down) it is still ahead of the due
        # date, so still worth sending, and marked late like any other missed reminder.
        found.append((Stage.BEFORE, today > before))
    if Stage.DUE not in sent and today >= due_on:
        found.append((Stage.DUE, today > due_on))
    escalation = stage_day(Stage.ESCALATION, due_on, policy)
    if (Stage.ESCALATION not in sent and responsible is not Role.AUTHORITY
            and today >= escalation):
        found.append((Stage.ESCALATION, today > escalation))
    return found


def recipient(stage: Stage, responsible: Role, responsible_id: UUID | None,
              owner_id: UUID) -> tuple[UUID | None, Role]:
    """Who is told: the responsible party before and on the day; once the item is overdue
    long enough to escalate, the authority that owns the case."""
    if stage is Stage.ESCALATION:
        return owner_id, Role.AUTHORITY
    return responsible_id, responsible


@dataclass(frozen=True)
class DueItem:
    """One open due item as the scheduler finds it (the reminders read model's row)."""

    reminder_key: str
    kind: str
    subject: str
    due_on: date
    responsible: Role
    responsible_id: UUID | None
    owner_id: UUID
    policy: ReminderPolicy
    sent: frozenset[Stage]
    participant_ref: str | None = None


def reminders_due(item: DueItem, today: date) -> list[Reminder]:
    """The reminders to record for the item today, in stage order, each addressed and
    marked late if its day has passed (a scheduler that was down catches up with them)."""
    found = []
    for stage, late in stages_due(item.due_on, today, item.policy, item.responsible,
                                  item.sent):
        recipient_id, recipient_role = recipient(stage, item.responsible,
                                                 item.responsible_id, item.owner_id)
        found.append(Reminder(item.reminder_key, stage, item.kind, item.subject, item.due_on,
                              recipient_id, recipient_role, today, late,
                              item.participant_ref))
    return found
