"""What the pages show of a case, ready for the templates: labels, names and figures.

Nothing here decides a rule: what an actor may see comes filtered from the service
(`CaseView`, and the history only where the policy allows it), compliance from the
aggregate, states from the lifecycle; this module only picks what to show and puts words
on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from flask_babel import gettext

from domain import access
from domain.access import Command
from domain.errors import NotFound
from domain.procurement import Procurement
from domain.procurement.compliance import ComplianceAssessment
from domain.procurement.lifecycle import State
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import Tender
from domain.service import ProcurementService
from domain.views import CaseView, HistoryEntry
from projections import case_list, notices
from projections import labels as event_labels
from web import labels
from web.labels import Label

Names = Callable[[UUID | None], str]

# The road a case travels; cancelled is a way off it, not a step on it.
LIFECYCLE = (State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL, State.DELIVERY,
             State.FOLLOW_UP, State.CLOSED)

# The events that move a case along the road (domain/procurement/events.py).
_STEP_EVENTS = {
    "Published": State.TENDERING,
    "TenderingClosed": State.EVALUATION,
    "Awarded": State.STANDSTILL,
    "ContractSigned": State.DELIVERY,
    "ContractEnded": State.FOLLOW_UP,
    "Closed": State.CLOSED,
}


class OrganisationNames:
    """Organisation names from the directory, each looked up once (make one per request:
    a rename shows on the next page)."""

    def __init__(self, service: ProcurementService) -> None:
        self._service = service
        self._names: dict[UUID, str] = {}

    def __call__(self, organisation_id: UUID | None) -> str:
        if organisation_id is None:
            return "–"
        if organisation_id not in self._names:
            try:
                name = self._service.organisation(organisation_id).name
            except NotFound:
                name = gettext("Okänd organisation (%(id)s)", id=organisation_id)
            self._names[organisation_id] = name
        return self._names[organisation_id]


@dataclass(frozen=True)
class CaseRow:
    """One line of the start page (and of the operator's `procurement list`)."""

    procurement_id: UUID
    reference: str
    title: str
    state: State
    state_label: Label
    owner: str

    @classmethod
    def of(cls, procurement_id: UUID, setup: CaseSetup, state: State, owner_id: UUID,
           names: Names) -> CaseRow:
        return cls(procurement_id, setup.reference, setup.title, state,
                   labels.of(state, labels.STATES), names(owner_id))

    @classmethod
    def of_listed(cls, listed: case_list.CaseRow, names: Names) -> CaseRow:
        return cls(listed.procurement_id, listed.reference, listed.title, listed.state,
                   labels.of(listed.state, labels.STATES), names(listed.owner_id))

    @classmethod
    def of_case(cls, case: Procurement, names: Names) -> CaseRow:
        """For the operator's console, which reads the aggregate itself."""
        return cls.of(case.id, case.setup, case.state, case.owner_id, names)

    @property
    def sort_key(self) -> tuple[int, str]:
        order = LIFECYCLE.index(self.state) if self.state in LIFECYCLE else len(LIFECYCLE)
        return order, self.reference


@dataclass(frozen=True)
class TaskRow:
    """One line of the inbox: what needs the organisation now, in which case, by when."""

    procurement_id: UUID
    reference: str
    title: str
    label: Label
    due_on: date | None
    overdue: bool
    participant_ref: str | None

    @classmethod
    def of(cls, task: case_list.Task) -> TaskRow:
        return cls(task.procurement_id, task.reference, task.title,
                   event_labels.task(task.kind), task.due_on, task.overdue,
                   task.participant_ref)


@dataclass(frozen=True)
class NoticeRow:
    """A reminder or escalation the organisation received (projections/notices.py)."""

    procurement_id: UUID
    reference: str
    title: str
    stage: str
    stage_label: Label
    label: Label
    due_on: date
    sent_on: date
    late: bool
    participant_ref: str | None

    @classmethod
    def of(cls, notice: notices.Notice) -> NoticeRow:
        return cls(notice.procurement_id, notice.reference, notice.title, notice.stage,
                   event_labels.stage(notice.stage), event_labels.task(notice.kind),
                   notice.due_on, notice.sent_on, notice.late, notice.participant_ref)


@dataclass(frozen=True)
class Step:
    label: Label
    status: str  # "done", "current" or "todo"


def lifecycle_steps(view: CaseView, history: list[HistoryEntry] | None) -> list[Step]:
    """The road with the current step marked; a cancelled case shows how far it came."""
    reached = _reached(view, history)
    current = LIFECYCLE.index(reached)
    cancelled = view.state is State.CANCELLED
    steps = []
    for index, state in enumerate(LIFECYCLE):
        if index < current or (index == current and cancelled):
            status = "done"
        elif index == current:
            status = "current"
        else:
            status = "todo"
        steps.append(Step(labels.of(state, labels.STATES), status))
    return steps


def _reached(view: CaseView, history: list[HistoryEntry] | None) -> State:
    """The last step on the road: the state itself, or for a cancelled case the last step
    the history shows (or, for those who may not read it, what the facts show)."""
    if view.state in LIFECYCLE:
        return view.state
    if history is not None:
        reached = State.DRAFT
        for entry in history:
            reached = _STEP_EVENTS.get(entry.event_type, reached)
        return reached
    if view.award is not None:
        return State.STANDSTILL
    return State.TENDERING if view.tender_deadline is not None else State.DRAFT


@dataclass(frozen=True)
class Compliance:
    """The compliance bar: delivered against required full-time months."""

    assessment: ComplianceAssessment
    deadline_label: Label
    outcome_label: Label

    @property
    def bar_percent(self) -> int:
        return int(self.assessment.share_delivered * 100)


@dataclass(frozen=True)
class TimelineEntry:
    version: int
    recorded_at: datetime
    event: Label
    event_type: str
    organisation: str
    role: Label


@dataclass(frozen=True)
class TenderRow:
    """A tender the actor may see (the service has already left out the sealed ones)."""

    supplier: str
    sme: bool
    alternative: str
    planned_positions: int
    planned_full_time_months: Decimal
    supervision_capacity: int
    description: str
    partners: list[str]

    @classmethod
    def of(cls, tender: Tender, names: Names) -> TenderRow:
        plan = tender.plan
        return cls(names(tender.supplier_id), tender.sme.is_sme, plan.alternative,
                   plan.planned_positions, plan.planned_full_time_months,
                   plan.supervision_capacity, plan.description,
                   [names(p) for p in tender.partner_ids])


@dataclass(frozen=True)
class CasePage:
    case: CaseView
    state_label: Label
    owner: str
    steps: list[Step]
    compliance: Compliance | None
    tenders: list[TenderRow]
    supplier: str | None
    matcher: str | None = None
    partners: list[str] = field(default_factory=list)
    decision_label: Label | None = None
    target_groups: list[Label] = field(default_factory=list)
    position_types: list[Label] = field(default_factory=list)
    level: Label | None = None
    timeline: list[TimelineEntry] | None = None  # None: the actor may not read the history
    shows_read_log: bool = False  # who read the case's people (its auditors)


def case_page(view: CaseView, history: list[HistoryEntry] | None, names: Names,
              today: date) -> CasePage:
    requirement = view.requirement
    return CasePage(
        case=view,
        state_label=labels.of(view.state, labels.STATES),
        owner=names(view.owner_id),
        steps=lifecycle_steps(view, history),
        compliance=_compliance(view, today),
        tenders=[TenderRow.of(tender, names) for tender in view.tenders],
        supplier=names(view.award.supplier_id) if view.award else None,
        matcher=names(view.matcher_id) if view.matcher_id else None,
        partners=[names(p) for p in view.partner_ids],
        decision_label=(labels.of(view.compliance_decision, labels.OUTCOMES)
                        if view.compliance_decision else None),
        target_groups=[labels.of(g, labels.TARGET_GROUPS)
                       for g in (requirement.target_groups if requirement else ())],
        position_types=[labels.of(t, labels.POSITION_TYPES)
                        for t in (requirement.position_types if requirement else ())],
        level=labels.of(requirement.level, labels.REQUIREMENT_LEVELS) if requirement else None,
        timeline=None if history is None else [timeline_entry(e, names) for e in history],
        shows_read_log=access.allows(Command.VIEW_READ_LOG, view.parts),
    )


def timeline_entry(entry: HistoryEntry, names: Names) -> TimelineEntry:
    return TimelineEntry(entry.version, entry.recorded_at, labels.event(entry.event_type),
                         entry.event_type, names(entry.actor.organisation_id),
                         labels.of(entry.actor.role, labels.ROLES))


def _compliance(view: CaseView, today: date) -> Compliance | None:
    """Shown once the contract has started (before that nothing can be delivered), to the
    parties the policy lets see it (the service leaves it out for the others)."""
    assessment = view.compliance
    if assessment is None or view.contract is None or view.contract.start > today:
        return None
    return Compliance(assessment,
                      labels.of(assessment.deadline_status, labels.DEADLINE_STATUSES),
                      labels.of(assessment.outcome, labels.OUTCOMES))
