"""Which reminders fall due on a day, to whom, and whether late: the rules the scheduler's
reminders job applies to each open item (domain/procurement/reminders.py)."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.procurement.reminders import (
    DueItem,
    ReminderPolicy,
    Stage,
    recipient,
    reminders_due,
    stage_day,
)
from domain.values import Role

DUE = date(2027, 3, 15)
POLICY = ReminderPolicy(days_before=7, escalate_after_days=14)
SUPPLIER, OWNER = uuid4(), uuid4()


def item(*, responsible: Role = Role.SUPPLIER, sent: frozenset[Stage] = frozenset(),
         policy: ReminderPolicy = POLICY) -> DueItem:
    responsible_id = OWNER if responsible is Role.AUTHORITY else SUPPLIER
    return DueItem("p/checkpoint/x:during_3:supplier/2027-03-15", "checkpoint",
                   "x:during_3:supplier", DUE, responsible, responsible_id, OWNER, policy,
                   sent, "P-0001")


def stages(today: date, due_item: DueItem | None = None) -> list[tuple[Stage, bool]]:
    return [(r.stage, r.late) for r in reminders_due(due_item or item(), today)]


def test_the_stage_days_are_before_on_and_after_the_due_date() -> None:
    assert stage_day(Stage.BEFORE, DUE, POLICY) == DUE - timedelta(days=7)
    assert stage_day(Stage.DUE, DUE, POLICY) == DUE
    assert stage_day(Stage.ESCALATION, DUE, POLICY) == DUE + timedelta(days=14)


@pytest.mark.parametrize(("today", "expected"), [
    (DUE - timedelta(days=8), []),
    (DUE - timedelta(days=7), [(Stage.BEFORE, False)]),
    (DUE - timedelta(days=1), [(Stage.BEFORE, True)]),
    (DUE, [(Stage.DUE, False)]),
    (DUE + timedelta(days=13), [(Stage.DUE, True)]),
    (DUE + timedelta(days=14), [(Stage.DUE, True), (Stage.ESCALATION, False)]),
    (DUE + timedelta(days=40), [(Stage.DUE, True), (Stage.ESCALATION, True)]),
], ids=["too-early", "before-day", "eve-missed-before-day", "due-day", "overdue",
        "escalation-day", "long-after"])
def test_each_day_has_its_stages_and_a_missed_day_is_sent_late(
        today: date, expected: list[tuple[Stage, bool]]) -> None:
    assert stages(today) == expected


def test_a_before_reminder_whose_day_passed_unsent_is_dropped_not_sent_late() -> None:
    assert Stage.BEFORE not in {s for s, _ in stages(DUE + timedelta(days=1))}


def test_a_stage_sent_once_is_not_due_again() -> None:
    assert stages(DUE - timedelta(days=3), item(sent=frozenset({Stage.BEFORE}))) == []
    assert stages(DUE + timedelta(days=20), item(sent=frozenset({Stage.BEFORE, Stage.DUE}))) == [
        (Stage.ESCALATION, True)]
    assert stages(DUE + timedelta(days=20), item(sent=frozenset(Stage))) == []


def test_no_before_reminder_when_the_policy_wants_none() -> None:
    policy = ReminderPolicy(days_before=0, escalate_after_days=3)
    assert stages(DUE - timedelta(days=1), item(policy=policy)) == []
    assert stages(DUE, item(policy=policy)) == [(Stage.DUE, False)]


def test_the_authoritys_own_items_never_escalate_to_itself() -> None:
    authoritys = item(responsible=Role.AUTHORITY)
    assert stages(DUE + timedelta(days=100), authoritys) == [(Stage.DUE, True)]


def test_before_and_due_go_to_the_responsible_party_escalation_to_the_owner() -> None:
    assert recipient(Stage.BEFORE, Role.MATCHER, SUPPLIER, OWNER) == (SUPPLIER, Role.MATCHER)
    assert recipient(Stage.DUE, Role.SUPPLIER, None, OWNER) == (None, Role.SUPPLIER)
    assert recipient(Stage.ESCALATION, Role.MATCHER, SUPPLIER, OWNER) == (OWNER, Role.AUTHORITY)


def test_reminders_due_carry_the_item_the_day_and_the_recipient() -> None:
    today = DUE + timedelta(days=15)
    due, escalation = reminders_due(item(), today)
    for reminder in (due, escalation):
        assert (reminder.reminder_key, reminder.kind, reminder.subject, reminder.due_on,
                reminder.sent_on, reminder.participant_ref) == (
            item().reminder_key, "checkpoint", "x:during_3:supplier", DUE, today, "P-0001")
    assert (due.stage, due.recipient_id, due.recipient_role, due.late) == (
        Stage.DUE, SUPPLIER, Role.SUPPLIER, True)
    assert (escalation.stage, escalation.recipient_id, escalation.recipient_role,
            escalation.late) == (Stage.ESCALATION, OWNER, Role.AUTHORITY, True)
