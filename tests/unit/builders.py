"""Bring a Procurement aggregate to any lifecycle state by calling its own commands.

No application and no store: the aggregate is built in memory, its pending events are
collected (and dropped) once it is in the asked-for state, so a test sees only the events
its own command triggers. Every date is fixed, so no test depends on the day it runs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest

from domain.errors import DomainError
from domain.examples import (
    Parties,
    example_position,
    example_requirement,
    example_setup,
    example_tender,
    example_terms,
)
from domain.procurement import Procurement
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import FollowUpPlan, add_months, default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, Position
from domain.procurement.placements import PlacementTerms
from domain.procurement.requirement import EmploymentRequirement
from domain.values import PositionType, TargetGroup

E = TypeVar("E", bound=DomainError)

# The calendar of every built case (the contract period of example_setup()).
TENDER_DEADLINE = date(2026, 2, 1)
AWARD_DECIDED = date(2026, 3, 1)
STANDSTILL_END = date(2026, 3, 11)
SIGNED_ON = date(2026, 3, 12)
CONTRACT_START = date(2026, 4, 1)
CONTRACT_END = date(2028, 3, 31)
FIRST_PLACEMENT_START = date(2026, 5, 1)
PLACEMENT_MONTHS = 12
# "Today" for every command that takes one: after the contract has ended.
TODAY = date(2028, 6, 1)


@dataclass
class Given:
    """A case in a known state, with the parties and the ids of what was made on the way."""

    case: Procurement
    parties: Parties
    position_ids: list[UUID] = field(default_factory=list)
    candidate_ids: list[UUID] = field(default_factory=list)
    placement_ids: list[UUID] = field(default_factory=list)

    @property
    def placement_id(self) -> UUID:
        return self.placement_ids[0]


def new_events(case: Procurement) -> list[Any]:
    """The events triggered since the last collection (and collect them)."""
    return list(case.collect_events())


def event_types(case: Procurement) -> list[type]:
    return [type(event) for event in case.collect_events()]


def contract() -> Contract:
    return Contract(SIGNED_ON, CONTRACT_START, CONTRACT_END)


def award_to(supplier_id: UUID) -> Award:
    return Award(supplier_id, AWARD_DECIDED, STANDSTILL_END)


def case_in(state: State, *, placements: int = 0,
            requirement: EmploymentRequirement | None = None,
            plan: FollowUpPlan | None = None) -> Given:
    """A case brought to `state` by its own commands.

    In delivery, `placements` participants are placed (each through offer, proposal and
    acceptance); from follow-up on there is always at least one placement, ended on its
    planned end. Placements made in delivery are still running.
    """
    parties = Parties()
    authority, supplier = parties.authority, parties.supplier
    case = Procurement.create(authority, example_setup())
    given = Given(case, parties)
    case.set_requirement(authority, requirement or example_requirement())
    case.set_follow_up_plan(authority, plan or default_plan())
    case.add_dialogue_note(authority, DialogueNote(
        Counterpart.UNION, "Fastighetsanställdas Förbund", date(2025, 12, 1),
        "Facket ser gärna visstidsanställningar med kollektivavtal."))
    if state is State.CANCELLED:
        case.cancel(authority, "Behovet har upphört")
        return _done(given)
    if state is State.DRAFT:
        return _done(given)
    case.publish(authority, TENDER_DEADLINE)
    if state is State.TENDERING:
        return _done(given)
    case.submit_tender(supplier, example_tender(supplier, sme=True))
    case.submit_tender(parties.other_supplier, example_tender(parties.other_supplier))
    case.close_tendering(authority)
    if state is State.EVALUATION:
        return _done(given)
    case.award_contract(authority, award_to(supplier.organisation_id))
    if state is State.STANDSTILL:
        return _done(given)
    case.sign_contract(authority, contract())
    case.hold_kick_off(authority, KickOff(CONTRACT_START, ("Kommunen", "Leverantören")),
                       today=TODAY)
    case.appoint_matcher(authority, parties.matcher.organisation_id)
    case.invite_partner(authority, parties.social_enterprise.organisation_id)
    if state is not State.DELIVERY:
        placements = max(placements, 1)
    for number in range(placements):
        start = FIRST_PLACEMENT_START + timedelta(days=14 * number)
        place_participant(given, start=start)
    if state is State.DELIVERY:
        return _done(given)
    end_all_placements(given)
    case.end_contract(authority, CONTRACT_END, today=TODAY)
    if state is State.FOLLOW_UP:
        return _done(given)
    assessment = case.assess_compliance(CONTRACT_END)
    case.close(authority, assessment.outcome)
    return _done(given)


def _done(given: Given) -> Given:
    given.case.collect_events()
    return given


# -- steps of delivery, each one aggregate command -------------------------------------------

def offer(given: Given, *, start: date = FIRST_PLACEMENT_START,
          position_type: PositionType = PositionType.FIXED_TERM_EMPLOYMENT) -> Position:
    base = example_position(start)
    position = Position(base.position_id, position_type, base.fte, base.start,
                        base.duration_months, base.supervisor, base.training, base.title)
    given.case.offer_position(given.parties.supplier, position)
    given.position_ids.append(position.position_id)
    return position


def candidate_for(position_id: UUID, *, target_group: TargetGroup = TargetGroup.YOUNG,
                  attested: bool = True, ref: str | None = None) -> Candidate:
    return Candidate(uuid4(), position_id, ref or f"P-{uuid4().hex[:6]}", target_group,
                     eligibility_attested=attested)


def propose(given: Given, position_id: UUID, *,
            target_group: TargetGroup = TargetGroup.YOUNG) -> Candidate:
    candidate = candidate_for(position_id, target_group=target_group)
    given.case.propose_candidate(given.parties.matcher, candidate)
    given.candidate_ids.append(candidate.candidate_id)
    return candidate


def accepted_candidate(given: Given, *, start: date = FIRST_PLACEMENT_START) -> Candidate:
    """A position offered, a candidate proposed for it and accepted by the supplier."""
    position = offer(given, start=start)
    candidate = propose(given, position.position_id)
    given.case.accept_candidate(given.parties.supplier, candidate.candidate_id)
    return candidate


def place_participant(given: Given, *, start: date = FIRST_PLACEMENT_START) -> UUID:
    """Offer, propose, accept and start a 12-month placement; returns the placement id."""
    candidate = accepted_candidate(given, start=start)
    placement_id = uuid4()
    given.case.start_placement(given.parties.supplier, placement_id, candidate.candidate_id,
                               example_terms(start, PLACEMENT_MONTHS), today=TODAY)
    given.placement_ids.append(placement_id)
    return placement_id


def planned_end(start: date, months: int = PLACEMENT_MONTHS) -> date:
    return add_months(start, months) - timedelta(days=1)


def end_all_placements(given: Given) -> None:
    for placement_id in given.placement_ids:
        placement = given.case.placements[str(placement_id)]
        if placement.is_active:
            given.case.end_placement(given.parties.supplier, placement_id,
                                     placement.terms.planned_end, today=TODAY)


def terms(start: date, months: int = PLACEMENT_MONTHS, percent: int | Decimal = 100,
          form: PositionType = PositionType.FIXED_TERM_EMPLOYMENT) -> PlacementTerms:
    base = example_terms(start, months)
    return PlacementTerms(form, base.start, base.planned_end, Decimal(percent),
                          base.collective_agreement, base.supervisor,
                          base.insurance_confirmed, base.training_plan, base.wage_subsidy)


def check_refused(case: Procurement, error: type[E], command: Callable[[], object]) -> E:
    """Run a command that must fail with `error`; check it wrote nothing and changed nothing.

    Events still pending from the test's own "given" steps are collected (dropped) first.
    """
    case.collect_events()
    before = copy.deepcopy(vars(case))
    with pytest.raises(error) as info:
        command()
    assert case.collect_events() == [], "a refused command must leave no pending events"
    assert vars(case) == before, "a refused command must not change the case"
    return info.value
