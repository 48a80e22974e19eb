"""A person in the register, as the event store keeps them: a pseudonymous reference, who
registered them, and their data sealed under their own key (sealing.py).

Nothing personal is ever in an event or in the aggregate's state (and so in a snapshot):
only the ciphertext, which after erasure no key opens.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import clock, validation
from domain.errors import RuleViolation
from domain.values import Actor

# No 0/O or 1/I/L: a reference is read aloud and copied by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8


def new_reference() -> str:
    """Random, never derived from the person: a reference tells nothing about them."""
    return "P-" + "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))


class Participant(Aggregate):
    class_version = 1

    class Event(Aggregate.Event):
        class_version = 1
        actor: Actor | None

        @staticmethod
        def create_timestamp() -> datetime:
            return clock.event_time()

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

    def erase(self, actor: Actor | None, reason: str) -> None:
        """`actor` None is the operator's console (or, later, the retention job)."""
        if self.erased:
            raise RuleViolation(f"{self.reference} is erased already")
        self._erased(actor=actor, reference=self.reference,
                     reason=validation.text(reason, "reason", max_length=500))

    @event("Erased")
    def _erased(self, actor: Actor | None, reference: str, reason: str) -> None:
        # The ciphertext stays in the Registered event (events are never changed); the
        # state drops it so that no snapshot taken from now on carries it.
        self.sealed = ""
        self.erased = True
