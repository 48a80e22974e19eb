"""The portals' commands: a new procurement, and one form page per action on a case.

    GET  /procurements/new                 the authority's form for a new procurement
    POST /procurements/new                 creates it, then to its page
    GET  /procurements/<id>/<action>       the action's form, filled with sensible defaults
    POST /procurements/<id>/<action>       runs it: back to the case page, or the form
                                           again with each error beside its field

Each route parses the form (forms.py, with the API's schemas), calls one service method
(the action's) and redirects or renders. Which actions a case page offers, and the rules
of each, are in actions.py and the domain.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError as SchemaError

from domain import access, errors
from domain.access import Command
from web import labels
from web.api.schemas import requests as rq
from web.auth import current_actor
from web.extension import current_service
from web.i18n import pick
from web.portals import forms
from web.portals.actions import BODY_HOOKS, BY_SLUG, Action, Context, setup_fields
from web.portals.forms import SELECT, Field, Filled

bp = Blueprint("portal", __name__)

_REFUSALS = (SchemaError, errors.ValidationError, errors.InvalidState, errors.RuleViolation,
             errors.ConcurrencyConflict)


@bp.route("/procurements/new", methods=["GET", "POST"])
def new_procurement() -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    if not access.allows(Command.CREATE_PROCUREMENT, access.parts_of(actor, None)):
        abort(403)
    fields = setup_fields(None)
    if request.method == "GET":
        return render_template("portals/new.html", form=Filled.fresh(fields))
    values = forms.read(fields, request.form)
    try:
        setup = forms.load(rq.SetupBody(), fields, values)
        procurement_id = service.create_procurement(actor, setup)
    except _REFUSALS as refusal:
        field_errors, summary = forms.errors_of(refusal, fields)
        return render_template("portals/new.html", form=Filled(
            fields, values, field_errors, summary)), 400
    flash(gettext("Upphandlingen är skapad. Sätt kravet och uppföljningsplanen innan den "
                  "publiceras."))
    return redirect(url_for("start.procurement", procurement_id=procurement_id))


@bp.route("/procurements/<uuid:procurement_id>/<slug>", methods=["GET", "POST"])
def act(procurement_id: UUID, slug: str) -> ResponseReturnValue:
    action = BY_SLUG.get(slug)
    if action is None:
        abort(404)
    service, actor = current_service(), current_actor()
    # A case the actor may not see is 404 here as everywhere (ProcurementNotFound).
    view = service.get_case(actor, procurement_id)
    ctx = Context(service, actor, view, service.clock.today())
    if not action.offered(ctx):
        # Not the user's to do, or not now: the case page says what can be done.
        abort(409 if access.allows(action.command, view.parts) else 403)
    fields = action.fields(ctx)
    if request.method == "GET":
        filled = Filled.fresh(fields)
        for name, value in request.args.items():  # a link may pick the candidate etc.
            if name in filled.values:
                filled.values[name] = value
        return _form(action, view, filled)
    values = forms.read(fields, request.form)
    try:
        args = _parsed(action, fields, values)
        action.run(service, actor, procurement_id, args)
    except _REFUSALS as refusal:
        field_errors, summary = forms.errors_of(refusal, fields)
        return _form(action, view, Filled(fields, values, field_errors, summary)), 400
    flash(gettext("Klart: %(action)s.", action=str(action.label)))
    return redirect(url_for("start.procurement", procurement_id=procurement_id))


def _parsed(action: Action, fields: list[Field], values: dict[str, Any]) -> Any:
    ids = _ids(fields, values)
    body = forms.body_of(fields, values)
    hook = BODY_HOOKS.get(action.slug)
    if hook is not None:
        body = hook(body, values)
    loaded = action.schema().load(body)
    if isinstance(loaded, dict):
        return {**loaded, **ids}
    return {"value": loaded, **ids} if ids else loaded


def _ids(fields: list[Field], values: dict[str, Any]) -> dict[str, UUID]:
    """The things in the case a form names by a choice (a candidate, a report): one of the
    choices offered, or the field's error."""
    ids, problems = {}, {}
    for f in fields:
        if f.body or f.kind != SELECT:
            continue
        chosen = values.get(f.name) or ""
        if chosen not in {value for value, _ in f.options}:
            problems[f.name] = ["Must be one of the choices."]
            continue
        ids[f.name] = UUID(chosen)
    if problems:
        raise SchemaError(problems)
    return ids


def _form(action: Action, view: Any, filled: Filled) -> str:
    return render_template("portals/action.html", action=action, case=view, form=filled,
                           state_label=pick(labels.STATES[view.state]))
