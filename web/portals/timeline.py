"""The auditor's (and the owner's) timeline of one procurement: every recorded fact from
the audit trail, filtered by party, period and kind of event, newest first, paged.

    GET /procurements/<id>/timeline?organisation=&event_type=&since=&until=&before=

Filters are checked with a marshmallow schema; a bad one is shown beside its field and
the unfiltered page is not shown instead (a filter quietly ignored would mislead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from domain import access
from domain.access import Command
from domain.procurement import events as ev
from projections.audit_trail import AuditEntry
from projections.labels import EVENTS
from web import labels
from web.auth import current_actor
from web.extension import current_read_models, current_service
from web.formatting import LOCAL_TIME
from web.i18n import language, pick
from web.portals import forms
from web.portals.forms import DATE, SELECT, Field, Filled
from web.presenters import OrganisationNames

bp = Blueprint("timeline", __name__)
PAGE_SIZE = 50

# The kinds of fact a procurement's history holds, in the order a case lives them.
PROCUREMENT_EVENT_TYPES = [name for name in EVENTS if hasattr(ev, name)
                           and isinstance(getattr(ev, name), type)
                           and issubclass(getattr(ev, name), ev.ProcurementEvent)]


class TimelineFilters(Schema):
    class Meta:
        unknown = EXCLUDE

    organisation = fields.UUID(load_default=None)
    event_type = fields.String(load_default=None,
                               validate=validate.OneOf(PROCUREMENT_EVENT_TYPES))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    label: str
    summary: str
    organisation: str
    party: str


@bp.get("/procurements/<uuid:procurement_id>/timeline")
def timeline(procurement_id: UUID) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    view = service.get_case(actor, procurement_id)  # 404 for a case the actor may not see
    if not access.allows(Command.VIEW_HISTORY, view.parts):
        abort(403)
    names = OrganisationNames(service)
    parties = _parties(view)
    filter_fields = _filter_fields(parties, names)
    values = {key: request.args.get(key, "") for key in
              ("organisation", "event_type", "since", "until")}
    filled = Filled(filter_fields, values)
    try:
        chosen = TimelineFilters().load({k: v for k, v in request.args.items() if v != ""})
    except SchemaError as refusal:
        filled.errors, filled.summary = forms.errors_of(refusal, filter_fields)
        return render_template("portals/timeline.html", case=view, form=filled, rows=[],
                               next_cursor=None, args={}), 400
    page = current_read_models().history(
        procurement_id, organisation_id=chosen["organisation"],
        event_types=[chosen["event_type"]] if chosen["event_type"] else None,
        since=_start_of(chosen["since"]), until=_start_of(chosen["until"], days=1),
        before=chosen["before"], newest_first=True, limit=PAGE_SIZE)
    rows = [Row(e, pick(labels.event(e.event_type)),
                e.summary_en if language() == "en" else e.summary_sv,
                names(e.organisation_id), pick(_party(e.party))) for e in page.entries]
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template("portals/timeline.html", case=view, form=filled, rows=rows,
                           next_cursor=page.next_cursor, args=args)


def _parties(view: Any) -> list[UUID]:
    found = [view.owner_id, *(t.supplier_id for t in view.tenders)]
    found += [x for x in (view.matcher_id,) if x] + list(view.partner_ids)
    return list(dict.fromkeys(found))


def _filter_fields(parties: list[UUID], names: OrganisationNames) -> list[Field]:
    return [
        Field("organisation", _l("Part"), SELECT,
              options=[(str(p), names(p)) for p in parties]),
        Field("event_type", _l("Händelse"), SELECT,
              options=[(t, pick(labels.event(t))) for t in PROCUREMENT_EVENT_TYPES]),
        Field("since", _l("Från och med"), DATE),
        Field("until", _l("Till och med"), DATE),
    ]


def _start_of(day: Any, days: int = 0) -> datetime | None:
    """A day in Swedish time as the moment it starts (`until` is inclusive: the next day)."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=days), time(), tzinfo=LOCAL_TIME)


def _party(code: str | None) -> labels.Label:
    for role, label in labels.ROLES.items():
        if role.value == code:
            return label
    return labels.Label("–", "–")
