"""A person in the register, as the event store keeps them: a pseudonymous reference, who
registered them, and their data sealed under their own key (sealing.py).

Nothing personal is ever in an event or in the aggregate's state (and so in a snapshot):
only the ciphertext, which after erasure no key opens.
"""

from __future__ import annotations

import secrets
from datetime import date
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import clock, validation
from domain.errors import RuleViolation
from domain.procurement.followup_plan import add_months
from domain.values import Actor, parse_enum

# No 0/O or 1/I/L: a reference is read aloud and copied by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8


class ErasureReason(Enum):
    """Why a person was erased. Codes, never free text: the Erased event outlives the key,
    and a reason typed by hand could carry the very name the erasure removes."""

    ASKED_TO_BE_ERASED = "asked_to_be_erased"
    LEFT_PROGRAMME = "left_programme"
    REGISTERED_BY_MISTAKE = "registered_by_mistake"
    RETENTION_PERIOD_PASSED = "retention_period_passed"


def retention_has_passed(last_activity: date, months: int, today: date) -> bool:
    """A person's data is kept `months` after their last follow-up checkpoint (or their
    registration, with none), then erased."""
    return add_months(last_activity, months) <= today


def new_reference() -> str:
    """Random, never derived from the person: a reference tells nothing about them."""
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))


class Participant(Aggregate):
    class_version = 1

    class Event(clock.StampedByServiceClock, Aggregate.Event):
        class_version = 1
        actor: Actor | None

    @event("Registered")
    def __init__(self, actor: Actor, reference: str, registered_by: UUID, sealed: str
                 ) -> None:
        self.reference = reference
        self.registered_by = registered_by
        self.sealed = sealed
        self.erased = False

    @staticmethod
    def create_id(reference: str, **_: object) -> UUID:
        """From the reference, so that a reference in a case finds its person, and two
        people given the same reference conflict in the store itself."""
        return uuid5(NAMESPACE_URL, f"/participant/{reference}")

    @classmethod
    def id_for(cls, reference: str) -> UUID:
        return cls.create_id(validation.text(reference, "participant_ref", max_length=64))

    @classmethod
    def register(cls, actor: Actor, reference: str, sealed: str) -> Participant:
        return cls(actor=actor, reference=reference, registered_by=actor.organisation_id,
                   sealed=sealed)

    def erase(self, actor: Actor | None, reason: ErasureReason | str) -> None:
        """`actor` None is the operator's console (or, later, the retention job)."""
        code = parse_enum(ErasureReason, reason, "reason")
        if self.erased:
            raise RuleViolation(f"{self.reference} is erased already")
        self._erased(actor=actor, reference=self.reference, reason=code.value)

    @event("Erased")
    def _erased(self, actor: Actor | None, reference: str, reason: str) -> None:
        # The ciphertext stays in the Registered event (events are never changed); the
        # state drops it so that no snapshot taken from now on carries it.
        self.sealed = ""
        self.erased = True


# The event classes @event made, named for code that reads the register's events (the
# decorator makes them at run time, where mypy cannot see them).
REGISTERED: type[Participant.Event] = vars(Participant)["Registered"]
ERASED: type[Participant.Event] = vars(Participant)["Erased"]
