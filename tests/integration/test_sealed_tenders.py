"""Sealed tenders through the service: before tendering closes no one but each tenderer
sees a tender, not even who tendered or how many; after, the owner and auditors do; a
competing supplier never does."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.errors import ProcurementNotFound
from domain.examples import Parties, example_tender, new_actor, walk_to
from domain.procurement.lifecycle import State
from domain.values import Role
from domain.views import HistoryEntry
from tests.integration.conftest import ServiceFactory
from tests.integration.test_service import grants


def _tender_submitters(entries: list[HistoryEntry]) -> list[UUID]:
    return [e.actor.organisation_id for e in entries if e.event_type == "TenderSubmitted"]


def test_while_tendering_the_owner_sees_no_tender_no_tenderer_and_no_count(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env, audit_grants=grants(parties))
    case_id = walk_to(service, parties, State.TENDERING).procurement_id
    service.submit_tender(parties.supplier, case_id, example_tender(parties.supplier))
    service.submit_tender(parties.other_supplier, case_id,
                          example_tender(parties.other_supplier))
    for reader in (parties.authority, parties.auditor):
        view = service.get_case(reader, case_id)
        assert view.tenders == ()
        assert view.tender_count is None
        assert _tender_submitters(service.history(reader, case_id)) == []
    own = service.get_case(parties.supplier, case_id)
    assert [t.supplier_id for t in own.tenders] == [parties.supplier.organisation_id]
    assert own.tender_count is None


def test_after_tendering_closes_the_owner_sees_every_tender_and_a_competitor_only_its_own(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env, audit_grants=grants(parties))
    case_id = walk_to(service, parties, State.EVALUATION).procurement_id
    both = {parties.supplier.organisation_id, parties.other_supplier.organisation_id}
    for reader in (parties.authority, parties.auditor):
        view = service.get_case(reader, case_id)
        assert {t.supplier_id for t in view.tenders} == both
        assert view.tender_count == 2
        assert set(_tender_submitters(service.history(reader, case_id))) == both
    competitor = service.get_case(parties.other_supplier, case_id)
    assert [t.supplier_id for t in competitor.tenders] == [
        parties.other_supplier.organisation_id]


def test_after_award_a_competing_supplier_still_never_sees_the_winning_tender(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    case_id = walk_to(service, parties, State.DELIVERY).procurement_id
    loser = service.get_case(parties.other_supplier, case_id)
    assert parties.supplier.organisation_id not in {t.supplier_id for t in loser.tenders}
    assert loser.positions == () and loser.candidates == ()


def test_a_case_cancelled_while_tendering_keeps_its_tenders_sealed(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    case_id = walk_to(service, parties, State.TENDERING).procurement_id
    service.submit_tender(parties.supplier, case_id, example_tender(parties.supplier))
    service.cancel(parties.authority, case_id, "Behovet har upphört")
    view = service.get_case(parties.authority, case_id)
    assert view.tenders == () and view.tender_count is None
    assert _tender_submitters(service.history(parties.authority, case_id)) == []


def test_a_supplier_that_did_not_tender_loses_sight_of_the_case_when_tendering_closes(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    bystander = new_actor(Role.SUPPLIER)
    case_id = walk_to(service, parties, State.TENDERING).procurement_id
    assert service.get_case(bystander, case_id).tenders == ()
    service.close_tendering(parties.authority, case_id)
    with pytest.raises(ProcurementNotFound):
        service.get_case(bystander, case_id)
