"""Tendering and award: tenders, closing, award, contract, kick-off, matcher and partners."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response

from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.tenders import Tender
from web.api.blueprint import LOCATION, WRITE, Created, actor, bp, created, done, operation, service
from web.api.routes.setup import CASE
from web.api.schemas import requests as rq
from web.api.schemas.views import CreatedView

TAGS = ["tendering and award"]


@bp.route(f"{CASE}/tenders", methods=["POST"], tags=TAGS)
@bp.arguments(rq.TenderBody)
@bp.response(201, CreatedView, headers=LOCATION,
             description="The tender (a new revision if the supplier tendered before); its "
                         "id is the supplier's organisation")
@operation("submit_tender", *WRITE)
def submit_tender(args: dict[str, Any], procurement_id: UUID) -> Created:
    """Submit or revise the tender of your organisation (a supplier, while tendering)"""
    supplier = actor()
    tender = Tender(supplier.organisation_id, args["plan"], args["sme"],
                    tuple(args.get("partner_ids", ())))
    service().submit_tender(supplier, procurement_id, tender)
    return created("get_tender", supplier.organisation_id, procurement_id=procurement_id,
                   supplier_id=supplier.organisation_id)


@bp.route(f"{CASE}/close-tendering", methods=["POST"], tags=TAGS)
@bp.arguments(rq.NoBody, required=False)
@bp.response(204)
@operation("close_tendering", *WRITE)
def close_tendering(_: dict[str, Any], procurement_id: UUID) -> Response:
    """Close tendering; the authority may now open the tenders"""
    service().close_tendering(actor(), procurement_id)
    return done()


@bp.route(f"{CASE}/award", methods=["POST"], tags=TAGS)
@bp.arguments(rq.AwardBody)
@bp.response(204)
@operation("award_contract", *WRITE)
def award_contract(award: Award, procurement_id: UUID) -> Response:
    """Award the contract to a tenderer; the standstill period begins"""
    service().award_contract(actor(), procurement_id, award)
    return done()


@bp.route(f"{CASE}/sign-contract", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ContractBody)
@bp.response(204)
@operation("sign_contract", *WRITE)
def sign_contract(contract: Contract, procurement_id: UUID) -> Response:
    """Record the signed contract (after the standstill); delivery begins"""
    service().sign_contract(actor(), procurement_id, contract)
    return done()


@bp.route(f"{CASE}/kick-off", methods=["POST"], tags=TAGS)
@bp.arguments(rq.KickOffBody)
@bp.response(204)
@operation("hold_kick_off", *WRITE)
def hold_kick_off(kick_off: KickOff, procurement_id: UUID) -> Response:
    """Record the kick-off meeting held with the parties"""
    service().hold_kick_off(actor(), procurement_id, kick_off)
    return done()


@bp.route(f"{CASE}/matcher", methods=["PUT"], tags=TAGS)
@bp.arguments(rq.MatcherBody)
@bp.response(204)
@operation("appoint_matcher", *WRITE)
def appoint_matcher(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Appoint the matcher (Arbetsförmedlingen or a municipal labour-market administration)"""
    service().appoint_matcher(actor(), procurement_id, args["matcher_id"])
    return done()


@bp.route(f"{CASE}/partners", methods=["POST"], tags=TAGS)
@bp.arguments(rq.PartnerBody)
@bp.response(204)
@operation("invite_partner", *WRITE)
def invite_partner(args: dict[str, Any], procurement_id: UUID) -> Response:
    """Invite a work-integrating social enterprise as a partner"""
    service().invite_partner(actor(), procurement_id, args["partner_id"])
    return done()
