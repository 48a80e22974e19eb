"""Award, contract and kick-off: the facts between evaluation and delivery."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain import validation
from domain.errors import ValidationError


@dataclass(frozen=True)
class Contract:
    signed_on: date
    start: date
    end: date
    ended_on: date | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "signed_on", validation.day(self.signed_on, "signed_on"))
        set_(self, "start", validation.day(self.start, "contract_start"))
        set_(self, "end", validation.day(self.end, "contract_end"))
        validation.not_before(self.end, self.start, "contract_end", "contract_start")

    def ended(self, on: date) -> Contract:
        return replace(self, ended_on=on)


@dataclass(frozen=True)
class Award:
    supplier_id: UUID
    decided_on: date
    standstill_end: date

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "supplier_id", validation.uuid(self.supplier_id, "supplier_id"))
        set_(self, "decided_on", validation.day(self.decided_on, "decided_on"))
        set_(self, "standstill_end", validation.day(self.standstill_end, "standstill_end"))
        validation.not_before(self.standstill_end, self.decided_on, "standstill_end",
                              "decided_on")


@dataclass(frozen=True)
class KickOff:
    held_on: date
    attendees: tuple[str, ...]
    agreed_notes: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "held_on", validation.day(self.held_on, "held_on"))
        attendees = tuple(validation.text(a, "attendees", max_length=200)
                          for a in self.attendees)
        if not attendees:
            raise ValidationError("attendees", "name who took part")
        set_(self, "attendees", attendees)
        set_(self, "agreed_notes", validation.text(self.agreed_notes, "agreed_notes",
                                                   required=False, max_length=10000))
