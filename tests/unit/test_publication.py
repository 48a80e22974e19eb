"""Marking a case for publication: the owner's decision, in any state, taken once."""

from __future__ import annotations

import pytest

from domain import access
from domain.access import Command, Part
from domain.errors import RuleViolation
from domain.examples import example_setup, new_actor
from domain.procurement import Procurement, events
from domain.values import Role


def test_a_case_is_marked_once_and_then_public() -> None:
    owner = new_actor(Role.AUTHORITY)
    case = Procurement.create(owner, example_setup())
    assert access.public_parts(case) == frozenset()
    case.mark_for_publication(owner)
    assert isinstance(case.collect_events()[-1], events.MarkedForPublication)
    assert case.marked_for_publication
    assert access.public_parts(case) == {Part.PUBLIC}
    with pytest.raises(RuleViolation):
        case.mark_for_publication(owner)


def test_a_cancelled_case_can_still_be_published() -> None:
    owner = new_actor(Role.AUTHORITY)
    case = Procurement.create(owner, example_setup())
    case.cancel(owner, "Behovet försvann")
    case.mark_for_publication(owner)
    assert case.marked_for_publication


def test_only_the_owner_marks_and_the_public_only_exports() -> None:
    assert access.POLICY[Command.MARK_FOR_PUBLICATION] == {Part.OWNER}
    allowed = {c for c in Command if access.allows(c, frozenset({Part.PUBLIC}))}
    assert allowed == {Command.EXPORT_OPEN_DATA}
