"""Tenders with their employment plans, and the EU definition of an SME."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from domain import validation
from domain.errors import ValidationError

# Commission Recommendation 2003/361/EC: fewer than 250 staff, and a turnover of at most
# EUR 50 million or a balance-sheet total of at most EUR 43 million.
SME_MAX_STAFF = 250
SME_MAX_TURNOVER_MEUR = Decimal(50)
SME_MAX_BALANCE_SHEET_MEUR = Decimal(43)


@dataclass(frozen=True)
class SmeStatus:
    staff_headcount: int
    annual_turnover_meur: Decimal
    balance_sheet_total_meur: Decimal

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        validation.integer(self.staff_headcount, "sme.staff_headcount", minimum=0)
        set_(self, "annual_turnover_meur", validation.decimal(
            self.annual_turnover_meur, "sme.annual_turnover_meur", minimum=Decimal(0)))
        set_(self, "balance_sheet_total_meur", validation.decimal(
            self.balance_sheet_total_meur, "sme.balance_sheet_total_meur", minimum=Decimal(0)))

    @property
    def is_sme(self) -> bool:
        return self.staff_headcount < SME_MAX_STAFF and (
            self.annual_turnover_meur <= SME_MAX_TURNOVER_MEUR
            or self.balance_sheet_total_meur <= SME_MAX_BALANCE_SHEET_MEUR)


@dataclass(frozen=True)
class EmploymentPlan:
    """How the supplier means to meet the requirement if it wins."""

    alternative: str
    planned_positions: int
    planned_full_time_months: Decimal
    supervision_capacity: int
    description: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "alternative", validation.text(self.alternative, "plan.alternative",
                                                  max_length=200))
        validation.integer(self.planned_positions, "plan.planned_positions", minimum=1,
                           maximum=10000)
        set_(self, "planned_full_time_months", validation.decimal(
            self.planned_full_time_months, "plan.planned_full_time_months",
            minimum=Decimal(0), exclusive_minimum=True))
        validation.integer(self.supervision_capacity, "plan.supervision_capacity", minimum=0)
        set_(self, "description", validation.text(self.description, "plan.description",
                                                  required=False, max_length=5000))


@dataclass(frozen=True)
class Tender:
    supplier_id: UUID
    plan: EmploymentPlan
    sme: SmeStatus
    partner_ids: tuple[UUID, ...] = ()
    revision: int = 1

    def __post_init__(self) -> None:
        partners = tuple(validation.uuid(p, "partner_ids") for p in self.partner_ids)
        if len(set(partners)) != len(partners):
            raise ValidationError("partner_ids", "a partner is listed twice")
        object.__setattr__(self, "partner_ids", partners)

    @property
    def is_sme(self) -> bool:
        return self.sme.is_sme
