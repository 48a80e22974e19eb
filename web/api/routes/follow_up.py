"""Follow-up: checkpoints, supplier reports, deviations, the contract's end and closing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from domain.procurement.deviations import Deviation, DeviationDecision
from domain.procurement.reminders import ReminderPolicy
from domain.procurement.reports import SupplierReport
from web.api.blueprint import (
    LOCATION,
    WRITE,
    Created,
    actor,
    bp,
    created,
    done,
    operation,
    service,
)
from web.api.routes.delivery import PLACEMENT
from web.api.routes.setup import CASE
from web.api.schemas import requests as rq
from web.api.schemas.views import CreatedView

TAGS = ["follow-up"]
REPORT = f"{CASE}/reports/<api_id:report_id>"


@bp.route(f"{PLACEMENT}/checkpoints", methods=["POST"], tags=TAGS)
@bp.arguments(rq.CheckpointBody)
@bp.response(204)
@operation("record_checkpoint", *WRITE)
def record_checkpoint(args: dict[str, Any], procurement_id: UUID,
                      placement_id: UUID) -> Response:
    """Record the plan's items that are yours to give at a checkpoint of a placement"""
    service().record_checkpoint(actor(), procurement_id, placement_id, args["checkpoint"],
                                args["observed_on"], args["values"])
    return done()


@bp.route(f"{CASE}/reports", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ReportBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("submit_report", *WRITE)
def submit_report(report: SupplierReport, procurement_id: UUID) -> Created:
    """Submit a periodic report (the awarded supplier)"""
    service().submit_report(actor(), procurement_id, report)
    return created("get_report", report.report_id, procurement_id=procurement_id,
                   report_id=report.report_id)


@bp.route(f"{REPORT}/verify", methods=["POST"], tags=TAGS)
@bp.arguments(rq.VerifyBody, required=False)
@bp.response(204)
@operation("verify_report", *WRITE)
def verify_report(args: dict[str, Any], procurement_id: UUID, report_id: UUID) -> Response:
    """Verify a report (the authority)"""
    service().verify_report(actor(), procurement_id, report_id, args.get("comment", ""))
    return done()


@bp.route(f"{REPORT}/query", methods=["POST"], tags=TAGS)
@bp.arguments(rq.QueryBody)
@bp.response(204)
@operation("query_report", *WRITE)
def query_report(args: dict[str, Any], procurement_id: UUID, report_id: UUID) -> Response:
    """Query a report, saying what is missing (the authority)"""
    service().query_report(actor(), procurement_id, report_id, args["comment"])
    return done()


@bp.route(f"{CASE}/deviations", methods=["POST"], tags=TAGS)
@bp.arguments(rq.DeviationBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("note_deviation", *WRITE)
def note_deviation(args: dict[str, Any], procurement_id: UUID) -> Created:
    """Note a deviation from the requirement, in your party's name"""
    party = actor()
    deviation = Deviation(args["deviation_id"], args["description"], party.role)
    service().note_deviation(party, procurement_id, deviation)
    return created("get_deviation", deviation.deviation_id, procurement_id=procurement_id,
                   deviation_id=deviation.deviation_id)


@bp.route(f"{CASE}/deviations/<api_id:deviation_id>/decision", methods=["POST"], tags=TAGS)
@bp.arguments(rq.DecisionBody)
@bp.response(204)
@operation("decide_deviation", *WRITE)
def decide_deviation(decision: DeviationDecision, procurement_id: UUID,
                     deviation_id: UUID) -> Response:
    """Decide a deviation: remedy, sanction (vite) or waiver (the authority)"""
    service().decide_deviation(actor(), procurement_id, deviation_id, decision)
    return done()


@bp.route(f"{CASE}/end-contract", methods=["POST"], tags=TAGS)
@bp.arguments(rq.EndContractBody)
@bp.response(204)
@operation("end_contract", *WRITE)
def end_contract(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Record that the contract ended; follow-up after exit goes on"""
    service().end_contract(actor(), procurement_id, args["ended_on"])
    return done()


@bp.route(f"{CASE}/close", methods=["POST"], tags=TAGS)
@bp.arguments(rq.CloseBody)
@bp.response(204)
@operation("close_procurement", *WRITE)
def close_procurement(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Close the procurement with the authority's compliance decision"""
    service().close_procurement(actor(), procurement_id, args["decision"],
                                args.get("motivation", ""))
    return done()


@bp.route(f"{CASE}/reminder-policy", methods=["PUT"], tags=TAGS)
@bp.arguments(rq.ReminderPolicyBody)
@bp.response(204)
@operation("set_reminder_policy", *WRITE)
def set_reminder_policy(policy: ReminderPolicy, procurement_id: UUID) -> Response:
    """Set when reminders go out and overdue items escalate, for this procurement (its
    authority); the answer windows left out take their defaults (10 and 14 days)"""
    service().set_reminder_policy(actor(), procurement_id, policy)
    return done()
