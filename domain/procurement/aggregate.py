"""The Procurement aggregate: one case from draft to closed, one consistency boundary.

Each command checks the lifecycle state and the rules of the part it touches, then
triggers one event (events.py) that changes the state. Access (who may run a command)
is decided before this class is reached, in domain/access.py.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain import validation
from domain.errors import AlreadyRecorded, RuleViolation, ValidationError
from domain.procurement import compliance, events
from domain.procurement.checkpoints import CheckpointRecord
from domain.procurement.compliance import ComplianceAssessment, ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import Deviation, DeviationDecision
from domain.procurement.dialogue import DialogueNote
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.lifecycle import (
    CANCELLABLE,
    FINISHED,
    FOLLOWING_UP,
    State,
    require_state,
)
from domain.procurement.matching import Candidate, CandidateStatus, Position, Preparation
from domain.procurement.placements import EndKind, Placement, PlacementTerms
from domain.procurement.reminders import Reminder, ReminderPolicy, stage_day
from domain.procurement.reports import ReportStatus, SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import Tender
from domain.values import Actor, parse_enum

BEFORE_SIGNATURE = frozenset({State.DRAFT, State.TENDERING, State.EVALUATION,
                              State.STANDSTILL})
ACTIVE = frozenset(State) - FINISHED


class Procurement(Aggregate):
    class_version = 2
    Event = events.ProcurementEvent
    # Class-level default for snapshots taken before this fact was kept (only a cancelled
    # case needs it: its state alone does not say whether tendering had closed).
    tendering_closed = False
    marked_for_publication = False

    def __init__(self, actor: Actor, owner_id: UUID, setup: CaseSetup) -> None:
        self.owner_id = owner_id
        self.created_by = actor
        self.setup = setup
        self.state = State.DRAFT
        self.requirement: EmploymentRequirement | None = None
        self.plan: FollowUpPlan | None = None
        self.dialogue_notes: list[DialogueNote] = []
        self.tender_deadline: date | None = None
        self.tenders: dict[str, Tender] = {}
        self.tendering_closed = False
        self.marked_for_publication = False
        self.award: Award | None = None
        self.contract: Contract | None = None
        self.kick_off: KickOff | None = None
        self.matcher_id: UUID | None = None
        self.partner_ids: list[UUID] = []
        self.positions: dict[str, Position] = {}
        self.candidates: dict[str, Candidate] = {}
        self.placements: dict[str, Placement] = {}
        self.checkpoints: list[CheckpointRecord] = []
        self.reports: dict[str, SupplierReport] = {}
        self.deviations: dict[str, Deviation] = {}
        self.compliance_decision: ComplianceOutcome | None = None
        self.cancellation_reason: str | None = None
        self.reminder_policy = ReminderPolicy()
        self.reminders_sent: dict[str, list[str]] = {}  # due item's key -> stages sent

    def __deepcopy__(self, memo: dict[int, Any]) -> Procurement:
        """The repository hands each command its own copy of a cached case
        (AGGREGATE_CACHE_MAXSIZE). The state is containers of frozen values, so copying the
        containers is a whole copy: the values are shared, never copied one by one."""
        copied = object.__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update({name: _copy_containers(value, memo)
                                for name, value in self.__dict__.items()})
        return copied

    @staticmethod
    def upcast_v1_v2(state: dict[str, object]) -> None:
        """Snapshots from before reminders: the default policy, nothing sent."""
        state["reminder_policy"] = ReminderPolicy()
        state["reminders_sent"] = {}

    @classmethod
    def create(cls, actor: Actor, setup: CaseSetup) -> Procurement:
        return cls._create(events.Created, actor=actor, owner_id=actor.organisation_id,
                           setup=setup)

    # -- set-up ----------------------------------------------------------------------

    def revise_setup(self, actor: Actor, setup: CaseSetup) -> None:
        require_state(self.state, State.DRAFT, "the set-up is fixed once published")
        self.trigger_event(events.SetupRevised, actor=actor, setup=setup)

    def set_requirement(self, actor: Actor, requirement: EmploymentRequirement) -> None:
        require_state(self.state, State.DRAFT,
                      "the employment requirement is fixed once the procurement is published")
        self.trigger_event(events.RequirementSet, actor=actor, requirement=requirement)

    def set_follow_up_plan(self, actor: Actor, plan: FollowUpPlan) -> None:
        require_state(self.state, BEFORE_SIGNATURE,
                      "the follow-up plan is frozen at contract signature; amend it instead")
        self.trigger_event(events.FollowUpPlanSet, actor=actor, plan=plan)

    def amend_follow_up_plan(self, actor: Actor, plan: FollowUpPlan, reason: str) -> None:
        require_state(self.state, FOLLOWING_UP,
                      "only a signed contract's frozen plan is amended; before that, set it")
        reason = validation.text(reason, "reason")
        self.trigger_event(events.FollowUpPlanAmended, actor=actor, plan=plan, reason=reason)

    def add_dialogue_note(self, actor: Actor, note: DialogueNote) -> None:
        require_state(self.state, ACTIVE, "nothing is added to a finished procurement")
        self.trigger_event(events.DialogueNoteAdded, actor=actor, note=note)

    def publish(self, actor: Actor, tender_deadline: date) -> None:
        require_state(self.state, State.DRAFT, "only a draft can be published")
        tender_deadline = validation.day(tender_deadline, "tender_deadline")
        if self.requirement is None:
            raise RuleViolation("Set the employment requirement before publishing")
        if self.plan is None:
            raise RuleViolation("Set the follow-up plan before publishing: the guidance asks "
                                "for a follow-up model decided early")
        self.trigger_event(events.Published, actor=actor, tender_deadline=tender_deadline)

    # -- tendering and award ------------------------------------------------------------

    def submit_tender(self, actor: Actor, tender: Tender) -> None:
        require_state(self.state, State.TENDERING, "tenders are accepted only while tendering")
        if tender.supplier_id != actor.organisation_id:
            raise RuleViolation("A supplier submits tenders only in its own name")
        previous = self.tenders.get(str(tender.supplier_id))
        revision = previous.revision + 1 if previous else 1
        if tender.revision != revision:
            tender = Tender(tender.supplier_id, tender.plan, tender.sme, tender.partner_ids,
                            revision)
        self.trigger_event(events.TenderSubmitted, actor=actor, tender=tender)

    def close_tendering(self, actor: Actor) -> None:
        require_state(self.state, State.TENDERING, "only open tendering can be closed")
        self.trigger_event(events.TenderingClosed, actor=actor)

    def award_contract(self, actor: Actor, award: Award) -> None:
        require_state(self.state, State.EVALUATION,
                      "the award comes after tendering closes and before the standstill")
        if str(award.supplier_id) not in self.tenders:
            raise RuleViolation("Only a supplier that submitted a tender can be awarded")
        self.trigger_event(events.Awarded, actor=actor, award=award)

    def sign_contract(self, actor: Actor, contract: Contract) -> None:
        require_state(self.state, State.STANDSTILL, "a contract is signed after the award")
        assert self.award is not None  # noqa: S101 - the standstill state implies an award
        if contract.signed_on < self.award.standstill_end:
            raise RuleViolation(
                f"The contract cannot be signed before the standstill period ends on "
                f"{self.award.standstill_end.isoformat()}")
        self.trigger_event(events.ContractSigned, actor=actor, contract=contract)

    def hold_kick_off(self, actor: Actor, kick_off: KickOff, today: date) -> None:
        require_state(self.state, State.DELIVERY, "the kick-off is held once the contract runs")
        _not_in_future(kick_off.held_on, today, "held_on")
        self.trigger_event(events.KickOffHeld, actor=actor, kick_off=kick_off)

    def appoint_matcher(self, actor: Actor, matcher_id: UUID) -> None:
        require_state(self.state, ACTIVE, "nothing is added to a finished procurement")
        if self.matcher_id == matcher_id:
            raise RuleViolation("This matcher is already appointed")
        self.trigger_event(events.MatcherAppointed, actor=actor, matcher_id=matcher_id)

    def invite_partner(self, actor: Actor, partner_id: UUID) -> None:
        require_state(self.state, ACTIVE, "nothing is added to a finished procurement")
        if partner_id in self.partner_ids:
            raise RuleViolation("This partner is already invited")
        self.trigger_event(events.PartnerInvited, actor=actor, partner_id=partner_id)

    # -- matching ----------------------------------------------------------------------

    def offer_position(self, actor: Actor, position: Position) -> None:
        require_state(self.state, State.DELIVERY, "positions are offered while the contract runs")
        if str(position.position_id) in self.positions:
            raise RuleViolation("A position with this id is already offered")
        if position.position_type not in self._requirement.position_types:
            raise ValidationError("position_type",
                                  "is not a position type the requirement allows")
        self.trigger_event(events.PositionOffered, actor=actor, position=position)

    def propose_candidate(self, actor: Actor, candidate: Candidate) -> None:
        require_state(self.state, State.DELIVERY,
                      "candidates are proposed while the contract runs")
        self._position(candidate.position_id)
        if str(candidate.candidate_id) in self.candidates:
            raise RuleViolation("A candidate with this id is already proposed")
        if self._active_placement_in(candidate.position_id) is not None:
            raise RuleViolation("The position is filled; propose for an open position")
        if candidate.target_group not in self._requirement.target_groups:
            raise ValidationError("target_group", "is not a target group of the requirement")
        if not candidate.eligibility_attested:
            raise ValidationError("eligibility_attested",
                                  "the matcher must attest the candidate's eligibility")
        if candidate.status is not CandidateStatus.PROPOSED:
            raise ValidationError("status", "a new candidate is proposed")
        self.trigger_event(events.CandidateProposed, actor=actor, candidate=candidate)

    def accept_candidate(self, actor: Actor, candidate_id: UUID) -> None:
        require_state(self.state, State.DELIVERY, "candidates are answered while the contract runs")
        self._proposed_candidate(candidate_id)
        self.trigger_event(events.CandidateAccepted, actor=actor, candidate_id=candidate_id)

    def decline_candidate(self, actor: Actor, candidate_id: UUID, reason: str) -> None:
        require_state(self.state, State.DELIVERY, "candidates are answered while the contract runs")
        self._proposed_candidate(candidate_id)
        reason = validation.text(reason, "reason")
        self.trigger_event(events.CandidateDeclined, actor=actor, candidate_id=candidate_id,
                           reason=reason)

    def record_preparation(self, actor: Actor, candidate_id: UUID,
                           preparation: Preparation) -> None:
        require_state(self.state, ACTIVE, "nothing is added to a finished procurement")
        self._candidate(candidate_id)
        if preparation.provider_id != actor.organisation_id:
            raise RuleViolation("A partner records only the preparation it provides itself")
        self.trigger_event(events.PreparationRecorded, actor=actor, candidate_id=candidate_id,
                           preparation=preparation)

    # -- placements --------------------------------------------------------------------

    def start_placement(self, actor: Actor, placement_id: UUID, candidate_id: UUID,
                        terms: PlacementTerms, today: date) -> None:
        require_state(self.state, State.DELIVERY, "placements start while the contract runs")
        _not_in_future(terms.start, today, "start")
        candidate = self._candidate(candidate_id)
        if candidate.status is not CandidateStatus.ACCEPTED:
            raise RuleViolation("A placement needs a candidate the supplier has accepted "
                                f"(this one is {candidate.status.value})")
        if str(placement_id) in self.placements:
            raise RuleViolation("A placement with this id already exists")
        if self._active_placement_in(candidate.position_id) is not None:
            raise RuleViolation("The position already has an active placement")
        if terms.employment_form not in self._requirement.position_types:
            raise ValidationError("employment_form",
                                  "is not a position type the requirement allows")
        assert self.contract is not None  # noqa: S101 - delivery implies a contract
        if terms.start < self.contract.start:
            raise ValidationError("start", "must not be before the contract starts")
        placement = Placement(placement_id, candidate_id, candidate.position_id,
                              candidate.participant_ref, terms)
        self.trigger_event(events.PlacementStarted, actor=actor, placement=placement)

    def end_placement(self, actor: Actor, placement_id: UUID, ended_on: date, today: date,
                      reason: str = "") -> None:
        require_state(self.state, State.DELIVERY, "placements end while the contract runs")
        placement = self._placement(placement_id)
        if not placement.is_active:
            raise RuleViolation("This placement has already ended")
        ended_on = validation.day(ended_on, "ended_on")
        validation.not_before(ended_on, placement.terms.start, "ended_on", "the placement's start")
        _not_in_future(ended_on, today, "ended_on")
        # Early or planned is a fact of the dates, not a choice.
        kind = EndKind.EARLY if ended_on < placement.terms.planned_end else EndKind.PLANNED
        reason = validation.text(reason, "reason", required=kind is EndKind.EARLY)
        self.trigger_event(events.PlacementEnded, actor=actor, placement_id=placement_id,
                           ended_on=ended_on, end_kind=kind, reason=reason)

    # -- follow-up -----------------------------------------------------------------------

    def record_checkpoint(self, actor: Actor, placement_id: UUID, checkpoint: str,
                          observed_on: date, values: dict[str, object], today: date) -> None:
        require_state(self.state, FOLLOWING_UP,
                      "checkpoints are recorded from contract signature until close")
        placement = self._placement(placement_id)
        plan = self._plan
        if not plan.is_checkpoint(checkpoint):
            raise ValidationError("checkpoint", "is not a checkpoint of the follow-up plan")
        if (checkpoint == "exit" or checkpoint.startswith("after_exit_")) and placement.is_active:
            raise RuleViolation("Exit and after-exit checkpoints need an ended placement")
        observed_on = validation.day(observed_on, "observed_on")
        validation.not_before(observed_on, placement.terms.start, "observed_on",
                              "the placement's start")
        _not_in_future(observed_on, today, "observed_on")
        checked = plan.check_values(values, actor.role)
        record = CheckpointRecord(placement_id, placement.participant_ref, checkpoint,
                                  observed_on, checked, actor.role)
        self.trigger_event(events.CheckpointRecorded, actor=actor, record=record)

    def submit_report(self, actor: Actor, report: SupplierReport) -> None:
        require_state(self.state, FOLLOWING_UP, "reports are submitted while the contract runs")
        if str(report.report_id) in self.reports:
            raise RuleViolation("A report with this id is already submitted")
        if report.status is not ReportStatus.SUBMITTED:
            raise ValidationError("status", "a new report is submitted")
        self.trigger_event(events.ReportSubmitted, actor=actor, report=report)

    def verify_report(self, actor: Actor, report_id: UUID, comment: str = "") -> None:
        self._answerable_report(report_id)
        comment = validation.text(comment, "comment", required=False)
        self.trigger_event(events.ReportVerified, actor=actor, report_id=report_id,
                           comment=comment)

    def query_report(self, actor: Actor, report_id: UUID, comment: str) -> None:
        self._answerable_report(report_id)
        comment = validation.text(comment, "comment")
        self.trigger_event(events.ReportQueried, actor=actor, report_id=report_id,
                           comment=comment)

    def note_deviation(self, actor: Actor, deviation: Deviation) -> None:
        require_state(self.state, FOLLOWING_UP,
                      "deviations are noted from contract signature until close")
        if str(deviation.deviation_id) in self.deviations:
            raise RuleViolation("A deviation with this id is already noted")
        if deviation.decision is not None:
            raise ValidationError("decision", "a deviation is decided after it is noted")
        if deviation.noted_by is not actor.role:
            raise RuleViolation("A party notes deviations only in its own name")
        self.trigger_event(events.DeviationNoted, actor=actor, deviation=deviation)

    def decide_deviation(self, actor: Actor, deviation_id: UUID,
                         decision: DeviationDecision) -> None:
        require_state(self.state, FOLLOWING_UP, "deviations are decided until close")
        deviation = self.deviations.get(str(deviation_id))
        if deviation is None:
            raise ValidationError("deviation_id", "no such deviation in this procurement")
        if not deviation.is_open:
            raise RuleViolation("This deviation is already decided")
        self.trigger_event(events.DeviationDecided, actor=actor, deviation_id=deviation_id,
                           decision=decision)

    def end_contract(self, actor: Actor, ended_on: date, today: date) -> None:
        require_state(self.state, State.DELIVERY, "only a running contract can end")
        assert self.contract is not None  # noqa: S101 - delivery implies a contract
        ended_on = validation.day(ended_on, "ended_on")
        validation.not_before(ended_on, self.contract.start, "ended_on", "the contract start")
        _not_in_future(ended_on, today, "ended_on")
        active = [p for p in self.placements.values() if p.is_active]
        if active:
            raise RuleViolation(f"End the {len(active)} active placement(s) before the "
                                "contract ends")
        self.trigger_event(events.ContractEnded, actor=actor, ended_on=ended_on)

    def close(self, actor: Actor, decision: ComplianceOutcome, motivation: str = "") -> None:
        require_state(self.state, State.FOLLOW_UP,
                      "a procurement is closed after its contract has ended")
        decision = parse_enum(ComplianceOutcome, decision, "decision")
        assessment = self.assess_compliance(self._contract_end)
        if assessment.open_deviations:
            raise RuleViolation(f"Decide the {assessment.open_deviations} open deviation(s) "
                                "before closing")
        motivation = validation.text(motivation, "motivation",
                                     required=decision is not assessment.outcome)
        self.trigger_event(events.Closed, actor=actor, decision=decision,
                           assessment=assessment, motivation=motivation)

    def cancel(self, actor: Actor, reason: str) -> None:
        require_state(self.state, CANCELLABLE,
                      "a signed contract is ended and closed, not cancelled")
        reason = validation.text(reason, "reason")
        self.trigger_event(events.Cancelled, actor=actor, reason=reason)

    # -- open data -------------------------------------------------------------------

    def mark_for_publication(self, actor: Actor) -> None:
        """In any state, closed and cancelled too: publishing is a decision about the
        record of the case, not a step of its delivery. Not undone: what was published
        may have been copied already."""
        if self.marked_for_publication:
            raise RuleViolation("The procurement is already marked for publication")
        self.trigger_event(events.MarkedForPublication, actor=actor)

    # -- reminders -------------------------------------------------------------------

    def set_reminder_policy(self, actor: Actor, policy: ReminderPolicy) -> None:
        require_state(self.state, ACTIVE, "nothing is added to a finished procurement")
        self.trigger_event(events.ReminderPolicySet, actor=actor, policy=policy)

    def record_reminder(self, actor: Actor, reminder: Reminder, today: date) -> None:
        """Once per due item and stage: a second recording is refused, so two schedulers
        (or one restarted mid-run) never send the same reminder twice."""
        require_state(self.state, ACTIVE, "a finished procurement owes nothing more")
        if reminder.stage.value in self.reminders_sent.get(reminder.reminder_key, ()):
            raise AlreadyRecorded("This reminder has already been sent")
        if reminder.sent_on > today:
            raise ValidationError("sent_on", "cannot be after today")
        if reminder.sent_on < stage_day(reminder.stage, reminder.due_on, self.reminder_policy):
            raise ValidationError("sent_on", "is before the reminder falls due")
        self.trigger_event(events.ReminderSent, actor=actor, reminder=reminder)

    # -- derived facts -------------------------------------------------------------------

    def assess_compliance(self, as_of: date) -> ComplianceAssessment:
        return compliance.assess(self._requirement,
                                 self.contract.start if self.contract else None,
                                 self.placements.values(), self.deviations.values(), as_of)

    @property
    def awarded_supplier_id(self) -> UUID | None:
        return self.award.supplier_id if self.award else None

    @property
    def tenderer_ids(self) -> set[UUID]:
        return {tender.supplier_id for tender in self.tenders.values()}

    # -- look-ups that refuse with a clear error -------------------------------------------

    @property
    def _requirement(self) -> EmploymentRequirement:
        if self.requirement is None:
            raise RuleViolation("The procurement has no employment requirement yet")
        return self.requirement

    @property
    def _plan(self) -> FollowUpPlan:
        if self.plan is None:
            raise RuleViolation("The procurement has no follow-up plan yet")
        return self.plan

    @property
    def _contract_end(self) -> date:
        if self.contract is None or self.contract.ended_on is None:
            raise RuleViolation("The contract has not ended")
        return self.contract.ended_on

    def _position(self, position_id: UUID) -> Position:
        position = self.positions.get(str(position_id))
        if position is None:
            raise ValidationError("position_id", "no such position in this procurement")
        return position

    def _candidate(self, candidate_id: UUID) -> Candidate:
        candidate = self.candidates.get(str(candidate_id))
        if candidate is None:
            raise ValidationError("candidate_id", "no such candidate in this procurement")
        return candidate

    def _proposed_candidate(self, candidate_id: UUID) -> Candidate:
        candidate = self._candidate(candidate_id)
        if candidate.status is not CandidateStatus.PROPOSED:
            raise RuleViolation(f"This candidate is already {candidate.status.value}")
        return candidate

    def _placement(self, placement_id: UUID) -> Placement:
        placement = self.placements.get(str(placement_id))
        if placement is None:
            raise ValidationError("placement_id", "no such placement in this procurement")
        return placement

    def _active_placement_in(self, position_id: UUID) -> Placement | None:
        for placement in self.placements.values():
            if placement.position_id == position_id and placement.is_active:
                return placement
        return None

    def _answerable_report(self, report_id: UUID) -> SupplierReport:
        require_state(self.state, FOLLOWING_UP, "reports are answered until close")
        report = self.reports.get(str(report_id))
        if report is None:
            raise ValidationError("report_id", "no such report in this procurement")
        if report.status is ReportStatus.VERIFIED:
            raise RuleViolation("This report is already verified")
        return report


_ATOMIC = (str, int, float, Decimal, date, UUID, Enum, type(None))


def _copy_containers(value: Any, memo: dict[int, Any]) -> Any:
    """New lists and dicts all the way down; immutable values as they are. Anything else
    (no case holds such a thing today) is deep-copied as usual."""
    if isinstance(value, list):
        return [_copy_containers(item, memo) for item in value]
    if isinstance(value, dict):
        return {key: _copy_containers(item, memo) for key, item in value.items()}
    params = getattr(type(value), "__dataclass_params__", None)
    if isinstance(value, _ATOMIC) or (params is not None and params.frozen):
        return value
    return copy.deepcopy(value, memo)


def _not_in_future(day: date, today: date, field: str) -> None:
    """Facts are recorded after they happen; a date after today is a typing mistake."""
    if day > today:
        raise ValidationError(field, f"must not be after today ({today.isoformat()})")
