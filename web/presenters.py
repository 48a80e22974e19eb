"""What the pages show of a case, ready for the templates: labels, names and figures.

Nothing here decides a rule: compliance comes from the aggregate, states from the
lifecycle; this module only picks what to show and puts words on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.procurement import Procurement
from domain.procurement.compliance import ComplianceAssessment
from domain.procurement.lifecycle import State
from domain.views import HistoryEntry
from web import demo, labels
from web.labels import Label

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


def organisation(organisation_id: UUID | None) -> str:
    if organisation_id is None:
        return "–"
    return demo.organisation_name(organisation_id) or f"Okänd organisation ({organisation_id})"


@dataclass(frozen=True)
class CaseRow:
    """One line of the start page."""

    procurement_id: UUID
    reference: str
    title: str
    state: State
    state_label: Label
    owner: str

    @classmethod
    def of(cls, case: Procurement) -> CaseRow:
        return cls(case.id, case.setup.reference, case.setup.title, case.state,
                   labels.of(case.state, labels.STATES), organisation(case.owner_id))

    @property
    def sort_key(self) -> tuple[int, str]:
        order = LIFECYCLE.index(self.state) if self.state in LIFECYCLE else len(LIFECYCLE)
        return order, self.reference


@dataclass(frozen=True)
class Step:
    label: Label
    status: str  # "done", "current" or "todo"


def lifecycle_steps(case: Procurement, history: list[HistoryEntry]) -> list[Step]:
    """The road with the current step marked; a cancelled case shows how far it came."""
    reached = State.DRAFT
    for entry in history:
        reached = _STEP_EVENTS.get(entry.event_type, reached)
    current = LIFECYCLE.index(reached)
    cancelled = case.state is State.CANCELLED
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


@dataclass(frozen=True)
class Compliance:
    """The compliance bar: delivered against required full-time months."""

    assessment: ComplianceAssessment
    deadline_label: Label
    outcome_label: Label
    decided_label: Label | None

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
class CasePage:
    case: Procurement
    state_label: Label
    owner: str
    steps: list[Step]
    compliance: Compliance | None
    tender_count: int | None
    supplier: str | None
    matcher: str | None
    partners: list[str]
    target_groups: list[Label] = field(default_factory=list)
    position_types: list[Label] = field(default_factory=list)
    level: Label | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)


def case_page(case: Procurement, history: list[HistoryEntry], today: date) -> CasePage:
    requirement = case.requirement
    sealed = case.state in (State.DRAFT, State.TENDERING)
    return CasePage(
        case=case,
        state_label=labels.of(case.state, labels.STATES),
        owner=organisation(case.owner_id),
        steps=lifecycle_steps(case, history),
        compliance=_compliance(case, today),
        # Tenders are sealed until tendering closes: not even their number is shown.
        tender_count=None if sealed or case.tender_deadline is None else len(case.tenders),
        supplier=organisation(case.awarded_supplier_id) if case.award else None,
        matcher=organisation(case.matcher_id) if case.matcher_id else None,
        partners=[organisation(p) for p in case.partner_ids],
        target_groups=[labels.of(g, labels.TARGET_GROUPS)
                       for g in (requirement.target_groups if requirement else ())],
        position_types=[labels.of(t, labels.POSITION_TYPES)
                        for t in (requirement.position_types if requirement else ())],
        level=labels.of(requirement.level, labels.REQUIREMENT_LEVELS) if requirement else None,
        timeline=[timeline_entry(entry, hide_tenderer=tenders_sealed(history))
                  for entry in history],
    )


def tenders_sealed(history: list[HistoryEntry]) -> bool:
    """Until tendering closes, not even who has tendered is shown (a case cancelled while
    tendering never opens its tenders)."""
    return not any(entry.event_type == "TenderingClosed" for entry in history)


def timeline_entry(entry: HistoryEntry, hide_tenderer: bool = False) -> TimelineEntry:
    who = organisation(entry.actor.organisation_id)
    if hide_tenderer and entry.event_type == "TenderSubmitted":
        who = "Anbudsgivare (förseglat anbud)"
    return TimelineEntry(entry.version, entry.recorded_at, labels.event(entry.event_type),
                         entry.event_type, who, labels.of(entry.actor.role, labels.ROLES))


def _compliance(case: Procurement, today: date) -> Compliance | None:
    """Shown once the contract has started: before that nothing can be delivered."""
    if case.requirement is None or case.contract is None or case.contract.start > today:
        return None
    assessment = case.assess_compliance(today)
    decided = case.compliance_decision
    return Compliance(assessment,
                      labels.of(assessment.deadline_status, labels.DEADLINE_STATUSES),
                      labels.of(assessment.outcome, labels.OUTCOMES),
                      labels.of(decided, labels.OUTCOMES) if decided else None)

