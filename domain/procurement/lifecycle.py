"""The lifecycle of one procurement (DESIGN.md §3) and which commands each state admits."""

from __future__ import annotations

from enum import Enum

from domain.errors import InvalidState


class State(Enum):
    DRAFT = "draft"
    TENDERING = "tendering"
    EVALUATION = "evaluation"
    STANDSTILL = "standstill"
    DELIVERY = "delivery"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# A contract, once signed, can no longer be cancelled: it is ended and closed instead.
CANCELLABLE = frozenset({State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL})
# Checkpoints go on after the contract ends: the guidance asks how people fare years later.
FOLLOWING_UP = frozenset({State.DELIVERY, State.FOLLOW_UP})
FINISHED = frozenset({State.CLOSED, State.CANCELLED})


def require_state(current: State, allowed: frozenset[State] | State, rule: str) -> None:
    """Refuse with the current state and the rule when the command does not fit the state."""
    states = allowed if isinstance(allowed, frozenset) else frozenset({allowed})
    if current not in states:
        raise InvalidState(current.value, rule)
