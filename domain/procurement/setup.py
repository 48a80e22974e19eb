"""What the authority writes down before publishing: title, reference, CPV codes, value,
contract period and industry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import validation
from domain.errors import ValidationError

# CPV codes: eight digits, a hyphen and a check digit (e.g. 45000000-7).
_CPV = re.compile(r"^\d{8}-\d$")


@dataclass(frozen=True)
class CaseSetup:
    title: str
    reference: str
    cpv_codes: tuple[str, ...] = ()
    estimated_value_sek: Decimal | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    industry: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "title", validation.text(self.title, "title", max_length=300))
        set_(self, "reference", validation.text(self.reference, "reference", max_length=100))
        set_(self, "industry", validation.text(self.industry, "industry", max_length=200,
                                               required=False))
        codes = tuple(self.cpv_codes)
        for code in codes:
            if not isinstance(code, str) or not _CPV.match(code):
                raise ValidationError("cpv_codes", f"'{code}' is not a CPV code like 45000000-7")
        set_(self, "cpv_codes", codes)
        if self.estimated_value_sek is not None:
            set_(self, "estimated_value_sek", validation.decimal(
                self.estimated_value_sek, "estimated_value_sek", minimum=Decimal(0)))
        set_(self, "contract_start", validation.optional_day(self.contract_start,
                                                             "contract_start"))
        set_(self, "contract_end", validation.optional_day(self.contract_end, "contract_end"))
        if self.contract_start and self.contract_end:
            validation.not_before(self.contract_end, self.contract_start, "contract_end",
                                  "contract_start")

    @property
    def cpv_division(self) -> str | None:
        """The first two digits of the main CPV code: the industry used in statistics."""
        return self.cpv_codes[0][:2] if self.cpv_codes else None
