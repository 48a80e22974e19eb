"""Every command a party can give in the portals: its form, when it is offered, and the
one service method it calls.

An action is offered on a case page when the access policy gives the user's part the
command (domain/access.py) and the case is in a state where the command can succeed;
the domain decides again when the form is sent, so offering is a convenience, never a
rule. Forms post the API's bodies and are checked by the API's schemas (forms.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flask_babel import lazy_gettext as _l
from marshmallow import Schema

from domain.access import Command
from domain.directory.organisation import Organisation
from domain.procurement.deviations import DecisionKind, Deviation
from domain.procurement.dialogue import Counterpart
from domain.procurement.followup_plan import ItemType, PlanItem, default_plan
from domain.procurement.lifecycle import CANCELLABLE, FOLLOWING_UP, State
from domain.procurement.matching import CandidateStatus, Preparation
from domain.procurement.reports import ReportStatus
from domain.procurement.tenders import Tender
from domain.service import ProcurementService
from domain.values import Actor, PositionType, RequirementLevel, Role, TargetGroup
from domain.views import CaseView
from web import labels
from web.api.schemas import requests as rq
from web.i18n import pick
from web.portals import vocabulary
from web.portals.forms import (
    CHECKBOX,
    CHECKBOXES,
    DATE,
    DECIMAL,
    INTEGER,
    LINES,
    SELECT,
    TEXTAREA,
    Field,
    Option,
)

ALL_STATES = frozenset(State)
ACTIVE = ALL_STATES - {State.CLOSED, State.CANCELLED}


@dataclass(frozen=True)
class Context:
    """What an action's form and offer look at: the case as the user sees it."""

    service: ProcurementService
    actor: Actor
    view: CaseView
    today: date

    def organisations(self, role: Role) -> list[Organisation]:
        found = (self.service.organisation(i) for i in self.service.all_organisation_ids())
        return sorted((o for o in found if o.party_type is role), key=lambda o: o.name)

    def name(self, organisation_id: UUID) -> str:
        return self.service.organisation(organisation_id).name


# The schema's result; where the form also names things in the case (a candidate, a
# report), their ids are merged in: into the dict a plain body loads to, or beside the
# value object a value body builds, as "value".
Run = Callable[[ProcurementService, Actor, UUID, Any], None]
Fields = Callable[[Context], list[Field]]


@dataclass(frozen=True)
class Action:
    slug: str  # in the URL: /procurements/<id>/<slug>
    command: Command
    states: frozenset[State]
    label: Any
    schema: type[Schema]
    fields: Fields
    run: Run
    intro: Any = None
    # Offered only while there is something to act on (a candidate to answer...).
    available: Callable[[Context], bool] = lambda ctx: True
    danger: bool = False  # cancelling: the button looks like it

    def offered(self, ctx: Context) -> bool:
        from domain import access  # a function-level import keeps the table readable

        return (access.allows(self.command, ctx.view.parts) and ctx.view.state in self.states
                and self.available(ctx))


def _options(pairs: Sequence[tuple[Any, Any]]) -> list[Option]:
    return [(str(value), str(text)) for value, text in pairs]


def _enum_options(table: dict[Any, labels.Label]) -> list[Option]:
    return _options([(code.value, pick(label)) for code, label in table.items()])


def _org_options(ctx: Context, role: Role) -> list[Option]:
    return _options([(o.id, o.name) for o in ctx.organisations(role)])


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _fixed(*fields: Field) -> Fields:
    return lambda ctx: list(fields)


# -- set-up --------------------------------------------------------------------------------

def setup_fields(ctx: Context | None) -> list[Field]:
    setup = ctx.view.setup if ctx else None
    return [
        Field("title", _l("Upphandlingens namn"), required=True,
              default=setup.title if setup else None),
        Field("reference", _l("Diarienummer"), required=True,
              default=setup.reference if setup else None),
        Field("cpv_codes", _l("CPV-koder"), LINES, hint=_l("En kod per rad, t.ex. 90910000-9"),
              default="\n".join(setup.cpv_codes) if setup else None),
        Field("industry", _l("Bransch"), default=setup.industry if setup else None),
        Field("estimated_value_sek", _l("Uppskattat värde (kr)"), DECIMAL,
              default=str(setup.estimated_value_sek) if setup and setup.estimated_value_sek
              else None),
        Field("contract_start", _l("Avtalet börjar"), DATE,
              default=_day(setup.contract_start) if setup else None),
        Field("contract_end", _l("Avtalet slutar"), DATE,
              default=_day(setup.contract_end) if setup else None),
    ]


