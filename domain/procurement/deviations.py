"""Deviations from the contract's employment requirement and the authority's decisions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain import validation
from domain.errors import ValidationError
from domain.values import Role, parse_enum


class DecisionKind(Enum):
    REMEDY = "remedy"  # the supplier must put it right (åtgärd)
    SANCTION = "sanction"  # a contractual penalty (vite)
    WAIVER = "waiver"  # the authority accepts the deviation


@dataclass(frozen=True)
class DeviationDecision:
    kind: DecisionKind
    motivation: str
    sanction_amount_sek: Decimal | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "kind", parse_enum(DecisionKind, self.kind, "kind"))
        set_(self, "motivation", validation.text(self.motivation, "motivation"))
        if self.kind is DecisionKind.SANCTION:
            if self.sanction_amount_sek is None:
                raise ValidationError("sanction_amount_sek", "a sanction needs an amount")
            set_(self, "sanction_amount_sek", validation.decimal(
                self.sanction_amount_sek, "sanction_amount_sek", minimum=Decimal(0),
                exclusive_minimum=True))
        elif self.sanction_amount_sek is not None:
            raise ValidationError("sanction_amount_sek", "only a sanction has an amount")


@dataclass(frozen=True)
class Deviation:
    deviation_id: UUID
    description: str
    noted_by: Role
    decision: DeviationDecision | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "description", validation.text(self.description,
                                                                "description"))
        object.__setattr__(self, "noted_by", parse_enum(Role, self.noted_by, "noted_by"))

    @property
    def is_open(self) -> bool:
        return self.decision is None

    def decided(self, decision: DeviationDecision) -> Deviation:
        return replace(self, decision=decision)
