"""Every procurement event is written to SQLite and PostgreSQL and read back unchanged, and
snapshots give the same case as replaying the events."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Recording
from eventsourcing.utils import get_topic

from domain.examples import (
    Parties,
    example_position,
    example_requirement,
    example_setup,
    example_tender,
    example_terms,
    walk_to,
)
from domain.procurement import Procurement, events
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import DecisionKind, Deviation, DeviationDecision
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import FollowUpPlan, ItemType, PlanItem, add_months
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, Preparation
from domain.procurement.placements import EndKind
from domain.procurement.reminders import Reminder, ReminderPolicy, Stage
from domain.procurement.reports import SupplierReport
from domain.procurement.tenders import Tender
from domain.service import ProcurementService
from domain.values import Role, TargetGroup

ServiceFactory = Callable[..., ProcurementService]

EVENT_CLASSES = sorted(
    (cls for _, cls in inspect.getmembers(events, inspect.isclass)
     if issubclass(cls, events.ProcurementEvent) and cls is not events.ProcurementEvent
     and cls.__module__ == events.__name__),
    key=lambda cls: cls.__name__)


class RecordingService(ProcurementService):
    """Keeps the events it saved, as they were before they went to the store."""

    name = ProcurementService.name  # the library names tables after the application

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved: list[Any] = []

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        recordings = super().save(*objs, **kwargs)
        self.saved.extend(recording.domain_event for recording in recordings)
        return recordings


def rich_plan() -> FollowUpPlan:
    """A plan with an item of every type, so checkpoint values of every type are stored."""
    return FollowUpPlan(items=(
        PlanItem("employment_status", "Sysselsättning", "Employment status",
                 ItemType.ENUMERATION, Role.MATCHER, ("same_employer", "studies", "unknown")),
        PlanItem("hours_per_week", "Timmar per vecka", "Hours per week", ItemType.NUMBER,
                 Role.SUPPLIER),
        PlanItem("training_completed", "Genomförd utbildning", "Training completed",
                 ItemType.YES_NO, Role.SUPPLIER),
        PlanItem("next_review_on", "Nästa avstämning", "Next review", ItemType.DATE,
                 Role.SUPPLIER),
        PlanItem("comment", "Kommentar", "Comment", ItemType.TEXT, Role.SOCIAL_ENTERPRISE),
    ), during_interval_months=3, after_exit_months=(3, 6, 12))


@dataclass
class RichCase:
    procurement_id: UUID
    cancelled_id: UUID


def build_rich_case(service: ProcurementService, parties: Parties,
                    extra_notes: int = 12) -> RichCase:
    """A closed case with every kind of fact: revisions, dialogue, two tenders (one revised),
    declines, preparation, an amended plan, checkpoints of every value type, queried and
    verified reports, decided deviations, an early and a planned end; plus a cancelled one."""
    a, s, other = parties.authority, parties.supplier, parties.other_supplier
    m, se = parties.matcher, parties.social_enterprise
    today = service.clock.today()
    start = add_months(today, -26)
    pid = service.create_procurement(a, example_setup(reference="KS 2026/0001"))
    service.revise_setup(a, pid, example_setup(reference="KS 2026/0002"))
    service.set_requirement(a, pid, example_requirement(Decimal("20.5")))
    service.set_follow_up_plan(a, pid, rich_plan())
    for number in range(extra_notes):
        service.add_dialogue_note(a, pid, DialogueNote(
            list(Counterpart)[number % len(Counterpart)], f"Organisation {number}",
            start - timedelta(days=200 - number), f"Anteckning {number}: åäö ÅÄÖ"))
    service.publish(a, pid, start - timedelta(days=60))
    service.submit_tender(s, pid, example_tender(s, sme=True))
    revised = example_tender(s, sme=True, positions=3)
    service.submit_tender(s, pid, Tender(revised.supplier_id, revised.plan, revised.sme,
                                         (se.organisation_id,)))
    service.submit_tender(other, pid, example_tender(other))
    service.close_tendering(a, pid)
    decided = start - timedelta(days=30)
    service.award_contract(a, pid, Award(s.organisation_id, decided, decided + timedelta(days=10)))
    service.sign_contract(a, pid, Contract(decided + timedelta(days=11), start,
                                           add_months(start, 24) - timedelta(days=1)))
    service.hold_kick_off(a, pid, KickOff(start, ("Kommunen", "Leverantören"), "Plan avtalad"))
    service.appoint_matcher(a, pid, m.organisation_id)
    service.invite_partner(s, pid, se.organisation_id)

    first, second = add_months(start, 1), add_months(start, 2)
    positions = [example_position(first), example_position(second)]
    for position in positions:
        service.offer_position(s, pid, position)
    declined, kept = (Candidate(uuid4(), positions[0].position_id, ref, TargetGroup.YOUNG, True)
                      for ref in ("P-0001", "P-0002"))
    other_kept = Candidate(uuid4(), positions[1].position_id, "P-0003",
                           TargetGroup.FOREIGN_BORN, True)
    for candidate in (declined, kept, other_kept):
        service.propose_candidate(m, pid, candidate)
    service.decline_candidate(s, pid, declined.candidate_id, "Kunde inte börja i tid")
    service.record_preparation(se, pid, kept.candidate_id, Preparation(
        se.organisation_id, "Förberedande arbetsträning", first - timedelta(days=30),
        first - timedelta(days=1)))
    service.accept_candidate(s, pid, kept.candidate_id)
    service.accept_candidate(s, pid, other_kept.candidate_id)
    early, planned = uuid4(), uuid4()
    service.start_placement(s, pid, early, kept.candidate_id, example_terms(first))
    service.start_placement(s, pid, planned, other_kept.candidate_id,
                            example_terms(second, percent=75))
    service.amend_follow_up_plan(a, pid, rich_plan(), "Kommentarer från det sociala företaget")
    service.record_checkpoint(m, pid, early, "start", first, {"employment_status": "same_employer"})
    service.record_checkpoint(s, pid, early, "during_3", add_months(first, 3), {
        "hours_per_week": Decimal("37.5"), "training_completed": True,
        "next_review_on": add_months(first, 6)})
    service.record_checkpoint(se, pid, planned, "start", second, {"comment": "Bra start"})

    reports = [SupplierReport(uuid4(), start, add_months(start, 3) - timedelta(days=1),
                              "Två anställda"),
               SupplierReport(uuid4(), add_months(start, 3), add_months(start, 6),
                              "Oförändrat")]
    for report in reports:
        service.submit_report(s, pid, report)
    service.query_report(a, pid, reports[0].report_id, "Saknar arbetstid")
    service.verify_report(a, pid, reports[0].report_id, "Kompletterad")
    service.verify_report(a, pid, reports[1].report_id)
    deviations = [Deviation(uuid4(), "Handledare saknades en månad", Role.MATCHER),
                  Deviation(uuid4(), "Rapport försenad", Role.AUTHORITY)]
    service.note_deviation(m, pid, deviations[0])
    service.note_deviation(a, pid, deviations[1])
    service.decide_deviation(a, pid, deviations[0].deviation_id, DeviationDecision(
        DecisionKind.SANCTION, "Vite enligt avtalet", Decimal("25000.50")))
    service.decide_deviation(a, pid, deviations[1].deviation_id, DeviationDecision(
        DecisionKind.WAIVER, "Ringa betydelse"))
    service.set_reminder_policy(a, pid, ReminderPolicy(days_before=5, escalate_after_days=21))
    service.mark_for_publication(a, pid)
    assert service.record_reminder(pid, Reminder(
        f"{pid}/report/period-9/{service.clock.today()}", Stage.DUE, "report", "period-9",
        service.clock.today(), s.organisation_id, Role.SUPPLIER, service.clock.today(),
        late=False, participant_ref=None))

    ended_early = add_months(first, 7)
    service.end_placement(s, pid, early, ended_early, "Fick fast jobb hos annan arbetsgivare")
    service.end_placement(s, pid, planned, add_months(second, 12) - timedelta(days=1))
    service.record_checkpoint(m, pid, early, "exit", ended_early,
                              {"employment_status": "studies"})
    service.end_contract(a, pid, add_months(start, 24) - timedelta(days=1))
    service.record_checkpoint(m, pid, early, "after_exit_6", add_months(ended_early, 6),
                              {"employment_status": "unknown"})
    outcome = service.compliance(a, pid).outcome
    service.close_procurement(a, pid, outcome,
                              "" if outcome is ComplianceOutcome.MET else "Enligt utfallet")
    cancelled = walk_to(service, parties, State.CANCELLED).procurement_id
    return RichCase(pid, cancelled)


def replay(recorded: Iterable[Any], case: Procurement | None = None) -> Procurement:
    """The case from events (or a snapshot and the events after it), without the service."""
    for event in recorded:
        case = event.mutate(case)
    assert isinstance(case, Procurement)
    return case


def differences(saved: Any, stored: Any) -> list[str]:
    """The fields in which two events differ (empty when equal)."""
    if type(saved) is not type(stored):
        return [f"type {type(saved).__name__} != {type(stored).__name__}"]
    return [name for name in vars(saved) if getattr(stored, name, None) != getattr(saved, name)]


def test_the_procurement_events_are_found_by_introspection() -> None:
    names = {cls.__name__ for cls in EVENT_CLASSES}
    assert {"Created", "Closed", "Cancelled", "CheckpointRecorded"} <= names
    assert len(EVENT_CLASSES) >= 30


def test_every_event_class_is_stored_and_read_back_equal(
        durable_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    writer = open_service(durable_env, RecordingService)
    assert isinstance(writer, RecordingService)
    rich = build_rich_case(writer, parties)
    saved = writer.saved
    assert {type(e) for e in saved} == set(EVENT_CLASSES), "the rich case misses an event class"
    closed_types = {type(e) for e in saved if e.originator_id == rich.procurement_id}
    assert closed_types == set(EVENT_CLASSES) - {events.Cancelled}

    reader = open_service(durable_env)
    for case_id in (rich.procurement_id, rich.cancelled_id):
        originally = [e for e in saved if e.originator_id == case_id]
        read_back = list(reader.events.get(case_id))
        assert len(read_back) == len(originally)
        for before, after in zip(originally, read_back, strict=True):
            assert differences(before, after) == [], f"{type(before).__name__} changed"
            assert after == before
    # The notification log holds the same events, in the order they were saved.
    notifications = reader.recorder.select_notifications(1, len(saved) + 10)
    assert [n.topic for n in notifications] == [get_topic(type(e)) for e in saved]
    assert [(n.originator_id, n.originator_version) for n in notifications] == [
        (e.originator_id, e.originator_version) for e in saved]

    case, _ = writer.inspect(rich.procurement_id)
    again, _ = reader.inspect(rich.procurement_id)
    assert vars(again) == vars(case)
    assert again.state is State.CLOSED
    assert {c.status.value for c in again.candidates.values()} == {"declined", "placed"}
    assert {p.end_kind for p in again.placements.values()} == {EndKind.EARLY,
                                                                EndKind.PLANNED}
    assert again.contract is not None
    values = [r.values for r in again.checkpoints]
    assert {"hours_per_week": Decimal("37.5"), "training_completed": True,
            "next_review_on": add_months(add_months(again.contract.start, 1), 6)} in values
    sanctioned = [d.decision for d in again.deviations.values()
                  if d.decision and d.decision.kind is DecisionKind.SANCTION]
    assert [d.sanction_amount_sek for d in sanctioned] == [Decimal("25000.50")]


def test_a_snapshot_gives_the_same_case_as_replaying_every_event(
        durable_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    writer = open_service(durable_env)
    assert writer.snapshotting_intervals[Procurement] == 50
    pid = build_rich_case(writer, parties, extra_notes=60).procurement_id

    reader = open_service(durable_env)
    assert reader.snapshots is not None
    stored_events = list(reader.events.get(pid))
    assert len(stored_events) > 100
    snapshots = list(reader.snapshots.get(pid))
    assert [s.originator_version for s in snapshots] == [
        v for v in range(50, len(stored_events) + 1, 50)]

    replayed = replay(stored_events)
    from_snapshot = replay(reader.events.get(pid, gt=snapshots[-1].originator_version),
                           replay(snapshots[-1:]))
    loaded, _ = reader.inspect(pid)

    assert isinstance(replayed, Procurement)
    assert replayed.version == len(stored_events)
    assert from_snapshot.version == replayed.version
    assert vars(from_snapshot) == vars(replayed)
    assert vars(loaded) == vars(replayed)
    # The snapshot holds the case as it was at its version, not a later one.
    assert vars(replay(snapshots[:1])) == vars(replay(stored_events[:50]))
    # And the service answers the same from it.
    assert reader.get_case(parties.authority, pid) == writer.get_case(parties.authority, pid)
