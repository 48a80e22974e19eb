"""The lifecycle of one procurement (DESIGN.md §3): every transition, and the refusals of
commands that do not fit the state."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidState, RuleViolation, ValidationError
from domain.examples import example_requirement, example_setup, example_tender, new_actor
from domain.procurement import Procurement, events
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import KickOff
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import FollowUpPlan, ItemType, PlanItem, default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Preparation
from domain.procurement.reminders import Reminder, ReminderPolicy, Stage
from domain.procurement.reports import SupplierReport
from domain.values import SYSTEM, Role
from tests.unit.builders import (
    CONTRACT_END,
    CONTRACT_START,
    TENDER_DEADLINE,
    TODAY,
    Given,
    award_to,
    candidate_for,
    case_in,
    check_refused,
    contract,
    event_types,
    new_events,
    terms,
)
from tests.unit.builders import offer as offer_position


def a_note() -> DialogueNote:
    return DialogueNote(Counterpart.NON_PROFIT, "Stadsmissionen", date(2026, 1, 10),
                        "Vill bidra med förberedande utbildning.")


def another_plan() -> FollowUpPlan:
    return FollowUpPlan(items=(*default_plan().items, PlanItem(
        "sfi_completed", "SFI avslutad", "SFI completed", ItemType.YES_NO, Role.MATCHER)))


# -- the happy path, one transition at a time ------------------------------------------------

def test_create_records_the_owner_and_the_setup_in_a_draft() -> None:
    authority = new_actor(Role.AUTHORITY)
    case = Procurement.create(authority, example_setup())
    created = new_events(case)
    assert [type(e) for e in created] == [events.Created]
    assert created[0].actor == authority
    assert case.state is State.DRAFT
    assert case.owner_id == authority.organisation_id
    assert case.setup.reference == "KS 2026/0117"


def test_publish_opens_tendering_with_the_deadline() -> None:
    given = case_in(State.DRAFT)
    given.case.publish(given.parties.authority, TENDER_DEADLINE)
    (published,) = new_events(given.case)
    assert isinstance(published, events.Published)
    assert published.tender_deadline == TENDER_DEADLINE
    assert given.case.state is State.TENDERING


def test_close_tendering_starts_the_evaluation() -> None:
    given = case_in(State.TENDERING)
    given.case.close_tendering(given.parties.authority)
    assert event_types(given.case) == [events.TenderingClosed]
    assert given.case.state is State.EVALUATION


def test_award_starts_the_standstill() -> None:
    given = case_in(State.EVALUATION)
    given.case.award_contract(given.parties.authority,
                              award_to(given.parties.supplier.organisation_id))
    assert event_types(given.case) == [events.Awarded]
    assert given.case.state is State.STANDSTILL
    assert given.case.awarded_supplier_id == given.parties.supplier.organisation_id


def test_signing_the_contract_starts_delivery() -> None:
    given = case_in(State.STANDSTILL)
    given.case.sign_contract(given.parties.authority, contract())
    assert event_types(given.case) == [events.ContractSigned]
    assert given.case.state is State.DELIVERY
    assert given.case.contract == contract()


def test_ending_the_contract_starts_the_follow_up() -> None:
    given = case_in(State.DELIVERY)
    given.case.end_contract(given.parties.authority, CONTRACT_END, today=TODAY)
    (ended,) = new_events(given.case)
    assert isinstance(ended, events.ContractEnded)
    assert ended.ended_on == CONTRACT_END
    assert given.case.state is State.FOLLOW_UP


def test_close_records_the_decision_and_closes_the_case() -> None:
    given = case_in(State.FOLLOW_UP)
    given.case.close(given.parties.authority, ComplianceOutcome.NOT_MET,
                     "Beslutat efter dialog med leverantören")
    (closed,) = new_events(given.case)
    assert isinstance(closed, events.Closed)
    assert closed.decision is ComplianceOutcome.NOT_MET
    assert given.case.state is State.CLOSED
    assert given.case.compliance_decision is ComplianceOutcome.NOT_MET


@pytest.mark.parametrize("state", [State.DRAFT, State.TENDERING, State.EVALUATION,
                                   State.STANDSTILL])
def test_cancel_is_allowed_before_the_contract_is_signed(state: State) -> None:
    given = case_in(state)
    given.case.cancel(given.parties.authority, "Behovet har upphört")
    (cancelled,) = new_events(given.case)
    assert isinstance(cancelled, events.Cancelled)
    assert cancelled.reason == "Behovet har upphört"
    assert given.case.state is State.CANCELLED


@pytest.mark.parametrize("state", [State.DELIVERY, State.FOLLOW_UP, State.CLOSED,
                                   State.CANCELLED])
def test_cancel_is_refused_once_the_contract_is_signed_or_the_case_is_finished(
        state: State) -> None:
    given = case_in(state)
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.cancel(given.parties.authority, "Ångrat"))
    assert error.state == state.value


def test_cancel_needs_a_reason() -> None:
    given = case_in(State.TENDERING)
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.cancel(given.parties.authority, "  "))
    assert error.field == "reason"


def test_every_event_carries_the_actor_who_caused_it() -> None:
    given = case_in(State.TENDERING)
    supplier = given.parties.supplier
    given.case.submit_tender(supplier, example_tender(supplier))
    (submitted,) = new_events(given.case)
    assert submitted.actor == supplier


# -- refusals that name the state and the rule ----------------------------------------------

def test_invalid_state_names_the_state_and_the_rule() -> None:
    given = case_in(State.TENDERING)
    error = check_refused(given.case, InvalidState, lambda: given.case.award_contract(
        given.parties.authority, award_to(given.parties.supplier.organisation_id)))
    assert error.state == "tendering"
    assert "after tendering closes" in error.rule
    assert "'tendering'" in error.message and error.rule in error.message


def test_award_is_refused_before_tendering_closes() -> None:
    given = case_in(State.TENDERING)
    given.case.submit_tender(given.parties.supplier, example_tender(given.parties.supplier))
    given.case.collect_events()
    check_refused(given.case, InvalidState, lambda: given.case.award_contract(
        given.parties.authority, award_to(given.parties.supplier.organisation_id)))


def test_publish_is_refused_once_published() -> None:
    given = case_in(State.TENDERING)
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.publish(given.parties.authority, TENDER_DEADLINE))
    assert error.state == "tendering"


def test_tenders_are_refused_before_publication() -> None:
    given = case_in(State.DRAFT)
    supplier = given.parties.supplier
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.submit_tender(supplier, example_tender(supplier)))
    assert error.state == "draft"


def test_tenders_are_refused_after_tendering_closes() -> None:
    given = case_in(State.EVALUATION)
    supplier = given.parties.supplier
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.submit_tender(supplier, example_tender(supplier)))
    assert error.state == "evaluation"


def test_close_tendering_is_refused_unless_tendering_is_open() -> None:
    given = case_in(State.DRAFT)
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.close_tendering(given.parties.authority))
    assert error.state == "draft"


def test_contract_cannot_be_signed_before_the_award() -> None:
    given = case_in(State.EVALUATION)
    error = check_refused(given.case, InvalidState,
                    lambda: given.case.sign_contract(given.parties.authority, contract()))
    assert error.state == "evaluation"


def test_kick_off_is_refused_before_the_contract_is_signed() -> None:
    given = case_in(State.STANDSTILL)
    error = check_refused(given.case, InvalidState, lambda: given.case.hold_kick_off(
        given.parties.authority, KickOff(CONTRACT_START, ("Kommunen",)), today=TODAY))
    assert error.state == "standstill"


def test_positions_are_refused_before_the_contract_is_signed() -> None:
    given = case_in(State.STANDSTILL)
    error = check_refused(given.case, InvalidState, lambda: offer_position(given))
    assert error.state == "standstill"


def test_placements_are_refused_after_the_contract_ended() -> None:
    given = case_in(State.FOLLOW_UP)
    error = check_refused(given.case, InvalidState, lambda: given.case.start_placement(
        given.parties.supplier, uuid4(), given.candidate_ids[0], terms(CONTRACT_END),
        today=TODAY))
    assert error.state == "follow_up"


def test_contract_end_is_refused_before_the_contract_is_signed() -> None:
    given = case_in(State.STANDSTILL)
    error = check_refused(given.case, InvalidState, lambda: given.case.end_contract(
        given.parties.authority, CONTRACT_END, today=TODAY))
    assert error.state == "standstill"


def test_close_is_refused_while_the_contract_runs() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, InvalidState, lambda: given.case.close(
        given.parties.authority, ComplianceOutcome.NOT_MET, "Avbrutet"))
    assert error.state == "delivery"


# -- set-up: what is fixed when ------------------------------------------------------------

def test_setup_can_be_revised_in_draft() -> None:
    given = case_in(State.DRAFT)
    given.case.revise_setup(given.parties.authority, example_setup(title="Ny titel"))
    assert event_types(given.case) == [events.SetupRevised]
    assert given.case.setup.title == "Ny titel"


def test_setup_is_fixed_once_published() -> None:
    given = case_in(State.TENDERING)
    error = check_refused(given.case, InvalidState, lambda: given.case.revise_setup(
        given.parties.authority, example_setup(title="Ny titel")))
    assert "fixed once published" in error.rule


def test_requirement_can_be_changed_in_draft() -> None:
    given = case_in(State.DRAFT)
    given.case.set_requirement(given.parties.authority, example_requirement(Decimal(36)))
    assert event_types(given.case) == [events.RequirementSet]
    assert given.case.requirement is not None
    assert given.case.requirement.minimum_full_time_months == 36


@pytest.mark.parametrize("state", [State.TENDERING, State.EVALUATION, State.DELIVERY])
def test_requirement_is_fixed_once_published(state: State) -> None:
    given = case_in(state)
    error = check_refused(given.case, InvalidState, lambda: given.case.set_requirement(
        given.parties.authority, example_requirement(Decimal(1))))
    assert error.state == state.value
    assert "fixed once the procurement is published" in error.rule


def test_publish_needs_the_requirement() -> None:
    authority = new_actor(Role.AUTHORITY)
    case = Procurement.create(authority, example_setup())
    case.set_follow_up_plan(authority, default_plan())
    case.collect_events()
    error = check_refused(case, RuleViolation, lambda: case.publish(authority, TENDER_DEADLINE))
    assert "employment requirement" in error.rule


def test_publish_needs_the_follow_up_plan() -> None:
    authority = new_actor(Role.AUTHORITY)
    case = Procurement.create(authority, example_setup())
    case.set_requirement(authority, example_requirement())
    case.collect_events()
    error = check_refused(case, RuleViolation, lambda: case.publish(authority, TENDER_DEADLINE))
    assert "follow-up plan" in error.rule


@pytest.mark.parametrize("state", [State.DRAFT, State.TENDERING, State.EVALUATION,
                                   State.STANDSTILL])
def test_follow_up_plan_can_be_set_until_the_contract_is_signed(state: State) -> None:
    given = case_in(state)
    given.case.set_follow_up_plan(given.parties.authority, another_plan())
    assert event_types(given.case) == [events.FollowUpPlanSet]
    assert given.case.plan == another_plan()


@pytest.mark.parametrize("state", [State.DELIVERY, State.FOLLOW_UP])
def test_follow_up_plan_is_frozen_at_signature(state: State) -> None:
    given = case_in(state)
    error = check_refused(given.case, InvalidState, lambda: given.case.set_follow_up_plan(
        given.parties.authority, another_plan()))
    assert "frozen at contract signature" in error.rule


@pytest.mark.parametrize("state", [State.DELIVERY, State.FOLLOW_UP])
def test_frozen_plan_is_amended_with_a_reason(state: State) -> None:
    given = case_in(state)
    given.case.amend_follow_up_plan(given.parties.authority, another_plan(),
                                    "Parterna kom överens om att följa SFI")
    (amended,) = new_events(given.case)
    assert isinstance(amended, events.FollowUpPlanAmended)
    assert amended.reason == "Parterna kom överens om att följa SFI"
    assert given.case.plan == another_plan()


def test_plan_amendment_needs_a_reason() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.amend_follow_up_plan(
        given.parties.authority, another_plan(), ""))
    assert error.field == "reason"


@pytest.mark.parametrize("state", [State.DRAFT, State.STANDSTILL])
def test_plan_is_not_amended_before_signature(state: State) -> None:
    given = case_in(state)
    error = check_refused(given.case, InvalidState, lambda: given.case.amend_follow_up_plan(
        given.parties.authority, another_plan(), "Ändrat"))
    assert error.state == state.value


def test_dialogue_notes_can_be_added_while_the_case_is_active() -> None:
    given = case_in(State.EVALUATION)
    given.case.add_dialogue_note(given.parties.authority, a_note())
    assert event_types(given.case) == [events.DialogueNoteAdded]
    assert given.case.dialogue_notes[-1] == a_note()


# -- nothing after close (or cancel) ---------------------------------------------------------

Command = Callable[[Given], object]

EVERY_COMMAND: dict[str, Command] = {
    "revise_setup": lambda g: g.case.revise_setup(g.parties.authority, example_setup()),
    "set_requirement": lambda g: g.case.set_requirement(g.parties.authority,
                                                        example_requirement()),
    "set_follow_up_plan": lambda g: g.case.set_follow_up_plan(g.parties.authority,
                                                              default_plan()),
    "amend_follow_up_plan": lambda g: g.case.amend_follow_up_plan(
        g.parties.authority, another_plan(), "Ändrat"),
    "add_dialogue_note": lambda g: g.case.add_dialogue_note(g.parties.authority, a_note()),
    "publish": lambda g: g.case.publish(g.parties.authority, TENDER_DEADLINE),
    "submit_tender": lambda g: g.case.submit_tender(g.parties.supplier,
                                                    example_tender(g.parties.supplier)),
    "close_tendering": lambda g: g.case.close_tendering(g.parties.authority),
    "award_contract": lambda g: g.case.award_contract(
        g.parties.authority, award_to(g.parties.supplier.organisation_id)),
    "sign_contract": lambda g: g.case.sign_contract(g.parties.authority, contract()),
    "hold_kick_off": lambda g: g.case.hold_kick_off(
        g.parties.authority, KickOff(CONTRACT_START, ("Kommunen",)), today=TODAY),
    "appoint_matcher": lambda g: g.case.appoint_matcher(g.parties.authority, uuid4()),
    "invite_partner": lambda g: g.case.invite_partner(g.parties.authority, uuid4()),
    "offer_position": lambda g: offer_position(g),
    "propose_candidate": lambda g: g.case.propose_candidate(
        g.parties.matcher, candidate_for(uuid4())),
    "accept_candidate": lambda g: g.case.accept_candidate(g.parties.supplier, uuid4()),
    "decline_candidate": lambda g: g.case.decline_candidate(g.parties.supplier, uuid4(),
                                                            "Passar inte"),
    "record_preparation": lambda g: g.case.record_preparation(
        g.parties.social_enterprise, uuid4(),
        Preparation(g.parties.social_enterprise.organisation_id, "Arbetsträning",
                    date(2026, 4, 1))),
    "start_placement": lambda g: g.case.start_placement(
        g.parties.supplier, uuid4(), uuid4(), terms(date(2026, 5, 1)), today=TODAY),
    "end_placement": lambda g: g.case.end_placement(g.parties.supplier, uuid4(),
                                                    date(2027, 4, 30), today=TODAY),
    "record_checkpoint": lambda g: g.case.record_checkpoint(
        g.parties.matcher, uuid4(), "after_exit_12", date(2028, 4, 30),
        {"employment_status": "same_employer"}, today=TODAY),
    "submit_report": lambda g: g.case.submit_report(g.parties.supplier, SupplierReport(
        uuid4(), date(2026, 4, 1), date(2026, 6, 30), "Kvartalsrapport")),
    "verify_report": lambda g: g.case.verify_report(g.parties.authority, uuid4()),
    "query_report": lambda g: g.case.query_report(g.parties.authority, uuid4(), "Varför?"),
    "note_deviation": lambda g: g.case.note_deviation(g.parties.authority, Deviation(
        uuid4(), "Rapport saknas", Role.AUTHORITY)),
    "decide_deviation": lambda g: g.case.decide_deviation(
        g.parties.authority, uuid4(), DeviationDecision(DecisionKind.WAIVER, "Godtas")),
    "end_contract": lambda g: g.case.end_contract(g.parties.authority, CONTRACT_END,
                                                  today=TODAY),
    "close": lambda g: g.case.close(g.parties.authority, ComplianceOutcome.MET, "Klart"),
    "cancel": lambda g: g.case.cancel(g.parties.authority, "Ångrat"),
    "set_reminder_policy": lambda g: g.case.set_reminder_policy(
        g.parties.authority, ReminderPolicy(days_before=3)),
    "record_reminder": lambda g: g.case.record_reminder(SYSTEM, Reminder(
        "x/report/period-1/2026-07-01", Stage.DUE, "report", "period-1", date(2026, 7, 1),
        uuid4(), Role.SUPPLIER, TODAY, late=True), today=TODAY),
}


@pytest.mark.parametrize("command", EVERY_COMMAND.values(), ids=EVERY_COMMAND.keys())
def test_nothing_is_recorded_after_close(command: Command) -> None:
    given = case_in(State.CLOSED)
    error = check_refused(given.case, InvalidState, lambda: command(given))
    assert error.state == "closed"


@pytest.mark.parametrize("command", EVERY_COMMAND.values(), ids=EVERY_COMMAND.keys())
def test_nothing_is_recorded_after_cancel(command: Command) -> None:
    given = case_in(State.CANCELLED)
    error = check_refused(given.case, InvalidState, lambda: command(given))
    assert error.state == "cancelled"


def test_every_command_of_the_aggregate_is_checked_after_close() -> None:
    """The table above must grow with the aggregate: a new command gets a closed-case test."""
    public = {name for name, member in vars(Procurement).items()
              if inspect.isfunction(member) and not name.startswith("_")
              and name != "assess_compliance"}
    # Publishing the record is allowed after close, on purpose (tests/unit/test_publication.py).
    assert public - {"mark_for_publication"} == set(EVERY_COMMAND)


# -- each command outside the states it admits (beyond closed and cancelled) -------------------

OUTSIDE_ITS_STATES: list[tuple[str, State, str]] = [
    ("award_contract", State.STANDSTILL, "after tendering closes and before the standstill"),
    ("close_tendering", State.EVALUATION, "only open tendering can be closed"),
    ("sign_contract", State.DELIVERY, "signed after the award"),
    ("hold_kick_off", State.FOLLOW_UP, "once the contract runs"),
    ("offer_position", State.FOLLOW_UP, "while the contract runs"),
    ("propose_candidate", State.STANDSTILL, "while the contract runs"),
    ("accept_candidate", State.FOLLOW_UP, "while the contract runs"),
    ("decline_candidate", State.EVALUATION, "while the contract runs"),
    ("start_placement", State.STANDSTILL, "while the contract runs"),
    ("end_placement", State.FOLLOW_UP, "while the contract runs"),
    ("record_checkpoint", State.EVALUATION, "from contract signature until close"),
    ("submit_report", State.STANDSTILL, "while the contract runs"),
    ("verify_report", State.EVALUATION, "until close"),
    ("query_report", State.TENDERING, "until close"),
    ("note_deviation", State.STANDSTILL, "from contract signature until close"),
    ("decide_deviation", State.DRAFT, "until close"),
    ("end_contract", State.FOLLOW_UP, "only a running contract can end"),
    ("close", State.STANDSTILL, "after its contract has ended"),
    ("amend_follow_up_plan", State.TENDERING, "before that, set it"),
    ("publish", State.EVALUATION, "only a draft can be published"),
]


@pytest.mark.parametrize(("command", "state", "rule"), OUTSIDE_ITS_STATES,
                         ids=[f"{c}-in-{s.value}" for c, s, _ in OUTSIDE_ITS_STATES])
def test_a_command_outside_the_states_it_admits_is_refused(command: str, state: State,
                                                           rule: str) -> None:
    given = case_in(state)
    error = check_refused(given.case, InvalidState, lambda: EVERY_COMMAND[command](given))
    assert error.state == state.value
    assert rule in error.rule


# -- kick-off, matcher and partners --------------------------------------------------------

def test_the_kick_off_is_recorded_once_the_contract_runs() -> None:
    given = case_in(State.DELIVERY)
    kick_off = KickOff(date(2026, 4, 15), ("Kommunen", "Leverantören", "Arbetsförmedlingen"),
                       "Uppföljningsplanen gicks igenom")
    given.case.hold_kick_off(given.parties.authority, kick_off, today=TODAY)
    assert event_types(given.case) == [events.KickOffHeld]
    assert given.case.kick_off == kick_off


def test_appointing_a_matcher_records_it() -> None:
    given = case_in(State.DRAFT)
    matcher_id = uuid4()
    given.case.appoint_matcher(given.parties.authority, matcher_id)
    assert event_types(given.case) == [events.MatcherAppointed]
    assert given.case.matcher_id == matcher_id


def test_the_same_matcher_is_not_appointed_twice() -> None:
    given = case_in(State.DELIVERY)
    check_refused(given.case, RuleViolation, lambda: given.case.appoint_matcher(
        given.parties.authority, given.parties.matcher.organisation_id))


def test_inviting_a_partner_adds_it() -> None:
    given = case_in(State.DELIVERY)
    partner_id = uuid4()
    given.case.invite_partner(given.parties.supplier, partner_id)
    assert event_types(given.case) == [events.PartnerInvited]
    assert partner_id in given.case.partner_ids


def test_the_same_partner_is_not_invited_twice() -> None:
    given = case_in(State.DELIVERY)
    check_refused(given.case, RuleViolation, lambda: given.case.invite_partner(
        given.parties.authority, given.parties.social_enterprise.organisation_id))
