"""Matching: the supplier offers positions, the matcher proposes candidates, the supplier
accepts or declines them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from domain.errors import RuleViolation, ValidationError
from domain.examples import example_requirement
from domain.procurement import events
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, CandidateStatus, Preparation
from domain.procurement.requirement import EmploymentRequirement
from domain.values import PositionType, RequirementLevel, TargetGroup
from tests.unit.builders import (
    FIRST_PLACEMENT_START,
    accepted_candidate,
    candidate_for,
    case_in,
    check_refused,
    event_types,
    new_events,
    offer,
    place_participant,
    propose,
)


def internships_only() -> EmploymentRequirement:
    return EmploymentRequirement(RequirementLevel.REQUIREMENT, (TargetGroup.YOUNG,),
                                 Decimal(12), position_types=(PositionType.INTERNSHIP,))


# -- positions -----------------------------------------------------------------------------

def test_supplier_offers_a_position_while_the_contract_runs() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    (offered,) = new_events(given.case)
    assert isinstance(offered, events.PositionOffered)
    assert offered.position == position
    assert str(position.position_id) in given.case.positions


def test_a_position_type_the_requirement_does_not_allow_is_refused() -> None:
    given = case_in(State.DELIVERY, requirement=internships_only())
    error = check_refused(given.case, ValidationError, lambda: offer(given))
    assert error.field == "position_type"


def test_the_same_position_cannot_be_offered_twice() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    given.case.collect_events()
    check_refused(given.case, RuleViolation,
            lambda: given.case.offer_position(given.parties.supplier, position))


# -- proposals -----------------------------------------------------------------------------

def test_matcher_proposes_a_candidate_for_an_offered_position() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    given.case.collect_events()
    candidate = propose(given, position.position_id)
    (proposed,) = new_events(given.case)
    assert isinstance(proposed, events.CandidateProposed)
    assert proposed.candidate == candidate
    assert given.case.candidates[str(candidate.candidate_id)].status is CandidateStatus.PROPOSED


def test_a_proposal_needs_an_offered_position() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.propose_candidate(
        given.parties.matcher, candidate_for(uuid4())))
    assert error.field == "position_id"


def test_a_proposal_needs_an_open_position() -> None:
    given = case_in(State.DELIVERY)
    place_participant(given)
    filled = given.position_ids[0]
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation, lambda: given.case.propose_candidate(
        given.parties.matcher, candidate_for(filled)))
    assert "filled" in error.rule


def test_a_position_whose_placement_ended_is_open_again() -> None:
    given = case_in(State.DELIVERY)
    placement_id = place_participant(given)
    given.case.end_placement(given.parties.supplier, placement_id, date(2026, 6, 1),
                             today=date(2026, 6, 1), reason="Flyttade")
    given.case.collect_events()
    propose(given, given.position_ids[0])
    assert event_types(given.case) == [events.CandidateProposed]


def test_a_proposal_needs_a_target_group_of_the_requirement() -> None:
    given = case_in(State.DELIVERY, requirement=example_requirement())
    position = offer(given)
    given.case.collect_events()
    assert TargetGroup.DISABILITY not in example_requirement().target_groups
    error = check_refused(given.case, ValidationError, lambda: given.case.propose_candidate(
        given.parties.matcher,
        candidate_for(position.position_id, target_group=TargetGroup.DISABILITY)))
    assert error.field == "target_group"


def test_a_proposal_needs_attested_eligibility() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    given.case.collect_events()
    error = check_refused(given.case, ValidationError, lambda: given.case.propose_candidate(
        given.parties.matcher, candidate_for(position.position_id, attested=False)))
    assert error.field == "eligibility_attested"


def test_a_proposal_starts_as_proposed() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    given.case.collect_events()
    base = candidate_for(position.position_id)
    already_accepted = Candidate(base.candidate_id, base.position_id, base.participant_ref,
                                 base.target_group, True, status=CandidateStatus.ACCEPTED)
    error = check_refused(given.case, ValidationError, lambda: given.case.propose_candidate(
        given.parties.matcher, already_accepted))
    assert error.field == "status"


def test_the_same_candidate_cannot_be_proposed_twice() -> None:
    given = case_in(State.DELIVERY)
    position = offer(given)
    candidate = propose(given, position.position_id)
    given.case.collect_events()
    check_refused(given.case, RuleViolation,
            lambda: given.case.propose_candidate(given.parties.matcher, candidate))


# -- answers -------------------------------------------------------------------------------

def test_supplier_accepts_a_proposed_candidate() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    given.case.accept_candidate(given.parties.supplier, candidate.candidate_id)
    assert event_types(given.case) == [events.CandidateAccepted]
    assert given.case.candidates[str(candidate.candidate_id)].status is CandidateStatus.ACCEPTED


def test_supplier_declines_a_proposed_candidate_with_a_reason() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    given.case.decline_candidate(given.parties.supplier, candidate.candidate_id,
                                 "Saknar körkort som tjänsten kräver")
    (declined,) = new_events(given.case)
    assert isinstance(declined, events.CandidateDeclined)
    assert declined.reason == "Saknar körkort som tjänsten kräver"
    stored = given.case.candidates[str(candidate.candidate_id)]
    assert stored.status is CandidateStatus.DECLINED
    assert stored.decline_reason == "Saknar körkort som tjänsten kräver"


def test_a_decline_needs_a_reason() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    error = check_refused(given.case, ValidationError, lambda: given.case.decline_candidate(
        given.parties.supplier, candidate.candidate_id, "   "))
    assert error.field == "reason"


def test_only_a_proposed_candidate_can_be_accepted() -> None:
    given = case_in(State.DELIVERY)
    candidate = accepted_candidate(given)
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation, lambda: given.case.accept_candidate(
        given.parties.supplier, candidate.candidate_id))
    assert "already accepted" in error.rule


def test_only_a_proposed_candidate_can_be_declined() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.decline_candidate(given.parties.supplier, candidate.candidate_id, "Nej")
    given.case.collect_events()
    error = check_refused(given.case, RuleViolation, lambda: given.case.decline_candidate(
        given.parties.supplier, candidate.candidate_id, "Nej igen"))
    assert "already declined" in error.rule


def test_an_unknown_candidate_cannot_be_answered() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.accept_candidate(
        given.parties.supplier, uuid4()))
    assert error.field == "candidate_id"


# -- preparation by a partner ----------------------------------------------------------------

def test_a_partner_records_the_preparation_it_provides() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    partner = given.parties.social_enterprise
    preparation = Preparation(partner.organisation_id, "Arbetsträning fyra veckor",
                              date(2026, 4, 1), FIRST_PLACEMENT_START)
    given.case.record_preparation(partner, candidate.candidate_id, preparation)
    assert event_types(given.case) == [events.PreparationRecorded]
    assert given.case.candidates[str(candidate.candidate_id)].preparations == (preparation,)


def test_a_partner_cannot_record_preparation_in_anothers_name() -> None:
    given = case_in(State.DELIVERY)
    candidate = propose(given, offer(given).position_id)
    given.case.collect_events()
    preparation = Preparation(uuid4(), "Arbetsträning", date(2026, 4, 1))
    check_refused(given.case, RuleViolation, lambda: given.case.record_preparation(
        given.parties.social_enterprise, candidate.candidate_id, preparation))

