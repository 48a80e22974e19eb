"""The start portal: every procurement, and one page per procurement.

DEMO MODE, until sign-in exists (next issue): these pages read through the service's
console-only methods `all_case_ids` and `inspect`, which bypass the access policy. That is
acceptable only because the demo holds fictional data; the pages therefore show no
tenders, candidates or participants. With sign-in, they switch to `visible_case_ids` and
`get_case`/`history` with the signed-in actor, and every page footer says demo mode until
then.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, render_template

from web.extension import current_service
from web.presenters import CaseRow, case_page

bp = Blueprint("start", __name__)


@bp.get("/")
def index() -> str:
    service = current_service()
    rows = [CaseRow.of(service.inspect(case_id)[0]) for case_id in service.all_case_ids()]
    rows.sort(key=lambda row: row.sort_key)
    return render_template("start.html", rows=rows)


@bp.get("/procurements/<uuid:procurement_id>")
def procurement(procurement_id: UUID) -> str:
    # A malformed id never gets here (the uuid converter answers 404); an unknown one
    # raises ProcurementNotFound, which web/errors.py answers with 404.
    service = current_service()
    case, history = service.inspect(procurement_id)
    page = case_page(case, history, service.clock.today())
    return render_template("case.html", page=page)
