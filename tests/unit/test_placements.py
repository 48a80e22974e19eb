"""Placements: started for an accepted candidate in an offered position, ended planned or
early (a fact of the dates), and never dated after today."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.errors import RuleViolation, ValidationError
from domain.procurement import events
from domain.procurement.contract import KickOff
from domain.procurement.lifecycle import State
from domain.procurement.matching import CandidateStatus
from domain.procurement.placements import EndKind
from domain.procurement.requirement import EmploymentRequirement
from domain.values import PositionType, RequirementLevel, TargetGroup
from tests.unit.builders import (
    CONTRACT_END,
    CONTRACT_START,
    FIRST_PLACEMENT_START,
    TODAY,
    Given,
    accepted_candidate,
    case_in,
    check_refused,
    new_events,
    offer,
    place_participant,
    planned_end,
    propose,
    terms,
)


def start(given: Given, candidate_id: UUID, *, on: date = FIRST_PLACEMENT_START,
          today: date = TODAY, form: PositionType = PositionType.FIXED_TERM_EMPLOYMENT,
          placement_id: UUID | None = None) -> None:
    given.case.start_placement(given.parties.supplier, placement_id or uuid4(), candidate_id,
                               terms(on, form=form), today=today)


# -- start ---------------------------------------------------------------------------------

def test_a_placement_starts_for_an_accepted_candidate() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    placement_id = uuid4()
    start(given, candidate.candidate_id, placement_id=placement_id)
    (started,) = new_events(given.case)
    assert isinstance(started, events.PlacementStarted)
    placement = started.placement
    assert placement.placement_id == placement_id
    assert placement.position_id == candidate.position_id
    assert placement.participant_ref == candidate.participant_ref
    assert placement.is_active
    assert given.case.candidates[str(candidate.candidate_id)].status is CandidateStatus.PLACED


def test_a_placement_needs_an_accepted_candidate() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation,
                    lambda: start(given, candidate.candidate_id))
    assert "accepted" in error.rule and "proposed" in error.rule


def test_a_declined_candidate_is_not_placed() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.decline_candidate(given.parties.supplier, candidate.candidate_id, "Nej")
    given.case.collect_events()
    check_refused(given.case, RuleViolation, lambda: start(given, candidate.candidate_id))


def test_a_placement_needs_a_known_candidate_in_an_offered_position() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: start(given, uuid4()))
    assert error.field == "candidate_id"


def test_a_placed_candidate_is_not_placed_twice() -> None:
    given = case_in(State.DELIVERY)
    place_participant(given)
    check_refused(given.case, RuleViolation, lambda: start(given, given.candidate_ids[0]))


def test_a_position_has_at_most_one_active_placement() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    first = propose(given, position.position_id)
    second = propose(given, position.position_id)
    for candidate in (first, second):
        given.case.accept_candidate(given.parties.supplier, candidate.candidate_id)
    start(given, first.candidate_id)
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation, lambda: start(given, second.candidate_id))
    assert "active placement" in error.rule


def test_the_same_placement_id_is_not_used_twice() -> None:
    given = case_in(State.DELIVERY)
    placement_id = place_participant(given)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    check_refused(given.case, RuleViolation,
            lambda: start(given, candidate.candidate_id, placement_id=placement_id))


def test_the_employment_form_must_be_allowed_by_the_requirement() -> None:
    requirement = EmploymentRequirement(
        RequirementLevel.REQUIREMENT, (TargetGroup.YOUNG,), Decimal(12),
        position_types=(PositionType.FIXED_TERM_EMPLOYMENT,))
    given = case_in(State.DELIVERY, requirement=requirement)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    error = check_refused(given.case, ValidationError, lambda: start(
        given, candidate.candidate_id, form=PositionType.APPRENTICESHIP))
    assert error.field == "employment_form"


def test_a_placement_does_not_start_before_the_contract() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    error = check_refused(given.case, ValidationError, lambda: start(
        given, candidate.candidate_id, on=CONTRACT_START - timedelta(days=1)))
    assert error.field == "start"
    assert "contract" in error.rule


def test_a_placement_may_start_on_the_contract_start() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    start(given, candidate.candidate_id, on=CONTRACT_START)
    assert len(new_events(given.case)) == 1


def test_a_placement_start_is_not_dated_after_today() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    error = check_refused(given.case, ValidationError, lambda: start(
        given, candidate.candidate_id, on=date(2026, 6, 2), today=date(2026, 6, 1)))
    assert error.field == "start"
    assert "today" in error.rule


def test_a_placement_may_start_today() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    start(given, candidate.candidate_id, on=date(2026, 6, 1), today=date(2026, 6, 1))
    assert len(new_events(given.case)) == 1


# -- end -----------------------------------------------------------------------------------

def test_ending_on_the_planned_end_is_a_planned_end() -> None:
    given = case_in(State.DELIVERY, placements=1)
    placement = given.case.placements[str(given.placement_id)]
    given.case.end_placement(given.parties.supplier, given.placement_id,
                             placement.terms.planned_end, today=TODAY)
    (ended,) = new_events(given.case)
    assert isinstance(ended, events.PlacementEnded)
    assert ended.end_kind is EndKind.PLANNED
    assert ended.reason == ""
    assert not given.case.placements[str(given.placement_id)].is_active


def test_ending_after_the_planned_end_is_a_planned_end() -> None:
    given = case_in(State.DELIVERY, placements=1)
    late = planned_end(FIRST_PLACEMENT_START) + timedelta(days=10)
    given.case.end_placement(given.parties.supplier, given.placement_id, late, today=TODAY)
    (ended,) = new_events(given.case)
    assert ended.end_kind is EndKind.PLANNED


def test_ending_before_the_planned_end_is_an_early_end_with_its_reason() -> None:
    given = case_in(State.DELIVERY, placements=1)
    given.case.end_placement(given.parties.supplier, given.placement_id, date(2026, 9, 30),
                             today=TODAY, reason="Fick arbete hos annan arbetsgivare")
    (ended,) = new_events(given.case)
    assert ended.end_kind is EndKind.EARLY
    assert ended.reason == "Fick arbete hos annan arbetsgivare"
    stored = given.case.placements[str(given.placement_id)]
    assert (stored.ended_on, stored.end_kind) == (date(2026, 9, 30), EndKind.EARLY)


def test_an_early_end_needs_a_reason() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_placement(
        given.parties.supplier, given.placement_id, date(2026, 9, 30), today=TODAY))
    assert error.field == "reason"


def test_a_placement_does_not_end_before_it_started() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_placement(
        given.parties.supplier, given.placement_id, FIRST_PLACEMENT_START - timedelta(days=1),
        today=TODAY, reason="Ångrade sig"))
    assert error.field == "ended_on"


def test_a_placement_end_is_not_dated_after_today() -> None:
    given = case_in(State.DELIVERY, placements=1)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_placement(
        given.parties.supplier, given.placement_id, date(2026, 9, 30),
        today=date(2026, 9, 29), reason="Slutade"))
    assert error.field == "ended_on"
    assert "today" in error.rule


def test_a_placement_ends_only_once() -> None:
    given = case_in(State.DELIVERY, placements=1)
    placement = given.case.placements[str(given.placement_id)]
    given.case.end_placement(given.parties.supplier, given.placement_id,
                             placement.terms.planned_end, today=TODAY)
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation, lambda: given.case.end_placement(
        given.parties.supplier, given.placement_id, placement.terms.planned_end, today=TODAY))
    assert "already ended" in error.rule


def test_an_unknown_placement_cannot_end() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_placement(
        given.parties.supplier, uuid4(), date(2026, 9, 30), today=TODAY))
    assert error.field == "placement_id"


# -- other facts dated after today -------------------------------------------------------------

def test_a_contract_end_is_not_dated_after_today() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_contract(
        given.parties.authority, CONTRACT_END, today=CONTRACT_END - timedelta(days=1)))
    assert error.field == "ended_on"


def test_a_kick_off_is_not_dated_after_today() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.hold_kick_off(
        given.parties.authority, KickOff(date(2026, 4, 2), ("Kommunen",)),
        today=date(2026, 4, 1)))
    assert error.field == "held_on"


def test_a_contract_does_not_end_before_it_starts() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.end_contract(
        given.parties.authority, CONTRACT_START - timedelta(days=1), today=TODAY))
    assert error.field == "ended_on"


def test_the_contract_does_not_end_while_placements_are_active() -> None:
    given = case_in(State.DELIVERY, placements=2)
    error = check_refused(given.case, RuleViolation, lambda: given.case.end_contract(
        given.parties.authority, CONTRACT_END, today=TODAY))
    assert "2 active placement" in error.rule
