"""The application service through its actors, on the in-memory store, SQLite and PostgreSQL.

Every test in TestProcurementService runs once per store (the `store_env` fixture). Cases
are brought to a state by `walk_to`, which runs the same commands a real case takes.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import cast
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    AccessDenied,
    DomainError,
    InvalidState,
    ProcurementNotFound,
    ValidationError,
)
from domain.examples import (
    Parties,
    WalkedCase,
    example_position,
    example_requirement,
    example_setup,
    example_terms,
    new_actor,
    walk_to,
)
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.events import ProcurementEvent
from domain.procurement.followup_plan import default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, Preparation
from domain.procurement.reports import SupplierReport
from domain.procurement.tenders import EmploymentPlan, SmeStatus, Tender
from domain.service import ProcurementService
from domain.values import Actor, Role, TargetGroup

ServiceFactory = Callable[..., ProcurementService]
Call = Callable[[ProcurementService, Actor, UUID, WalkedCase], object]

LAST_EVENT = {
    State.DRAFT: "DialogueNoteAdded",
    State.TENDERING: "Published",
    State.EVALUATION: "TenderingClosed",
    State.STANDSTILL: "Awarded",
    State.DELIVERY: "CheckpointRecorded",
    State.FOLLOW_UP: "ContractEnded",
    State.CLOSED: "Closed",
    State.CANCELLED: "Cancelled",
}


def grants(parties: Parties) -> Callable[[UUID], Set[UUID]]:
    """The auditor of `parties` may read the authority's procurements; nobody else may."""
    def audited(organisation_id: UUID) -> Set[UUID]:
        if organisation_id == parties.auditor.organisation_id:
            return frozenset({parties.authority.organisation_id})
        return frozenset()
    return audited


def stored(service: ProcurementService, procurement_id: UUID) -> tuple[int, int | None]:
    """How many events the case has, and the last notification id of the whole store."""
    return len(list(service.events.get(procurement_id))), service.recorder.max_notification_id()


def refused(service: ProcurementService, procurement_id: UUID,
            attempt: Callable[[], object]) -> DomainError:
    """Runs a command that must be refused; checks that nothing was written."""
    before = stored(service, procurement_id)
    with pytest.raises(DomainError) as info:
        attempt()
    assert stored(service, procurement_id) == before, "a refused command wrote an event"
    return info.value


def a_day(service: ProcurementService, days_ago: int = 30) -> date:
    return service.clock.today() - timedelta(days=days_ago)


def _first(ids: list[UUID]) -> UUID:
    """The walk's first position, candidate or placement; any id where there is none yet."""
    return ids[0] if ids else uuid4()


