"""The start portal: what needs the signed-in user's organisation now (its task inbox),
the procurements it has a part in, and one page per procurement.

The inbox and the list come from the read models (projections/case_list.py), which ask
the access policy which cases the actor may see. The page of one case reads the case
itself through the service: `get_case` gives the view (tenders already filtered), and
`history` is asked for only where the policy lets the actor read it. A case the actor
may not see answers exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from flask import Blueprint, render_template

from domain import access
from domain.access import Command
from web.auth import current_actor
from web.extension import current_read_models, current_service
from web.portals.actions import Context, offered
from web.portals.delivery import delivery, placed_contacts
from web.presenters import CaseRow, NoticeRow, OrganisationNames, TaskRow, case_page

bp = Blueprint("start", __name__)
NOTICE_DAYS = 30  # how far back the start page shows reminders received


@bp.get("/")
def index() -> str:
    service, read, actor = current_service(), current_read_models(), current_actor()
    names = OrganisationNames(service)
    rows = sorted((CaseRow.of_listed(c, names) for c in read.cases(actor)),
                  key=lambda row: row.sort_key)
    today = service.clock.today()
    tasks = [TaskRow.of(t) for t in read.tasks(actor, today)]
    sent = read.notices(actor, since=today - timedelta(days=NOTICE_DAYS))
    may_create = access.allows(Command.CREATE_PROCUREMENT, access.parts_of(actor, None))
    keeps_register = access.allows(Command.REGISTER_PARTICIPANT,
                                   access.participant_parts(actor, None))
    return render_template("start.html", rows=rows, tasks=tasks, may_create=may_create,
                           keeps_register=keeps_register,
                           notices=[NoticeRow.of(n) for n in sent])


@bp.get("/procurements/<uuid:procurement_id>")
def procurement(procurement_id: UUID) -> str:
    # A malformed id never gets here (the uuid converter answers 404); an unknown one, or
    # one the actor may not see, raises ProcurementNotFound: web/errors.py answers 404.
    service, actor = current_service(), current_actor()
    view = service.get_case(actor, procurement_id)
    history = (service.history(actor, procurement_id)
               if access.allows(Command.VIEW_HISTORY, view.parts) else None)
    today = service.clock.today()
    page = case_page(view, history, OrganisationNames(service), today)
    overlaps = (current_read_models().overlaps(procurement_id, today)
                if access.allows(Command.VIEW_DOUBLE_COUNTS, view.parts) else [])
    return render_template("case.html", page=page, overlaps=overlaps,
                           actions=offered(Context(service, actor, view, today)),
                           delivery=delivery(view, today,
                                             placed_contacts(service, actor, view)))
