"""What the case page shows of the delivery: positions, candidates, placements with each
participant's follow-up checkpoints over the years, supplier reports and deviations.

Only what the service's CaseView holds for the user is shown: parties without a part in
the delivery get empty lists, and a candidate's target group is None where it is not
theirs to see. This module only puts words and states on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain import access, errors
from domain.participants.participant import Participant
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.placements import EndKind, Placement
from domain.service import ProcurementService
from domain.values import Actor
from domain.views import CaseView
from web import labels
from web.i18n import pick
from web.portals import vocabulary
from web.portals.actions import checkpoint_label


@dataclass(frozen=True)
class CheckpointDue:
    key: str
    label: str
    due_on: date
    status: str  # "done", "overdue" or "upcoming"
    recorded_by: tuple[str, ...]


@dataclass(frozen=True)
class Contact:
    """A placed person as their employer sees them: never the target group or number."""

    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class PlacementRow:
    placement: Placement
    form: str
    ended_early: bool
    checkpoints: list[CheckpointDue]
    contact: Contact | None = None

    @property
    def done(self) -> int:
        return sum(1 for c in self.checkpoints if c.status == "done")

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / len(self.checkpoints)) if self.checkpoints else 0


@dataclass(frozen=True)
class CandidateRow:
    candidate_id: UUID
    participant_ref: str
    position: str
    target_group: str | None
    status: str
    status_code: str
    preparations: int


@dataclass(frozen=True)
class Delivery:
    positions: list[tuple[str, str, str, str]]  # what, share of full time, start, supervisor
    candidates: list[CandidateRow]
    placements: list[PlacementRow]
    reports: list[tuple[str, str, str]]  # period, status, the authority's comment
    deviations: list[tuple[str, str, str]]  # description, noted by, decision

    @property
    def empty(self) -> bool:
        return not (self.positions or self.candidates or self.placements or self.reports
                    or self.deviations)


# Where the read log says the employer read its people.
CASE_PAGE = "case page"


def placed_contacts(service: ProcurementService, actor: Actor, view: CaseView
                    ) -> dict[str, Contact]:
    """The name and contact of each person placed in the case, by reference, for the
    employing supplier only; each is one logged read. A reference not in the register (an
    older case's free text) or of an erased person is left out: the page shows it bare."""
    if not access.shows_placed_names(view.parts):
        return {}
    contacts = {}
    for reference in {p.participant_ref for p in view.placements}:
        try:
            person = service.read_participant(actor, Participant.id_for(reference),
                                              view.procurement_id, where=CASE_PAGE)
        except (errors.NotFound, errors.ValidationError):
            continue
        contacts[reference] = Contact(person.name, person.email, person.phone)
    return contacts


def delivery(view: CaseView, today: date, contacts: dict[str, Contact] | None = None
             ) -> Delivery:
    positions = {p.position_id: p.title or pick(labels.POSITION_TYPES[p.position_type])
                 for p in view.positions}
    return Delivery(
        positions=[(positions[p.position_id], str(p.fte), p.start.isoformat(), p.supervisor)
                   for p in view.positions],
        candidates=[CandidateRow(
            c.candidate_id, c.participant_ref, positions.get(c.position_id, "–"),
            pick(labels.TARGET_GROUPS[c.target_group]) if c.target_group else None,
            pick(vocabulary.CANDIDATE_STATUSES[c.status]), c.status.value,
            len(c.preparations)) for c in view.candidates],
        placements=[_placement(p, view, today, (contacts or {}).get(p.participant_ref))
                    for p in view.placements],
        reports=[(f"{r.period_start.isoformat()} – {r.period_end.isoformat()}",
                  pick(vocabulary.REPORT_STATUSES[r.status]), r.authority_comment)
                 for r in view.reports],
        deviations=[(d.description, pick(labels.ROLES[d.noted_by]),
                     pick(vocabulary.DECISION_KINDS[d.decision.kind]) if d.decision else "")
                    for d in view.deviations])


def _placement(placement: Placement, view: CaseView, today: date, contact: Contact | None
               ) -> PlacementRow:
    return PlacementRow(
        placement, pick(labels.POSITION_TYPES[placement.terms.employment_form]),
        placement.end_kind is EndKind.EARLY,
        _checkpoints(placement, view.plan, view, today) if view.plan else [], contact)


def _checkpoints(placement: Placement, plan: FollowUpPlan, view: CaseView, today: date
                 ) -> list[CheckpointDue]:
    recorded: dict[str, list[str]] = {}
    for record in view.checkpoints:
        if record.placement_id == placement.placement_id:
            recorded.setdefault(record.checkpoint, []).append(
                pick(labels.ROLES[record.recorded_by]))
    due = plan.due_dates(placement.terms.start, placement.ended_on, placement.terms.planned_end)
    return [CheckpointDue(key, checkpoint_label(key), day,
                          "done" if key in recorded else "overdue" if day < today
                          else "upcoming", tuple(recorded.get(key, ())))
            for key, day in due]
