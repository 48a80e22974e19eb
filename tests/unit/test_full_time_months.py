"""Full-time months delivered (calendar months, scaled by working time), the 75 % completion
rule for placements that end early, and the compliance outcome computed from them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.procurement.compliance import ComplianceOutcome, DeadlineStatus, assess
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.full_time_months import (
    credited_full_time_months,
    months_between,
    total_full_time_months,
)
from domain.procurement.placements import EndKind, Placement
from domain.procurement.requirement import EmploymentRequirement
from domain.values import RequirementLevel, Role, TargetGroup
from tests.unit.builders import terms

DEFAULT = Decimal("0.75")
START = date(2026, 5, 1)  # a 12-month placement runs 1 May 2026 to 30 April 2027
CONTRACT_START = date(2026, 4, 1)  # the first placement is due by 1 October 2026


def placement(start: date = START, *, months: int = 12, percent: int = 100,
              ended_on: date | None = None) -> Placement:
    made = Placement(uuid4(), uuid4(), uuid4(), "P-0001", terms(start, months, percent))
    if ended_on is None:
        return made
    kind = EndKind.EARLY if ended_on < made.terms.planned_end else EndKind.PLANNED
    return made.ended(ended_on, kind, "Slutade" if kind is EndKind.EARLY else "")


def requirement(months: int = 12, *, deadline_months: int = 6,
                threshold: str = "0.75") -> EmploymentRequirement:
    return EmploymentRequirement(RequirementLevel.REQUIREMENT, (TargetGroup.YOUNG,),
                                 Decimal(months), first_placement_deadline_months=deadline_months,
                                 completion_threshold=Decimal(threshold))


# -- calendar months -------------------------------------------------------------------------

@pytest.mark.parametrize(("first", "last", "months"), [
    (date(2026, 3, 1), date(2026, 5, 31), Decimal(3)),
    (date(2026, 6, 1), date(2026, 6, 15), Decimal("0.5")),
    (date(2026, 1, 15), date(2026, 2, 14), Decimal(1)),
    (date(2026, 2, 1), date(2026, 2, 28), Decimal(1)),
    (date(2026, 5, 1), date(2027, 4, 30), Decimal(12)),
    (date(2026, 6, 2), date(2026, 6, 1), Decimal(0)),
])
def test_months_are_calendar_months_with_both_days_included(first: date, last: date,
                                                           months: Decimal) -> None:
    assert months_between(first, last) == months


def test_a_single_day_is_a_share_of_its_month() -> None:
    assert months_between(date(2026, 6, 1), date(2026, 6, 1)) == Decimal(1) / Decimal(30)


# -- credited full-time months ------------------------------------------------------------------

def test_a_completed_full_time_placement_credits_its_months() -> None:
    done = placement(ended_on=date(2027, 4, 30))
    assert credited_full_time_months(done, DEFAULT, date(2028, 1, 1)) == Decimal(12)


def test_half_time_halves_the_full_time_months() -> None:
    half = placement(months=6, percent=50, ended_on=date(2026, 10, 31))
    assert credited_full_time_months(half, DEFAULT, date(2028, 1, 1)) == Decimal(3)


def test_a_running_placement_credits_the_months_served_so_far() -> None:
    running = placement()
    assert credited_full_time_months(running, DEFAULT, date(2026, 7, 31)) == Decimal(3)
    assert credited_full_time_months(running, DEFAULT, date(2026, 4, 30)) == Decimal(0)


def test_an_early_end_at_the_threshold_credits_the_planned_months() -> None:
    nine_of_twelve = placement(ended_on=date(2027, 1, 31))  # exactly 75 %
    assert credited_full_time_months(nine_of_twelve, DEFAULT, date(2028, 1, 1)) == Decimal(12)


def test_an_early_end_below_the_threshold_credits_the_months_served() -> None:
    eight_of_twelve = placement(ended_on=date(2026, 12, 31))
    assert credited_full_time_months(eight_of_twelve, DEFAULT, date(2028, 1, 1)) == Decimal(8)


def test_the_completion_rule_scales_with_working_time() -> None:
    half_time = placement(percent=50, ended_on=date(2027, 2, 28))  # 10 of 12 months
    assert credited_full_time_months(half_time, DEFAULT, date(2028, 1, 1)) == Decimal(6)


@pytest.mark.parametrize(("threshold", "credited"), [
    (Decimal("0.5"), Decimal(12)),
    (Decimal("0.66"), Decimal(12)),
    (Decimal("0.75"), Decimal(8)),
    (Decimal("0.9"), Decimal(8)),
])
def test_the_completion_threshold_is_configurable(threshold: Decimal,
                                                  credited: Decimal) -> None:
    eight_of_twelve = placement(ended_on=date(2026, 12, 31))
    assert credited_full_time_months(eight_of_twelve, threshold, date(2028, 1, 1)) == credited


def test_total_full_time_months_adds_every_placement() -> None:
    placements = [placement(ended_on=date(2027, 4, 30)),
                  placement(months=6, percent=50, ended_on=date(2026, 10, 31)),
                  placement(ended_on=date(2026, 12, 31))]
    assert total_full_time_months(placements, DEFAULT, date(2028, 1, 1)) == Decimal(23)


# -- compliance outcome ------------------------------------------------------------------------

def test_requirement_met_when_enough_months_and_the_first_placement_was_in_time() -> None:
    result = assess(requirement(12), CONTRACT_START, [placement(ended_on=date(2027, 4, 30))],
                    [], date(2028, 1, 1))
    assert result.delivered_months == Decimal(12)
    assert result.outcome is ComplianceOutcome.MET
    assert result.share_delivered == 1


def test_requirement_partly_met_when_too_few_months() -> None:
    result = assess(requirement(24), CONTRACT_START, [placement(ended_on=date(2027, 4, 30))],
                    [], date(2028, 1, 1))
    assert result.outcome is ComplianceOutcome.PARTLY_MET
    assert result.share_delivered == Decimal("0.5")


def test_requirement_partly_met_when_the_first_placement_came_too_late() -> None:
    late = placement(date(2026, 10, 2), ended_on=date(2027, 10, 1))
    result = assess(requirement(12), CONTRACT_START, [late], [], date(2028, 1, 1))
    assert result.delivered_months == Decimal(12)
    assert result.deadline_status is DeadlineStatus.MISSED
    assert result.outcome is ComplianceOutcome.PARTLY_MET


def test_requirement_not_met_without_any_placement() -> None:
    result = assess(requirement(12), CONTRACT_START, [], [], date(2028, 1, 1))
    assert result.delivered_months == 0
    assert result.outcome is ComplianceOutcome.NOT_MET


def test_the_assessment_counts_early_ends_and_open_deviations() -> None:
    placements = [placement(ended_on=date(2027, 1, 31)), placement(ended_on=date(2026, 6, 30)),
                  placement(ended_on=date(2027, 4, 30))]
    deviations = [Deviation(uuid4(), "Rapport saknas", Role.AUTHORITY),
                  Deviation(uuid4(), "Handledare saknas", Role.MATCHER).decided(
                      DeviationDecision(DecisionKind.REMEDY, "Utse handledare"))]
    result = assess(requirement(12), CONTRACT_START, placements, deviations, date(2028, 1, 1))
    assert (result.placements, result.ended_early, result.ended_early_reaching_threshold,
            result.open_deviations) == (3, 2, 1, 1)


# -- first-placement deadline ------------------------------------------------------------------

def test_the_first_placement_is_due_six_months_after_contract_start_by_default() -> None:
    default = EmploymentRequirement(RequirementLevel.REQUIREMENT, (TargetGroup.YOUNG,),
                                    Decimal(12))
    result = assess(default, CONTRACT_START, [], [], date(2026, 5, 1))
    assert result.first_placement_deadline == date(2026, 10, 1)


def test_the_completion_threshold_is_75_percent_by_default() -> None:
    default = EmploymentRequirement(RequirementLevel.REQUIREMENT, (TargetGroup.YOUNG,),
                                    Decimal(12))
    assert default.completion_threshold == Decimal("0.75")


def test_the_first_placement_deadline_is_configurable() -> None:
    result = assess(requirement(deadline_months=3), CONTRACT_START, [], [], date(2026, 5, 1))
    assert result.first_placement_deadline == date(2026, 7, 1)


@pytest.mark.parametrize(("first_start", "as_of", "status"), [
    (date(2026, 10, 1), date(2026, 12, 1), DeadlineStatus.MET),  # on the deadline day
    (date(2026, 5, 1), date(2026, 5, 1), DeadlineStatus.MET),
    (date(2026, 10, 2), date(2026, 12, 1), DeadlineStatus.MISSED),
    (None, date(2026, 10, 2), DeadlineStatus.MISSED),
    (None, date(2026, 10, 1), DeadlineStatus.AT_RISK),
    (None, date(2026, 9, 1), DeadlineStatus.AT_RISK),  # 30 days left
    (None, date(2026, 8, 31), DeadlineStatus.PENDING),  # 31 days left
    (None, date(2026, 4, 1), DeadlineStatus.PENDING),
])
def test_first_placement_deadline_status(first_start: date | None, as_of: date,
                                         status: DeadlineStatus) -> None:
    placements = [placement(first_start)] if first_start else []
    result = assess(requirement(), CONTRACT_START, placements, [], as_of)
    assert result.deadline_status is status


def test_no_deadline_runs_before_the_contract_starts() -> None:
    result = assess(requirement(), None, [], [], date(2026, 5, 1))
    assert result.first_placement_deadline is None
    assert result.deadline_status is DeadlineStatus.NOT_STARTED
