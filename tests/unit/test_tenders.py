"""Tendering, award and signature: who may tender, who may win, and when the contract may
be signed. Sealed tenders are an access rule (domain/access.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from domain import access
from domain.errors import RuleViolation, ValidationError
from domain.examples import example_tender, new_actor
from domain.procurement import events
from domain.procurement.contract import Award, Contract
from domain.procurement.lifecycle import State
from domain.procurement.tenders import EmploymentPlan, SmeStatus, Tender
from domain.values import Actor, Role
from tests.unit.builders import (
    AWARD_DECIDED,
    CONTRACT_END,
    CONTRACT_START,
    STANDSTILL_END,
    Given,
    award_to,
    case_in,
    check_refused,
    event_types,
    new_events,
)

# -- submitting ----------------------------------------------------------------------------

def test_a_supplier_submits_a_tender_while_tendering() -> None:
    given = case_in(State.TENDERING)
    supplier = given.parties.supplier
    given.case.submit_tender(supplier, example_tender(supplier, sme=True))
    (submitted,) = new_events(given.case)
    assert isinstance(submitted, events.TenderSubmitted)
    assert submitted.tender.revision == 1
    assert given.case.tenderer_ids == {supplier.organisation_id}
    assert given.case.tenders[str(supplier.organisation_id)].is_sme


def test_resubmission_replaces_the_tender_with_the_next_revision() -> None:
    given = case_in(State.TENDERING)
    supplier = given.parties.supplier
    given.case.submit_tender(supplier, example_tender(supplier, positions=2))
    given.case.collect_events()
    given.case.submit_tender(supplier, example_tender(supplier, positions=3))
    (resubmitted,) = new_events(given.case)
    assert isinstance(resubmitted, events.TenderSubmitted)
    assert resubmitted.tender.revision == 2
    assert len(given.case.tenders) == 1
    assert given.case.tenders[str(supplier.organisation_id)].plan.planned_positions == 3


def test_the_revision_is_counted_by_the_case_not_taken_from_the_supplier() -> None:
    given = case_in(State.TENDERING)
    supplier = given.parties.supplier
    base = example_tender(supplier)
    given.case.submit_tender(supplier, Tender(base.supplier_id, base.plan, base.sme,
                                              revision=7))
    (submitted,) = new_events(given.case)
    assert submitted.tender.revision == 1


def test_a_supplier_cannot_tender_in_another_suppliers_name() -> None:
    given = case_in(State.TENDERING)
    error = check_refused(given.case, RuleViolation, lambda: given.case.submit_tender(
        given.parties.supplier, example_tender(given.parties.other_supplier)))
    assert "own name" in error.rule


# -- award -------------------------------------------------------------------------------

def test_award_goes_only_to_a_tenderer() -> None:
    given = case_in(State.EVALUATION)
    outsider = new_actor(Role.SUPPLIER)
    error = check_refused(given.case, RuleViolation, lambda: given.case.award_contract(
        given.parties.authority, award_to(outsider.organisation_id)))
    assert "submitted a tender" in error.rule


def test_award_may_go_to_any_tenderer() -> None:
    given = case_in(State.EVALUATION)
    other = given.parties.other_supplier.organisation_id
    given.case.award_contract(given.parties.authority, award_to(other))
    assert event_types(given.case) == [events.Awarded]
    assert given.case.awarded_supplier_id == other


# -- signature ---------------------------------------------------------------------------

def test_contract_is_not_signed_before_the_standstill_ends() -> None:
    given = case_in(State.STANDSTILL)
    early = Contract(STANDSTILL_END - timedelta(days=1), CONTRACT_START, CONTRACT_END)
    error = check_refused(given.case, RuleViolation,
                    lambda: given.case.sign_contract(given.parties.authority, early))
    assert STANDSTILL_END.isoformat() in error.rule


def test_contract_is_signed_once_the_standstill_has_ended() -> None:
    given = case_in(State.STANDSTILL)
    signed = Contract(STANDSTILL_END + timedelta(days=1), CONTRACT_START, CONTRACT_END)
    given.case.sign_contract(given.parties.authority, signed)
    assert event_types(given.case) == [events.ContractSigned]


def test_standstill_end_cannot_precede_the_award_decision() -> None:
    with pytest.raises(ValidationError) as info:
        Award(uuid4(), AWARD_DECIDED, AWARD_DECIDED - timedelta(days=1))
    assert info.value.field == "standstill_end"


# -- sealed tenders (domain/access.py) -------------------------------------------------------

def _tendering_with_both_tenders() -> Given:
    given = case_in(State.TENDERING)
    for supplier in (given.parties.supplier, given.parties.other_supplier):
        given.case.submit_tender(supplier, example_tender(supplier))
    given.case.collect_events()
    return given


def _sees(actor: Actor, given: Given, tender: Tender, audited: frozenset[object] = frozenset(),
          ) -> bool:
    parts = access.parts_of(actor, given.case, audited)
    return access.may_see_tender(actor, parts, given.case, tender)


def _tender_of(given: Given, actor: Actor) -> Tender:
    return given.case.tenders[str(actor.organisation_id)]


def test_before_tendering_closes_only_the_tenderer_sees_its_tender() -> None:
    given = _tendering_with_both_tenders()
    tender = _tender_of(given, given.parties.supplier)
    assert _sees(given.parties.supplier, given, tender)
    assert not _sees(given.parties.authority, given, tender)
    assert not _sees(given.parties.other_supplier, given, tender)
    owner = given.case.owner_id
    assert not _sees(given.parties.auditor, given, tender, frozenset({owner}))


def test_after_tendering_closes_the_owner_sees_every_tender() -> None:
    given = _tendering_with_both_tenders()
    given.case.close_tendering(given.parties.authority)
    for supplier in (given.parties.supplier, given.parties.other_supplier):
        assert _sees(given.parties.authority, given, _tender_of(given, supplier))


@pytest.mark.parametrize("state", [State.TENDERING, State.EVALUATION, State.STANDSTILL,
                                   State.DELIVERY, State.CLOSED])
def test_a_competing_supplier_never_sees_another_tender(state: State) -> None:
    given = case_in(state)
    if state is State.TENDERING:
        given = _tendering_with_both_tenders()
    tender = _tender_of(given, given.parties.supplier)
    assert _sees(given.parties.supplier, given, tender)
    assert not _sees(given.parties.other_supplier, given, tender)


def test_another_authority_never_sees_the_tenders() -> None:
    given = case_in(State.EVALUATION)
    stranger = new_actor(Role.AUTHORITY)
    assert not _sees(stranger, given, _tender_of(given, given.parties.supplier))


def test_tenders_stay_sealed_when_the_case_is_cancelled_during_tendering() -> None:
    given = _tendering_with_both_tenders()
    given.case.cancel(given.parties.authority, "Behovet har upphört")
    tender = _tender_of(given, given.parties.supplier)
    assert not _sees(given.parties.authority, given, tender)
    assert _sees(given.parties.supplier, given, tender)


def test_tenders_opened_before_a_cancellation_stay_visible_to_the_owner() -> None:
    given = case_in(State.EVALUATION)
    given.case.cancel(given.parties.authority, "Inga godtagbara anbud")
    assert _sees(given.parties.authority, given, _tender_of(given, given.parties.supplier))


def test_the_sme_status_follows_the_eu_definition_on_the_tender() -> None:
    supplier = new_actor(Role.SUPPLIER)
    plan = EmploymentPlan("Egen anställning", 1, Decimal(12), 1)
    small = Tender(supplier.organisation_id, plan, SmeStatus(10, Decimal(2), Decimal(1)))
    large = Tender(supplier.organisation_id, plan, SmeStatus(300, Decimal(2), Decimal(1)))
    assert small.is_sme
    assert not large.is_sme
