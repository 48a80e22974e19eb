"""Matching: positions the supplier offers and candidates the matcher proposes for them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from domain import validation
from domain.values import PositionType, TargetGroup, parse_enum


class CandidateStatus(Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PLACED = "placed"


@dataclass(frozen=True)
class Position:
    position_id: UUID
    position_type: PositionType
    fte: Decimal
    start: date
    duration_months: int
    supervisor: str
    training: str = ""
    title: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "position_type", parse_enum(PositionType, self.position_type,
                                               "position_type"))
        set_(self, "fte", validation.decimal(self.fte, "fte", minimum=Decimal(0),
                                             exclusive_minimum=True, maximum=Decimal(1)))
        set_(self, "start", validation.day(self.start, "start"))
        validation.integer(self.duration_months, "duration_months", minimum=1, maximum=120)
        set_(self, "supervisor", validation.text(self.supervisor, "supervisor", max_length=200))
        set_(self, "training", validation.text(self.training, "training", required=False))
        set_(self, "title", validation.text(self.title, "title", required=False,
                                            max_length=200))


@dataclass(frozen=True)
class Preparation:
    """Preparatory training or supervision a social enterprise gives a candidate."""

    provider_id: UUID
    description: str
    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "description", validation.text(self.description, "description"))
        set_(self, "start", validation.day(self.start, "start"))
        set_(self, "end", validation.optional_day(self.end, "end"))
        if self.end is not None:
            validation.not_before(self.end, self.start, "end", "start")


@dataclass(frozen=True)
class Candidate:
    """A person the matcher proposes, known here only by a pseudonymous reference."""

    candidate_id: UUID
    position_id: UUID
    participant_ref: str
    target_group: TargetGroup
    eligibility_attested: bool
    status: CandidateStatus = CandidateStatus.PROPOSED
    decline_reason: str = ""
    preparations: tuple[Preparation, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "participant_ref", validation.text(
            self.participant_ref, "participant_ref", max_length=64))
        set_(self, "target_group", parse_enum(TargetGroup, self.target_group, "target_group"))
        validation.flag(self.eligibility_attested, "eligibility_attested")
        set_(self, "status", parse_enum(CandidateStatus, self.status, "status"))
        set_(self, "preparations", tuple(self.preparations))

    def answered(self, status: CandidateStatus, reason: str = "") -> Candidate:
        return replace(self, status=status, decline_reason=reason)

    def with_preparation(self, preparation: Preparation) -> Candidate:
        return replace(self, preparations=(*self.preparations, preparation))
