"""Every due date the facts of one case imply, who owes it and whether it is done.

Pure functions of a case file, shared by the reminders (all of them, open and done) and
the inboxes (the open ones). Nothing here reads a clock: whether a date is due, near or
overdue is the reader's question, asked with the reader's today.

- each checkpoint of each placement (FollowUpPlan.due_dates), once per party that reports
  items of the plan (supplier, matcher, social enterprise), done when that party records it
  (done on the day observed);
- the supplier's periodic reports, one per `report_interval_months` from the contract
  start, due the day after the period, done when a report covers the period's last day;
- the first-placement deadline (supplier), done when a placement starts;
- the end of the standstill (authority), done when the contract is signed;
- the contract end (authority), done when the contract is ended;
- answers owed: a proposed candidate (supplier, the case's reminder policy's `answer_days`
  after the proposal) and a submitted report (authority, `verify_days` after submission).

A closed or cancelled case owes nothing more: its open obligations are dropped, its done
ones stay as history.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from domain.procurement import compliance
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import FINISHED
from domain.procurement.matching import CandidateStatus
from domain.procurement.reports import ReportStatus
from domain.values import Role
from projections.casefile import CaseFile


@dataclass(frozen=True)
class Obligation:
    kind: str  # checkpoint, report, first_placement, standstill_end, contract_end,
    #            candidate_answer, report_verification
    subject: str  # what it is about, unique within the case and kind
    due_on: date
    role: Role  # the responsible party
    organisation_id: UUID | None  # None: nobody holds that part yet (e.g. no matcher)
    done_on: date | None  # None: still open
    participant_ref: str | None = None

    @property
    def done(self) -> bool:
        return self.done_on is not None


def obligations(file: CaseFile) -> list[Obligation]:
    found = [*_award(file), *_contract(file), *_checkpoints(file), *_answers(file)]
    if file.case.state in FINISHED:
        found = [o for o in found if o.done]
    return found


def _award(file: CaseFile) -> Iterator[Obligation]:
    case = file.case
    if case.award is not None:
        yield Obligation("standstill_end", "", case.award.standstill_end, Role.AUTHORITY,
                         case.owner_id, case.contract.signed_on if case.contract else None)


def _contract(file: CaseFile) -> Iterator[Obligation]:
    case, contract = file.case, file.case.contract
    if contract is None:
        return
    supplier = case.awarded_supplier_id
    yield Obligation("contract_end", "", contract.end, Role.AUTHORITY, case.owner_id,
                     contract.ended_on)
    if case.requirement is not None:
        deadline = compliance.first_placement_deadline(case.requirement, contract.start)
        starts = [p.terms.start for p in case.placements.values()]
        if deadline is not None:
            yield Obligation("first_placement", "", deadline, Role.SUPPLIER, supplier,
                             min(starts) if starts else None)
    if case.plan is None:
        return
    last_day = contract.ended_on or contract.end
    interval = case.plan.report_interval_months
    number = 1
    while (period_start := add_months(contract.start, (number - 1) * interval)) <= last_day:
        period_last = min(add_months(contract.start, number * interval) - timedelta(days=1),
                          last_day)
        covering = sorted(
            (file.date(f"submitted:{r.report_id}") or r.period_end)
            for r in case.reports.values() if r.period_start <= period_last <= r.period_end)
        yield Obligation("report", f"period-{number}:{period_start.isoformat()}",
                         period_last + timedelta(days=1), Role.SUPPLIER, supplier,
                         covering[0] if covering else None)
        number += 1


def _responsible(file: CaseFile, role: Role) -> list[UUID | None]:
    case = file.case
    if role is Role.SUPPLIER:
        return [case.awarded_supplier_id]
    if role is Role.MATCHER:
        return [case.matcher_id]
    return list(case.partner_ids) or [None]


def _checkpoints(file: CaseFile) -> Iterator[Obligation]:
    case, plan = file.case, file.case.plan
    if plan is None:
        return
    roles = sorted({item.responsible for item in plan.items}, key=lambda r: r.value)
    observed: dict[tuple[UUID, str, Role], date] = {}
    for record in case.checkpoints:
        key = (record.placement_id, record.checkpoint, record.recorded_by)
        observed[key] = min(observed.get(key, record.observed_on), record.observed_on)
    for placement in case.placements.values():
        terms = placement.terms
        for checkpoint, due in plan.due_dates(terms.start, placement.ended_on,
                                              terms.planned_end):
            for role in roles:
                done_on = observed.get((placement.placement_id, checkpoint, role))
                for organisation_id in _responsible(file, role):
                    subject = f"{placement.placement_id}:{checkpoint}:{role.value}"
                    if role is Role.SOCIAL_ENTERPRISE and organisation_id is not None:
                        subject += f":{organisation_id}"
                    yield Obligation("checkpoint", subject, due, role, organisation_id,
                                     done_on, placement.participant_ref)


def _answers(file: CaseFile) -> Iterator[Obligation]:
    case = file.case
    for candidate in case.candidates.values():
        proposed = file.date(f"proposed:{candidate.candidate_id}")
        if proposed is None:
            continue
        answered = None
        if candidate.status is not CandidateStatus.PROPOSED:
            answered = file.date(f"answered:{candidate.candidate_id}") or proposed
        yield Obligation("candidate_answer", str(candidate.candidate_id),
                         proposed + timedelta(days=case.reminder_policy.answer_days),
                         Role.SUPPLIER, case.awarded_supplier_id, answered,
                         candidate.participant_ref)
    for report in case.reports.values():
        submitted = file.date(f"submitted:{report.report_id}")
        if submitted is None:
            continue
        verified = None
        if report.status is not ReportStatus.SUBMITTED:
            verified = file.date(f"report_answered:{report.report_id}") or submitted
        yield Obligation("report_verification", str(report.report_id),
                         submitted + timedelta(days=case.reminder_policy.verify_days),
                         Role.AUTHORITY, case.owner_id, verified)
