"""Demo data: fictional organisations and one procurement in every lifecycle state.

Stop-gap until the organisation register exists: the demo organisations live here, and
their ids are derived with uuid5 from the organisation number, so every process (the CLI
that seeds, the web app that shows names) computes the same ids without storing them. The
web pages look names up in `ORGANISATIONS`; an id not listed shows as an unknown
organisation.

Every case is made by the real service commands (domain.examples.walk_to plus a few more
commands), so the demo passes every rule a real case does. Dates are relative to the
service's today, so the data looks current whenever it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from domain.examples import Parties, WalkedCase, example_tender, walk_to
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.reports import SupplierReport
from domain.procurement.setup import CaseSetup
from domain.service import ProcurementService
from domain.values import Actor, Role

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sysselsattning:demo")


@dataclass(frozen=True)
class Organisation:
    name: str
    org_number: str
    role: Role
    sme: bool = False

    @property
    def id(self) -> UUID:
        return uuid5(_NAMESPACE, f"organisation:{self.org_number}")

    def actor(self) -> Actor:
        """The organisation's one demo user (also derived from the organisation number)."""
        return Actor(uuid5(_NAMESPACE, f"user:{self.org_number}"), self.id, self.role)


NORRVIK = Organisation("Norrviks kommun", "212000-1314", Role.AUTHORITY)
SME_SUPPLIER = Organisation("Norrviks Service & Entreprenad AB", "556903-4555",
                            Role.SUPPLIER, sme=True)
FACILITY_SUPPLIER = Organisation("Nordisk Fastighetsservice AB", "556712-3400", Role.SUPPLIER)
BUILDING_SUPPLIER = Organisation("Sverigebygg Entreprenad AB", "556488-1208", Role.SUPPLIER)
MATCHER = Organisation("Arbetsförmedlingen", "202100-2114", Role.MATCHER)
SOCIAL_ENTERPRISE = Organisation("Gröna Händer ekonomisk förening", "769634-1028",
                                 Role.SOCIAL_ENTERPRISE)

ORGANISATIONS: dict[UUID, Organisation] = {
    org.id: org for org in (NORRVIK, SME_SUPPLIER, FACILITY_SUPPLIER, BUILDING_SUPPLIER,
                            MATCHER, SOCIAL_ENTERPRISE)
}


def organisation_name(organisation_id: UUID) -> str | None:
    org = ORGANISATIONS.get(organisation_id)
    return org.name if org else None


@dataclass(frozen=True)
class DemoCase:
    """One case of the demo set: where it should end up, and what it is about."""

    state: State
    title: str
    reference: str
    cpv: str
    industry: str
    value_msek: int
    contract_start_months: int  # relative to today; negative is in the past
    competitor: Organisation
    placements: int = 1


# The SME is the winning tenderer wherever a contract is awarded: domain.examples.walk_to
# submits the winner's tender with SME figures, so the demo keeps its data truthful.
CASES = (
    DemoCase(State.DRAFT, "Måltidsförsörjning till förskolor och skolor", "BUN 2026/0412",
             "55524000-9", "Måltider", 38, 4, FACILITY_SUPPLIER),
    DemoCase(State.TENDERING, "Skötsel av parker och grönytor", "TN 2026/0187",
             "77310000-6", "Park och grönyta", 12, 3, FACILITY_SUPPLIER),
    DemoCase(State.EVALUATION, "Fönsterputs i kommunens lokaler", "KS 2026/0298",
             "90911300-9", "Lokalvård", 4, 1, FACILITY_SUPPLIER),
    DemoCase(State.STANDSTILL, "Ombyggnad av Strandskolans kök och matsal", "BUN 2026/0105",
             "45453000-7", "Bygg", 26, 1, BUILDING_SUPPLIER),
    DemoCase(State.DELIVERY, "Städtjänster för kommunens lokaler", "KS 2025/0117",
             "90910000-9", "Lokalvård", 15, -7, FACILITY_SUPPLIER, placements=3),
    DemoCase(State.FOLLOW_UP, "Fastighetsskötsel för kommunens verksamhetslokaler",
             "TN 2024/0342", "70330000-3", "Fastighetsskötsel", 21, -25, FACILITY_SUPPLIER,
             placements=2),
    DemoCase(State.CLOSED, "Snöröjning och halkbekämpning", "TN 2023/0451", "90620000-9",
             "Väghållning", 9, -36, BUILDING_SUPPLIER),
    DemoCase(State.CANCELLED, "Flyttjänster vid kontorsomflyttning", "KS 2026/0377",
             "98392000-7", "Flytt och logistik", 2, 3, BUILDING_SUPPLIER),
)


