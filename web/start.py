"""The start portal: the procurements the signed-in user's organisation has a part in, and
one page per procurement.

Both read through the service with the signed-in actor, so the access policy decides what
is shown: `visible_cases` lists the cases, `get_case` gives the view of one (tenders
already filtered), and `history` is asked for only where the policy lets the actor read
it. A case the actor may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, render_template

from domain import access
from domain.access import Command
from web.auth import current_actor
from web.extension import current_service
from web.presenters import CaseRow, OrganisationNames, case_page

bp = Blueprint("start", __name__)


@bp.get("/")
def index() -> str:
    service, actor = current_service(), current_actor()
    names = OrganisationNames(service)
    rows = [CaseRow.of_view(view, names) for view in service.visible_cases(actor)]
    rows.sort(key=lambda row: row.sort_key)
    return render_template("start.html", rows=rows)


@bp.get("/procurements/<uuid:procurement_id>")
def procurement(procurement_id: UUID) -> str:
    # A malformed id never gets here (the uuid converter answers 404); an unknown one, or
    # one the actor may not see, raises ProcurementNotFound: web/errors.py answers 404.
    service, actor = current_service(), current_actor()
    view = service.get_case(actor, procurement_id)
    history = (service.history(actor, procurement_id)
               if access.allows(Command.VIEW_HISTORY, view.parts) else None)
    page = case_page(view, history, OrganisationNames(service), service.clock.today())
    return render_template("case.html", page=page)
