"""Each read model: events in through the real service commands, rows out, on SQLite and
PostgreSQL (the in-memory store has no SQL, so projections refuse it by design)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from click.testing import CliRunner

from domain.access import Part
from domain.clock import FixedClock
from domain.directory.user import OrgRole
from domain.errors import ConfigurationError
from domain.examples import (
    Parties,
    example_position,
    example_tender,
    new_actor,
    walk_to,
)
from domain.procurement.compliance import DeadlineStatus
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate
from domain.procurement.reminders import Reminder, ReminderPolicy, Stage
from domain.procurement.reports import SupplierReport
from domain.service import ProcurementService
from domain.values import SYSTEM, Actor, Role, TargetGroup
from projections import audit_trail, case_list, compliance, notices, reminders, statistics
from projections.audit_trail import AuditTrail
from projections.background import running_in_background
from projections.base import Projection
from projections.case_list import CaseList
from projections.cli import projections_group
from projections.compliance import Compliance
from projections.db import Database
from projections.notices import Notices
from projections.registry import PROJECTIONS as PROJECTIONS_BY_NAME
from projections.registry import named
from projections.reminders import Reminders
from projections.runner import ProjectionRunner, status, wait_for
from projections.statistics import Statistics
from projections.view import open_view
from tests.integration.conftest import ServiceFactory

Follow = Callable[..., Database]


@pytest.fixture
def service(open_service: ServiceFactory, durable_env: dict[str, str]) -> ProcurementService:
    return open_service(durable_env)


@pytest.fixture
def follow(service: ProcurementService) -> Follow:
    """Brings the given projections up to the head of the log; returns their database."""

    def follow_(*projections: type[Projection]) -> Database:
        for projection in projections:
            ProjectionRunner(service, projection, batch_size=7).catch_up()
        return Database.of(service)

    return follow_


def today(service: ProcurementService) -> date:
    return service.clock.today()


# -- the runner ------------------------------------------------------------------------------------

def test_projections_refuse_the_in_memory_store(open_service: ServiceFactory,
                                                memory_env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError, match="in-memory"):
        ProjectionRunner(open_service(memory_env), AuditTrail)


def test_a_projection_resumes_from_its_recorded_position(service: ProcurementService,
                                                         parties: Parties) -> None:
    walk_to(service, parties, State.EVALUATION)
    first = ProjectionRunner(service, AuditTrail, batch_size=4)
    first.catch_up()
    head = service.recorder.max_notification_id()
    assert first.position() == head
    walk_to(service, parties, State.TENDERING)
    again = ProjectionRunner(service, AuditTrail, batch_size=4)
    assert again.position() == head
    again.catch_up()
    db = Database.of(service)
    positions = [e.position for e in audit_trail.entries(db, limit=1000).entries]
    assert positions == list(range(1, service.recorder.max_notification_id() + 1))


def test_two_followers_of_one_projection_apply_each_event_once(
        service: ProcurementService, parties: Parties) -> None:
    walk_to(service, parties, State.DELIVERY, placements=2)
    first, second = (ProjectionRunner(service, CaseList, batch_size=3) for _ in range(2))
    first.step()
    second.position()  # both start from the same position...
    first.step()  # ...the first moves on...
    assert second.step() == 0  # ...so the second's claim fails and it writes nothing
    for _ in range(3):  # more events arrive while they take turns
        walk_to(service, Parties(), State.DRAFT)
        first.step()
        second.step()
    while min(first.position(), second.position()) < service.recorder.max_notification_id():
        first.step()
        second.step()

    def rows() -> list[dict[str, object]]:
        with Database.of(service).transaction() as cursor:
            return cursor.fetch("SELECT * FROM {case_list_tasks} ORDER BY task_key") + \
                cursor.fetch("SELECT * FROM {case_list} ORDER BY procurement_id")

    followed = rows()
    ProjectionRunner(service, CaseList).rebuild()
    assert followed == rows()


def test_status_reports_position_head_and_lag(service: ProcurementService,
                                              parties: Parties) -> None:
    walk_to(service, parties, State.TENDERING)
    ProjectionRunner(service, AuditTrail, batch_size=3).step()
    (row,) = status(service, [AuditTrail])
    head = service.recorder.max_notification_id()
    assert (row.position, row.head, row.lag_events) == (3, head, head - 3)
    assert row.lag_seconds >= 0
    ProjectionRunner(service, AuditTrail).catch_up()
    (row,) = status(service, [AuditTrail])
    assert (row.lag_events, row.lag_seconds) == (0, 0.0)


def test_wait_for_returns_once_the_projections_reach_a_position(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walk_to(service, parties, State.DRAFT)
    head = service.recorder.max_notification_id()
    assert not wait_for(service, head, [AuditTrail, CaseList], timeout=0.05)
    follow(AuditTrail, CaseList)
    assert wait_for(service, head, [AuditTrail, CaseList], timeout=0.05)


def test_the_background_follower_keeps_every_projection_up_to_date(
        service: ProcurementService, parties: Parties) -> None:
    with running_in_background(service) as follower:
        walk_to(service, parties, State.DELIVERY)
        head = service.recorder.max_notification_id()
        assert wait_for(service, head, named(), timeout=30)
    assert all(not t.is_alive() for t in follower._threads)
    assert not follower.errors


def test_the_cli_group_reports_status_and_rebuilds(
        service: ProcurementService, parties: Parties, durable_env: dict[str, str]) -> None:
    walk_to(service, parties, State.STANDSTILL)
    group = projections_group(lambda: ProcurementService(durable_env))
    runner = CliRunner()

    def table() -> dict[str, list[str]]:
        result = runner.invoke(group, ["status"])
        assert result.exit_code == 0, result.output
        header, *rows = result.output.splitlines()
        assert header.split()[:3] == ["PROJECTION", "POSITION", "HEAD"]
        return {row.split()[0]: row.split()[1:] for row in rows}

    head = str(service.recorder.max_notification_id())
    assert table()["audit_trail"][:3] == ["0", head, head]
    rebuilt = runner.invoke(group, ["rebuild", "reminders"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"reminders: {head} events applied from the start." in rebuilt.output
    assert table()["reminders"][:4] == [head, head, "0", "0.0"]
    unknown = runner.invoke(group, ["run", "no_such_projection"])
    assert unknown.exit_code == 2 and "no projection named no_such_projection" in unknown.output


# -- audit trail -----------------------------------------------------------------------------------

def _directory(service: ProcurementService) -> tuple[Actor, UUID, UUID, str]:
    """An authority with an org admin, and an audit organisation; the admin's actor, the
    authority's and the auditor's ids, and the admin's invitation secret."""
    authority = service.register_organisation(None, "Växjö kommun", "212000-0142",
                                              Role.AUTHORITY)
    auditor = service.register_organisation(None, "Revisionen", "556677-8899", Role.AUDITOR)
    user_id, secret = service.invite_user(None, authority, "Anna Andersson",
                                          "anna.andersson@vaxjo.se", OrgRole.ORG_ADMIN)
    return Actor(user_id, authority, Role.AUTHORITY), authority, auditor, secret