@dataclass(frozen=True)
class Created:
    state: State
    reference: str
    title: str
    procurement_id: UUID


def seed(service: ProcurementService) -> list[Created]:
    """Create the demo set in `service`; returns what was created, in lifecycle order."""
    today = service.clock.today()
    created = []
    for case in CASES:
        walked = _create(service, case, today)
        created.append(Created(case.state, case.reference, case.title, walked.procurement_id))
    return created


def _create(service: ProcurementService, case: DemoCase, today: date) -> WalkedCase:
    start = add_months(today, case.contract_start_months)
    parties = Parties(authority=NORRVIK.actor(), supplier=SME_SUPPLIER.actor(),
                      other_supplier=case.competitor.actor(), matcher=MATCHER.actor(),
                      social_enterprise=SOCIAL_ENTERPRISE.actor())
    setup = CaseSetup(title=case.title, reference=case.reference, cpv_codes=(case.cpv,),
                      estimated_value_sek=Decimal(case.value_msek) * 1_000_000,
                      contract_start=start,
                      contract_end=add_months(start, 24) - timedelta(days=1),
                      industry=case.industry)
    # A closed case is walked to follow-up, given its follow-up data, then closed here.
    target = State.FOLLOW_UP if case.state is State.CLOSED else case.state
    walked = walk_to(service, parties, target, setup=setup, placements=case.placements,
                     contract_start=start)
    pid = walked.procurement_id
    if case.state is State.TENDERING:
        competitor = case.competitor.actor()
        service.submit_tender(competitor, pid, example_tender(competitor, positions=3))
    if case.state is State.DELIVERY:
        _during_delivery(service, walked, start, today)
    if case.state in (State.FOLLOW_UP, State.CLOSED):
        _after_exit(service, walked, start, today)
    if case.state is State.CLOSED:
        outcome = service.compliance(NORRVIK.actor(), pid).outcome
        service.close_procurement(NORRVIK.actor(), pid, outcome,
                                  "Leverantören anställde en person i tolv månader; "
                                  "kravet på 24 heltidsmånader nåddes inte.")
    return walked


def _placement_start(contract_start: date, number: int) -> date:
    """When walk_to starts placement `number` (one month in, then every two weeks)."""
    return add_months(contract_start, 1) + timedelta(days=14 * number)


def _during_delivery(service: ProcurementService, walked: WalkedCase, contract_start: date,
                     today: date) -> None:
    pid, supplier, matcher = walked.procurement_id, SME_SUPPLIER.actor(), MATCHER.actor()
    for number, placement_id in enumerate(walked.placement_ids):
        placed = _placement_start(contract_start, number)
        months = 3
        while (observed := add_months(placed, months)) <= today:
            key = f"during_{months}"
            service.record_checkpoint(supplier, pid, placement_id, key, observed,
                                      {"hours_per_week": 40, "employment_form": "fixed_term",
                                       "training_completed": months >= 6})
            service.record_checkpoint(matcher, pid, placement_id, key, observed,
                                      {"employment_status": "same_employer",
                                       "other_interventions": "SFI, kvällskurs"})
            months += 3
    period_start = contract_start
    while (period_end := add_months(period_start, 3) - timedelta(days=1)) < today:
        report = SupplierReport(uuid4(), period_start, period_end,
                                "Kvartalsrapport: alla anställda har handledare och "
                                "introduktionsutbildning enligt plan.")
        service.submit_report(supplier, pid, report)
        service.verify_report(NORRVIK.actor(), pid, report.report_id, "Godkänd.")
        period_start = period_end + timedelta(days=1)


def _after_exit(service: ProcurementService, walked: WalkedCase, contract_start: date,
                today: date) -> None:
    pid, supplier, matcher = walked.procurement_id, SME_SUPPLIER.actor(), MATCHER.actor()
    outcomes = ("same_employer", "other_employer", "studies", "same_employer")
    for number, placement_id in enumerate(walked.placement_ids):
        exit_on = add_months(_placement_start(contract_start, number), 12) - timedelta(days=1)
        service.record_checkpoint(supplier, pid, placement_id, "exit", exit_on,
                                  {"hours_per_week": 40, "employment_form": "fixed_term",
                                   "training_completed": True})
        for step, months in enumerate((3, 6, 12, 24)):
            observed = add_months(exit_on, months)
            if observed > today:
                break
            status = outcomes[(number + step) % len(outcomes)]
            service.record_checkpoint(matcher, pid, placement_id, f"after_exit_{months}",
                                      observed, {"employment_status": status,
                                                 "wage_subsidy": status == "same_employer"})
