"""What one actor may see of a case: the aggregate's state, filtered by the access policy."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from domain import access
from domain.access import Command, Part
from domain.procurement import Procurement
from domain.procurement.checkpoints import CheckpointRecord
from domain.procurement.compliance import ComplianceAssessment, ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import Deviation
from domain.procurement.dialogue import DialogueNote
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate, CandidateStatus, Position, Preparation
from domain.procurement.placements import Placement
from domain.procurement.reminders import ReminderPolicy
from domain.procurement.reports import SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import Tender
from domain.values import Actor, TargetGroup


@dataclass(frozen=True)
class CaseView:
    procurement_id: UUID
    version: int
    state: State
    owner_id: UUID
    setup: CaseSetup
    requirement: EmploymentRequirement | None
    plan: FollowUpPlan | None
    tender_deadline: date | None
    parts: frozenset[Part]
    tenders: tuple[Tender, ...]
    tender_count: int | None  # None where even the number of tenders is sealed
    award: Award | None
    contract: Contract | None
    kick_off: KickOff | None
    dialogue_notes: tuple[DialogueNote, ...] = ()
    cancellation_reason: str | None = None
    matcher_id: UUID | None = None  # these two only for those who work on the delivery
    partner_ids: tuple[UUID, ...] = ()
    compliance_decision: ComplianceOutcome | None = None  # for those who see compliance
    positions: tuple[Position, ...] = ()
    candidates: tuple[CandidateView, ...] = ()
    placements: tuple[Placement, ...] = ()
    checkpoints: tuple[CheckpointRecord, ...] = ()
    reports: tuple[SupplierReport, ...] = ()
    deviations: tuple[Deviation, ...] = ()
    compliance: ComplianceAssessment | None = None
    reminder_policy: ReminderPolicy = field(default_factory=ReminderPolicy)
    marked_for_publication: bool = False  # anyone may read it as open data


@dataclass(frozen=True)
class CandidateView:
    """A candidate as one party sees it; target_group is None where it is not theirs to see."""

    candidate_id: UUID
    position_id: UUID
    participant_ref: str
    target_group: TargetGroup | None
    status: CandidateStatus
    decline_reason: str
    preparations: tuple[Preparation, ...]

    @classmethod
    def of(cls, candidate: Candidate, show_target_group: bool) -> CandidateView:
        return cls(candidate.candidate_id, candidate.position_id, candidate.participant_ref,
                   candidate.target_group if show_target_group else None, candidate.status,
                   candidate.decline_reason, candidate.preparations)


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    recorded_at: datetime
    event_type: str
    actor: Actor


def case_view(case: Procurement, actor: Actor, parts: frozenset[Part], today: date) -> CaseView:
    is_owner = Part.OWNER in parts
    tenders = tuple(t for t in case.tenders.values()
                    if access.may_see_tender(actor, parts, case, t))
    view = CaseView(
        procurement_id=case.id, version=access.visible_version(actor, case), state=case.state,
        owner_id=case.owner_id, setup=case.setup, requirement=case.requirement,
        plan=case.plan, tender_deadline=case.tender_deadline, parts=parts,
        tenders=tenders,
        tender_count=None if access.tenders_are_sealed(case) else len(case.tenders),
        award=case.award, contract=case.contract, kick_off=case.kick_off,
        dialogue_notes=tuple(case.dialogue_notes) if is_owner else (),
        cancellation_reason=case.cancellation_reason,
        reminder_policy=case.reminder_policy,
        marked_for_publication=case.marked_for_publication,
    )
    if access.allows(Command.VIEW_DELIVERY, parts):
        show = access.may_see_target_groups(parts)
        candidates = tuple(CandidateView.of(c, show) for c in case.candidates.values())
        view = replace(view, matcher_id=case.matcher_id, partner_ids=tuple(case.partner_ids),
                       positions=tuple(case.positions.values()), candidates=candidates,
                       placements=tuple(case.placements.values()),
                       checkpoints=tuple(case.checkpoints), reports=tuple(case.reports.values()),
                       deviations=tuple(case.deviations.values()))
    if access.allows(Command.VIEW_COMPLIANCE, parts) and case.requirement is not None:
        view = replace(view, compliance=case.assess_compliance(today),
                       compliance_decision=case.compliance_decision)
    return view
