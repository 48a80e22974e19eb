"""The matcher's participant register in the portal.

    GET  /participants                      the people the organisation registered, by
                                            reference only (nothing decrypted, no read)
    GET  /participants/new                  the form to register a person
    POST /participants/new                  registers them, then to their page
    GET  /participants/<id>                 the person, every field (a logged read)
    GET  /participants/<id>/erase           the erasure form: a reason chosen from codes
    POST /participants/<id>/erase           erases them, then to the register
    GET  /procurements/<id>/read-log        who read the people of a case (the owning
                                            authority's auditors)

Who may do what is decided by the service (domain/access.py); a person the user may not
read answers like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from domain import access, errors
from domain.access import Command
from domain.participants.read_log import ReadLogEntry
from domain.participants.sealing import PersonalDetails
from web import labels
from web.auth import current_actor
from web.extension import current_service
from web.i18n import pick
from web.portals import forms
from web.portals.forms import CHECKBOX, SELECT, Field, Filled
from web.portals.vocabulary import ERASURE_REASONS, READ_GROUNDS
from web.presenters import OrganisationNames

bp = Blueprint("participants", __name__)

# Where the read log says a person was read: this page.
PLACE = "participant page"


def _register_fields() -> list[Field]:
    return [
        Field("name", _l("Namn"), required=True),
        Field("personal_number", _l("Personnummer eller samordningsnummer"),
              hint=_l("ÅÅÅÅMMDD-NNNN. Frivilligt.")),
        Field("email", _l("E-post")),
        Field("phone", _l("Telefon")),
        Field("target_group", _l("Målgrupp"), SELECT, required=True, options=[
            (group.value, pick(label)) for group, label in labels.TARGET_GROUPS.items()]),
        Field("eligibility_attested", _l("Jag intygar att personen tillhör målgruppen"),
              CHECKBOX),
    ]


def _erase_fields() -> list[Field]:
    return [Field("reason", _l("Skäl"), SELECT, required=True, options=[
        (reason.value, pick(label)) for reason, label in ERASURE_REASONS.items()])]


def _require_matcher() -> None:
    # Only a matching organisation keeps a register; the service refuses the others too.
    if not access.allows(Command.REGISTER_PARTICIPANT,
                         access.participant_parts(current_actor(), None)):
        abort(403)


@bp.get("/participants")
def register() -> str:
    _require_matcher()
    people = current_service().registered_references(current_actor())
    return render_template("participants/register.html", people=people)


@bp.route("/participants/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    _require_matcher()
    fields = _register_fields()
    if request.method == "GET":
        return render_template("participants/new.html", form=Filled.fresh(fields))
    values = forms.read(fields, request.form)
    try:
        participant_id, reference = current_service().register_participant(
            current_actor(), PersonalDetails(**forms.body_of(fields, values)))
    except (TypeError, errors.ValidationError) as refusal:
        return render_template("participants/new.html",
                               form=_refused(refusal, fields, values)), 400
    flash(gettext("Personen är registrerad som %(reference)s.", reference=reference))
    return redirect(url_for("participants.person", participant_id=participant_id))


def _refused(refusal: Exception, fields: list[Field], values: dict[str, Any]) -> Filled:
    if isinstance(refusal, TypeError):
        # PersonalDetails without a required field: name and target group are left out of
        # the body when empty (forms.body_of), so the dataclass cannot be built.
        missing = {f.name: gettext("Fyll i fältet.") for f in fields
                   if f.required and not values.get(f.name)}
        return Filled(fields, values, missing)
    field_errors, summary = forms.errors_of(refusal, fields)
    return Filled(fields, values, field_errors, summary)


@bp.get("/participants/<uuid:participant_id>")
def person(participant_id: UUID) -> ResponseReturnValue:
    try:
        view = current_service().read_participant(current_actor(), participant_id,
                                                  where=PLACE)
    except errors.ParticipantErased:
        return render_template("participants/erased.html"), 410
    group = pick(labels.TARGET_GROUPS[view.target_group]) if view.target_group else None
    return render_template("participants/person.html", person=view, target_group=group)


@bp.route("/participants/<uuid:participant_id>/erase", methods=["GET", "POST"])
def erase(participant_id: UUID) -> ResponseReturnValue:
    _require_matcher()
    fields = _erase_fields()
    if request.method == "GET":
        return render_template("participants/erase.html", form=Filled.fresh(fields),
                               participant_id=participant_id)
    values = forms.read(fields, request.form)
    try:
        current_service().erase_participant(current_actor(), participant_id,
                                            values["reason"])
    except (errors.ValidationError, errors.RuleViolation) as refusal:
        field_errors, summary = forms.errors_of(refusal, fields)
        return render_template("participants/erase.html", participant_id=participant_id,
                               form=Filled(fields, values, field_errors, summary)), 400
    flash(gettext("Personens uppgifter är raderade."))
    return redirect(url_for("participants.register"))


@dataclass(frozen=True)
class ReadRow:
    entry: ReadLogEntry
    reader: str  # the user's name, or their id once the directory no longer knows them
    organisation: str
    role: str
    ground: str


@bp.get("/procurements/<uuid:procurement_id>/read-log")
def read_log(procurement_id: UUID) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    case = service.get_case(actor, procurement_id)  # 404 for a case the actor may not see
    entries = service.read_log_of_case(actor, procurement_id)  # 403 unless its auditor
    names = OrganisationNames(service)
    rows = [ReadRow(e, _user_name(e.user_id), names(e.organisation_id),
                    pick(labels.ROLES[e.role]), pick(READ_GROUNDS[e.ground]))
            for e in reversed(entries)]
    return render_template("participants/read_log.html", case=case, rows=rows)


def _user_name(user_id: UUID) -> str:
    try:
        return current_service().user(user_id).name
    except errors.NotFound:
        return str(user_id)
