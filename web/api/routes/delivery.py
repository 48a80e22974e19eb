"""Matching and placements: positions, candidates and their answers, preparation,
placements started and ended."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from domain.procurement.matching import Candidate, Position, Preparation
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
from web.api.routes.setup import CASE
from web.api.schemas import requests as rq
from web.api.schemas.views import CreatedView

TAGS = ["matching and placements"]
CANDIDATE = f"{CASE}/candidates/<api_id:candidate_id>"
PLACEMENT = f"{CASE}/placements/<api_id:placement_id>"


@bp.route(f"{CASE}/positions", methods=["POST"], tags=TAGS)
@bp.arguments(rq.PositionBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("offer_position", *WRITE)
def offer_position(position: Position, procurement_id: UUID) -> Created:
    """Offer a position (the awarded supplier)"""
    service().offer_position(actor(), procurement_id, position)
    return created("get_position", position.position_id, procurement_id=procurement_id,
                   position_id=position.position_id)


@bp.route(f"{CASE}/candidates", methods=["POST"], tags=TAGS)
@bp.arguments(rq.CandidateBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("propose_candidate", *WRITE)
def propose_candidate(candidate: Candidate, procurement_id: UUID) -> Created:
    """Propose a candidate for a position, attesting eligibility (the matcher)"""
    service().propose_candidate(actor(), procurement_id, candidate)
    return created("get_candidate", candidate.candidate_id, procurement_id=procurement_id,
                   candidate_id=candidate.candidate_id)


@bp.route(f"{CANDIDATE}/accept", methods=["POST"], tags=TAGS)
@bp.arguments(rq.NoBody, required=False)
@bp.response(204)
@operation("accept_candidate", *WRITE)
def accept_candidate(_: dict[str, Any], procurement_id: UUID, candidate_id: UUID) -> Response:
    """Accept a proposed candidate (the awarded supplier)"""
    service().accept_candidate(actor(), procurement_id, candidate_id)
    return done()


@bp.route(f"{CANDIDATE}/decline", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ReasonBody)
@bp.response(204)
@operation("decline_candidate", *WRITE)
def decline_candidate(args: dict[str, Any], procurement_id: UUID,
                      candidate_id: UUID) -> Response:
    """Decline a proposed candidate, with the reason (the awarded supplier)"""
    service().decline_candidate(actor(), procurement_id, candidate_id, args["reason"])
    return done()


@bp.route(f"{CANDIDATE}/preparations", methods=["POST"], tags=TAGS)
@bp.arguments(rq.PreparationBody)
@bp.response(204)
@operation("record_preparation", *WRITE)
def record_preparation(args: dict[str, Any], procurement_id: UUID,
                       candidate_id: UUID) -> Response:
    """Record preparation your organisation gives a candidate (an invited partner)"""
    partner = actor()
    preparation = Preparation(partner.organisation_id, **args)
    service().record_preparation(partner, procurement_id, candidate_id, preparation)
    return done()


@bp.route(f"{CASE}/placements", methods=["POST"], tags=TAGS)
@bp.arguments(rq.StartPlacementBody)
@bp.response(201, CreatedView, headers=LOCATION)
@operation("start_placement", *WRITE)
def start_placement(args: dict[str, Any], procurement_id: UUID) -> Created:
    """Start the placement of an accepted candidate (the awarded supplier)"""
    placement_id = args["placement_id"]
    service().start_placement(actor(), procurement_id, placement_id, args["candidate_id"],
                              args["terms"])
    return created("get_placement", placement_id, procurement_id=procurement_id,
                   placement_id=placement_id)


@bp.route(f"{PLACEMENT}/end", methods=["POST"], tags=TAGS)
@bp.arguments(rq.EndPlacementBody)
@bp.response(204)
@operation("end_placement", *WRITE)
def end_placement(args: dict[str, Any], procurement_id: UUID, placement_id: UUID) -> Response:
    """End a placement; before its planned end it ends early and needs a reason"""
    service().end_placement(actor(), procurement_id, placement_id, args["ended_on"],
                            args.get("reason", ""))
    return done()
