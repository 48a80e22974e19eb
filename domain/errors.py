"""Domain errors: every refusal the service can give, each with a message a user can act on.

The web layer maps these to HTTP problem documents by their class, never by their text.
"""

from __future__ import annotations

from uuid import UUID


class DomainError(Exception):
    """Base class of every refusal the domain gives."""

    code = "domain-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """A value given to a command breaks a rule of its own (range, format, known code)."""

    code = "validation"

    def __init__(self, field: str, rule: str, message: str | None = None) -> None:
        super().__init__(message or f"{field}: {rule}")
        self.field = field
        self.rule = rule


class InvalidState(DomainError):
    """The command is not allowed in the procurement's current lifecycle state."""

    code = "invalid-state"

    def __init__(self, state: str, rule: str) -> None:
        super().__init__(f"Not allowed while the procurement is '{state}': {rule}")
        self.state = state
        self.rule = rule


class RuleViolation(DomainError):
    """The command breaks a rule of the case that is not about its lifecycle state."""

    code = "rule-violation"

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


class AlreadyRecorded(RuleViolation):
    """The fact is recorded already (a reminder sent once is never sent again)."""


class NotFound(DomainError):
    """The thing asked for does not exist, or the actor may not know that it does."""

    code = "not-found"


class ProcurementNotFound(NotFound):
    """No procurement with this id is visible to the actor."""

    def __init__(self, procurement_id: UUID) -> None:
        super().__init__(f"Procurement {procurement_id} not found")
        self.procurement_id = procurement_id


class ParticipantNotFound(NotFound):
    """No person in the register with this id, or none the actor may read."""

    def __init__(self, participant_id: UUID) -> None:
        super().__init__(f"Participant {participant_id} not found")
        self.participant_id = participant_id


class ParticipantErased(NotFound):
    """The person was erased: their data can no longer be read by anyone."""

    code = "erased"

    def __init__(self, reference: str) -> None:
        super().__init__(f"Participant {reference} has been erased; their data is gone")
        self.reference = reference


class AccessDenied(DomainError):
    """The actor's organisation has no part in the case that allows this command."""

    code = "forbidden"

    def __init__(self, command: str) -> None:
        super().__init__(f"Your organisation may not '{command}' in this procurement")
        self.command = command


class ConcurrencyConflict(DomainError):
    """Others changed the case at the same moment, and retrying did not help."""

    code = "conflict"

    def __init__(self, procurement_id: UUID, attempts: int) -> None:
        super().__init__(
            f"Procurement {procurement_id} was changed by others {attempts} times while "
            "your command ran; reload and try again"
        )
        self.procurement_id = procurement_id
        self.attempts = attempts


class VersionMismatch(DomainError):
    """The case is not at the version the command was sent for: it changed since it was read."""

    code = "precondition-failed"

    def __init__(self, procurement_id: UUID, expected: int, actual: int | None = None) -> None:
        moved = (f"is at version {actual}" if actual is not None
                 else "was changed by others while your command ran")
        super().__init__(
            f"Procurement {procurement_id} {moved}, not version {expected} as your request "
            "expected; nothing was recorded: read it again and decide anew"
        )
        self.procurement_id = procurement_id
        self.expected = expected
        self.actual = actual


class ConfigurationError(Exception):
    """The service's settings are wrong; raised at start, never while serving."""
