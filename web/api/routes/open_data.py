"""Open data: marking a case for publication, and its export for the owner and auditors
(anyone reads a marked case without a token: web/open_data.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, jsonify

from web import open_data
from web.api.blueprint import READ, WRITE, actor, bp, done, operation, service
from web.api.routes.setup import CASE
from web.api.schemas import requests as rq

TAGS = ["open data"]


@bp.route(f"{CASE}/publication", methods=["POST"], tags=TAGS)
@bp.arguments(rq.NoBody, required=False)
@bp.response(204)
@operation("mark_for_publication", *WRITE)
def mark_for_publication(_: dict[str, Any], procurement_id: UUID) -> Response:
    """Let anyone read the case as open data (the owner; it cannot be undone)"""
    service().mark_for_publication(actor(), procurement_id)
    return done()


@bp.route(f"{CASE}/ocds/releases", methods=["GET"], tags=TAGS)
@bp.response(200, description="An OCDS 1.1 release package: one release per change")
@operation("ocds_releases", 403, *READ)
def ocds_releases(procurement_id: UUID) -> Response:
    """The case as Open Contracting releases (the owner and auditors, marked or not)"""
    return jsonify(open_data.export(open_data.RELEASES, actor(), procurement_id))


@bp.route(f"{CASE}/ocds/record", methods=["GET"], tags=TAGS)
@bp.response(200, description="An OCDS 1.1 record package with the compiled release")
@operation("ocds_record", 403, *READ)
def ocds_record(procurement_id: UUID) -> Response:
    """The case's Open Contracting record: every release and the compiled release"""
    return jsonify(open_data.export(open_data.RECORD, actor(), procurement_id))
