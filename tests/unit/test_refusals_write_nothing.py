"""A refused command writes nothing: no new pending event, no change to the case, and the
events already pending from earlier commands are left exactly as they were.

(Every refusal elsewhere in this suite also goes through builders.check_refused, which checks the
first two; this table checks the pending events of a unit of work across one refusal each
from every command that can fail late, after other rules have already passed.)"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.errors import DomainError, InvalidState, RuleViolation, ValidationError
from domain.examples import example_tender
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import Contract
from domain.procurement.deviations import Deviation
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.lifecycle import State
from domain.values import Role
from tests.unit.builders import (
    CONTRACT_END,
    CONTRACT_START,
    STANDSTILL_END,
    TODAY,
    Given,
    award_to,
    case_in,
    terms,
)
from tests.unit.builders import accepted_candidate as accepted

Failing = Callable[[Given], object]

CASES: list[tuple[str, State, type[DomainError], Failing]] = [
    ("publish-twice", State.TENDERING, InvalidState,
     lambda g: g.case.publish(g.parties.authority, date(2026, 2, 1))),
    ("tender-in-anothers-name", State.TENDERING, RuleViolation,
     lambda g: g.case.submit_tender(g.parties.supplier,
                                    example_tender(g.parties.other_supplier))),
    ("award-to-outsider", State.EVALUATION, RuleViolation,
     lambda g: g.case.award_contract(g.parties.authority, award_to(uuid4()))),
    ("sign-in-standstill", State.STANDSTILL, RuleViolation,
     lambda g: g.case.sign_contract(g.parties.authority, Contract(
         STANDSTILL_END - timedelta(days=1), CONTRACT_START, CONTRACT_END))),
    ("placement-before-contract", State.DELIVERY, ValidationError,
     lambda g: g.case.start_placement(
         g.parties.supplier, uuid4(), g.candidate_ids[-1],
         terms(CONTRACT_START - timedelta(days=1)), today=TODAY)),
    ("early-end-without-reason", State.DELIVERY, ValidationError,
     lambda g: g.case.end_placement(g.parties.supplier, g.placement_id, date(2026, 9, 30),
                                    today=TODAY)),
    ("checkpoint-value-of-another-party", State.DELIVERY, ValidationError,
     lambda g: g.case.record_checkpoint(g.parties.supplier, g.placement_id, "start",
                                        date(2026, 5, 1), {"employment_status": "unknown"},
                                        today=TODAY)),
    ("contract-end-with-active-placement", State.DELIVERY, RuleViolation,
     lambda g: g.case.end_contract(g.parties.authority, CONTRACT_END, today=TODAY)),
    ("decision-without-motivation", State.FOLLOW_UP, ValidationError,
     lambda g: g.case.close(g.parties.authority, ComplianceOutcome.MET)),
    ("cancel-after-signature", State.DELIVERY, InvalidState,
     lambda g: g.case.cancel(g.parties.authority, "Ångrat")),
    ("deviation-in-anothers-name", State.DELIVERY, RuleViolation,
     lambda g: g.case.note_deviation(g.parties.supplier,
                                     Deviation(uuid4(), "Försenat", Role.MATCHER))),
    ("anything-after-close", State.CLOSED, InvalidState,
     lambda g: g.case.add_dialogue_note(g.parties.authority, DialogueNote(
         Counterpart.UNION, "Kommunal", date(2026, 1, 1), "Sent inkommet"))),
]


@pytest.mark.parametrize(("state", "error", "command"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_refused_command_leaves_no_pending_events(state: State, error: type[DomainError],
                                                    command: Failing) -> None:
    given = case_in(state, placements=1)
    if state is State.DELIVERY:
        accepted(given)  # a candidate ready to be placed: given.candidate_ids[-1]
    if state is not State.CLOSED:
        # An earlier command of the same unit of work, still pending.
        given.case.add_dialogue_note(given.parties.authority, DialogueNote(
            Counterpart.OTHER, "Företagarna", date(2026, 1, 15), "Vill ha fler SME-anbud"))
    pending = list(given.case.pending_events)
    version, state_before = given.case.version, copy.deepcopy(vars(given.case))
    with pytest.raises(error):
        command(given)
    assert given.case.pending_events == pending
    assert given.case.version == version
    assert vars(given.case) == state_before


def test_a_refused_command_does_not_spoil_the_next_one() -> None:
    given = case_in(State.DELIVERY, placements=1)
    version = given.case.version
    with pytest.raises(ValidationError):
        given.case.end_placement(given.parties.supplier, given.placement_id,
                                 date(2026, 9, 30), today=TODAY)
    given.case.end_placement(given.parties.supplier, given.placement_id, date(2026, 9, 30),
                             today=TODAY, reason="Flyttade")
    (ended,) = given.case.collect_events()
    assert ended.originator_version == version + 1 == given.case.version
    assert given.case.placements[str(given.placement_id)].ended_on == date(2026, 9, 30)
