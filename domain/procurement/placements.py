"""Placements: a proposed and accepted candidate in an offered position, from start to end."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain import validation
from domain.values import PositionType, parse_enum


class EndKind(Enum):
    PLANNED = "planned"
    EARLY = "early"


@dataclass(frozen=True)
class PlacementTerms:
    """What the supplier confirms when a placement starts (the guidance's success factors:
    employment form, supervision, insurance, training)."""

    employment_form: PositionType
    start: date
    planned_end: date
    working_time_percent: Decimal
    collective_agreement: bool
    supervisor: str
    insurance_confirmed: bool
    training_plan: str = ""
    wage_subsidy: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "employment_form", parse_enum(PositionType, self.employment_form,
                                                 "employment_form"))
        set_(self, "start", validation.day(self.start, "start"))
        set_(self, "planned_end", validation.day(self.planned_end, "planned_end"))
        validation.not_before(self.planned_end, self.start, "planned_end", "start")
        set_(self, "working_time_percent", validation.decimal(
            self.working_time_percent, "working_time_percent", minimum=Decimal(0),
            exclusive_minimum=True, maximum=Decimal(100)))
        validation.flag(self.collective_agreement, "collective_agreement")
        set_(self, "supervisor", validation.text(self.supervisor, "supervisor", max_length=200))
        validation.flag(self.insurance_confirmed, "insurance_confirmed")
        set_(self, "training_plan", validation.text(self.training_plan, "training_plan",
                                                    required=False))
        validation.flag(self.wage_subsidy, "wage_subsidy")


@dataclass(frozen=True)
class Placement:
    placement_id: UUID
    candidate_id: UUID
    position_id: UUID
    participant_ref: str
    terms: PlacementTerms
    ended_on: date | None = None
    end_kind: EndKind | None = None
    end_reason: str = ""

    @property
    def is_active(self) -> bool:
        return self.ended_on is None

    def ended(self, on: date, kind: EndKind, reason: str) -> Placement:
        return replace(self, ended_on=on, end_kind=kind, end_reason=reason)