def _requirement_fields(ctx: Context) -> list[Field]:
    r = ctx.view.requirement
    return [
        Field("level", _l("Modell"), SELECT, required=True,
              options=_enum_options(labels.REQUIREMENT_LEVELS),
              default=(r.level if r else RequirementLevel.REQUIREMENT).value),
        Field("target_groups", _l("Målgrupper"), CHECKBOXES, required=True,
              options=_enum_options(labels.TARGET_GROUPS),
              default=[g.value for g in (r.target_groups if r else (
                  TargetGroup.LONG_TERM_UNEMPLOYED,))]),
        Field("minimum_full_time_months", _l("Minst antal heltidsmånader"), DECIMAL,
              required=True, default=str(r.minimum_full_time_months) if r else "12"),
        Field("first_placement_deadline_months",
              _l("Första anställningen senast (månader efter avtalsstart)"), INTEGER,
              default=str(r.first_placement_deadline_months) if r else "6"),
        Field("completion_threshold", _l("Fullföljandegräns (andel, t.ex. 0,75)"), DECIMAL,
              default=str(r.completion_threshold) if r else "0.75"),
        Field("position_types", _l("Anställningsformer"), CHECKBOXES,
              options=_enum_options(labels.POSITION_TYPES),
              default=[t.value for t in (r.position_types if r else (
                  PositionType.FIXED_TERM_EMPLOYMENT,))]),
        Field("sme_considerations", _l("Hänsyn till små och medelstora företag"), TEXTAREA,
              default=r.sme_considerations if r else None),
    ]


def _plan_items() -> dict[str, PlanItem]:
    return {item.key: item for item in default_plan().items}


def _plan_fields(ctx: Context) -> list[Field]:
    plan = ctx.view.plan or default_plan()
    chosen = [item.key for item in plan.items]
    return [
        Field("items", _l("Uppgifter som följs upp"), CHECKBOXES, required=True,
              options=_options([(i.key, pick(labels.Label(i.label_sv, i.label_en)))
                                for i in _plan_items().values()]),
              default=chosen, body=False),
        Field("during_interval_months", _l("Uppföljning under anställningen var (månad)"),
              INTEGER, default=str(plan.during_interval_months)),
        Field("after_exit_months", _l("Uppföljning efter avslut (månader, en per rad)"), LINES,
              default="\n".join(str(m) for m in plan.after_exit_months)),
        Field("report_interval_months", _l("Leverantörens rapporter var (månad)"), INTEGER,
              default=str(plan.report_interval_months)),
    ]