# Commands and queries with valid arguments, so only the actor (or the state) can refuse them.
CALLS: dict[str, Call] = {
    "get_case": lambda s, a, p, w: s.get_case(a, p),
    "history": lambda s, a, p, w: s.history(a, p),
    "compliance": lambda s, a, p, w: s.compliance(a, p),
    "revise_setup": lambda s, a, p, w: s.revise_setup(a, p, example_setup("Ny titel")),
    "set_requirement": lambda s, a, p, w: s.set_requirement(a, p, example_requirement()),
    "set_follow_up_plan": lambda s, a, p, w: s.set_follow_up_plan(a, p, default_plan()),
    "amend_follow_up_plan": lambda s, a, p, w: s.amend_follow_up_plan(
        a, p, default_plan(), "Facket bad om fler uppföljningspunkter"),
    "add_dialogue_note": lambda s, a, p, w: s.add_dialogue_note(a, p, DialogueNote(
        Counterpart.NON_PROFIT, "Stadsmissionen", a_day(s), "Vill bidra med handledning")),
    "publish": lambda s, a, p, w: s.publish(a, p, a_day(s, -30)),
    "submit_tender": lambda s, a, p, w: s.submit_tender(a, p, Tender(
        a.organisation_id, EmploymentPlan("Visstidsanställning", 1, Decimal(12), 1),
        SmeStatus(10, Decimal(1), Decimal(1)))),
    "close_tendering": lambda s, a, p, w: s.close_tendering(a, p),
    "award_contract": lambda s, a, p, w: s.award_contract(a, p, Award(
        a.organisation_id, a_day(s, 40), a_day(s, 30))),
    "sign_contract": lambda s, a, p, w: s.sign_contract(a, p, Contract(
        a_day(s, 20), a_day(s, 10), a_day(s, -700))),
    "hold_kick_off": lambda s, a, p, w: s.hold_kick_off(a, p, KickOff(a_day(s), ("Kommunen",))),
    "appoint_matcher": lambda s, a, p, w: s.appoint_matcher(a, p, uuid4()),
    "invite_partner": lambda s, a, p, w: s.invite_partner(a, p, uuid4()),
    "offer_position": lambda s, a, p, w: s.offer_position(a, p, example_position(a_day(s))),
    "propose_candidate": lambda s, a, p, w: s.propose_candidate(a, p, Candidate(
        uuid4(), _first(w.position_ids), "P-0999", TargetGroup.YOUNG, eligibility_attested=True)),
    "accept_candidate": lambda s, a, p, w: s.accept_candidate(a, p, _first(w.candidate_ids)),
    "decline_candidate": lambda s, a, p, w: s.decline_candidate(
        a, p, _first(w.candidate_ids), "Passar inte tjänsten"),
    "record_preparation": lambda s, a, p, w: s.record_preparation(
        a, p, _first(w.candidate_ids), Preparation(a.organisation_id, "Arbetsträning", a_day(s))),
    "start_placement": lambda s, a, p, w: s.start_placement(
        a, p, uuid4(), _first(w.candidate_ids), example_terms(a_day(s))),
    "end_placement": lambda s, a, p, w: s.end_placement(
        a, p, _first(w.placement_ids), a_day(s, 1), "Fick annat arbete"),
    "record_checkpoint": lambda s, a, p, w: s.record_checkpoint(
        a, p, _first(w.placement_ids), "during_3", a_day(s),
        {"employment_status": "same_employer"}),
    "submit_report": lambda s, a, p, w: s.submit_report(a, p, SupplierReport(
        uuid4(), a_day(s, 90), a_day(s), "Två personer anställda")),
    "verify_report": lambda s, a, p, w: s.verify_report(a, p, uuid4()),
    "note_deviation": lambda s, a, p, w: s.note_deviation(a, p, Deviation(
        uuid4(), "Handledare saknas", a.role)),
    "decide_deviation": lambda s, a, p, w: s.decide_deviation(a, p, uuid4(), DeviationDecision(
        DecisionKind.WAIVER, "Åtgärdat")),
    "end_contract": lambda s, a, p, w: s.end_contract(a, p, a_day(s, 1)),
    "close_procurement": lambda s, a, p, w: s.close_procurement(
        a, p, ComplianceOutcome.NOT_MET, "Inga placeringar"),
    "cancel": lambda s, a, p, w: s.cancel(a, p, "Behovet har upphört"),
}


@dataclass
class Outsider:
    """An actor whose organisation has no part in the case."""

    name: str
    actor: Callable[[Parties], Actor]


OUTSIDERS = [
    Outsider("admin", lambda p: new_actor(Role.ADMIN)),
    Outsider("another authority", lambda p: new_actor(Role.AUTHORITY)),
    Outsider("a supplier that did not tender", lambda p: new_actor(Role.SUPPLIER)),
    Outsider("a matcher not appointed", lambda p: new_actor(Role.MATCHER)),
    Outsider("a social enterprise not invited", lambda p: new_actor(Role.SOCIAL_ENTERPRISE)),
    Outsider("an auditor without a grant", lambda p: new_actor(Role.AUDITOR)),
    # The owner's organisation id, but acting as another party type: no part either.
    Outsider("the owner's organisation as a supplier",
             lambda p: Actor(uuid4(), p.authority.organisation_id, Role.SUPPLIER)),
]

# Who is allowed to see the case, by the name of the attribute in Parties.
PARTY_NAMES = ("authority", "supplier", "other_supplier", "matcher", "social_enterprise",
               "auditor")


