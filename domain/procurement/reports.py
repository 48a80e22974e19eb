"""The supplier's periodic reports and the authority's answer to them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from uuid import UUID

from domain import validation


class ReportStatus(Enum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    QUERIED = "queried"


@dataclass(frozen=True)
class SupplierReport:
    report_id: UUID
    period_start: date
    period_end: date
    summary: str
    status: ReportStatus = ReportStatus.SUBMITTED
    authority_comment: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "period_start", validation.day(self.period_start, "period_start"))
        set_(self, "period_end", validation.day(self.period_end, "period_end"))
        validation.not_before(self.period_end, self.period_start, "period_end", "period_start")
        set_(self, "summary", validation.text(self.summary, "summary", max_length=10000))

    def answered(self, status: ReportStatus, comment: str) -> SupplierReport:
        return replace(self, status=status, authority_comment=comment)
