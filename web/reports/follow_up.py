"""The follow-up report of one procurement: the requirement, delivered against required
full-time months over time (a chart), the deadlines, positions and placements (by
pseudonym), the outcomes at each checkpoint (a chart), deviations and decisions, and the
compliance decision.

It shows the case as the service lets the producing party see it (`get_case`): a
supplier's view has no target groups, and neither has its report. Delivered months over
time are counted by the compliance read model with the domain's own rules
(projections/compliance.py `delivered_over_time`), never by a copy of them here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from markupsafe import Markup

from domain.procurement.compliance import ComplianceAssessment, ComplianceOutcome
from domain.procurement.followup_plan import EMPLOYMENT_STATUSES, add_months
from domain.views import CaseView
from projections import compliance
from projections.db import Database
from projections.labels import Label
from projections.labels import checkpoint as checkpoint_label
from web import labels
from web.portals.vocabulary import DECISION_KINDS, REPORT_STATUSES, option
from web.reports import charts
from web.reports.rendering import Producer


@dataclass(frozen=True)
class PlacementRow:
    participant_ref: str
    position: str
    target_group: Label | None  # None where the party may not see it
    start: date
    end: date
    ended_early: bool
    working_time_percent: Decimal


@dataclass(frozen=True)
class FollowUp:
    case: CaseView
    supplier_name: str
    owner_name: str
    compliance: ComplianceAssessment | None
    decision: ComplianceOutcome | None
    points: list[tuple[date, Decimal]]
    placements: list[PlacementRow]
    outcomes: dict[str, Counter[str]]  # checkpoint -> employment status -> people
    shows_target_groups: bool


def build(db: Database, case: CaseView, *, today: date, owner_name: str,
          supplier_name: str, shows_target_groups: bool) -> FollowUp:
    points: list[tuple[date, Decimal]] = []
    if case.contract is not None:
        points = compliance.delivered_over_time(db, case.procurement_id,
                                                _days(case.contract.start, case.contract.
                                                      ended_on or case.contract.end, today))
    groups = {c.candidate_id: c.target_group for c in case.candidates}
    positions = {p.position_id: p for p in case.positions}
    rows = []
    for placement in sorted(case.placements, key=lambda p: (p.terms.start, p.participant_ref)):
        position = positions.get(placement.position_id)
        group = groups.get(placement.candidate_id)
        rows.append(PlacementRow(
            placement.participant_ref,
            (position.title or position.position_type.value) if position else "–",
            labels.of(group, labels.TARGET_GROUPS) if group and shows_target_groups
            else None,
            placement.terms.start, placement.ended_on or placement.terms.planned_end,
            placement.end_kind is not None and placement.end_kind.value == "early",
            placement.terms.working_time_percent))
    return FollowUp(case, supplier_name, owner_name, case.compliance,
                    case.compliance_decision, points, rows, _outcomes(case),
                    shows_target_groups)


def _days(start: date, end: date, today: date) -> list[date]:
    """The first of each month of the contract up to today, and today (or its end)."""
    last = min(end, today)
    days, month = [], 0
    while (day := add_months(start, month)) <= last:
        days.append(day)
        month += 1
    if not days or days[-1] != last:
        days.append(last)
    return [d for d in days if d >= start]


def _outcomes(case: CaseView) -> dict[str, Counter[str]]:
    """Employment status at each checkpoint: each person's latest record of it."""
    latest: dict[tuple[str, str], tuple[date, str]] = {}
    for record in case.checkpoints:
        status = record.values.get("employment_status")
        if status is None:
            continue
        key = (record.checkpoint, record.participant_ref)
        if key not in latest or latest[key][0] <= record.observed_on:
            latest[key] = (record.observed_on, str(status))
    found: dict[str, Counter[str]] = {}
    for (checkpoint, _), (_, status) in latest.items():
        found.setdefault(checkpoint, Counter())[status] += 1
    return dict(sorted(found.items(), key=lambda item: _checkpoint_order(item[0])))


def _checkpoint_order(key: str) -> tuple[int, int]:
    months = int(key.rsplit("_", 1)[-1]) if key[-1].isdigit() else 0
    stage = (0 if key == "start" else 1 if key.startswith("during_") else
             2 if key == "exit" else 3)
    return stage, months


def chart_of_months(report: FollowUp, producer: Producer) -> Markup:
    t = producer.t
    required = report.compliance.required_months if report.compliance else Decimal(0)
    delivered = report.points[-1][1] if report.points else Decimal(0)
    return charts.months_over_time(
        "chart-months", t("Levererade heltidsmånader över tid",
                          "Delivered full-time months over time"),
        t(f"Linjen visar levererade heltidsmånader från avtalets start, {delivered} hittills; "
          f"den streckade linjen är kravet, {required}.",
          f"The line shows full-time months delivered since the contract started, "
          f"{delivered} so far; the dashed line is the requirement, {required}."),
        report.points, required, delivered_label=t("Levererat", "Delivered"),
        required_label=t("Krav", "Required"))


def chart_of_outcomes(report: FollowUp, producer: Producer) -> Markup:
    pick = producer.pick
    bars = [charts.Bar(pick(checkpoint_label(key)),
                       tuple(charts.Segment(s, pick(option(s)), counts.get(s, 0))
                             for s in EMPLOYMENT_STATUSES))
            for key, counts in report.outcomes.items()]
    return charts.stacked_bars(
        "chart-outcomes", producer.t("Sysselsättning vid varje uppföljning",
                                     "Employment status at each checkpoint"),
        producer.t("Antal personer per sysselsättning vid varje uppföljningstillfälle.",
                   "People by employment status at each checkpoint."),
        bars, [(s, pick(option(s))) for s in EMPLOYMENT_STATUSES], label_width=230)


LABELS = {"decision_kinds": DECISION_KINDS, "report_statuses": REPORT_STATUSES,
          "deadline_statuses": labels.DEADLINE_STATUSES, "outcomes": labels.OUTCOMES,
          "target_groups": labels.TARGET_GROUPS, "levels": labels.REQUIREMENT_LEVELS,
          "roles": labels.ROLES, "position_types": labels.POSITION_TYPES}
