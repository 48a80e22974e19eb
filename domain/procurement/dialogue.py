"""Market-dialogue notes: what unions, employer organisations and the non-profit sector said."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from domain import validation
from domain.values import parse_enum


class Counterpart(Enum):
    UNION = "union"
    EMPLOYER_ORGANISATION = "employer_organisation"
    NON_PROFIT = "non_profit"
    SOCIAL_ENTERPRISE = "social_enterprise"
    SUPPLIER = "supplier"
    OTHER = "other"


@dataclass(frozen=True)
class DialogueNote:
    counterpart: Counterpart
    organisation_name: str
    held_on: date
    summary: str

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "counterpart", parse_enum(Counterpart, self.counterpart, "counterpart"))
        set_(self, "organisation_name", validation.text(
            self.organisation_name, "organisation_name", max_length=200))
        set_(self, "held_on", validation.day(self.held_on, "held_on"))
        set_(self, "summary", validation.text(self.summary, "summary", max_length=10000))
