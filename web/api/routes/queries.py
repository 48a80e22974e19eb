"""Queries: the cases the caller may see, one case as the caller may see it, its history,
its compliance, and the things a 201 answer points to.

A case the caller may not see answers 404 exactly like one that does not exist; the
service decides both (ProcurementNotFound)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar
from uuid import UUID

from flask import request

from domain.errors import NotFound
from domain.procurement.compliance import ComplianceAssessment
from domain.views import CaseView, HistoryEntry
from projections.case_list import CaseRow, Task
from web.api.blueprint import READ, actor, bp, operation, service
from web.api.routes.delivery import CANDIDATE, PLACEMENT
from web.api.routes.follow_up import REPORT
from web.api.routes.history import moment, moment_parameters
from web.api.routes.setup import CASE
from web.api.schemas import views
from web.extension import current_read_models as read_models

TAGS = ["queries"]
T = TypeVar("T")


@bp.route("/procurements", methods=["GET"], tags=TAGS)
@bp.response(200, views.CaseSummaryView(many=True))
@operation("visible_cases")
def list_procurements() -> list[CaseRow]:
    """The procurements your organisation has a part in (for a supplier, also those open
    for tenders), most recently changed first"""
    return read_models().cases(actor())


@bp.route("/tasks", methods=["GET"], tags=TAGS)
@bp.response(200, views.TaskView(many=True))
@operation("tasks")
def list_tasks() -> list[Task]:
    """What needs your organisation now: decisions, answers, reports and checkpoints due
    within 30 days or overdue, overdue first"""
    return read_models().tasks(actor(), service().clock.today())


@bp.route(CASE, methods=["GET"], tags=TAGS)
@bp.doc(parameters=moment_parameters())
@bp.response(200, views.CaseView)
@operation("get_case", 400, 403, *READ)
def get_case(procurement_id: UUID) -> CaseView:
    """One procurement, as much of it as your organisation's parts may see; with `as_of`
    or `version`, as it stood then (the owner and auditors)"""
    asked = moment(request.args)
    if asked.version is None and asked.as_of is None:
        return service().get_case(actor(), procurement_id)
    return service().case_as_of(actor(), procurement_id, asked).view


@bp.route(f"{CASE}/history", methods=["GET"], tags=TAGS)
@bp.response(200, views.HistoryEntryView(many=True))
@operation("history", 403, *READ)
def history(procurement_id: UUID) -> list[HistoryEntry]:
    """Every fact recorded, oldest first (the owner and auditors)"""
    return service().history(actor(), procurement_id)


@bp.route(f"{CASE}/compliance", methods=["GET"], tags=TAGS)
@bp.response(200, views.ComplianceView)
@operation("compliance", 403, *READ)
def compliance(procurement_id: UUID) -> ComplianceAssessment:
    """Delivered against required full-time months, deadlines and the computed outcome"""
    return service().compliance(actor(), procurement_id)


# -- the things a 201 answer's Location points to ------------------------------------------

@bp.route(f"{CASE}/tenders/<api_id:supplier_id>", methods=["GET"], tags=TAGS)
@bp.response(200, views.TenderView)
@operation("get_tender", *READ)
def get_tender(procurement_id: UUID, supplier_id: UUID) -> object:
    """One supplier's tender, where your part may see it"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.tenders, "supplier_id", supplier_id, "Tender")


@bp.route(f"{CASE}/positions/<api_id:position_id>", methods=["GET"], tags=TAGS)
@bp.response(200, views.PositionView)
@operation("get_position", *READ)
def get_position(procurement_id: UUID, position_id: UUID) -> object:
    """One offered position"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.positions, "position_id", position_id, "Position")


@bp.route(CANDIDATE, methods=["GET"], tags=TAGS)
@bp.response(200, views.CandidateView)
@operation("get_candidate", *READ)
def get_candidate(procurement_id: UUID, candidate_id: UUID) -> object:
    """One proposed candidate, as your part may see them"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.candidates, "candidate_id", candidate_id, "Candidate")


@bp.route(PLACEMENT, methods=["GET"], tags=TAGS)
@bp.response(200, views.PlacementView)
@operation("get_placement", *READ)
def get_placement(procurement_id: UUID, placement_id: UUID) -> object:
    """One placement"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.placements, "placement_id", placement_id, "Placement")


@bp.route(REPORT, methods=["GET"], tags=TAGS)
@bp.response(200, views.ReportView)
@operation("get_report", *READ)
def get_report(procurement_id: UUID, report_id: UUID) -> object:
    """One supplier report"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.reports, "report_id", report_id, "Report")


@bp.route(f"{CASE}/deviations/<api_id:deviation_id>", methods=["GET"], tags=TAGS)
@bp.response(200, views.DeviationView)
@operation("get_deviation", *READ)
def get_deviation(procurement_id: UUID, deviation_id: UUID) -> object:
    """One deviation and its decision"""
    case = service().get_case(actor(), procurement_id)
    return _one(case.deviations, "deviation_id", deviation_id, "Deviation")


def _one(items: Iterable[T], attribute: str, wanted: UUID, what: str) -> T:
    """The item with this id among those the caller's view holds; 404 otherwise, alike for
    one that does not exist and one the caller may not see."""
    for item in items:
        if getattr(item, attribute) == wanted:
            return item
    raise NotFound(f"{what} {wanted} not found")
