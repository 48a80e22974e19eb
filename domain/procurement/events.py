"""The facts a procurement records, in the past tense, and how each changes the case.

Each event carries the actor who caused it. `apply` only changes state: every rule is
checked by the aggregate's command method before the event is triggered, because `apply`
runs again, unchecked, whenever the case is read back from the store.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import clock
from domain.procurement.checkpoints import CheckpointRecord
from domain.procurement.compliance import ComplianceAssessment, ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import Deviation, DeviationDecision
from domain.procurement.dialogue import DialogueNote
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, CandidateStatus, Position, Preparation
from domain.procurement.placements import EndKind, Placement
from domain.procurement.reminders import Reminder, ReminderPolicy
from domain.procurement.reports import ReportStatus, SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import Tender
from domain.values import Actor

if TYPE_CHECKING:
    from domain.procurement.aggregate import Procurement


class ProcurementEvent(clock.StampedByServiceClock, Aggregate.Event):
    """Base of every procurement event. Version 1 of every event's schema; an upcaster
    named upcast_v1_v2 goes beside a class whose fields change."""

    class_version = 1
    actor: Actor

    def apply(self, aggregate: Any) -> None:
        self.change(aggregate)

    def change(self, case: Procurement) -> None:
        """Subclasses change the case here."""


class Created(ProcurementEvent, Aggregate.Created):
    owner_id: UUID
    setup: CaseSetup


class SetupRevised(ProcurementEvent):
    setup: CaseSetup

    def change(self, case: Procurement) -> None:
        case.setup = self.setup


class RequirementSet(ProcurementEvent):
    requirement: EmploymentRequirement

    def change(self, case: Procurement) -> None:
        case.requirement = self.requirement


class FollowUpPlanSet(ProcurementEvent):
    plan: FollowUpPlan

    def change(self, case: Procurement) -> None:
        case.plan = self.plan


class FollowUpPlanAmended(ProcurementEvent):
    plan: FollowUpPlan
    reason: str

    def change(self, case: Procurement) -> None:
        case.plan = self.plan


class DialogueNoteAdded(ProcurementEvent):
    note: DialogueNote

    def change(self, case: Procurement) -> None:
        case.dialogue_notes.append(self.note)


class Published(ProcurementEvent):
    tender_deadline: date

    def change(self, case: Procurement) -> None:
        case.state = State.TENDERING
        case.tender_deadline = self.tender_deadline


class TenderSubmitted(ProcurementEvent):
    tender: Tender

    def change(self, case: Procurement) -> None:
        case.tenders[str(self.tender.supplier_id)] = self.tender


class TenderingClosed(ProcurementEvent):
    def change(self, case: Procurement) -> None:
        case.state = State.EVALUATION
        case.tendering_closed = True


class Awarded(ProcurementEvent):
    award: Award

    def change(self, case: Procurement) -> None:
        case.award = self.award
        case.state = State.STANDSTILL


class ContractSigned(ProcurementEvent):
    contract: Contract

    def change(self, case: Procurement) -> None:
        case.contract = self.contract
        case.state = State.DELIVERY


class KickOffHeld(ProcurementEvent):
    kick_off: KickOff

    def change(self, case: Procurement) -> None:
        case.kick_off = self.kick_off


class MatcherAppointed(ProcurementEvent):
    matcher_id: UUID

    def change(self, case: Procurement) -> None:
        case.matcher_id = self.matcher_id


class PartnerInvited(ProcurementEvent):
    partner_id: UUID

    def change(self, case: Procurement) -> None:
        case.partner_ids.append(self.partner_id)


class PositionOffered(ProcurementEvent):
    position: Position

    def change(self, case: Procurement) -> None:
        case.positions[str(self.position.position_id)] = self.position


class CandidateProposed(ProcurementEvent):
    candidate: Candidate

    def change(self, case: Procurement) -> None:
        case.candidates[str(self.candidate.candidate_id)] = self.candidate


class CandidateAccepted(ProcurementEvent):
    candidate_id: UUID

    def change(self, case: Procurement) -> None:
        key = str(self.candidate_id)
        case.candidates[key] = case.candidates[key].answered(CandidateStatus.ACCEPTED)


class CandidateDeclined(ProcurementEvent):
    candidate_id: UUID
    reason: str

    def change(self, case: Procurement) -> None:
        key = str(self.candidate_id)
        case.candidates[key] = case.candidates[key].answered(CandidateStatus.DECLINED,
                                                             self.reason)


class PreparationRecorded(ProcurementEvent):
    candidate_id: UUID
    preparation: Preparation

    def change(self, case: Procurement) -> None:
        key = str(self.candidate_id)
        case.candidates[key] = case.candidates[key].with_preparation(self.preparation)


class PlacementStarted(ProcurementEvent):
    placement: Placement

    def change(self, case: Procurement) -> None:
        case.placements[str(self.placement.placement_id)] = self.placement
        key = str(self.placement.candidate_id)
        case.candidates[key] = case.candidates[key].answered(CandidateStatus.PLACED)


class PlacementEnded(ProcurementEvent):
    placement_id: UUID
    ended_on: date
    end_kind: EndKind
    reason: str

    def change(self, case: Procurement) -> None:
        key = str(self.placement_id)
        case.placements[key] = case.placements[key].ended(self.ended_on, self.end_kind,
                                                          self.reason)


class CheckpointRecorded(ProcurementEvent):
    record: CheckpointRecord

    def change(self, case: Procurement) -> None:
        case.checkpoints.append(self.record)


class ReportSubmitted(ProcurementEvent):
    report: SupplierReport

    def change(self, case: Procurement) -> None:
        case.reports[str(self.report.report_id)] = self.report


class ReportVerified(ProcurementEvent):
    report_id: UUID
    comment: str

    def change(self, case: Procurement) -> None:
        key = str(self.report_id)
        case.reports[key] = case.reports[key].answered(ReportStatus.VERIFIED, self.comment)


class ReportQueried(ProcurementEvent):
    report_id: UUID
    comment: str

    def change(self, case: Procurement) -> None:
        key = str(self.report_id)
        case.reports[key] = case.reports[key].answered(ReportStatus.QUERIED, self.comment)


class DeviationNoted(ProcurementEvent):
    deviation: Deviation

    def change(self, case: Procurement) -> None:
        case.deviations[str(self.deviation.deviation_id)] = self.deviation


class DeviationDecided(ProcurementEvent):
    deviation_id: UUID
    decision: DeviationDecision

    def change(self, case: Procurement) -> None:
        key = str(self.deviation_id)
        case.deviations[key] = case.deviations[key].decided(self.decision)


class ContractEnded(ProcurementEvent):
    ended_on: date

    def change(self, case: Procurement) -> None:
        assert case.contract is not None  # noqa: S101 - checked by end_contract
        case.contract = case.contract.ended(self.ended_on)
        case.state = State.FOLLOW_UP


class Closed(ProcurementEvent):
    decision: ComplianceOutcome
    assessment: ComplianceAssessment
    motivation: str

    def change(self, case: Procurement) -> None:
        case.compliance_decision = self.decision
        case.state = State.CLOSED


class Cancelled(ProcurementEvent):
    reason: str

    def change(self, case: Procurement) -> None:
        case.cancellation_reason = self.reason
        case.state = State.CANCELLED


class MarkedForPublication(ProcurementEvent):
    """The owner let the public read the case as open data (projections/ocds/)."""

    def change(self, case: Procurement) -> None:
        case.marked_for_publication = True


class ReminderPolicySet(ProcurementEvent):
    policy: ReminderPolicy

    def change(self, case: Procurement) -> None:
        case.reminder_policy = self.policy


class ReminderSent(ProcurementEvent):
    """A reminder (or an escalation) the scheduler sent: the inbox notice and the e-mails
    follow from this fact (projections/notices.py, scheduler/mailer.py)."""

    reminder: Reminder

    def change(self, case: Procurement) -> None:
        case.reminders_sent.setdefault(self.reminder.reminder_key, []).append(
            self.reminder.stage.value)
