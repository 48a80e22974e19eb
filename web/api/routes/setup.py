"""Set-up of a procurement by its authority: create, requirement, follow-up plan, market
dialogue, publish, cancel."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from domain.procurement.dialogue import DialogueNote
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from web.api.blueprint import LOCATION, WRITE, Created, actor, bp, created, done, operation, service
from web.api.schemas import requests as rq
from web.api.schemas.views import CreatedView

CASE = "/procurements/<api_id:procurement_id>"
TAGS = ["set-up"]


@bp.route("/procurements", methods=["POST"], tags=TAGS)
@bp.arguments(rq.SetupBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("create_procurement", 403, 413, 415)
def create_procurement(setup: CaseSetup) -> Created:
    """Start a procurement (a contracting authority)"""
    procurement_id = service().create_procurement(actor(), setup)
    return created("get_case", procurement_id, procurement_id=procurement_id)


@bp.route(f"{CASE}/setup", methods=["PUT"], tags=TAGS)
@bp.arguments(rq.SetupBody)
@bp.response(204)
@operation("revise_setup", *WRITE)
def revise_setup(setup: CaseSetup, procurement_id: UUID) -> Response:
    """Revise title, reference, CPV codes, value and contract period (draft only)"""
    service().revise_setup(actor(), procurement_id, setup)
    return done()


@bp.route(f"{CASE}/requirement", methods=["PUT"], tags=TAGS)
@bp.arguments(rq.RequirementBody)
@bp.response(204)
@operation("set_requirement", *WRITE)
def set_requirement(requirement: EmploymentRequirement, procurement_id: UUID) -> Response:
    """Set the employment requirement (draft only)"""
    service().set_requirement(actor(), procurement_id, requirement)
    return done()


@bp.route(f"{CASE}/follow-up-plan", methods=["PUT"], tags=TAGS)
@bp.arguments(rq.PlanBody)
@bp.response(204)
@operation("set_follow_up_plan", *WRITE)
def set_follow_up_plan(plan: FollowUpPlan, procurement_id: UUID) -> Response:
    """Set the follow-up plan (until the contract is signed)"""
    service().set_follow_up_plan(actor(), procurement_id, plan)
    return done()


@bp.route(f"{CASE}/follow-up-plan/amendments", methods=["POST"], tags=TAGS)
@bp.arguments(rq.AmendmentBody)
@bp.response(204)
@operation("amend_follow_up_plan", *WRITE)
def amend_follow_up_plan(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Amend the plan frozen at signature, with the reason"""
    service().amend_follow_up_plan(actor(), procurement_id, args["plan"], args["reason"])
    return done()


@bp.route(f"{CASE}/dialogue-notes", methods=["POST"], tags=TAGS)
@bp.arguments(rq.DialogueNoteBody)
@bp.response(204)
@operation("add_dialogue_note", *WRITE)
def add_dialogue_note(note: DialogueNote, procurement_id: UUID) -> Response:
    """Note what a union, employer organisation or non-profit said in the market dialogue"""
    service().add_dialogue_note(actor(), procurement_id, note)
    return done()


@bp.route(f"{CASE}/publish", methods=["POST"], tags=TAGS)
@bp.arguments(rq.PublishBody)
@bp.response(204)
@operation("publish", *WRITE)
def publish(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Publish the procurement and open tendering"""
    service().publish(actor(), procurement_id, args["tender_deadline"])
    return done()


@bp.route(f"{CASE}/cancel", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ReasonBody)
@bp.response(204)
@operation("cancel", *WRITE)
def cancel(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Cancel the procurement (before the contract is signed)"""
    service().cancel(actor(), procurement_id, args["reason"])
    return done()
