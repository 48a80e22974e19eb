"""Follow-up by the authority: supplier reports verified or queried, deviations noted and
decided, and the close with a compliance decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from domain.errors import RuleViolation, ValidationError
from domain.procurement import events
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.followup_plan import ItemType, PlanItem
from domain.procurement.lifecycle import State
from domain.procurement.reports import ReportStatus, SupplierReport
from domain.values import Role
from tests.unit.builders import CONTRACT_END, Given, case_in, check_refused, event_types, new_events


def a_report() -> SupplierReport:
    return SupplierReport(uuid4(), date(2026, 4, 1), date(2026, 6, 30),
                          "Två personer anställda, båda med handledare.")


def submitted(given: Given) -> UUID:
    report = a_report()
    given.case.submit_report(given.parties.supplier, report)
    given.case.collect_events()
    return report.report_id


def noted(given: Given) -> UUID:
    deviation = Deviation(uuid4(), "Kvartalsrapporten kom inte in", Role.AUTHORITY)
    given.case.note_deviation(given.parties.authority, deviation)
    given.case.collect_events()
    return deviation.deviation_id


WAIVER = DeviationDecision(DecisionKind.WAIVER, "Förseningen berodde på sjukdom")


# -- reports -------------------------------------------------------------------------------

@pytest.mark.parametrize("state", [State.DELIVERY, State.FOLLOW_UP])
def test_supplier_submits_a_report_while_following_up(state: State) -> None:
    given = case_in(state)
    report = a_report()
    given.case.submit_report(given.parties.supplier, report)
    (event,) = new_events(given.case)
    assert isinstance(event, events.ReportSubmitted)
    assert given.case.reports[str(report.report_id)].status is ReportStatus.SUBMITTED


def test_a_report_id_is_used_once() -> None:
    given = case_in(State.DELIVERY)
    report = a_report()
    given.case.submit_report(given.parties.supplier, report)
    check_refused(given.case, RuleViolation,
            lambda: given.case.submit_report(given.parties.supplier, report))


def test_a_new_report_is_submitted_not_already_answered() -> None:
    given = case_in(State.DELIVERY)
    verified = a_report().answered(ReportStatus.VERIFIED, "")
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.submit_report(given.parties.supplier, verified))
    assert error.field == "status"


def test_authority_verifies_a_report() -> None:
    given = case_in(State.DELIVERY)
    report_id = submitted(given)
    given.case.verify_report(given.parties.authority, report_id, "Stämmer med lönelistan")
    (event,) = new_events(given.case)
    assert isinstance(event, events.ReportVerified)
    stored = given.case.reports[str(report_id)]
    assert (stored.status, stored.authority_comment) == (ReportStatus.VERIFIED,
                                                         "Stämmer med lönelistan")


def test_authority_queries_a_report_with_a_comment() -> None:
    given = case_in(State.DELIVERY)
    report_id = submitted(given)
    given.case.query_report(given.parties.authority, report_id, "Hur många timmar per vecka?")
    (event,) = new_events(given.case)
    assert isinstance(event, events.ReportQueried)
    assert given.case.reports[str(report_id)].status is ReportStatus.QUERIED


def test_a_query_needs_a_comment() -> None:
    given = case_in(State.DELIVERY)
    report_id = submitted(given)
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.query_report(given.parties.authority, report_id, ""))
    assert error.field == "comment"


def test_a_queried_report_can_be_verified_later() -> None:
    given = case_in(State.DELIVERY)
    report_id = submitted(given)
    given.case.query_report(given.parties.authority, report_id, "Saknar timmar")
    given.case.collect_events()
    given.case.verify_report(given.parties.authority, report_id)
    assert event_types(given.case) == [events.ReportVerified]


def test_a_verified_report_is_not_answered_again() -> None:
    given = case_in(State.DELIVERY)
    report_id = submitted(given)
    given.case.verify_report(given.parties.authority, report_id)
    error = check_refused(given.case, RuleViolation, lambda: given.case.query_report(
        given.parties.authority, report_id, "En fråga till"))
    assert "already verified" in error.rule


def test_an_unknown_report_is_not_answered() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.verify_report(given.parties.authority, uuid4()))
    assert error.field == "report_id"


# -- deviations ------------------------------------------------------------------------------

def test_a_deviation_is_noted_open() -> None:
    given = case_in(State.DELIVERY)
    deviation = Deviation(uuid4(), "Handledare saknas", Role.MATCHER)
    given.case.note_deviation(given.parties.matcher, deviation)
    (event,) = new_events(given.case)
    assert isinstance(event, events.DeviationNoted)
    assert given.case.deviations[str(deviation.deviation_id)].is_open


def test_a_deviation_is_noted_without_a_decision() -> None:
    given = case_in(State.DELIVERY)
    decided = Deviation(uuid4(), "Handledare saknas", Role.AUTHORITY).decided(WAIVER)
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.note_deviation(given.parties.authority, decided))
    assert error.field == "decision"


def test_a_deviation_id_is_used_once() -> None:
    given = case_in(State.DELIVERY)
    deviation = Deviation(uuid4(), "Handledare saknas", Role.AUTHORITY)
    given.case.note_deviation(given.parties.authority, deviation)
    check_refused(given.case, RuleViolation,
            lambda: given.case.note_deviation(given.parties.authority, deviation))


@pytest.mark.parametrize("decision", [
    WAIVER,
    DeviationDecision(DecisionKind.REMEDY, "Rapportera inom 14 dagar"),
    DeviationDecision(DecisionKind.SANCTION, "Upprepad försening", Decimal("25000")),
])
def test_authority_decides_a_deviation(decision: DeviationDecision) -> None:
    given = case_in(State.FOLLOW_UP)
    deviation_id = noted(given)
    given.case.decide_deviation(given.parties.authority, deviation_id, decision)
    (event,) = new_events(given.case)
    assert isinstance(event, events.DeviationDecided)
    assert given.case.deviations[str(deviation_id)].decision == decision
    assert not given.case.deviations[str(deviation_id)].is_open


def test_a_deviation_is_decided_once() -> None:
    given = case_in(State.DELIVERY)
    deviation_id = noted(given)
    given.case.decide_deviation(given.parties.authority, deviation_id, WAIVER)
    error = check_refused(given.case, RuleViolation, lambda: given.case.decide_deviation(
        given.parties.authority, deviation_id, WAIVER))
    assert "already decided" in error.rule


def test_an_unknown_deviation_is_not_decided() -> None:
    given = case_in(State.DELIVERY)
    error = check_refused(given.case, ValidationError, lambda: given.case.decide_deviation(
        given.parties.authority, uuid4(), WAIVER))
    assert error.field == "deviation_id"


def test_a_sanction_needs_an_amount() -> None:
    with pytest.raises(ValidationError) as info:
        DeviationDecision(DecisionKind.SANCTION, "Vite enligt avtalet")
    assert info.value.field == "sanction_amount_sek"


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-100), "mycket"])
def test_a_sanction_amount_is_a_positive_number(amount: object) -> None:
    with pytest.raises(ValidationError) as info:
        DeviationDecision(DecisionKind.SANCTION, "Vite", amount)  # type: ignore[arg-type]
    assert info.value.field == "sanction_amount_sek"


@pytest.mark.parametrize("kind", [DecisionKind.REMEDY, DecisionKind.WAIVER])
def test_only_a_sanction_has_an_amount(kind: DecisionKind) -> None:
    with pytest.raises(ValidationError) as info:
        DeviationDecision(kind, "Beslut", Decimal(1000))
    assert info.value.field == "sanction_amount_sek"


def test_a_decision_needs_a_motivation() -> None:
    with pytest.raises(ValidationError) as info:
        DeviationDecision(DecisionKind.WAIVER, "")
    assert info.value.field == "motivation"


# -- close ---------------------------------------------------------------------------------

def test_close_is_refused_while_deviations_are_open() -> None:
    given = case_in(State.FOLLOW_UP)
    noted(given)
    noted(given)
    outcome = given.case.assess_compliance(CONTRACT_END).outcome
    error = check_refused(given.case, RuleViolation,
                    lambda: given.case.close(given.parties.authority, outcome))
    assert "2 open deviation" in error.rule


def test_close_is_allowed_once_every_deviation_is_decided() -> None:
    given = case_in(State.FOLLOW_UP)
    deviation_id = noted(given)
    given.case.decide_deviation(given.parties.authority, deviation_id, WAIVER)
    given.case.collect_events()
    outcome = given.case.assess_compliance(CONTRACT_END).outcome
    given.case.close(given.parties.authority, outcome)
    assert event_types(given.case) == [events.Closed]


def test_closing_with_the_computed_outcome_needs_no_motivation() -> None:
    given = case_in(State.FOLLOW_UP)
    computed = given.case.assess_compliance(CONTRACT_END).outcome
    given.case.close(given.parties.authority, computed)
    (closed,) = new_events(given.case)
    assert closed.decision is computed
    assert closed.motivation == ""


def test_a_decision_differing_from_the_computed_outcome_needs_a_motivation() -> None:
    given = case_in(State.FOLLOW_UP)
    computed = given.case.assess_compliance(CONTRACT_END).outcome
    assert computed is ComplianceOutcome.PARTLY_MET  # one 12-month placement of 24 required
    error = check_refused(given.case, ValidationError,
                    lambda: given.case.close(given.parties.authority, ComplianceOutcome.MET))
    assert error.field == "motivation"


def test_a_motivated_decision_may_differ_from_the_computed_outcome() -> None:
    given = case_in(State.FOLLOW_UP)
    given.case.close(given.parties.authority, ComplianceOutcome.MET,
                     "Leverantören anställde två personer utanför avtalet")
    (closed,) = new_events(given.case)
    assert closed.decision is ComplianceOutcome.MET
    assert closed.assessment.outcome is ComplianceOutcome.PARTLY_MET
    assert closed.motivation == "Leverantören anställde två personer utanför avtalet"


def test_the_closed_event_carries_the_assessment_as_of_the_contract_end() -> None:
    given = case_in(State.FOLLOW_UP, placements=2)
    expected = given.case.assess_compliance(CONTRACT_END)
    given.case.close(given.parties.authority, expected.outcome)
    (closed,) = new_events(given.case)
    assert isinstance(closed, events.Closed)
    assert closed.assessment == expected
    assert closed.assessment.as_of == CONTRACT_END
    assert closed.assessment.delivered_months == Decimal(24)
    assert closed.assessment.outcome is ComplianceOutcome.MET


def test_a_deviation_is_noted_only_in_the_noting_partys_own_name() -> None:
    given = case_in(State.DELIVERY)
    claimed = Deviation(uuid4(), "Rapport försenad", Role.AUTHORITY)
    error = check_refused(given.case, RuleViolation,
                    lambda: given.case.note_deviation(given.parties.supplier, claimed))
    assert "own name" in error.rule


def test_the_authority_cannot_be_made_responsible_for_a_plan_item() -> None:
    with pytest.raises(ValidationError) as error:
        PlanItem("notes", "Anteckning", "Note", ItemType.TEXT, Role.AUTHORITY)
    assert error.value.field == "items.notes.responsible"