def plan_body(body: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The plan's items are chosen from the plan that ships; the API takes them whole."""
    items = _plan_items()
    body["items"] = [_item_json(items[key]) for key in values.get("items") or []
                     if key in items]
    if "after_exit_months" in body:
        body["after_exit_months"] = [int(m) if m.isdigit() else m
                                     for m in body["after_exit_months"]]
    return body


def _amendment_fields(ctx: Context) -> list[Field]:
    return [*(replace(f, name=f"plan.{f.name}") for f in _plan_fields(ctx)),
            Field("reason", _l("Skäl till ändringen"), TEXTAREA, required=True)]


def amendment_body(body: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    body["plan"] = plan_body(body.get("plan", {}), {"items": values.get("plan.items")})
    return body


def _item_json(item: PlanItem) -> dict[str, Any]:
    return {"key": item.key, "label_sv": item.label_sv, "label_en": item.label_en,
            "type": item.item_type.value, "responsible": item.responsible.value,
            "options": list(item.options)}


# -- tendering ------------------------------------------------------------------------------

def _tender_fields(ctx: Context) -> list[Field]:
    own = next((t for t in ctx.view.tenders if t.supplier_id == ctx.actor.organisation_id),
               None)
    plan, sme = (own.plan, own.sme) if own else (None, None)
    return [
        Field("plan.alternative", _l("Hur ni uppfyller kravet"), TEXTAREA, required=True,
              default=plan.alternative if plan else None),
        Field("plan.planned_positions", _l("Planerat antal platser"), INTEGER, required=True,
              default=str(plan.planned_positions) if plan else None),
        Field("plan.planned_full_time_months", _l("Planerade heltidsmånader"), DECIMAL,
              required=True, default=str(plan.planned_full_time_months) if plan else None),
        Field("plan.supervision_capacity", _l("Antal handledare"), INTEGER, required=True,
              default=str(plan.supervision_capacity) if plan else None),
        Field("plan.description", _l("Beskrivning av handledning och introduktion"), TEXTAREA,
              default=plan.description if plan else None),
        Field("sme.staff_headcount", _l("Antal anställda"), INTEGER, required=True,
              default=str(sme.staff_headcount) if sme else None),
        Field("sme.annual_turnover_meur", _l("Årsomsättning (miljoner euro)"), DECIMAL,
              required=True, default=str(sme.annual_turnover_meur) if sme else None),
        Field("sme.balance_sheet_total_meur", _l("Balansomslutning (miljoner euro)"), DECIMAL,
              required=True, default=str(sme.balance_sheet_total_meur) if sme else None),
        Field("partner_ids", _l("Sociala företag ni samarbetar med"), CHECKBOXES,
              options=_org_options(ctx, Role.SOCIAL_ENTERPRISE),
              default=[str(p) for p in own.partner_ids] if own else []),
    ]


def _submit_tender(service: ProcurementService, actor: Actor, pid: UUID, args: Any) -> None:
    tender = Tender(actor.organisation_id, args["plan"], args["sme"],
                    tuple(args.get("partner_ids", ())))
    service.submit_tender(actor, pid, tender)


def _award_fields(ctx: Context) -> list[Field]:
    return [
        Field("supplier_id", _l("Leverantör som tilldelas"), SELECT, required=True,
              options=_options([(t.supplier_id, ctx.name(t.supplier_id))
                                for t in ctx.view.tenders])),
        Field("decided_on", _l("Beslutsdag"), DATE, required=True, default=_day(ctx.today)),
        Field("standstill_end", _l("Avtalsspärren löper ut"), DATE, required=True,
              default=_day(ctx.today + timedelta(days=10))),
    ]


def _contract_fields(ctx: Context) -> list[Field]:
    setup = ctx.view.setup
    return [
        Field("signed_on", _l("Avtalet tecknades"), DATE, required=True,
              default=_day(ctx.today)),
        Field("contract_start", _l("Avtalet börjar"), DATE, required=True,
              default=_day(setup.contract_start)),
        Field("contract_end", _l("Avtalet slutar"), DATE, required=True,
              default=_day(setup.contract_end)),
    ]


# -- delivery ---------------------------------------------------------------------------------

def _candidates(ctx: Context, status: CandidateStatus) -> list[Option]:
    return _options([(c.candidate_id, c.participant_ref) for c in ctx.view.candidates
                     if c.status is status])


def _candidate_field(ctx: Context, status: CandidateStatus) -> Field:
    return Field("candidate_id", _l("Kandidat"), SELECT, required=True,
                 options=_candidates(ctx, status), body=False)


def _requirement_options(ctx: Context, attribute: str, table: dict[Any, labels.Label]
                         ) -> list[Option]:
    r = ctx.view.requirement
    codes = getattr(r, attribute) if r else ()
    return _options([(c.value, pick(table[c])) for c in codes])


def _position_fields(ctx: Context) -> list[Field]:
    return [
        Field("position_type", _l("Anställningsform"), SELECT, required=True,
              options=_requirement_options(ctx, "position_types", labels.POSITION_TYPES)),
        Field("title", _l("Befattning")),
        Field("fte", _l("Andel av heltid (t.ex. 1 eller 0,5)"), DECIMAL, required=True,
              default="1"),
        Field("start", _l("Startdag"), DATE, required=True, default=_day(ctx.today)),
        Field("duration_months", _l("Längd (månader)"), INTEGER, required=True, default="6"),
        Field("supervisor", _l("Handledare"), required=True),
        Field("training", _l("Utbildning och introduktion"), TEXTAREA),
    ]


def _participant_field(ctx: Context) -> Field:
    """The people in the matcher's register, by reference. A matcher with no register yet
    types a reference (older cases hold free-text ones); the API takes any reference."""
    from domain import access  # a function-level import keeps the table readable

    registered = (ctx.service.registered_references(ctx.actor) if access.allows(
        Command.REGISTER_PARTICIPANT, access.participant_parts(ctx.actor, None)) else [])
    if not registered:
        return Field("participant_ref", _l("Deltagarens referens (pseudonym, aldrig namn)"),
                     required=True)
    return Field("participant_ref", _l("Deltagare ur registret (referens)"), SELECT,
                 required=True, options=_options([(r.reference, r.reference)
                                                  for r in registered]))


def _propose_fields(ctx: Context) -> list[Field]:
    return [
        Field("position_id", _l("Plats"), SELECT, required=True, options=_options([
            (p.position_id, f"{p.title or pick(labels.POSITION_TYPES[p.position_type])}, "
                            f"{p.start.isoformat()}") for p in ctx.view.positions])),
        _participant_field(ctx),
        Field("target_group", _l("Målgrupp"), SELECT, required=True,
              options=_requirement_options(ctx, "target_groups", labels.TARGET_GROUPS)),
        Field("eligibility_attested", _l("Jag intygar att deltagaren tillhör målgruppen"),
              CHECKBOX),
    ]


def _start_fields(ctx: Context) -> list[Field]:
    return [
        Field("candidate_id", _l("Kandidat"), SELECT, required=True,
              options=_candidates(ctx, CandidateStatus.ACCEPTED)),
        Field("employment_form", _l("Anställningsform"), SELECT, required=True,
              options=_requirement_options(ctx, "position_types", labels.POSITION_TYPES)),
        Field("start", _l("Första arbetsdag"), DATE, required=True, default=_day(ctx.today)),
        Field("planned_end", _l("Planerat slut"), DATE, required=True,
              default=_day(ctx.today + timedelta(days=182))),
        Field("working_time_percent", _l("Arbetstid (procent av heltid)"), DECIMAL,
              required=True, default="100"),
        Field("collective_agreement", _l("Kollektivavtal gäller"), CHECKBOX, default=True),
        Field("supervisor", _l("Handledare"), required=True),
        Field("insurance_confirmed", _l("Försäkringar är ordnade"), CHECKBOX),
        Field("training_plan", _l("Utbildningsplan"), TEXTAREA),
        Field("wage_subsidy", _l("Anställningen har lönestöd"), CHECKBOX),
    ]


def _active_placements(ctx: Context) -> list[Option]:
    return _options([(p.placement_id, f"{p.participant_ref}, {p.terms.start.isoformat()}")
                     for p in ctx.view.placements if p.is_active])


def _all_placements(ctx: Context) -> list[Option]:
    return _options([(p.placement_id, f"{p.participant_ref}, {p.terms.start.isoformat()}")
                     for p in ctx.view.placements])


def _checkpoint_fields(ctx: Context) -> list[Field]:
    plan = ctx.view.plan
    checkpoints: list[str] = []
    if plan is not None:
        for placement in ctx.view.placements:
            for key, _due in plan.due_dates(placement.terms.start, placement.ended_on,
                                            placement.terms.planned_end):
                if key not in checkpoints:
                    checkpoints.append(key)
    fields = [
        Field("placement_id", _l("Anställning"), SELECT, required=True,
              options=_all_placements(ctx), body=False),
        Field("checkpoint", _l("Uppföljningstillfälle"), SELECT, required=True,
              options=_options([(k, checkpoint_label(k)) for k in checkpoints])),
        Field("observed_on", _l("Gäller dag"), DATE, required=True, default=_day(ctx.today)),
    ]
    for item in plan.items if plan else ():
        if item.responsible is not ctx.actor.role:
            continue
        label = pick(labels.Label(item.label_sv, item.label_en))
        name = f"values.{item.key}"
        if item.item_type is ItemType.ENUMERATION:
            fields.append(Field(name, label, SELECT, options=_options(
                [(o, pick(vocabulary.option(o))) for o in item.options])))
        elif item.item_type is ItemType.YES_NO:
            fields.append(Field(name, label, SELECT, options=[("true", str(_l("Ja"))),
                                                              ("false", str(_l("Nej")))]))
        elif item.item_type is ItemType.DATE:
            fields.append(Field(name, label, DATE))
        elif item.item_type is ItemType.NUMBER:
            fields.append(Field(name, label, DECIMAL))
        else:
            fields.append(Field(name, label, TEXTAREA))
    return fields


def checkpoint_label(key: str) -> str:
    if key == "start":
        return str(_l("Vid start"))
    if key == "exit":
        return str(_l("Vid avslut"))
    months = key.rsplit("_", 1)[-1]
    if key.startswith("during_"):
        return str(_l("Under anställningen, %(months)s månader", months=months))
    return str(_l("%(months)s månader efter avslut", months=months))


def checkpoint_body(body: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Yes/no answers are booleans in the API; a checkpoint needs its values object."""
    given = body.setdefault("values", {})
    for key, value in list(given.items()):
        if value in ("true", "false"):
            given[key] = value == "true"
    return body


def _record_checkpoint(service: ProcurementService, actor: Actor, pid: UUID, args: Any
                       ) -> None:
    service.record_checkpoint(actor, pid, args["placement_id"], args["checkpoint"],
                              args["observed_on"], args["values"])


def _reports(ctx: Context) -> list[Option]:
    return _options([(r.report_id, f"{r.period_start.isoformat()} – {r.period_end.isoformat()}")
                     for r in ctx.view.reports if r.status is ReportStatus.SUBMITTED])


def _open_deviations(ctx: Context) -> list[Option]:
    return _options([(d.deviation_id, d.description[:80]) for d in ctx.view.deviations
                     if d.is_open])


def _close_fields(ctx: Context) -> list[Field]:
    computed = ctx.view.compliance.outcome.value if ctx.view.compliance else None
    return [
        Field("decision", _l("Beslut om kravuppfyllelse"), SELECT, required=True,
              options=_enum_options(labels.OUTCOMES), default=computed),
        Field("motivation", _l("Motivering (krävs om beslutet avviker från bedömningen)"),
              TEXTAREA),
    ]


def _decision_fields(ctx: Context) -> list[Field]:
    return [
        Field("deviation_id", _l("Avvikelse"), SELECT, required=True,
              options=_open_deviations(ctx), body=False),
        Field("kind", _l("Beslut"), SELECT, required=True, options=_options(
            [(k.value, pick(vocabulary.DECISION_KINDS[k])) for k in DecisionKind])),
        Field("motivation", _l("Motivering"), TEXTAREA, required=True),
        Field("sanction_amount_sek", _l("Vitets belopp (kr), bara vid vite"), DECIMAL),
    ]


def _preparation_fields(ctx: Context) -> list[Field]:
    return [
        Field("candidate_id", _l("Kandidat"), SELECT, required=True, options=_options(
            [(c.candidate_id, c.participant_ref) for c in ctx.view.candidates
             if c.status in (CandidateStatus.PROPOSED, CandidateStatus.ACCEPTED)]),
              body=False),
        Field("description", _l("Förberedelse eller handledning"), TEXTAREA, required=True),
        Field("start", _l("Från"), DATE, required=True, default=_day(ctx.today)),
        Field("end", _l("Till"), DATE),
    ]


def _record_preparation(service: ProcurementService, actor: Actor, pid: UUID, args: Any
                        ) -> None:
    candidate_id = args.pop("candidate_id")
    service.record_preparation(actor, pid, candidate_id,
                               Preparation(actor.organisation_id, **args))


def _note_deviation(service: ProcurementService, actor: Actor, pid: UUID, args: Any) -> None:
    service.note_deviation(actor, pid, Deviation(args["deviation_id"], args["description"],
                                                 actor.role))


def _has(options: Callable[[Context], list[Option]]) -> Callable[[Context], bool]:
    return lambda ctx: bool(options(ctx))


# The table. Order is the order of the buttons on the case page.
ACTIONS: tuple[Action, ...] = (
    Action("setup", Command.REVISE_SETUP, frozenset({State.DRAFT}), _l("Ändra grunduppgifter"),
           rq.SetupBody, lambda ctx: setup_fields(ctx),
           lambda s, a, pid, setup: s.revise_setup(a, pid, setup)),
    Action("requirement", Command.SET_REQUIREMENT, frozenset({State.DRAFT}),
           _l("Sysselsättningskrav"), rq.RequirementBody, _requirement_fields,
           lambda s, a, pid, requirement: s.set_requirement(a, pid, requirement),
           intro=_l("Kravet följer Upphandlingsmyndighetens modeller; förvalen är de vanligaste.")),
    Action("follow-up-plan", Command.SET_FOLLOW_UP_PLAN,
           frozenset({State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL}),
           _l("Uppföljningsplan"), rq.PlanBody, _plan_fields,
           lambda s, a, pid, plan: s.set_follow_up_plan(a, pid, plan)),
    Action("amend-plan", Command.AMEND_FOLLOW_UP_PLAN, FOLLOWING_UP,
           _l("Ändra uppföljningsplanen"), rq.AmendmentBody, _amendment_fields,
           lambda s, a, pid, args: s.amend_follow_up_plan(a, pid, args["plan"], args["reason"]),
           intro=_l("Planen låstes när avtalet tecknades; en ändring sparas med sitt skäl.")),
    Action("dialogue-note", Command.ADD_DIALOGUE_NOTE, ACTIVE, _l("Anteckning från marknadsdialog"),
           rq.DialogueNoteBody, lambda ctx: [
               Field("counterpart", _l("Motpart"), SELECT, required=True,
                     options=_options([(c.value, pick(vocabulary.COUNTERPARTS[c]))
                                       for c in Counterpart])),
               Field("organisation_name", _l("Organisation"), required=True),
               Field("held_on", _l("Datum"), DATE, required=True, default=_day(ctx.today)),
               Field("summary", _l("Vad som sades"), TEXTAREA, required=True)],
           lambda s, a, pid, note: s.add_dialogue_note(a, pid, note)),
    Action("publish", Command.PUBLISH, frozenset({State.DRAFT}), _l("Publicera"),
           rq.PublishBody, lambda ctx: [
               Field("tender_deadline", _l("Sista anbudsdag"), DATE, required=True,
                     default=_day(ctx.today + timedelta(days=30)))],
           lambda s, a, pid, args: s.publish(a, pid, args["tender_deadline"]),
           available=lambda ctx: ctx.view.requirement is not None and ctx.view.plan is not None),
    Action("tender", Command.SUBMIT_TENDER, frozenset({State.TENDERING}),
           _l("Lämna anbud"), rq.TenderBody, _tender_fields, _submit_tender,
           intro=_l("Anbudet är förseglat: ingen annan ser det förrän anbudstiden är stängd.")),
    Action("close-tendering", Command.CLOSE_TENDERING, frozenset({State.TENDERING}),
           _l("Stäng anbudstiden"), rq.NoBody, _fixed(),
           lambda s, a, pid, _: s.close_tendering(a, pid),
           intro=_l("Efter stängningen kan inga fler anbud lämnas och anbuden öppnas.")),
    Action("award", Command.AWARD_CONTRACT, frozenset({State.EVALUATION}),
           _l("Tilldela kontrakt"), rq.AwardBody, _award_fields,
           lambda s, a, pid, award: s.award_contract(a, pid, award),
           available=lambda ctx: bool(ctx.view.tenders)),
    Action("sign", Command.SIGN_CONTRACT, frozenset({State.STANDSTILL}), _l("Teckna avtal"),
           rq.ContractBody, _contract_fields,
           lambda s, a, pid, contract: s.sign_contract(a, pid, contract)),
    Action("kick-off", Command.HOLD_KICK_OFF, frozenset({State.DELIVERY}), _l("Startmöte"),
           rq.KickOffBody, lambda ctx: [
               Field("held_on", _l("Datum"), DATE, required=True, default=_day(ctx.today)),
               Field("attendees", _l("Deltagare (en per rad)"), LINES, required=True),
               Field("agreed_notes", _l("Överenskommet"), TEXTAREA)],
           lambda s, a, pid, kick_off: s.hold_kick_off(a, pid, kick_off),
           available=lambda ctx: ctx.view.kick_off is None),
    Action("appoint-matcher", Command.APPOINT_MATCHER, frozenset({State.DELIVERY}),
           _l("Utse matchningsaktör"), rq.MatcherBody, lambda ctx: [
               Field("matcher_id", _l("Matchningsaktör"), SELECT, required=True,
                     options=_org_options(ctx, Role.MATCHER))],
           lambda s, a, pid, args: s.appoint_matcher(a, pid, args["matcher_id"])),
    Action("invite-partner", Command.INVITE_PARTNER, ACTIVE - {State.DRAFT},
           _l("Bjud in socialt företag"), rq.PartnerBody, lambda ctx: [
               Field("partner_id", _l("Socialt företag"), SELECT, required=True,
                     options=_org_options(ctx, Role.SOCIAL_ENTERPRISE))],
           lambda s, a, pid, args: s.invite_partner(a, pid, args["partner_id"]),
           available=lambda ctx: ctx.view.state in (State.DELIVERY, State.FOLLOW_UP)),
    Action("offer-position", Command.OFFER_POSITION, frozenset({State.DELIVERY}),
           _l("Erbjud plats"), rq.PositionBody, _position_fields,
           lambda s, a, pid, position: s.offer_position(a, pid, position)),
    Action("propose-candidate", Command.PROPOSE_CANDIDATE, frozenset({State.DELIVERY}),
           _l("Föreslå kandidat"), rq.CandidateBody, _propose_fields,
           lambda s, a, pid, candidate: s.propose_candidate(a, pid, candidate),
           available=lambda ctx: bool(ctx.view.positions),
           intro=_l("Ange bara deltagarens referens här. Namn och personnummer hålls utanför "
                    "ärendet.")),
    Action("accept-candidate", Command.ACCEPT_CANDIDATE, frozenset({State.DELIVERY}),
           _l("Anta kandidat"), rq.NoBody,
           lambda ctx: [_candidate_field(ctx, CandidateStatus.PROPOSED)],
           lambda s, a, pid, args: s.accept_candidate(a, pid, args["candidate_id"]),
           available=_has(lambda ctx: _candidates(ctx, CandidateStatus.PROPOSED))),
    Action("decline-candidate", Command.DECLINE_CANDIDATE, frozenset({State.DELIVERY}),
           _l("Avböj kandidat"), rq.ReasonBody,
           lambda ctx: [_candidate_field(ctx, CandidateStatus.PROPOSED),
                        Field("reason", _l("Skäl"), TEXTAREA, required=True)],
           lambda s, a, pid, args: s.decline_candidate(a, pid, args["candidate_id"],
                                                       args["reason"]),
           available=_has(lambda ctx: _candidates(ctx, CandidateStatus.PROPOSED))),
    Action("preparation", Command.RECORD_PREPARATION, ACTIVE, _l("Registrera förberedelse"),
           rq.PreparationBody, _preparation_fields, _record_preparation,
           available=lambda ctx: bool(ctx.view.candidates)),
    Action("start-placement", Command.START_PLACEMENT, frozenset({State.DELIVERY}),
           _l("Starta anställning"), rq.StartPlacementBody, _start_fields,
           lambda s, a, pid, args: s.start_placement(a, pid, args["placement_id"],
                                                     args["candidate_id"], args["terms"]),
           available=_has(lambda ctx: _candidates(ctx, CandidateStatus.ACCEPTED))),
    Action("end-placement", Command.END_PLACEMENT, frozenset({State.DELIVERY}),
           _l("Avsluta anställning"), rq.EndPlacementBody, lambda ctx: [
               Field("placement_id", _l("Anställning"), SELECT, required=True,
                     options=_active_placements(ctx), body=False),
               Field("ended_on", _l("Sista dag"), DATE, required=True, default=_day(ctx.today)),
               Field("reason", _l("Skäl (krävs vid avslut i förtid)"), TEXTAREA)],
           lambda s, a, pid, args: s.end_placement(a, pid, args["placement_id"],
                                                   args["ended_on"], args.get("reason", "")),
           available=_has(_active_placements)),
    Action("checkpoint", Command.RECORD_CHECKPOINT, FOLLOWING_UP, _l("Registrera uppföljning"),
           rq.CheckpointBody, _checkpoint_fields, _record_checkpoint,
           available=lambda ctx: bool(ctx.view.placements) and ctx.view.plan is not None and any(
               i.responsible is ctx.actor.role for i in ctx.view.plan.items)),
    Action("report", Command.SUBMIT_REPORT, FOLLOWING_UP, _l("Lämna rapport"),
           rq.ReportBody, lambda ctx: [
               Field("period_start", _l("Perioden från"), DATE, required=True),
               Field("period_end", _l("Perioden till"), DATE, required=True,
                     default=_day(ctx.today)),
               Field("summary", _l("Vad som gjorts under perioden"), TEXTAREA, required=True)],
           lambda s, a, pid, report: s.submit_report(a, pid, report)),
    Action("verify-report", Command.VERIFY_REPORT, FOLLOWING_UP, _l("Godkänn rapport"),
           rq.VerifyBody, lambda ctx: [
               Field("report_id", _l("Rapport"), SELECT, required=True, options=_reports(ctx),
                     body=False),
               Field("comment", _l("Kommentar"), TEXTAREA)],
           lambda s, a, pid, args: s.verify_report(a, pid, args["report_id"],
                                                   args.get("comment", "")),
           available=_has(_reports)),
    Action("query-report", Command.QUERY_REPORT, FOLLOWING_UP, _l("Ifrågasätt rapport"),
           rq.QueryBody, lambda ctx: [
               Field("report_id", _l("Rapport"), SELECT, required=True, options=_reports(ctx),
                     body=False),
               Field("comment", _l("Vad som behöver förklaras"), TEXTAREA, required=True)],
           lambda s, a, pid, args: s.query_report(a, pid, args["report_id"], args["comment"]),
           available=_has(_reports)),
    Action("deviation", Command.NOTE_DEVIATION, FOLLOWING_UP, _l("Anmäl avvikelse"),
           rq.DeviationBody, _fixed(
               Field("description", _l("Vad avviker från kravet"), TEXTAREA, required=True)),
           _note_deviation),
    Action("decide-deviation", Command.DECIDE_DEVIATION, FOLLOWING_UP,
           _l("Besluta om avvikelse"), rq.DecisionBody, _decision_fields,
           lambda s, a, pid, args: s.decide_deviation(a, pid, args["deviation_id"],
                                                      args["value"]),
           available=_has(_open_deviations)),
    Action("end-contract", Command.END_CONTRACT, frozenset({State.DELIVERY}),
           _l("Avsluta avtalet"), rq.EndContractBody, lambda ctx: [
               Field("ended_on", _l("Avtalet upphörde"), DATE, required=True,
                     default=_day(min(ctx.today, ctx.view.contract.end) if ctx.view.contract
                                  else ctx.today))],
           lambda s, a, pid, args: s.end_contract(a, pid, args["ended_on"])),
    Action("close", Command.CLOSE, frozenset({State.FOLLOW_UP}),
           _l("Avsluta med beslut"), rq.CloseBody, _close_fields,
           lambda s, a, pid, args: s.close_procurement(a, pid, args["decision"],
                                                       args.get("motivation", ""))),
    Action("reminder-policy", Command.SET_REMINDER_POLICY, ACTIVE, _l("Påminnelser"),
           rq.ReminderPolicyBody, lambda ctx: [
               Field("days_before", _l("Påminn så här många dagar före (0: bara samma dag)"),
                     INTEGER, default=str(ctx.view.reminder_policy.days_before)),
               Field("escalate_after_days",
                     _l("Eskalera till myndigheten så här många dagar efter"), INTEGER,
                     default=str(ctx.view.reminder_policy.escalate_after_days)),
               Field("answer_days", _l("Dagar för leverantören att svara på en kandidat"),
                     INTEGER, default=str(ctx.view.reminder_policy.answer_days)),
               Field("verify_days", _l("Dagar för myndigheten att granska en rapport"),
                     INTEGER, default=str(ctx.view.reminder_policy.verify_days))],
           lambda s, a, pid, policy: s.set_reminder_policy(a, pid, policy),
           intro=_l("Tjänsten påminner den ansvariga parten före och på förfallodagen, och "
                    "eskalerar till er det som inte är gjort.")),
    Action("open-data", Command.MARK_FOR_PUBLICATION, ALL_STATES,
           _l("Publicera som öppna data"), rq.NoBody, _fixed(),
           lambda s, a, pid, _: s.mark_for_publication(a, pid),
           intro=_l("Vem som helst kan då läsa ärendet enligt Open Contracting-standarden: "
                    "skeden, avtal och sammanräknade siffror, aldrig någon deltagare. "
                    "Publiceringen kan inte ångras."),
           available=lambda ctx: not ctx.view.marked_for_publication),
    Action("cancel", Command.CANCEL, CANCELLABLE, _l("Avbryt upphandlingen"), rq.ReasonBody,
           _fixed(Field("reason", _l("Skäl"), TEXTAREA, required=True)),
           lambda s, a, pid, args: s.cancel(a, pid, args["reason"]), danger=True),
)

BY_SLUG = {action.slug: action for action in ACTIONS}

# Bodies the browser cannot send as the API takes them.
BODY_HOOKS: dict[str, Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]] = {
    "follow-up-plan": plan_body,
    "checkpoint": checkpoint_body,
    "amend-plan": amendment_body,
}


def offered(ctx: Context) -> list[Action]:
    return [action for action in ACTIONS if action.offered(ctx)]

