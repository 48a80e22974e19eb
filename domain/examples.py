"""Realistic example values and a walk of one case through its lifecycle.

Used by the demo data (`procurement demo`) and by the tests, so both exercise the same
path a real case takes. Every value goes through the same value objects and commands as
real input; nothing here bypasses a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import add_months, default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, Position
from domain.procurement.placements import PlacementTerms
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import EmploymentPlan, SmeStatus, Tender
from domain.service import ProcurementService
from domain.values import Actor, PositionType, RequirementLevel, Role, TargetGroup


def new_actor(role: Role, organisation_id: UUID | None = None) -> Actor:
    return Actor(uuid4(), organisation_id or uuid4(), role)


def example_setup(title: str = "Städtjänster för kommunens lokaler",
                  reference: str = "KS 2026/0117") -> CaseSetup:
    return CaseSetup(title=title, reference=reference, cpv_codes=("90910000-9",),
                     estimated_value_sek=Decimal("14500000"), contract_start=date(2026, 4, 1),
                     contract_end=date(2028, 3, 31), industry="Lokalvård")


def example_requirement(months: Decimal = Decimal(24)) -> EmploymentRequirement:
    return EmploymentRequirement(
        level=RequirementLevel.REQUIREMENT,
        target_groups=(TargetGroup.LONG_TERM_UNEMPLOYED, TargetGroup.YOUNG,
                       TargetGroup.FOREIGN_BORN),
        minimum_full_time_months=months,
        sme_considerations="Kravet kan uppfyllas tillsammans med ett arbetsintegrerande "
                           "socialt företag.")


def example_tender(supplier: Actor, *, sme: bool = False, positions: int = 2) -> Tender:
    size = SmeStatus(35, Decimal(6), Decimal(4)) if sme else SmeStatus(
        900, Decimal(120), Decimal(80))
    plan = EmploymentPlan(alternative="Egen visstidsanställning med handledare",
                          planned_positions=positions,
                          planned_full_time_months=Decimal(12 * positions),
                          supervision_capacity=positions,
                          description="Varje anställd får en namngiven handledare.")
    return Tender(supplier.organisation_id, plan, size)


def example_position(start: date, months: int = 12) -> Position:
    return Position(uuid4(), PositionType.FIXED_TERM_EMPLOYMENT, Decimal(1), start, months,
                    supervisor="Lena Berg", training="Lokalvårdsutbildning, 5 dagar",
                    title="Lokalvårdare")


def example_terms(start: date, months: int = 12, percent: int = 100) -> PlacementTerms:
    return PlacementTerms(PositionType.FIXED_TERM_EMPLOYMENT, start,
                          add_months(start, months) - timedelta(days=1), Decimal(percent),
                          collective_agreement=True, supervisor="Lena Berg",
                          insurance_confirmed=True, training_plan="Introduktion och "
                          "lokalvårdsutbildning", wage_subsidy=False)


@dataclass
class Parties:
    """One organisation (and one user) of each party type, as in a real case."""

    authority: Actor = field(default_factory=lambda: new_actor(Role.AUTHORITY))
    supplier: Actor = field(default_factory=lambda: new_actor(Role.SUPPLIER))
    other_supplier: Actor = field(default_factory=lambda: new_actor(Role.SUPPLIER))
    matcher: Actor = field(default_factory=lambda: new_actor(Role.MATCHER))
    social_enterprise: Actor = field(default_factory=lambda: new_actor(Role.SOCIAL_ENTERPRISE))
    auditor: Actor = field(default_factory=lambda: new_actor(Role.AUDITOR))


@dataclass
class WalkedCase:
    procurement_id: UUID
    position_ids: list[UUID] = field(default_factory=list)
    candidate_ids: list[UUID] = field(default_factory=list)
    placement_ids: list[UUID] = field(default_factory=list)


ORDER = (State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL, State.DELIVERY,
         State.FOLLOW_UP, State.CLOSED)


def walk_to(service: ProcurementService, parties: Parties, target: State, *,
            setup: CaseSetup | None = None, placements: int = 1,
            contract_start: date | None = None) -> WalkedCase:
    """Create a case and run the real commands that bring it to `target`. By default the
    contract started 26 months before the service's today, so every fact of a two-year
    contract with one-year placements lies in the past."""
    if contract_start is None:
        contract_start = add_months(service.clock.today(), -26)
    a, s = parties.authority, parties.supplier
    pid = service.create_procurement(a, setup or example_setup())
    walked = WalkedCase(pid)
    service.set_requirement(a, pid, example_requirement())
    service.set_follow_up_plan(a, pid, default_plan())
    service.add_dialogue_note(a, pid, DialogueNote(
        Counterpart.UNION, "Fastighetsanställdas Förbund", contract_start - timedelta(days=120),
        "Facket ser gärna visstidsanställningar med kollektivavtal och handledning."))
    if target is State.CANCELLED:
        service.cancel(a, pid, "Upphandlingen avbryts: behovet har upphört")
        return walked
    if _reached(target, State.DRAFT):
        return walked
    service.publish(a, pid, contract_start - timedelta(days=60))
    if _reached(target, State.TENDERING):
        return walked
    service.submit_tender(s, pid, example_tender(s, sme=True))
    service.submit_tender(parties.other_supplier, pid, example_tender(parties.other_supplier))
    service.close_tendering(a, pid)
    if _reached(target, State.EVALUATION):
        return walked
    decided = contract_start - timedelta(days=30)
    service.award_contract(a, pid, Award(s.organisation_id, decided, decided + timedelta(days=10)))
    if _reached(target, State.STANDSTILL):
        return walked
    service.sign_contract(a, pid, Contract(decided + timedelta(days=11), contract_start,
                                           add_months(contract_start, 24) - timedelta(days=1)))
    service.hold_kick_off(a, pid, KickOff(contract_start, ("Kommunen", "Leverantören",
                                                           "Arbetsförmedlingen")))
    service.appoint_matcher(a, pid, parties.matcher.organisation_id)
    service.invite_partner(a, pid, parties.social_enterprise.organisation_id)
    first_start = add_months(contract_start, 1)
    for number in range(placements):
        start = first_start + timedelta(days=14 * number)
        position = example_position(start)
        service.offer_position(s, pid, position)
        candidate = Candidate(uuid4(), position.position_id, f"P-{number + 1:04d}",
                              TargetGroup.LONG_TERM_UNEMPLOYED, eligibility_attested=True)
        service.propose_candidate(parties.matcher, pid, candidate)
        service.accept_candidate(s, pid, candidate.candidate_id)
        placement_id = uuid4()
        service.start_placement(s, pid, placement_id, candidate.candidate_id,
                                example_terms(start))
        service.record_checkpoint(parties.matcher, pid, placement_id, "start", start,
                                  {"employment_status": "same_employer"})
        walked.position_ids.append(position.position_id)
        walked.candidate_ids.append(candidate.candidate_id)
        walked.placement_ids.append(placement_id)
    if _reached(target, State.DELIVERY):
        return walked
    for number, placement_id in enumerate(walked.placement_ids):
        start = first_start + timedelta(days=14 * number)
        service.end_placement(s, pid, placement_id, add_months(start, 12) - timedelta(days=1))
    service.end_contract(a, pid, add_months(contract_start, 24) - timedelta(days=1))
    if _reached(target, State.FOLLOW_UP):
        return walked
    outcome = service.compliance(a, pid).outcome
    service.close_procurement(a, pid, outcome,
                              "" if outcome is ComplianceOutcome.MET else "Beslutat enligt utfall")
    return walked


def _reached(target: State, step: State) -> bool:
    return target is step


def place_person(service: ProcurementService, parties: Parties, reference: str,
                 group: TargetGroup, start: date) -> WalkedCase:
    """A case in delivery at `parties.supplier` in which the person with this participant
    reference (of the given target group) is proposed, accepted and placed from `start`."""
    walked = walk_to(service, parties, State.DELIVERY, placements=0)
    pid = walked.procurement_id
    position = example_position(start)
    service.offer_position(parties.supplier, pid, position)
    candidate = Candidate(uuid4(), position.position_id, reference, group,
                          eligibility_attested=True)
    service.propose_candidate(parties.matcher, pid, candidate)
    service.accept_candidate(parties.supplier, pid, candidate.candidate_id)
    placement_id = uuid4()
    service.start_placement(parties.supplier, pid, placement_id, candidate.candidate_id,
                            example_terms(start))
    return WalkedCase(pid, [position.position_id], [candidate.candidate_id], [placement_id])
