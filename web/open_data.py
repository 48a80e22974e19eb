"""Open data: a procurement as Open Contracting (OCDS 1.1) releases and record.

Anyone may read, without signing in, the cases their owners have marked for publication
(`/open-data/procurements/<id>/releases.json` and `.../record.json`); any other id, marked
or not, existing or not, answers the same 404. The owner and auditors read every case of
theirs through the API (web/api/routes/open_data.py). What a release holds, and never
holds, is projections/ocds/releases.py's to say.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from domain.values import Actor
from projections.ocds import package
from projections.ocds.releases import OCID_PREFIX_SETTING, ocid_prefix
from web.auth import public
from web.extension import current_service

bp = Blueprint("open_data", __name__, url_prefix="/open-data")

RELEASES = "releases"
RECORD = "record"


@bp.record_once
def _read_prefix(state: BlueprintSetupState) -> None:
    """A malformed prefix stops the app at start, not at the first export."""
    app = state.app
    app.config[OCID_PREFIX_SETTING] = ocid_prefix(
        app.config.get(OCID_PREFIX_SETTING) or os.environ.get(OCID_PREFIX_SETTING))


def export(kind: str, actor: Actor | None, procurement_id: UUID) -> dict[str, Any]:
    """The release package or the record package of a case, as `actor` (None: the public)
    may read it; refused by the service as the case's access allows."""
    service = current_service()
    history = service.open_data_events(actor, procurement_id)

    def organisation(organisation_id: UUID) -> tuple[str, str]:
        found = service.organisation(organisation_id)
        return found.name, found.org_number

    prefix = current_app.config[OCID_PREFIX_SETTING]
    now = service.clock.now()
    if kind == RECORD:
        return package.record_package(prefix, procurement_id, history, organisation,
                                      uri=request.url, published=now)
    return package.release_package(prefix, history, organisation, uri=request.url,
                                   published=now)


@bp.route("/procurements/<uuid:procurement_id>/releases.json")
@public
def releases(procurement_id: UUID) -> Response:
    """Every release of a case marked for publication."""
    return jsonify(export(RELEASES, None, procurement_id))


@bp.route("/procurements/<uuid:procurement_id>/record.json")
@public
def record(procurement_id: UUID) -> Response:
    """The record of a case marked for publication: its releases, compiled."""
    return jsonify(export(RECORD, None, procurement_id))