class TestProcurementService:
    @pytest.fixture
    def env(self, store_env: dict[str, str]) -> dict[str, str]:
        return store_env

    @pytest.fixture
    def service(self, env: dict[str, str], open_service: ServiceFactory,
                parties: Parties) -> ProcurementService:
        return open_service(env, audit_grants=grants(parties))

    def reopened(self, env: dict[str, str], open_service: ServiceFactory,
                 parties: Parties, service: ProcurementService) -> ProcurementService:
        """A new service on the same store; the in-memory store has only the one."""
        if env["PERSISTENCE_MODULE"] == "eventsourcing.popo":
            return service
        return open_service(env, audit_grants=grants(parties))

    # -- the lifecycle, read back ----------------------------------------------------------

    @pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
    def test_a_case_walked_to_each_state_reads_back_the_same_in_a_new_service(
            self, state: State, env: dict[str, str], service: ProcurementService,
            open_service: ServiceFactory, parties: Parties) -> None:
        pid = walk_to(service, parties, state).procurement_id
        owner = parties.authority
        view = service.get_case(owner, pid)
        history = service.history(owner, pid)
        assert view.state is state
        assert [entry.version for entry in history] == list(range(1, view.version + 1))
        assert history[0].event_type == "Created"
        assert history[-1].event_type == LAST_EVENT[state]

        reader = self.reopened(env, open_service, parties, service)
        assert reader.get_case(owner, pid) == view
        assert reader.history(owner, pid) == history
        case, _ = service.inspect(pid)
        again, _ = reader.inspect(pid)
        assert vars(again) == vars(case)
        assert reader.all_case_ids() == [pid]
        # Every party sees in the new service exactly what it saw in the first one.
        for name in PARTY_NAMES:
            actor = getattr(parties, name)
            assert _outcome(reader, actor, pid) == _outcome(service, actor, pid), name

    def test_the_acting_user_is_recorded_on_every_event(
            self, service: ProcurementService, parties: Parties) -> None:
        colleague = Actor(uuid4(), parties.authority.organisation_id, Role.AUTHORITY)
        pid = walk_to(service, parties, State.DELIVERY, placements=2).procurement_id
        service.add_dialogue_note(colleague, pid, DialogueNote(
            Counterpart.UNION, "Kommunal", a_day(service), "Uppföljningsmöte med facket"))

        history = service.history(parties.authority, pid)
        by_supplier = {"PositionOffered", "CandidateAccepted", "PlacementStarted"}
        by_matcher = {"CandidateProposed", "CheckpointRecorded"}
        for entry in history[:-1]:
            if entry.event_type in by_supplier:
                assert entry.actor == parties.supplier, entry
            elif entry.event_type in by_matcher:
                assert entry.actor == parties.matcher, entry
            elif entry.event_type == "TenderSubmitted":
                continue  # each tenderer in its own name, checked below
            else:
                assert entry.actor == parties.authority, entry
        assert [e.actor for e in history if e.event_type == "TenderSubmitted"] == [
            parties.supplier, parties.other_supplier]
        assert history[-1].event_type == "DialogueNoteAdded"
        assert history[-1].actor == colleague
        assert history[-1].actor.user_id != parties.authority.user_id
        assert {e.event_type for e in history} >= by_supplier | by_matcher
        # The history is the stored events, one entry each, with the actor stored on it.
        stored_actors = [cast(ProcurementEvent, e).actor for e in service.events.get(pid)]
        assert stored_actors == [e.actor for e in history]

    # -- who may do what ---------------------------------------------------------------------

    @pytest.mark.parametrize("state", [State.DRAFT, State.TENDERING, State.DELIVERY],
                             ids=lambda s: s.value)
    def test_an_outsider_is_answered_exactly_as_for_an_unknown_procurement(
            self, state: State, service: ProcurementService, parties: Parties) -> None:
        walked = walk_to(service, parties, state)
        pid = walked.procurement_id
        before = stored(service, pid)
        checked = 0
        for outsider in OUTSIDERS:
            actor = outsider.actor(parties)
            if state is State.TENDERING and actor.role is Role.SUPPLIER:
                continue  # while tendering is open any supplier may read and tender
            for name, call in CALLS.items():
                unknown = uuid4()
                with pytest.raises(DomainError) as info:
                    call(service, actor, pid, walked)
                seen = info.value
                with pytest.raises(DomainError) as info:
                    call(service, actor, unknown, walked)
                hidden = info.value
                where = f"{outsider.name}: {name}"
                assert type(seen) is ProcurementNotFound, where
                assert type(hidden) is ProcurementNotFound, where
                assert seen.procurement_id == pid and hidden.procurement_id == unknown
                assert str(seen).replace(str(pid), "<id>") == str(hidden).replace(
                    str(unknown), "<id>"), where
                assert seen.code == hidden.code and vars(seen).keys() == vars(hidden).keys()
                checked += 1
        assert checked >= len(CALLS) * 5
        assert stored(service, pid) == before, "a refused command wrote an event"

    @pytest.mark.parametrize(("party", "commands"), [
        ("supplier", ["cancel", "close_procurement", "appoint_matcher", "propose_candidate",
                      "verify_report", "decide_deviation", "end_contract", "history",
                      "add_dialogue_note"]),
        ("other_supplier", ["offer_position", "accept_candidate", "submit_report",
                            "note_deviation", "history", "compliance"]),
        ("matcher", ["offer_position", "accept_candidate", "decline_candidate",
                     "start_placement", "submit_report", "end_contract", "history"]),
        ("social_enterprise", ["accept_candidate", "offer_position", "propose_candidate",
                               "note_deviation", "submit_report", "compliance", "history"]),
        ("authority", ["propose_candidate", "accept_candidate", "record_preparation",
                       "start_placement", "offer_position", "record_checkpoint",
                       "submit_report"]),
        ("auditor", ["add_dialogue_note", "cancel", "close_procurement", "verify_report",
                     "note_deviation", "record_checkpoint"]),
    ])
    def test_a_party_without_the_right_part_is_denied(
            self, party: str, commands: list[str], service: ProcurementService,
            parties: Parties) -> None:
        walked = walk_to(service, parties, State.DELIVERY)
        pid = walked.procurement_id
        actor = getattr(parties, party)
        assert service.get_case(actor, pid).procurement_id == pid  # it has a part
        for name in commands:
            error = refused(service, pid, partial(CALLS[name], service, actor, pid, walked))
            assert isinstance(error, AccessDenied), f"{party}: {name} gave {error!r}"
            assert error.command == name.replace("close_procurement", "close").replace(
                "history", "view_history").replace("compliance", "view_compliance")

    @pytest.mark.parametrize(("state", "party", "commands"), [
        (State.DRAFT, "authority", ["close_tendering", "award_contract", "sign_contract",
                                    "end_contract", "close_procurement",
                                    "amend_follow_up_plan"]),
        (State.TENDERING, "authority", ["publish", "set_requirement", "revise_setup",
                                        "award_contract"]),
        (State.EVALUATION, "supplier", ["submit_tender"]),
        (State.STANDSTILL, "authority", ["award_contract", "close_tendering",
                                         "amend_follow_up_plan", "end_contract"]),
        (State.DELIVERY, "authority", ["cancel", "set_follow_up_plan", "close_procurement",
                                       "publish"]),
        (State.FOLLOW_UP, "supplier", ["offer_position", "end_placement",
                                       "accept_candidate"]),
        (State.CLOSED, "authority", ["add_dialogue_note", "amend_follow_up_plan",
                                     "close_procurement", "end_contract"]),
        (State.CLOSED, "matcher", ["record_checkpoint"]),
        (State.CANCELLED, "authority", ["publish", "cancel", "add_dialogue_note"]),
    ], ids=lambda v: v.value if isinstance(v, State) else None)
    def test_a_command_in_the_wrong_state_is_refused(
            self, state: State, party: str, commands: list[str],
            service: ProcurementService, parties: Parties) -> None:
        walked = walk_to(service, parties, state)
        pid = walked.procurement_id
        actor = getattr(parties, party)
        for name in commands:
            error = refused(service, pid, partial(CALLS[name], service, actor, pid, walked))
            assert isinstance(error, InvalidState), f"{name} in {state.value} gave {error!r}"
            assert error.state == state.value
            assert f"'{state.value}'" in str(error)
        assert service.get_case(parties.authority, pid).state is state

    def test_validation_errors_name_the_field(
            self, service: ProcurementService, parties: Parties) -> None:
        draft = walk_to(service, parties, State.DRAFT).procurement_id
        error = refused(service, draft, lambda: service.publish(
            parties.authority, draft, "31/12/2027"))  # type: ignore[arg-type]
        assert isinstance(error, ValidationError)
        assert error.field == "tender_deadline" and "tender_deadline" in str(error)

        walked = walk_to(service, parties, State.DELIVERY)
        pid = walked.procurement_id
        a, s, m = parties.authority, parties.supplier, parties.matcher
        placement, candidate = walked.placement_ids[0], walked.candidate_ids[0]
        tomorrow = service.clock.today() + timedelta(days=1)
        fresh_position = example_position(a_day(service, 60))
        service.offer_position(s, pid, fresh_position)
        proposed = Candidate(uuid4(), fresh_position.position_id, "P-0555",
                             TargetGroup.YOUNG, eligibility_attested=True)
        service.propose_candidate(m, pid, proposed)
        cases: list[tuple[str, Callable[[], object]]] = [
            ("ended_on", lambda: service.end_placement(s, pid, placement, tomorrow, "x")),
            ("reason", lambda: service.decline_candidate(s, pid, proposed.candidate_id, "  ")),
            ("checkpoint", lambda: service.record_checkpoint(
                m, pid, placement, "monthly", a_day(service), {"employment_status": "unknown"})),
            ("values.employment_status", lambda: service.record_checkpoint(
                m, pid, placement, "during_3", a_day(service), {"employment_status": "retired"})),
            ("values.hours_per_week", lambda: service.record_checkpoint(
                m, pid, placement, "during_3", a_day(service), {"hours_per_week": 40})),
            ("observed_on", lambda: service.record_checkpoint(
                m, pid, placement, "during_3", tomorrow, {"employment_status": "unknown"})),
            ("candidate_id", lambda: service.accept_candidate(s, pid, uuid4())),
            ("placement_id", lambda: service.end_placement(s, pid, uuid4(), a_day(service))),
            ("target_group", lambda: service.propose_candidate(m, pid, Candidate(
                uuid4(), fresh_position.position_id, "P-0556", TargetGroup.DISABILITY, True))),
            ("eligibility_attested", lambda: service.propose_candidate(m, pid, Candidate(
                uuid4(), fresh_position.position_id, "P-0557", TargetGroup.YOUNG, False))),
            ("position_id", lambda: service.propose_candidate(m, pid, Candidate(
                uuid4(), uuid4(), "P-0558", TargetGroup.YOUNG, True))),
            ("start", lambda: service.start_placement(
                s, pid, uuid4(), candidate, example_terms(tomorrow))),
            ("report_id", lambda: service.verify_report(a, pid, uuid4())),
            ("deviation_id", lambda: service.decide_deviation(a, pid, uuid4(), DeviationDecision(
                DecisionKind.WAIVER, "Åtgärdat"))),
            ("reason", lambda: service.amend_follow_up_plan(a, pid, default_plan(), "")),
        ]
        for field, attempt in cases:
            error = refused(service, pid, attempt)
            assert isinstance(error, ValidationError), f"{field}: {error!r}"
            assert error.field == field
            assert str(error).startswith(f"{field}: ")

    def test_a_decision_against_the_computed_outcome_needs_a_motivation(
            self, service: ProcurementService, parties: Parties) -> None:
        pid = walk_to(service, parties, State.FOLLOW_UP).procurement_id
        computed = service.compliance(parties.authority, pid).outcome
        other = next(o for o in ComplianceOutcome if o is not computed)
        error = refused(service, pid, lambda: service.close_procurement(
            parties.authority, pid, other, " "))
        assert isinstance(error, ValidationError) and error.field == "motivation"
        service.close_procurement(parties.authority, pid, other, "Beslut efter dialog")
        assert service.get_case(parties.authority, pid).state is State.CLOSED

    # -- what each party sees --------------------------------------------------------------

    def test_only_parties_entitled_to_it_see_a_candidates_target_group(
            self, service: ProcurementService, parties: Parties) -> None:
        pid = walk_to(service, parties, State.DELIVERY, placements=2).procurement_id
        seen = {name: service.get_case(getattr(parties, name), pid).candidates
                for name in ("supplier", "social_enterprise", "matcher", "authority", "auditor")}
        assert all(len(candidates) == 2 for candidates in seen.values())
        for name in ("supplier", "social_enterprise"):
            assert [c.target_group for c in seen[name]] == [None, None], name
        for name in ("matcher", "authority", "auditor"):
            assert [c.target_group for c in seen[name]] == [
                TargetGroup.LONG_TERM_UNEMPLOYED] * 2, name
        # The supplier still sees everything else about the people it employs.
        assert [c.participant_ref for c in seen["supplier"]] == [
            c.participant_ref for c in seen["matcher"]] == ["P-0001", "P-0002"]
        case, _ = service.inspect(pid)
        assert {c.target_group for c in case.candidates.values()} == {
            TargetGroup.LONG_TERM_UNEMPLOYED}


def _outcome(service: ProcurementService, actor: Actor, pid: UUID) -> object:
    """What the actor gets when it asks for the case: the view, or the refusal's text."""
    try:
        return service.get_case(actor, pid)
    except DomainError as error:
        return type(error), str(error)
