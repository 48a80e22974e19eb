"""The employment requirement (sysselsättningskrav) the authority puts in the contract."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain import validation
from domain.errors import ValidationError
from domain.values import PositionType, RequirementLevel, TargetGroup, parse_enum, parse_enums

DEFAULT_FIRST_PLACEMENT_DEADLINE_MONTHS = 6
DEFAULT_COMPLETION_THRESHOLD = Decimal("0.75")


@dataclass(frozen=True)
class EmploymentRequirement:
    level: RequirementLevel
    target_groups: tuple[TargetGroup, ...]
    minimum_full_time_months: Decimal
    first_placement_deadline_months: int = DEFAULT_FIRST_PLACEMENT_DEADLINE_MONTHS
    completion_threshold: Decimal = DEFAULT_COMPLETION_THRESHOLD
    position_types: tuple[PositionType, ...] = tuple(PositionType)
    sme_considerations: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "level", parse_enum(RequirementLevel, self.level, "level"))
        set_(self, "target_groups", parse_enums(TargetGroup, self.target_groups,
                                                "target_groups"))
        if not self.target_groups:
            raise ValidationError("target_groups", "name at least one target group")
        set_(self, "minimum_full_time_months", validation.decimal(
            self.minimum_full_time_months, "minimum_full_time_months",
            minimum=Decimal(0), exclusive_minimum=True, maximum=Decimal(100000)))
        set_(self, "first_placement_deadline_months", validation.integer(
            self.first_placement_deadline_months, "first_placement_deadline_months",
            minimum=0, maximum=120))
        set_(self, "completion_threshold", validation.decimal(
            self.completion_threshold, "completion_threshold",
            minimum=Decimal(0), exclusive_minimum=True, maximum=Decimal(1)))
        set_(self, "position_types", parse_enums(PositionType, self.position_types,
                                                 "position_types"))
        if not self.position_types:
            raise ValidationError("position_types", "allow at least one position type")
        set_(self, "sme_considerations", validation.text(
            self.sme_considerations, "sme_considerations", required=False))
