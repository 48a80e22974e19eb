"""What each party reads of a case beyond tenders: the matcher and partners, the reason
for a cancellation and the authority's compliance decision."""

from __future__ import annotations

from domain.examples import Parties, walk_to
from domain.procurement.lifecycle import State
from tests.integration.conftest import ServiceFactory


def test_those_who_work_on_the_delivery_see_the_matcher_and_partners_and_a_loser_does_not(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    case_id = walk_to(service, parties, State.DELIVERY).procurement_id
    for reader in (parties.authority, parties.supplier, parties.matcher,
                   parties.social_enterprise):
        view = service.get_case(reader, case_id)
        assert view.matcher_id == parties.matcher.organisation_id
        assert view.partner_ids == (parties.social_enterprise.organisation_id,)
    loser = service.get_case(parties.other_supplier, case_id)
    assert loser.matcher_id is None and loser.partner_ids == ()


def test_the_compliance_decision_is_read_with_the_compliance_and_not_by_a_partner(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    case_id = walk_to(service, parties, State.CLOSED).procurement_id
    decided = service.get_case(parties.authority, case_id)
    assert decided.compliance is not None
    assert decided.compliance_decision is decided.compliance.outcome
    assert service.get_case(parties.social_enterprise, case_id).compliance_decision is None


def test_everyone_who_sees_a_cancelled_case_reads_why(
        store_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(store_env)
    case_id = walk_to(service, parties, State.CANCELLED).procurement_id
    view = service.get_case(parties.authority, case_id)
    assert view.cancellation_reason == "Upphandlingen avbryts: behovet har upphört"
