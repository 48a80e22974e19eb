"""Vocabulary shared by the whole domain: who acts, and the codes a case is described with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar
from uuid import UUID

from domain.errors import ValidationError

# The languages of the service: Swedish first, English second.
LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"


class Role(Enum):
    """The party type of the actor's organisation (DESIGN.md §2)."""

    AUTHORITY = "authority"
    SUPPLIER = "supplier"
    MATCHER = "matcher"
    SOCIAL_ENTERPRISE = "social_enterprise"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """Who runs a command: a user acting for one organisation. Recorded on every event."""

    user_id: UUID
    organisation_id: UUID
    role: Role

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", parse_enum(Role, self.role, "actor.role"))


class TargetGroup(Enum):
    """Groups that stand far from the labour market, as the guidance names them."""

    LONG_TERM_UNEMPLOYED = "long_term_unemployed"
    FOREIGN_BORN = "foreign_born"
    YOUNG = "young"
    DISABILITY = "disability"
    OTHER_FAR_FROM_LABOUR_MARKET = "other_far_from_labour_market"


class RequirementLevel(Enum):
    """How binding the employment requirement is in the contract."""

    DIALOGUE = "dialogue"
    REQUIREMENT = "requirement"
    BONUS = "bonus"


class PositionType(Enum):
    """What a supplier may offer: the guidance names fixed-term employment and internship."""

    FIXED_TERM_EMPLOYMENT = "fixed_term_employment"
    INTERNSHIP = "internship"
    APPRENTICESHIP = "apprenticeship"


E = TypeVar("E", bound=Enum)


def parse_enum(enum_class: type[E], value: object, field: str) -> E:
    """Accept a member or its value; anything else is a validation error naming the field."""
    if isinstance(value, enum_class):
        return value
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in enum_class)
        raise ValidationError(field, f"must be one of: {allowed}") from None


def parse_enums(enum_class: type[E], values: object, field: str) -> tuple[E, ...]:
    """A non-repeating sequence of enum members, in the order given."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValidationError(field, "must be a list")
    parsed: list[E] = []
    for value in values:
        member = parse_enum(enum_class, value, field)
        if member in parsed:
            raise ValidationError(field, f"'{member.value}' is listed twice")
        parsed.append(member)
    return tuple(parsed)


# The service itself, acting on nobody's instruction (the scheduler's reminders). Not a
# user: it cannot sign in, and the access policy gives it no part in any case.
SYSTEM = Actor(UUID("00000000-0000-4000-8000-000000000001"),
               UUID("00000000-0000-4000-8000-000000000001"), Role.ADMIN)
