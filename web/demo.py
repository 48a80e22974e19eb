"""Demo data: fictional organisations with one user each, and one procurement in every
lifecycle state.

The organisations and users are registered in the directory through the service's real
commands, as the operator's console does, and each user gets a fixed demo password, which
`procurement demo` prints and the README lists. They are for the demo only: anyone who
reads the README can sign in with them.

Every case is made by the real service commands (domain.examples.walk_to plus a few more
commands) acting as those users, so the demo passes every rule a real case does. Dates are
relative to the service's today, so the data looks current whenever it is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from domain.directory.user import OrgRole
from domain.examples import Parties, WalkedCase, example_tender, walk_to
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.reports import SupplierReport
from domain.procurement.setup import CaseSetup
from domain.service import ProcurementService
from domain.values import Actor, Role


@dataclass(frozen=True)
class DemoParty:
    """A demo organisation and its one user, who is also its organisation admin."""

    party: str  # what it plays in the demo, for the table of demo users
    name: str
    org_number: str
    role: Role
    user_name: str
    email: str
    password: str
    sme: bool = False

    def actor(self, service: ProcurementService) -> Actor:
        """The demo user as the service sees them, once the directory holds them."""
        user_id = service.user_id_for_email(self.email)
        actor = service.actor_for(user_id) if user_id else None
        if actor is None:
            raise LookupError(f"The demo user {self.email} is missing or deactivated")
        return actor


NORRVIK = DemoParty("Upphandlande myndighet", "Norrviks kommun", "212000-1314",
                    Role.AUTHORITY, "Anna Lindqvist", "anna.lindqvist@norrvik.example",
                    "demo-losenord-1")
SME_SUPPLIER = DemoParty("Leverantör (SME, tilldelad)", "Norrviks Service & Entreprenad AB",
                         "556903-4555", Role.SUPPLIER, "Omar Haddad",
                         "omar.haddad@norrviksservice.example", "demo-losenord-2", sme=True)
FACILITY_SUPPLIER = DemoParty("Leverantör (konkurrent)", "Nordisk Fastighetsservice AB",
                              "556712-3400", Role.SUPPLIER, "Karin Ek",
                              "karin.ek@nordiskfastighet.example", "demo-losenord-3")
BUILDING_SUPPLIER = DemoParty("Leverantör (konkurrent)", "Sverigebygg Entreprenad AB",
                              "556488-1208", Role.SUPPLIER, "Johan Nilsson",
                              "johan.nilsson@sverigebygg.example", "demo-losenord-4")
MATCHER = DemoParty("Matchningsansvarig", "Arbetsförmedlingen", "202100-2114", Role.MATCHER,
                    "Leila Svensson", "leila.svensson@arbetsformedlingen.example",
                    "demo-losenord-5")
SOCIAL_ENTERPRISE = DemoParty("Socialt företag", "Gröna Händer ekonomisk förening",
                              "769634-1028", Role.SOCIAL_ENTERPRISE, "Maja Holm",
                              "maja.holm@gronahander.example", "demo-losenord-6")
AUDITOR = DemoParty("Granskare", "Granskningsbyrån Norr AB", "556123-4567", Role.AUDITOR,
                    "Erik Sandberg", "erik.sandberg@granskningsbyran.example",
                    "demo-losenord-7")

PARTIES = (NORRVIK, SME_SUPPLIER, FACILITY_SUPPLIER, BUILDING_SUPPLIER, MATCHER,
           SOCIAL_ENTERPRISE, AUDITOR)


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
    competitor: DemoParty
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
    """Create the demo set in `service`; returns what was created, in lifecycle order. The
    organisations and users are registered once and reused by a second set."""
    actors = seed_directory(service)
    today = service.clock.today()
    created = []
    for case in CASES:
        walked = _create(service, actors, case, today)
        created.append(Created(case.state, case.reference, case.title, walked.procurement_id))
    return created


def seed_directory(service: ProcurementService) -> dict[DemoParty, Actor]:
    """Every demo organisation with its user (password set), and the auditor's grant from
    the authority; what exists already is left as it is."""
    actors = {party: _register(service, party) for party in PARTIES}
    authority, auditor = actors[NORRVIK].organisation_id, actors[AUDITOR].organisation_id
    if authority not in service.audited_authorities(auditor):
        service.console_grant_audit_access(authority, auditor)
    return actors


def _register(service: ProcurementService, party: DemoParty) -> Actor:
    if service.user_id_for_email(party.email) is None:
        organisation_id = service.register_organisation(None, party.name, party.org_number,
                                                        party.role)
        user_id, secret = service.invite_user(None, organisation_id, party.user_name,
                                              party.email, OrgRole.ORG_ADMIN)
        service.accept_invitation(user_id, secret, party.password)
    return party.actor(service)


def _create(service: ProcurementService, actors: dict[DemoParty, Actor], case: DemoCase,
            today: date) -> WalkedCase:
    start = add_months(today, case.contract_start_months)
    parties = Parties(authority=actors[NORRVIK], supplier=actors[SME_SUPPLIER],
                      other_supplier=actors[case.competitor], matcher=actors[MATCHER],
                      social_enterprise=actors[SOCIAL_ENTERPRISE], auditor=actors[AUDITOR])
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
        competitor = parties.other_supplier
        service.submit_tender(competitor, pid, example_tender(competitor, positions=3))
    if case.state is State.DELIVERY:
        _during_delivery(service, parties, walked, start, today)
    if case.state in (State.FOLLOW_UP, State.CLOSED):
        _after_exit(service, parties, walked, start, today)
    if case.state is State.CLOSED:
        outcome = service.compliance(parties.authority, pid).outcome
        service.close_procurement(parties.authority, pid, outcome,
                                  "Leverantören anställde en person i tolv månader; "
                                  "kravet på 24 heltidsmånader nåddes inte.")
    return walked


def _placement_start(contract_start: date, number: int) -> date:
    """When walk_to starts placement `number` (one month in, then every two weeks)."""
    return add_months(contract_start, 1) + timedelta(days=14 * number)


def _during_delivery(service: ProcurementService, parties: Parties, walked: WalkedCase,
                     contract_start: date, today: date) -> None:
    pid, supplier, matcher = walked.procurement_id, parties.supplier, parties.matcher
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
        service.verify_report(parties.authority, pid, report.report_id, "Godkänd.")
        period_start = period_end + timedelta(days=1)


def _after_exit(service: ProcurementService, parties: Parties, walked: WalkedCase,
                contract_start: date, today: date) -> None:
    pid, supplier, matcher = walked.procurement_id, parties.supplier, parties.matcher
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
