"""The auditor's (and the owner's) view of a case's past: the case exactly as it stood at a
chosen moment, and what changed between two moments, field by field.

    GET /procurements/<id>/as-of?as_of=2027-03-01T09:30&version=   the case at a moment
    GET /procurements/<id>/changes?from_version=&to_version=       a diff (or *_as_of)

A time is picked in Swedish local time, to the minute, and means the end of that minute
(an event shown at 09:30 is in the case "at 09:30"). The rules (which version a moment
names, what the reader may see, what changed) are the service's (domain/past.py); a bad
moment is shown beside its field and no case is shown instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from domain import errors
from domain.past import CaseDiff, FieldChange, Moment
from domain.views import HistoryEntry
from web import labels
from web.auth import current_actor
from web.extension import current_service
from web.formatting import LOCAL_TIME, local_time
from web.i18n import pick
from web.portals import forms
from web.portals.delivery import delivery
from web.portals.forms import SELECT, Field, Filled
from web.presenters import OrganisationNames, case_page

bp = Blueprint("past", __name__)

DATETIME = "datetime-local"
# The moments a reader most often asks about, by the event that makes them; the award
# first ("what did the authority know at award?").
SHORTCUTS = (
    ("Awarded", _l("Vid tilldelningsbeslutet")),
    ("Published", _l("Vid annonseringen")),
    ("TenderingClosed", _l("När anbudstiden stängde")),
    ("ContractSigned", _l("När avtalet tecknades")),
    ("ContractEnded", _l("När avtalet upphörde")),
)


@dataclass(frozen=True)
class Shortcut:
    label: Any
    version: int


@dataclass(frozen=True)
class ChangeRow:
    field: str  # in words
    path: str  # as the API names it
    before: str
    after: str


@bp.get("/procurements/<uuid:procurement_id>/as-of")
def as_of(procurement_id: UUID) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    history = service.history(actor, procurement_id)  # 404 unseen, 403 not the reader's
    picker = Filled(_moment_fields(history, ""), {
        "as_of": request.args.get("as_of", ""), "version": request.args.get("version", "")})
    try:
        past = service.case_as_of(actor, procurement_id, _moment(""))
    except errors.ValidationError as refusal:
        picker.errors, picker.summary = forms.errors_of(refusal, picker.fields)
        live = service.get_case(actor, procurement_id)
        return render_template("portals/as_of_refused.html", picker=picker, case=live,
                               shortcuts=_shortcuts(history)), 400
    view = past.view
    day = (past.as_of or past.recorded_at).date()
    shown = [e for e in history if e.version <= view.version]
    page = case_page(view, shown, OrganisationNames(service), day)
    return render_template("portals/as_of.html", picker=picker, past=past, page=page,
                           actions=[], delivery=delivery(view, day),
                           latest=history[-1].version if history else view.version,
                           shortcuts=_shortcuts(history))


@bp.get("/procurements/<uuid:procurement_id>/changes")
def changes(procurement_id: UUID) -> ResponseReturnValue:
    service, actor = current_service(), current_actor()
    history = service.history(actor, procurement_id)
    latest = history[-1].version if history else 1
    values = {name: request.args.get(name, "") for name in
              ("from_version", "from_as_of", "to_version", "to_as_of")}
    if not any(values.values()):
        values["from_version"] = str(_award_version(history) or 1)
    picker = Filled([*_moment_fields(history, "from_"), *_moment_fields(history, "to_")],
                    values)
    live = service.get_case(actor, procurement_id)
    try:
        found = service.case_diff(actor, procurement_id, _moment("from_", values),
                                  _moment("to_", values))
    except errors.ValidationError as refusal:
        picker.errors, picker.summary = forms.errors_of(refusal, picker.fields)
        return render_template("portals/changes.html", picker=picker, diff=None, case=live,
                               rows=[], events=[], latest=latest,
                               shortcuts=_shortcuts(history)), 400
    names = OrganisationNames(service)
    return render_template("portals/changes.html", picker=picker, diff=found, case=live,
                           rows=[_row(c, names) for c in found.changes],
                           events=_events(found, names), latest=latest,
                           shortcuts=_shortcuts(history))


def _moment(prefix: str, values: dict[str, str] | None = None) -> Moment:
    args = values if values is not None else request.args
    version = args.get(f"{prefix}version") or None
    picked = args.get(f"{prefix}as_of") or None
    return Moment(version, _local(picked), (f"{prefix}version", f"{prefix}as_of"))


def _local(picked: str | None) -> str | None:
    """A time picked in Swedish local time to the minute: the end of that minute (or now,
    within the minute that is still running), with its offset. Anything else goes on as
    typed, for the service to refuse or take."""
    if picked is None:
        return None
    try:
        moment = datetime.fromisoformat(picked)
    except ValueError:
        return picked
    if moment.tzinfo is not None:
        return picked
    moment = moment.replace(tzinfo=LOCAL_TIME)
    if moment.second == 0 and moment.microsecond == 0:
        now = current_service().clock.now()
        end = moment + timedelta(minutes=1, microseconds=-1)
        moment = now if moment <= now < end else end
    return moment.isoformat()


def _moment_fields(history: list[HistoryEntry], prefix: str) -> list[Field]:
    versions = [(str(e.version), f"{e.version} · {pick(labels.event(e.event_type))} · "
                                 f"{local_time(e.recorded_at)}") for e in reversed(history)]
    when = {"": (_l("Tidpunkt"), _l("Version")), "from_": (_l("Från tidpunkt"),
                                                          _l("Från version")),
            "to_": (_l("Till tidpunkt"), _l("Till version"))}[prefix]
    return [Field(f"{prefix}as_of", when[0], DATETIME,
                  hint=_l("Svensk tid. Lämna tomt för att välja version.")),
            Field(f"{prefix}version", when[1], SELECT, options=versions)]


def _shortcuts(history: list[HistoryEntry]) -> list[Shortcut]:
    found = []
    for event_type, label in SHORTCUTS:
        versions = [e.version for e in history if e.event_type == event_type]
        if versions:
            found.append(Shortcut(label, versions[-1]))
    return found


def _award_version(history: list[HistoryEntry]) -> int | None:
    versions = [e.version for e in history if e.event_type == "Awarded"]
    return versions[-1] if versions else None


def _events(found: CaseDiff, names: OrganisationNames) -> list[tuple[HistoryEntry, str, str]]:
    return [(e, pick(labels.event(e.event_type)), names(e.actor.organisation_id))
            for e in found.events]


# -- a field's name and value in words ------------------------------------------------

FIELD_NAMES: dict[str, labels.Label] = {
    name: labels.Label(sv, en) for name, sv, en in (
        ("state", "Status", "State"), ("setup", "Grunduppgifter", "Set-up"),
        ("title", "Titel", "Title"), ("reference", "Diarienummer", "Reference number"),
        ("cpv_codes", "CPV-koder", "CPV codes"), ("industry", "Bransch", "Industry"),
        ("estimated_value_sek", "Uppskattat värde", "Estimated value"),
        ("contract_start", "Planerad avtalsstart", "Planned contract start"),
        ("contract_end", "Planerat avtalsslut", "Planned contract end"),
        ("requirement", "Sysselsättningskrav", "Employment requirement"),
        ("plan", "Uppföljningsmodell", "Follow-up plan"),
        ("tender_deadline", "Sista anbudsdag", "Tender deadline"),
        ("tenders", "Anbud", "Tenders"), ("tender_count", "Inkomna anbud", "Tenders received"),
        ("award", "Tilldelning", "Award"), ("supplier_id", "Leverantör", "Supplier"),
        ("decided_on", "Beslutsdatum", "Decided on"),
        ("standstill_end", "Avtalsspärr till och med", "Standstill until"),
        ("contract", "Avtal", "Contract"), ("signed_on", "Tecknat", "Signed on"),
        ("start", "Start", "Start"), ("end", "Slut", "End"),
        ("ended_on", "Avslutad", "Ended on"), ("kick_off", "Startmöte", "Kick-off"),
        ("held_on", "Hölls", "Held on"), ("attendees", "Deltagare", "Attendees"),
        ("matcher_id", "Matchningsansvarig", "Matcher"),
        ("partner_ids", "Samarbetspartner", "Partners"),
        ("dialogue_notes", "Dialoganteckningar", "Dialogue notes"),
        ("positions", "Platser", "Positions"), ("candidates", "Kandidater", "Candidates"),
        ("placements", "Anställningar", "Placements"),
        ("checkpoints", "Uppföljningar", "Checkpoints"), ("reports", "Rapporter", "Reports"),
        ("deviations", "Avvikelser", "Deviations"),
        ("compliance", "Uppfyllelse", "Compliance"),
        ("compliance_decision", "Myndighetens beslut", "Authority's decision"),
        ("reminder_policy", "Påminnelseregler", "Reminder policy"),
        ("cancellation_reason", "Skäl till avbrott", "Reason for cancelling"),
        ("delivered_months", "Levererade heltidsmånader", "Full-time months delivered"),
        ("required_months", "Krävda heltidsmånader", "Full-time months required"),
        ("outcome", "Bedömning", "Outcome"), ("as_of", "Bedömd per", "Assessed as of"),
        ("status", "Status", "Status"), ("end_reason", "Skäl", "Reason"),
        ("agreed_notes", "Överenskommelser", "Agreed notes"),
        ("first_placement_deadline", "Första anställning senast",
         "First placement deadline"),
        ("first_placement_start", "Första anställning började", "First placement start"),
        ("deadline_status", "Tidsfrist", "Deadline"),
        ("open_deviations", "Öppna avvikelser", "Open deviations"),
    )}
# Codes shown in words: the field's last name → its labels by code.
_CODES: dict[str, dict[Any, labels.Label]] = {
    "state": labels.STATES, "deadline_status": labels.DEADLINE_STATUSES,
    "outcome": labels.OUTCOMES, "compliance_decision": labels.OUTCOMES,
    "level": labels.REQUIREMENT_LEVELS, "target_group": labels.TARGET_GROUPS,
}
_ORGANISATIONS = ("supplier_id", "matcher_id", "partner_ids", "owner_id")


def _row(change: FieldChange, names: OrganisationNames) -> ChangeRow:
    return ChangeRow(_field_name(change.field), change.field,
                     _value(change.field, change.before, names),
                     _value(change.field, change.after, names))


def _field_name(path: str) -> str:
    """"placements[5f0c…].ended_on" → "Anställningar 5f0c1a2b › Avslutad"."""
    words = []
    for part in path.split("."):
        name, _, key = part.partition("[")
        label = FIELD_NAMES.get(name)
        word = pick(label) if label else name.replace("_", " ")
        if key:
            word += " " + key.rstrip("]")[:8]
        words.append(word)
    return " › ".join(words)


def _value(path: str, value: str | None, names: OrganisationNames) -> str:
    if value is None:
        return "–"
    last = path.rsplit(".", 1)[-1].partition("[")[0]
    if last in _ORGANISATIONS:
        try:
            return names(UUID(value))
        except ValueError:
            return value
    for code, label in _CODES.get(last, {}).items():
        if code.value == value:
            return pick(label)
    return value
