"""Compliance with the employment requirement, computed from the facts of the case.

Nothing here is typed in by anyone: required months come from the requirement, delivered
months from placements (see full_time_months.py), the deadline from the contract start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from domain.procurement import full_time_months
from domain.procurement.deviations import Deviation
from domain.procurement.followup_plan import add_months
from domain.procurement.placements import EndKind, Placement
from domain.procurement.requirement import EmploymentRequirement


class ComplianceOutcome(Enum):
    MET = "met"
    PARTLY_MET = "partly_met"
    NOT_MET = "not_met"


class DeadlineStatus(Enum):
    NOT_STARTED = "not_started"  # no contract yet, so no deadline
    PENDING = "pending"
    AT_RISK = "at_risk"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class ComplianceAssessment:
    as_of: date
    required_months: Decimal
    delivered_months: Decimal
    first_placement_deadline: date | None
    first_placement_start: date | None
    deadline_status: DeadlineStatus
    placements: int
    ended_early: int
    ended_early_reaching_threshold: int
    open_deviations: int
    outcome: ComplianceOutcome

    @property
    def share_delivered(self) -> Decimal:
        if self.required_months == 0:
            return Decimal(1)
        return min(self.delivered_months / self.required_months, Decimal(1))


def first_placement_deadline(requirement: EmploymentRequirement,
                             contract_start: date | None) -> date | None:
    if contract_start is None:
        return None
    return add_months(contract_start, requirement.first_placement_deadline_months)


def deadline_status(deadline: date | None, first_start: date | None, as_of: date) -> DeadlineStatus:
    if deadline is None:
        return DeadlineStatus.NOT_STARTED
    if first_start is not None and first_start <= deadline:
        return DeadlineStatus.MET
    if first_start is not None or as_of > deadline:
        return DeadlineStatus.MISSED
    if deadline - as_of <= full_time_months.AT_RISK_WINDOW:
        return DeadlineStatus.AT_RISK
    return DeadlineStatus.PENDING


def assess(requirement: EmploymentRequirement, contract_start: date | None,
           placements: Iterable[Placement], deviations: Iterable[Deviation],
           as_of: date) -> ComplianceAssessment:
    placements = list(placements)
    threshold = requirement.completion_threshold
    delivered = full_time_months.total_full_time_months(placements, threshold, as_of)
    deadline = first_placement_deadline(requirement, contract_start)
    first_start = full_time_months.first_placement_start(placements)
    status = deadline_status(deadline, first_start, as_of)
    early = [p for p in placements if p.end_kind is EndKind.EARLY]
    if delivered >= requirement.minimum_full_time_months and status is not DeadlineStatus.MISSED:
        outcome = ComplianceOutcome.MET
    elif delivered > 0:
        outcome = ComplianceOutcome.PARTLY_MET
    else:
        outcome = ComplianceOutcome.NOT_MET
    return ComplianceAssessment(
        as_of=as_of,
        required_months=requirement.minimum_full_time_months,
        delivered_months=delivered,
        first_placement_deadline=deadline,
        first_placement_start=first_start,
        deadline_status=status,
        placements=len(placements),
        ended_early=len(early),
        ended_early_reaching_threshold=sum(
            1 for p in early if full_time_months.reached_completion_threshold(p, threshold)),
        open_deviations=sum(1 for d in deviations if d.is_open),
        outcome=outcome,
    )