def test_audit_trail_has_one_row_per_event_of_every_aggregate(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    admin, authority, _, secret = _directory(service)
    service.accept_invitation(admin.user_id, secret, "ett långt och hemligt lösenord")
    walked = walk_to(service, parties, State.CLOSED)
    db = follow(AuditTrail)
    rows = audit_trail.entries(db, limit=1000).entries
    notifications = service.recorder.select_notifications(1, 1000)
    assert [r.position for r in rows] == [n.id for n in notifications]
    by_type = {r.event_type: r for r in rows}
    registered = rows[0]
    assert (registered.aggregate_type, registered.procurement_id) == ("organisation", None)
    assert registered.aggregate_id == authority
    tender = by_type["TenderSubmitted"]
    assert (tender.summary_sv, tender.summary_en) == ("Anbud inlämnat", "Tender submitted")
    assert tender.procurement_id == walked.procurement_id
    assert tender.owner_id == parties.authority.organisation_id
    assert tender.party == "supplier"
    assert tender.changes["tender"]["sme"]["staff_headcount"] in (35, 900)
    checkpoint = by_type["CheckpointRecorded"]
    assert checkpoint.summary_en == "Checkpoint recorded: start for P-0001"
    assert checkpoint.user_id == parties.matcher.user_id
    assert checkpoint.organisation_id == parties.matcher.organisation_id
    assert by_type["User.Invited"].user_id is None  # the operator's console


def test_audit_trail_keeps_no_names_addresses_or_secrets(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    admin, _, _, secret = _directory(service)
    service.accept_invitation(admin.user_id, secret, "ett långt och hemligt lösenord")
    _, token = service.issue_token(admin, "Integration", service.clock.now() + timedelta(days=30))
    service.change_password(admin, "ett långt och hemligt lösenord", "ett nytt långt lösenord!")
    walk_to(service, parties, State.DELIVERY)
    db = follow(AuditTrail)
    user = service.user(admin.user_id)
    token_digest = next(iter(user.tokens.values())).digest
    with db.transaction() as cursor:
        dump = json.dumps(cursor.fetch("SELECT * FROM {audit_trail}"), ensure_ascii=False)
    for never in ("Anna Andersson", "anna.andersson@vaxjo.se", secret, token,
                  token.rsplit(".", 1)[-1], token_digest, str(user.password_hash),
                  "Lena Berg", "Leverantören"):
        assert never not in dump
    invited = audit_trail.entries(db, event_types=["User.Invited"]).entries[0]
    assert invited.changes["redacted"] == ["email", "invitation_digest", "name"]
    assert invited.aggregate_id == admin.user_id


def test_audit_trail_filters_by_case_organisation_user_type_and_period(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    first = walk_to(service, parties, State.STANDSTILL)
    other = walk_to(service, Parties(), State.DRAFT)
    db = follow(AuditTrail)
    everything = audit_trail.entries(db, limit=1000).entries
    of_first = audit_trail.entries(db, procurement_id=first.procurement_id).entries
    assert {e.procurement_id for e in of_first} == {first.procurement_id}
    assert len(of_first) + len(audit_trail.entries(
        db, procurement_id=other.procurement_id).entries) == len(everything)
    by_supplier = audit_trail.entries(db, organisation_id=parties.supplier.organisation_id)
    assert [e.event_type for e in by_supplier.entries] == ["TenderSubmitted"]
    by_user = audit_trail.entries(db, user_id=parties.authority.user_id).entries
    assert by_user and {e.user_id for e in by_user} == {parties.authority.user_id}
    awarded = audit_trail.entries(db, event_types=["Awarded", "Published"]).entries
    assert [e.event_type for e in awarded] == ["Published", "Awarded"]
    moment = everything[5].occurred_at
    since = audit_trail.entries(db, since=moment, limit=1000).entries
    until = audit_trail.entries(db, until=moment, limit=1000).entries
    assert len(since) + len(until) == len(everything)
    assert all(e.occurred_at >= moment for e in since)
    owned = audit_trail.entries(db, owner_ids=[parties.authority.organisation_id]).entries
    assert {e.procurement_id for e in owned} == {first.procurement_id}
    assert audit_trail.entries(db, owner_ids=[]).entries == []


def test_audit_trail_pages_in_a_stable_order_either_way(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walk_to(service, parties, State.DELIVERY, placements=2)
    db = follow(AuditTrail)
    expected = [e.position for e in audit_trail.entries(db, limit=1000).entries]
    seen: list[int] = []
    cursor = None
    while True:
        page = audit_trail.entries(db, after=cursor, limit=7)
        seen += [e.position for e in page.entries]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    backwards: list[int] = []
    cursor = None
    while True:
        page = audit_trail.entries(db, before=cursor, newest_first=True, limit=9)
        backwards += [e.position for e in page.entries]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert backwards == expected[::-1]


def test_a_sealed_tender_stays_out_of_the_trail_until_tendering_closes(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.TENDERING)
    pid = walked.procurement_id
    service.submit_tender(parties.supplier, pid, example_tender(parties.supplier, sme=True))
    service.submit_tender(parties.other_supplier, pid, example_tender(parties.other_supplier))
    db = follow(AuditTrail)
    types = [e.event_type for e in audit_trail.entries(db, procurement_id=pid).entries]
    assert "TenderSubmitted" not in types
    own = audit_trail.entries(db, procurement_id=pid,
                              tenderer_id=parties.supplier.organisation_id).entries
    assert [e.organisation_id for e in own if e.event_type == "TenderSubmitted"] == [
        parties.supplier.organisation_id]
    service.close_tendering(parties.authority, pid)
    db = follow(AuditTrail)
    tenders = audit_trail.entries(db, procurement_id=pid, event_types=["TenderSubmitted"])
    assert len(tenders.entries) == 2


def test_closing_tendering_unseals_tenders_applied_in_the_same_batch(
        service: ProcurementService, parties: Parties) -> None:
    walked = walk_to(service, parties, State.EVALUATION)
    ProjectionRunner(service, AuditTrail, batch_size=1000).catch_up()
    tenders = audit_trail.entries(Database.of(service), procurement_id=walked.procurement_id,
                                  event_types=["TenderSubmitted"])
    assert len(tenders.entries) == 2


# -- case lists and inboxes ------------------------------------------------------------------------

def test_each_organisation_lists_the_cases_it_has_a_part_in(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    walk_to(service, Parties(), State.DRAFT)
    db = follow(CaseList)
    pid = walked.procurement_id

    def parts(actor: Actor) -> dict[UUID, frozenset[Part]]:
        return {c.procurement_id: c.parts for c in case_list.cases_for(db, actor)}

    assert parts(parties.authority) == {pid: frozenset({Part.OWNER})}
    assert parts(parties.supplier) == {pid: frozenset({Part.TENDERER, Part.AWARDED_SUPPLIER})}
    assert parts(parties.other_supplier) == {pid: frozenset({Part.TENDERER})}
    assert parts(parties.matcher) == {pid: frozenset({Part.MATCHER})}
    assert parts(parties.social_enterprise) == {pid: frozenset({Part.PARTNER})}
    assert parts(new_actor(Role.SUPPLIER)) == {}
    # The organisation's role counts, as in the policy: an id alone is no part.
    as_matcher = Actor(uuid4(), parties.supplier.organisation_id, Role.MATCHER)
    assert parts(as_matcher) == {}
    assert case_list.case_row(db, parties.matcher, uuid4()) is None
    row = case_list.case_row(db, parties.authority, pid)
    assert row is not None
    assert (row.state, row.reference, row.cpv_division) == (State.DELIVERY, "KS 2026/0117",
                                                             "90")
    assert row.awarded_supplier_id == parties.supplier.organisation_id
    assert row.matcher_id == parties.matcher.organisation_id
    assert row.partner_ids == (parties.social_enterprise.organisation_id,)
    assert row.updated_at >= row.created_at


def test_an_auditor_lists_the_cases_of_the_authorities_that_granted_it_access(
        service: ProcurementService, follow: Follow) -> None:
    admin, _, auditor, _ = _directory(service)
    parties = Parties(authority=admin)
    walked = walk_to(service, parties, State.EVALUATION)
    walk_to(service, Parties(), State.EVALUATION)  # another authority's
    service.grant_audit_access(admin, auditor)
    db = follow(CaseList)
    as_auditor = Actor(uuid4(), auditor, Role.AUDITOR)
    (row,) = case_list.cases_for(db, as_auditor)
    assert row.procurement_id == walked.procurement_id
    assert row.tender_count == 2  # auditors see tenders once tendering has closed
    service.revoke_audit_access(admin, auditor)
    db = follow(CaseList)
    assert case_list.cases_for(db, as_auditor) == []


def test_no_listing_shows_who_tendered_while_tendering_is_open(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    pid = walk_to(service, parties, State.TENDERING).procurement_id
    service.submit_tender(parties.supplier, pid, example_tender(parties.supplier, sme=True))
    service.submit_tender(parties.other_supplier, pid, example_tender(parties.other_supplier))
    db = follow(CaseList)
    (owner_row,) = case_list.cases_for(db, parties.authority)
    (open_row,) = case_list.open_for_tendering(db)
    (mine,) = case_list.cases_for(db, parties.supplier)
    (anyone,) = case_list.cases_for(db, new_actor(Role.SUPPLIER))  # open: every supplier
    assert (owner_row.tenderer_ids, owner_row.tender_count) == ((), None)
    assert (open_row.tenderer_ids, open_row.tender_count) == ((), None)
    assert (anyone.tenderer_ids, anyone.parts) == ((), frozenset({Part.PROSPECTIVE_TENDERER}))
    assert (mine.tenderer_ids, mine.tender_count) == ((parties.supplier.organisation_id,), None)
    service.close_tendering(parties.authority, pid)
    db = follow(CaseList)
    (owner_row,) = case_list.cases_for(db, parties.authority)
    (theirs,) = case_list.cases_for(db, parties.other_supplier)
    assert case_list.cases_for(db, new_actor(Role.SUPPLIER)) == []  # closed: only tenderers
    assert set(owner_row.tenderer_ids) == {parties.supplier.organisation_id,
                                                 parties.other_supplier.organisation_id}
    assert owner_row.tender_count == 2
    assert (theirs.tenderer_ids, theirs.tender_count) == (
        (parties.other_supplier.organisation_id,), None)
    assert case_list.open_for_tendering(db) == []


def _tasks(db: Database, actor: Actor, on: date) -> set[str]:
    return {t.kind for t in case_list.tasks(db, actor.organisation_id, today=on)}


def test_the_owner_is_asked_for_each_decision_in_turn(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    pid = walk_to(service, parties, State.TENDERING).procurement_id
    on = today(service)
    assert "close_tendering" in _tasks(follow(CaseList), parties.authority, on)
    service.submit_tender(parties.supplier, pid, example_tender(parties.supplier))
    service.close_tendering(parties.authority, pid)
    assert _tasks(follow(CaseList), parties.authority, on) == {"award"}
    walked = walk_to(service, parties, State.STANDSTILL)
    db = follow(CaseList)
    (sign,) = [t for t in case_list.tasks(db, parties.authority.organisation_id, today=on)
               if t.procurement_id == walked.procurement_id]
    assert (sign.kind, sign.overdue) == ("sign_contract", True)
    assert sign.due_on is not None and sign.due_on < on


def test_inboxes_hold_candidates_reports_deviations_and_checkpoints_until_done(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    pid, on = walked.procurement_id, today(service)
    position = example_position(on - timedelta(days=20))
    service.offer_position(parties.supplier, pid, position)
    assert "propose_candidate" in _tasks(follow(CaseList), parties.matcher, on)
    candidate = Candidate(uuid4(), position.position_id, "P-0042", TargetGroup.YOUNG, True)
    service.propose_candidate(parties.matcher, pid, candidate)
    report = SupplierReport(uuid4(), on - timedelta(days=90), on - timedelta(days=1),
                            "Två anställda, handledning enligt plan.")
    service.submit_report(parties.supplier, pid, report)
    deviation = Deviation(uuid4(), "Placeringen kom i gång sent.", Role.AUTHORITY)
    service.note_deviation(parties.authority, pid, deviation)
    db = follow(CaseList)
    supplier = {t.kind: t for t in case_list.tasks(db, parties.supplier.organisation_id,
                                                   today=on)}
    assert supplier["candidate_answer"].participant_ref == "P-0042"
    assert "propose_candidate" not in _tasks(db, parties.matcher, on)
    assert {"report_verification", "decide_deviation", "contract_end"} <= _tasks(
        db, parties.authority, on)
    checkpoints = [t for t in case_list.tasks(db, parties.matcher.organisation_id, today=on)
                   if t.kind == "checkpoint"]
    assert checkpoints and all(t.party is Role.MATCHER for t in checkpoints)
    assert checkpoints[0].overdue  # during_3 of a placement that started two years ago
    service.accept_candidate(parties.supplier, pid, candidate.candidate_id)
    service.verify_report(parties.authority, pid, report.report_id, "Godkänd")
    service.decide_deviation(parties.authority, pid, deviation.deviation_id,
                             DeviationDecision(DecisionKind.WAIVER, "Godtas."))
    db = follow(CaseList)
    assert "candidate_answer" not in _tasks(db, parties.supplier, on)
    assert "start_placement" in _tasks(db, parties.supplier, on)
    assert not {"report_verification", "decide_deviation"} & _tasks(db, parties.authority, on)


def test_case_list_ignores_directory_events_but_moves_past_them(
        service: ProcurementService, follow: Follow) -> None:
    _directory(service)
    follow(CaseList)
    (row,) = status(service, [CaseList])
    assert row.lag_events == 0
    assert case_list.cases_for(Database.of(service), new_actor(Role.AUTHORITY)) == []


# -- compliance ------------------------------------------------------------------------------------

def test_compliance_counts_as_the_domain_does(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY, placements=2)
    pid = walked.procurement_id
    early = walked.placement_ids[0]
    start = service.inspect(pid)[0].placements[str(early)].terms.start
    service.end_placement(parties.supplier, pid, early, add_months(start, 10),
                          "Gick vidare till en tillsvidareanställning")
    service.note_deviation(parties.authority, pid,
                           Deviation(uuid4(), "Rapporten kom sent.", Role.AUTHORITY))
    db = follow(Compliance)
    on = today(service)
    view = compliance.contract(db, pid, on)
    domain = service.compliance(parties.authority, pid)
    assert view is not None
    assert view.delivered_months == domain.delivered_months
    assert view.required_months == domain.required_months
    assert (view.first_placement_deadline, view.first_placement_start) == (
        domain.first_placement_deadline, domain.first_placement_start)
    assert view.deadline_status is domain.deadline_status is DeadlineStatus.MET
    assert (view.placements, view.open_deviations) == (2, 1)
    (ended,) = view.ended_early
    assert ended.placement_id == early and ended.reached_threshold
    assert ended.completion_share == pytest.approx(Decimal(10) / Decimal(12), abs=Decimal("0.01"))
    earlier = compliance.contract(db, pid, add_months(start, 3))
    assert earlier is not None and earlier.delivered_months < view.delivered_months
    assert earlier.ended_early == ()


def test_compliance_has_no_row_before_a_contract_and_ignores_dialogue(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    pid = walk_to(service, parties, State.STANDSTILL).procurement_id
    db = follow(Compliance)
    assert compliance.contract(db, pid, today(service)) is None
    assert compliance.contracts(db, as_of=today(service)) == []
    (row,) = status(service, [Compliance])
    assert row.lag_events == 0


def test_a_deadline_with_no_placement_is_at_risk_then_missed(
        open_service: ServiceFactory, durable_env: dict[str, str]) -> None:
    clock = FixedClock(datetime(2028, 9, 15, 10, tzinfo=datetime.now().astimezone().tzinfo))
    service = open_service(durable_env, clock=clock)
    parties = Parties()
    start = add_months(clock.today(), -6) + timedelta(days=10)
    pid = walk_to(service, parties, State.DELIVERY, placements=0,
                  contract_start=start).procurement_id
    ProjectionRunner(service, Compliance).catch_up()
    db = Database.of(service)
    view = compliance.contract(db, pid, clock.today())
    assert view is not None and view.deadline_status is DeadlineStatus.AT_RISK
    later = compliance.contract(db, pid, clock.today() + timedelta(days=30))
    assert later is not None and later.deadline_status is DeadlineStatus.MISSED


# -- statistics ------------------------------------------------------------------------------------

def _record(service: ProcurementService, parties: Parties, pid: UUID, placements: list[UUID],
            statuses: list[str], checkpoint: str = "during_3") -> None:
    case = service.inspect(pid)[0]
    for placement_id, employment_status in zip(placements, statuses, strict=True):
        start = case.placements[str(placement_id)].terms.start
        service.record_checkpoint(parties.matcher, pid, placement_id, checkpoint,
                                  add_months(start, 3), {"employment_status": employment_status})


def _every_count(db: Database) -> list[int | None]:
    counts: list[int | None] = []
    groupings = [(), ("authority",), ("industry",), ("year",), ("authority", "year"),
                 ("authority", "industry", "year")]
    for group_by in groupings:
        for group in statistics.outcomes(db, group_by=group_by):
            counts += [*group.counts.values(), group.total]
        for share in statistics.sme_shares(db, group_by=group_by):
            counts += [share.tenders, share.sme_tenders, share.awards, share.sme_awards]
    return counts


def test_no_statistics_answer_ever_holds_a_count_under_five(
        service: ProcurementService, follow: Follow) -> None:
    big, small = Parties(), Parties()
    nine = walk_to(service, big, State.DELIVERY, placements=9)
    four = walk_to(service, small, State.DELIVERY, placements=4)
    _record(service, big, nine.procurement_id, nine.placement_ids,
            ["studies"] * 4 + ["same_employer"] * 5)
    _record(service, small, four.procurement_id, four.placement_ids, ["unemployed"] * 4)
    db = follow(Statistics)
    counts = _every_count(db)
    assert not [c for c in counts if c is not None and 0 < c < statistics.MIN_CELL]
    groups = {(g.group.authority_id, g.checkpoint_kind): g
              for g in statistics.outcomes(db, group_by=("authority",))}
    start = groups[(big.authority.organisation_id, "start")]
    assert start.counts["same_employer"] == 9 and start.total == 9
    during = groups[(big.authority.organisation_id, "during")]
    # 4 in studies is hidden; so is the 5 beside it (else 9 - 5 would give the 4 away),
    # and the total.
    assert during.counts["studies"] is None and during.counts["same_employer"] is None
    assert during.counts["unemployed"] == 0 and during.total is None
    small_start = groups[(small.authority.organisation_id, "start")]
    assert set(small_start.counts.values()) == {None} and small_start.total is None
    assert statistics.shown(during.counts["studies"]) == ".."


def test_a_cell_of_five_people_is_shown(service: ProcurementService, follow: Follow) -> None:
    parties = Parties()
    five = walk_to(service, parties, State.DELIVERY, placements=5)
    _record(service, parties, five.procurement_id, five.placement_ids, ["same_employer"] * 5)
    db = follow(Statistics)
    (during,) = statistics.outcomes(db, checkpoint_kind="during",
                                    group_by=("authority", "industry"))
    assert during.counts["same_employer"] == 5 and during.total == 5
    assert during.group.cpv_division == "90" and during.group.year is None
    assert during.group.authority_id == parties.authority.organisation_id
    assert during.target_group == TargetGroup.LONG_TERM_UNEMPLOYED.value


def test_a_person_counts_once_per_checkpoint_kind_by_the_latest_observation(
        service: ProcurementService, follow: Follow) -> None:
    parties = Parties()
    walked = walk_to(service, parties, State.DELIVERY, placements=5)
    _record(service, parties, walked.procurement_id, walked.placement_ids, ["studies"] * 5)
    case = service.inspect(walked.procurement_id)[0]
    for placement_id in walked.placement_ids:
        start = case.placements[str(placement_id)].terms.start
        service.record_checkpoint(parties.matcher, walked.procurement_id, placement_id,
                                  "during_6", add_months(start, 6),
                                  {"employment_status": "same_employer"})
    db = follow(Statistics)
    (during,) = statistics.outcomes(db, checkpoint_kind="during", group_by=())
    assert during.counts["same_employer"] == 5 and during.counts["studies"] == 0


def test_sme_shares_count_tenders_only_once_tendering_has_closed(
        service: ProcurementService, follow: Follow) -> None:
    authority = new_actor(Role.AUTHORITY)
    suppliers = [new_actor(Role.SUPPLIER) for _ in range(5)]
    pid = walk_to(service, Parties(authority=authority), State.TENDERING).procurement_id
    for supplier in suppliers:
        service.submit_tender(supplier, pid, example_tender(supplier, sme=True))
    db = follow(Statistics)
    assert statistics.sme_shares(db) == []
    service.close_tendering(authority, pid)
    db = follow(Statistics)
    (share,) = statistics.sme_shares(db, group_by=("authority",))
    assert (share.tenders, share.sme_tenders, share.sme_tender_share) == (5, 5, Decimal("1"))
    assert (share.awards, share.sme_awards, share.sme_award_share) == (None, None, None)


def test_statistics_ignore_events_that_carry_no_outcome(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walk_to(service, parties, State.STANDSTILL)
    db = follow(Statistics)
    assert statistics.outcomes(db) == []
    (row,) = status(service, [Statistics])
    assert row.lag_events == 0


# -- reminders -------------------------------------------------------------------------------------

def test_reminders_hold_every_due_date_the_plan_and_contract_imply(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    pid = walked.procurement_id
    db = follow(Reminders)
    rows = reminders.for_procurement(db, pid)
    case = service.inspect(pid)[0]
    assert len({r.key for r in rows}) == len(rows)
    by_kind: dict[str, list[reminders.Reminder]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    assert {"standstill_end", "contract_end", "first_placement", "report", "checkpoint",
            "candidate_answer"} == set(by_kind)
    placement = case.placements[str(walked.placement_ids[0])]
    assert case.plan is not None
    due = case.plan.due_dates(placement.terms.start, None, placement.terms.planned_end)
    matcher = {r.subject.split(":")[1]: r for r in by_kind["checkpoint"] if r.party == "matcher"}
    assert {k: r.due_on for k, r in matcher.items()} == dict(due)
    assert matcher["start"].status == "done" and matcher["during_3"].status == "open"
    assert {r.organisation_id for r in matcher.values()} == {parties.matcher.organisation_id}
    supplier = [r for r in by_kind["checkpoint"] if r.party == "supplier"]
    assert len(supplier) == len(due) and all(r.status == "open" for r in supplier)
    assert case.contract is not None and case.requirement is not None
    (first,) = by_kind["first_placement"]
    assert (first.status, first.done_on) == ("done", placement.terms.start)
    (standstill,) = by_kind["standstill_end"]
    assert standstill.status == "done" and standstill.party == "authority"
    (end,) = by_kind["contract_end"]
    assert (end.due_on, end.status) == (case.contract.end, "open")
    assert len(by_kind["report"]) == 8  # a two-year contract, one report a quarter
    assert by_kind["report"][0].due_on == add_months(case.contract.start, 3)
    (answer,) = by_kind["candidate_answer"]
    assert answer.status == "done"


def test_a_reminder_is_done_once_the_fact_it_waits_for_is_recorded(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    pid, on = walked.procurement_id, today(service)
    position = example_position(on - timedelta(days=20))
    service.offer_position(parties.supplier, pid, position)
    candidate = Candidate(uuid4(), position.position_id, "P-0099", TargetGroup.YOUNG, True)
    service.propose_candidate(parties.matcher, pid, candidate)
    contract_start = service.inspect(pid)[0].contract.start  # type: ignore[union-attr]
    report = SupplierReport(uuid4(), contract_start,
                            add_months(contract_start, 3) - timedelta(days=1), "Första kvartalet")
    service.submit_report(parties.supplier, pid, report)
    db = follow(Reminders)

    def one(kind: str, subject: str) -> reminders.Reminder:
        (found,) = [r for r in reminders.for_procurement(db, pid)
                    if r.kind == kind and r.subject.startswith(subject)]
        return found

    answer = one("candidate_answer", str(candidate.candidate_id))
    assert answer.status == "open" and answer.organisation_id == parties.supplier.organisation_id
    assert answer.due_on - timedelta(days=10) == answer.done_on or answer.done_on is None
    assert one("report", "period-1").status == "done"
    assert one("report", "period-2").status == "open"
    verification = one("report_verification", str(report.report_id))
    assert verification.status == "open" and verification.party == "authority"
    open_due = reminders.due(db, until=answer.due_on, procurement_id=pid)
    assert answer.key in {r.key for r in open_due}
    service.accept_candidate(parties.supplier, pid, candidate.candidate_id)
    service.query_report(parties.authority, pid, report.report_id, "Saknar timmar per vecka")
    db = follow(Reminders)
    assert one("candidate_answer", str(candidate.candidate_id)).status == "done"
    assert one("report_verification", str(report.report_id)).status == "done"
    assert answer.key not in {r.key for r in reminders.due(db, until=answer.due_on,
                                                           procurement_id=pid)}


def test_an_early_end_moves_the_exit_reminders_and_a_closed_case_owes_nothing(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    pid, placement_id = walked.procurement_id, walked.placement_ids[0]
    db = follow(Reminders)
    before = {r.subject: r for r in reminders.for_procurement(db, pid) if r.kind == "checkpoint"}
    start = service.inspect(pid)[0].placements[str(placement_id)].terms.start
    ended = add_months(start, 4)
    service.end_placement(parties.supplier, pid, placement_id, ended, "Flyttade")
    db = follow(Reminders)
    after = {r.subject: r for r in reminders.for_procurement(db, pid) if r.kind == "checkpoint"}
    exit_key = f"{placement_id}:exit:matcher"
    assert before[exit_key].due_on != after[exit_key].due_on == ended
    assert f"{placement_id}:during_6:matcher" in before
    assert f"{placement_id}:during_6:matcher" not in after
    service.end_contract(parties.authority, pid, today(service) - timedelta(days=1))
    outcome = service.compliance(parties.authority, pid).outcome
    service.close_procurement(parties.authority, pid, outcome, "Beslutat")
    db = follow(Reminders)
    rows = reminders.for_procurement(db, pid)
    assert rows and {r.status for r in rows} == {"done"}
    assert reminders.due(db, until=date(2100, 1, 1), procurement_id=pid) == []


def test_the_case_lists_show_each_actor_exactly_what_the_policy_lets_it_see(
        service: ProcurementService, follow: Follow) -> None:
    """The read model against the service's own check on the aggregate, for every party
    of cases in every state, plus outsiders: same cases, same parts."""
    admin, _, auditor, _ = _directory(service)
    parties = Parties(authority=admin)
    walked = [walk_to(service, parties, state)
              for state in (State.DRAFT, State.TENDERING, State.EVALUATION, State.DELIVERY,
                            State.CLOSED, State.CANCELLED)]
    walk_to(service, Parties(), State.TENDERING)  # another authority's, open for tenders
    service.grant_audit_access(admin, auditor)
    db = follow(CaseList)
    actors = [parties.authority, parties.supplier, parties.other_supplier, parties.matcher,
              parties.social_enterprise, Actor(uuid4(), auditor, Role.AUDITOR),
              new_actor(Role.SUPPLIER), new_actor(Role.AUTHORITY), new_actor(Role.MATCHER),
              new_actor(Role.ADMIN)]
    for actor in actors:
        expected = {v.procurement_id: v.parts for v in service.visible_cases(actor)}
        listed = {c.procurement_id: c.parts for c in case_list.cases_for(db, actor)}
        assert listed == expected, actor.role
    assert len({w.procurement_id for w in walked}
               & {c.procurement_id for c in case_list.cases_for(db, parties.authority)}) == 6


# -- reminders sent: audit trail, notices ----------------------------------------------------------

def test_a_reminder_sent_reaches_the_trail_the_notices_and_the_reminders_row(
        service: ProcurementService, parties: Parties, follow: Follow) -> None:
    walked = walk_to(service, parties, State.DELIVERY)
    pid, on = walked.procurement_id, today(service)
    db = follow(Reminders)
    (item,) = [r for r in reminders.to_remind(db, on + timedelta(days=400))
               if r.kind == "contract_end"]
    assert item.sent == frozenset() and item.policy == ReminderPolicy()
    sent = Reminder(item.key, Stage.BEFORE, item.kind, item.subject, item.due_on,
                    item.organisation_id, Role.AUTHORITY,
                    item.due_on - timedelta(days=7), late=False)
    clock_at(service, sent.sent_on)
    assert service.record_reminder(pid, sent) is True
    assert service.record_reminder(pid, sent) is False  # once, however often asked
    db = follow(AuditTrail, Reminders, Notices)
    (row,) = audit_trail.entries(db, procurement_id=pid, event_types=["ReminderSent"]).entries
    assert row.summary_sv.startswith("Påminnelse skickad: påminnelse, avtalet löper ut senast")
    assert row.organisation_id == SYSTEM.organisation_id
    (again,) = [r for r in reminders.for_procurement(db, pid) if r.key == item.key]
    assert again.sent == frozenset({Stage.BEFORE})
    (notice,) = notices.for_organisation(db, parties.authority.organisation_id,
                                         since=sent.sent_on)
    assert (notice.stage, notice.kind, notice.due_on, notice.title) == (
        "before", "contract_end", item.due_on, "Städtjänster för kommunens lokaler")


def clock_at(service: ProcurementService, day: date) -> None:
    """Moves the test's FixedClock to a day (a reminder cannot be sent before its day)."""
    assert isinstance(service.clock, FixedClock)
    service.clock.advance(datetime.combine(day, service.clock.now().timetz())
                          - service.clock.now())


@pytest.mark.postgres
def test_processes_opening_the_read_models_at_once_on_a_fresh_schema_all_succeed(
        open_service: ServiceFactory, fresh_postgres_env: dict[str, str]) -> None:
    """A web process, a projection runner and a scheduler starting together each create
    the projections' tables if missing; none of them may fail because another won."""
    services = [open_service(fresh_postgres_env) for _ in range(4)]
    barrier = threading.Barrier(len(services))
    failures: list[BaseException] = []

    def open_all(service: ProcurementService) -> None:
        barrier.wait()
        try:
            for projection in named():
                open_view(service, projection.name, projection.tables)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=open_all, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert {s.name for s in status(services[0], named())} == set(PROJECTIONS_BY_NAME)
