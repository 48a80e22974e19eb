"""Follow-up checkpoints: recorded for a placed participant, validated by the follow-up
plan (which checkpoint, which item, its type, and who reports it), and their due dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import InvalidState, RuleViolation, ValidationError
from domain.procurement import events
from domain.procurement.followup_plan import FollowUpPlan, ItemType, PlanItem, default_plan
from domain.procurement.lifecycle import State
from domain.values import Role
from tests.unit.builders import (
    FIRST_PLACEMENT_START,
    TODAY,
    Given,
    case_in,
    check_refused,
    end_all_placements,
    new_events,
)


def record(given: Given, checkpoint: str, values: dict[str, Any], *,
           by: Role = Role.MATCHER, observed_on: date = FIRST_PLACEMENT_START,
           today: date = TODAY) -> None:
    actor = {Role.MATCHER: given.parties.matcher, Role.SUPPLIER: given.parties.supplier,
             Role.SOCIAL_ENTERPRISE: given.parties.social_enterprise,
             Role.AUTHORITY: given.parties.authority}[by]
    given.case.record_checkpoint(actor, given.placement_id, checkpoint, observed_on, values,
                                 today=today)


def plan_with_a_date_item() -> FollowUpPlan:
    return FollowUpPlan(items=(
        PlanItem("employment_status", "Sysselsättning", "Employment status",
                 ItemType.ENUMERATION, Role.MATCHER, ("employed", "unemployed")),
        PlanItem("hired_on", "Anställd från", "Hired on", ItemType.DATE, Role.SUPPLIER),
    ))


# -- recording -----------------------------------------------------------------------------

def test_matcher_records_a_start_checkpoint_for_a_placed_participant() -> None:
    given = case_in(State.DELIVERY, placements=1)
    record(given, "start", {"employment_status": "same_employer",
                            "other_interventions": "SFI"})
    (recorded,) = new_events(given.case)
    assert isinstance(recorded, events.CheckpointRecorded)
    entry = recorded.record
    assert entry.placement_id == given.placement_id
    assert entry.participant_ref == given.case.placements[str(given.placement_id)].participant_ref
    assert entry.checkpoint == "start"
    assert entry.recorded_by is Role.MATCHER
    assert entry.values == {"employment_status": "same_employer", "other_interventions": "SFI"}
    assert given.case.checkpoints == [entry]


def test_supplier_values_are_stored_as_typed_values() -> None:
    given = case_in(State.DELIVERY, placements=1)
    record(given, "during_3", {"hours_per_week": "37.5", "training_completed": True},
           by=Role.SUPPLIER, observed_on=date(2026, 8, 1))
    (recorded,) = new_events(given.case)
    assert recorded.record.values == {"hours_per_week": Decimal("37.5"),
                                      "training_completed": True}


def test_a_checkpoint_needs_a_placement() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: given.case.record_checkpoint(
        given.parties.matcher, uuid4(), "start", FIRST_PLACEMENT_START,
        {"employment_status": "unknown"}, today=TODAY))
    assert error.field == "placement_id"


def test_a_checkpoint_is_not_recorded_before_the_contract_is_signed() -> None:
    given = case_in(State.STANDSTILL)
    error = check_refused(given.case, InvalidState, lambda: given.case.record_checkpoint(
        given.parties.matcher, uuid4(), "start", FIRST_PLACEMENT_START,
        {"employment_status": "unknown"}, today=TODAY))
    assert error.state == "standstill"


@pytest.mark.parametrize("checkpoint", ["exit", "after_exit_3", "after_exit_24"])
def test_exit_checkpoints_need_an_ended_placement(checkpoint: str) -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, RuleViolation, lambda: record(
        given, checkpoint, {"employment_status": "same_employer"}))
    assert "ended placement" in error.rule


def test_exit_checkpoint_is_recorded_once_the_placement_has_ended() -> None:
    given = case_in(State.DELIVERY, placements=1)
    end_all_placements(given)
    given.case.collect_events()
    record(given, "exit", {"employment_status": "same_employer"},
           observed_on=date(2027, 4, 30))
    (recorded,) = new_events(given.case)
    assert recorded.record.checkpoint == "exit"


def test_after_exit_checkpoints_go_on_after_the_contract_ends() -> None:
    given = case_in(State.FOLLOW_UP)
    record(given, "after_exit_12", {"employment_status": "other_employer"},
           observed_on=date(2028, 4, 30))
    (recorded,) = new_events(given.case)
    assert recorded.record.checkpoint == "after_exit_12"


@pytest.mark.parametrize("checkpoint", [
    "", "end", "START", "during_0", "during_4", "during_03", "during_x",
    "during_\u00b3",  # superscript three: isdigit() says yes, int() says no
    "during_\u0663",  # Arabic-Indic three: not the canonical key of a due date
    "after_exit_9", "after_exit_", "after_exit_03",
])
def test_a_checkpoint_the_plan_does_not_have_is_refused(checkpoint: str) -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: record(
        given, checkpoint, {"employment_status": "same_employer"}))
    assert error.field == "checkpoint"


@pytest.mark.parametrize("checkpoint", ["start", "during_3", "during_6", "during_30"])
def test_checkpoints_during_the_placement_follow_the_plans_interval(checkpoint: str) -> None:
    assert default_plan().is_checkpoint(checkpoint)


def test_an_observation_is_not_dated_after_today() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: record(
        given, "during_3", {"employment_status": "same_employer"},
        observed_on=date(2026, 8, 2), today=date(2026, 8, 1)))
    assert error.field == "observed_on"


def test_an_observation_is_not_dated_before_the_placement_started() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: record(
        given, "start", {"employment_status": "same_employer"},
        observed_on=FIRST_PLACEMENT_START - timedelta(days=1)))
    assert error.field == "observed_on"


# -- values checked by the plan ------------------------------------------------------------

@pytest.mark.parametrize(("values", "by", "field"), [
    ({"employment_status": "retired"}, Role.MATCHER, "values.employment_status"),
    ({"employment_status": 1}, Role.MATCHER, "values.employment_status"),
    ({"wage_subsidy": "yes"}, Role.MATCHER, "values.wage_subsidy"),
    ({"hours_per_week": "forty"}, Role.SUPPLIER, "values.hours_per_week"),
    ({"hours_per_week": -1}, Role.SUPPLIER, "values.hours_per_week"),
    ({"training_completed": 1}, Role.SUPPLIER, "values.training_completed"),
    ({"employment_form": "permanent", "shoe_size": 42}, Role.SUPPLIER, "values.shoe_size"),
    ({}, Role.MATCHER, "values"),
])
def test_values_must_fit_the_plans_items(values: dict[str, Any], by: Role,
                                          field: str) -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError,
                          lambda: record(given, "start", values, by=by))
    assert error.field == field


@pytest.mark.parametrize(("values", "by"), [
    ({"hours_per_week": 40}, Role.MATCHER),
    ({"employment_status": "same_employer"}, Role.SUPPLIER),
    ({"employment_status": "same_employer"}, Role.SOCIAL_ENTERPRISE),
    ({"wage_subsidy": True}, Role.AUTHORITY),
])
def test_each_item_is_recorded_only_by_its_responsible_party(values: dict[str, Any],
                                                             by: Role) -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError,
                          lambda: record(given, "start", values, by=by))
    (key,) = values
    assert error.field == f"values.{key}"
    assert f"not by the {by.value}" in error.rule


def test_a_date_item_takes_a_date() -> None:
    plan = plan_with_a_date_item()
    assert plan.check_values({"hired_on": "2026-05-01"}, Role.SUPPLIER) == {
        "hired_on": date(2026, 5, 1)}
    with pytest.raises(ValidationError) as info:
        plan.check_values({"hired_on": "maj"}, Role.SUPPLIER)
    assert info.value.field == "values.hired_on"


def test_an_amended_plan_governs_later_checkpoints() -> None:
    given = case_in(State.DELIVERY, placements=1)
    given.case.amend_follow_up_plan(given.parties.authority, plan_with_a_date_item(),
                                    "Anställningsdatum behövs i statistiken")
    given.case.collect_events()
    record(given, "start", {"hired_on": date(2026, 5, 1)}, by=Role.SUPPLIER)
    assert len(new_events(given.case)) == 1
    check_refused(given.case, ValidationError, lambda: record(
        given, "start", {"hours_per_week": 40}, by=Role.SUPPLIER))


# -- due dates -------------------------------------------------------------------------------

def test_due_dates_run_from_start_through_the_placement_to_years_after_exit() -> None:
    due = default_plan().due_dates(date(2026, 5, 1), None, date(2027, 4, 30))
    assert due == [
        ("start", date(2026, 5, 1)),
        ("during_3", date(2026, 8, 1)),
        ("during_6", date(2026, 11, 1)),
        ("during_9", date(2027, 2, 1)),
        ("exit", date(2027, 4, 30)),
        ("after_exit_3", date(2027, 7, 30)),
        ("after_exit_6", date(2027, 10, 30)),
        ("after_exit_12", date(2028, 4, 30)),
        ("after_exit_24", date(2029, 4, 30)),
    ]


def test_an_early_exit_moves_exit_and_after_exit_due_dates() -> None:
    due = default_plan().due_dates(date(2026, 5, 1), date(2026, 9, 15), date(2027, 4, 30))
    assert [key for key, _ in due] == ["start", "during_3", "exit", "after_exit_3",
                                       "after_exit_6", "after_exit_12", "after_exit_24"]
    assert dict(due)["exit"] == date(2026, 9, 15)
    assert dict(due)["after_exit_3"] == date(2026, 12, 15)


def test_exit_on_a_during_day_replaces_that_during_checkpoint() -> None:
    due = default_plan().due_dates(date(2026, 5, 1), date(2026, 8, 1), date(2027, 4, 30))
    assert [key for key, _ in due][:3] == ["start", "exit", "after_exit_3"]


def test_due_dates_follow_the_plans_interval_and_after_exit_months() -> None:
    plan = FollowUpPlan(items=default_plan().items, during_interval_months=2,
                        after_exit_months=(1, 36))
    due = plan.due_dates(date(2026, 1, 31), None, date(2026, 7, 30))
    assert due == [
        ("start", date(2026, 1, 31)),
        ("during_2", date(2026, 3, 31)),
        ("during_4", date(2026, 5, 31)),
        ("exit", date(2026, 7, 30)),
        ("after_exit_1", date(2026, 8, 30)),
        ("after_exit_36", date(2029, 7, 30)),
    ]


def test_every_due_checkpoint_is_a_checkpoint_of_the_plan() -> None:
    plan = default_plan()
    due = plan.due_dates(date(2026, 5, 1), None, date(2028, 4, 30))
    assert all(plan.is_checkpoint(key) for key, _ in due)
    assert [day for _, day in due] == sorted(day for _, day in due)
