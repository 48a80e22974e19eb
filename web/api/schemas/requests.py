"""Request bodies, one schema per command.

A schema checks the shape of the JSON only: which fields, their types, their codes. The
rules of the values (ranges, lengths, dates in order) are the domain's: a schema that
mirrors a value object builds it after loading, so those rules run while parsing and a
broken one answers 400 naming its field (domain.errors.ValidationError). A field is
required exactly when the value object or service method has no default for it. Field
names are the domain's own, so a field named by either check is the one in the body.
Unknown fields are refused.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import uuid4

from marshmallow import RAISE, Schema, fields, post_load, validate

from domain.participants.participant import ErasureReason
from domain.participants.sealing import PersonalDetails
from domain.procurement.compliance import ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import DecisionKind, DeviationDecision
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.followup_plan import FollowUpPlan, ItemType, PlanItem
from domain.procurement.matching import Candidate, Position
from domain.procurement.placements import PlacementTerms
from domain.procurement.reminders import ReminderPolicy
from domain.procurement.reports import SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import EmploymentPlan, SmeStatus
from domain.values import PositionType, RequirementLevel, Role, TargetGroup
from web.api.fields import Day, DecimalString, PlanValue, StrictBoolean


def _text(**kwargs: Any) -> fields.String:
    return fields.String(**kwargs)


def _required_text() -> fields.String:
    return fields.String(required=True)


def _code(enum: Any, **kwargs: Any) -> fields.Enum:
    return fields.Enum(enum, by_value=True, **kwargs)


def _new_id(what: str) -> fields.UUID:
    return fields.UUID(load_default=uuid4, metadata={
        "description": f"The new {what}'s id; the server makes one when it is left out"})


class Body(Schema):
    class Meta:
        unknown = RAISE


class ValueBody(Body):
    """A body that is one domain value object: loading it builds the object."""

    value_class: ClassVar[type]

    @post_load
    def build(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.value_class(**data)


class NoBody(Body):
    """The command takes no input; an empty body or `{}`."""


# -- set-up ----------------------------------------------------------------------------------

class SetupBody(ValueBody):
    value_class = CaseSetup
    title = _text(required=True, metadata={"example": "Städtjänster för kommunens lokaler"})
    reference = _text(required=True, metadata={"description": "Diarienummer",
                                               "example": "KS 2026/0117"})
    cpv_codes = fields.List(fields.String(), metadata={"example": ["90910000-9"]})
    estimated_value_sek = DecimalString(allow_none=True)
    contract_start = Day(allow_none=True)
    contract_end = Day(allow_none=True)
    industry = _text()


class RequirementBody(ValueBody):
    value_class = EmploymentRequirement
    level = _code(RequirementLevel, required=True)
    target_groups = fields.List(_code(TargetGroup), required=True)
    minimum_full_time_months = DecimalString(required=True)
    first_placement_deadline_months = fields.Integer(strict=True)
    completion_threshold = DecimalString(metadata={"description": "Share, e.g. 0.75"})
    position_types = fields.List(_code(PositionType))
    sme_considerations = _text()


class PlanItemBody(ValueBody):
    value_class = PlanItem
    key = _text(required=True, metadata={"example": "employment_status"})
    label_sv = _required_text()
    label_en = _required_text()
    item_type = _code(ItemType, required=True, data_key="type")
    responsible = _code(Role, required=True)
    options = fields.List(fields.String())


class PlanBody(ValueBody):
    value_class = FollowUpPlan
    items = fields.List(fields.Nested(PlanItemBody), required=True)
    during_interval_months = fields.Integer(strict=True)
    after_exit_months = fields.List(fields.Integer(strict=True))
    report_interval_months = fields.Integer(strict=True)


class AmendmentBody(Body):
    plan = fields.Nested(PlanBody, required=True)
    reason = _required_text()


class DialogueNoteBody(ValueBody):
    value_class = DialogueNote
    counterpart = _code(Counterpart, required=True)
    organisation_name = _required_text()
    held_on = Day(required=True)
    summary = _required_text()


class PublishBody(Body):
    tender_deadline = Day(required=True)


class ReasonBody(Body):
    reason = _required_text()


# -- tendering and award ---------------------------------------------------------------------

class EmploymentPlanBody(ValueBody):
    value_class = EmploymentPlan
    alternative = _required_text()
    planned_positions = fields.Integer(strict=True, required=True)
    planned_full_time_months = DecimalString(required=True)
    supervision_capacity = fields.Integer(strict=True, required=True)
    description = _text()


class SmeBody(ValueBody):
    value_class = SmeStatus
    staff_headcount = fields.Integer(strict=True, required=True)
    annual_turnover_meur = DecimalString(required=True)
    balance_sheet_total_meur = DecimalString(required=True)


class TenderBody(Body):
    """The tender of the signed-in supplier's organisation."""

    plan = fields.Nested(EmploymentPlanBody, required=True)
    sme = fields.Nested(SmeBody, required=True)
    partner_ids = fields.List(fields.UUID(), metadata={
        "description": "Social enterprises the supplier works with"})


class AwardBody(ValueBody):
    value_class = Award
    supplier_id = fields.UUID(required=True)
    decided_on = Day(required=True)
    standstill_end = Day(required=True)


class ContractBody(ValueBody):
    value_class = Contract
    signed_on = Day(required=True)
    start = Day(required=True, data_key="contract_start")
    end = Day(required=True, data_key="contract_end")


class KickOffBody(ValueBody):
    value_class = KickOff
    held_on = Day(required=True)
    attendees = fields.List(fields.String(), required=True)
    agreed_notes = _text()


class MatcherBody(Body):
    matcher_id = fields.UUID(required=True, metadata={"description": "The matcher's organisation"})


class PartnerBody(Body):
    partner_id = fields.UUID(required=True, metadata={
        "description": "The social enterprise's organisation"})


# -- matching and placements -------------------------------------------------------------------

class PositionBody(ValueBody):
    value_class = Position
    position_id = _new_id("position")
    position_type = _code(PositionType, required=True)
    fte = DecimalString(required=True, metadata={"description": "Share of full time, e.g. 1"})
    start = Day(required=True)
    duration_months = fields.Integer(strict=True, required=True)
    supervisor = _required_text()
    training = _text()
    title = _text()


class CandidateBody(ValueBody):
    value_class = Candidate
    candidate_id = _new_id("candidate")
    position_id = fields.UUID(required=True)
    participant_ref = _text(required=True, metadata={
        "description": "The participant's pseudonymous reference, never a name"})
    target_group = _code(TargetGroup, required=True)
    eligibility_attested = StrictBoolean(required=True)


class PreparationBody(Body):
    """Preparation the signed-in social enterprise provides."""

    description = _required_text()
    start = Day(required=True)
    end = Day(allow_none=True)


class StartPlacementBody(Body):
    """The placement's id, the accepted candidate, and the terms of the placement."""

    placement_id = _new_id("placement")
    candidate_id = fields.UUID(required=True)
    employment_form = _code(PositionType, required=True)
    start = Day(required=True)
    planned_end = Day(required=True)
    working_time_percent = DecimalString(required=True)
    collective_agreement = StrictBoolean(required=True)
    supervisor = _required_text()
    insurance_confirmed = StrictBoolean(required=True)
    training_plan = _text()
    wage_subsidy = StrictBoolean()

    @post_load
    def build(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        ids = {"placement_id": data.pop("placement_id"),
               "candidate_id": data.pop("candidate_id")}
        return {**ids, "terms": PlacementTerms(**data)}


class EndPlacementBody(Body):
    ended_on = Day(required=True)
    reason = _text(metadata={"description": "Required when the placement ends early"})


# -- follow-up -------------------------------------------------------------------------------

class CheckpointBody(Body):
    checkpoint = _text(required=True, validate=validate.Length(max=40), metadata={
        "description": "start, during_<months>, exit or after_exit_<months>",
        "example": "start"})
    observed_on = Day(required=True)
    values = fields.Dict(keys=fields.String(), values=PlanValue(), required=True, metadata={
        "description": "Values of the plan's items that are yours to give, by item key",
        "example": {"employment_status": "same_employer"}})


class ReportBody(ValueBody):
    value_class = SupplierReport
    report_id = _new_id("report")
    period_start = Day(required=True)
    period_end = Day(required=True)
    summary = _required_text()


class VerifyBody(Body):
    comment = _text()


class QueryBody(Body):
    comment = _required_text()


class DeviationBody(Body):
    """A deviation noted in the name of the signed-in party."""

    deviation_id = _new_id("deviation")
    description = _required_text()


class DecisionBody(ValueBody):
    value_class = DeviationDecision
    kind = _code(DecisionKind, required=True)
    motivation = _required_text()
    sanction_amount_sek = DecimalString(allow_none=True, metadata={
        "description": "Only, and required, for a sanction"})


class EndContractBody(Body):
    ended_on = Day(required=True)


class ReminderPolicyBody(ValueBody):
    value_class = ReminderPolicy
    days_before = fields.Integer(strict=True, required=True, metadata={
        "description": "Days before a due date that the responsible party is reminded (0: "
                       "only on the day)"})
    escalate_after_days = fields.Integer(strict=True, required=True, metadata={
        "description": "Days after a due date that an open item is escalated to the authority"})
    answer_days = fields.Integer(strict=True, metadata={
        "description": "Days a proposed candidate may wait for the supplier's answer"})
    verify_days = fields.Integer(strict=True, metadata={
        "description": "Days a submitted report may wait for the authority's review"})


class CloseBody(Body):
    decision = _code(ComplianceOutcome, required=True)
    motivation = _text(metadata={
        "description": "Required when the decision differs from the computed outcome"})


# -- the participant register (the matcher's) ----------------------------------------------

class ParticipantBody(ValueBody):
    """A person the signed-in matcher registers. Only the matcher ever reads all of it."""

    value_class = PersonalDetails
    name = _required_text()
    personal_number = _text(allow_none=True, metadata={
        "description": "Personnummer or samordningsnummer, YYYYMMDD-NNNN (optional); the "
                       "check digit is verified", "example": "19811218-9876"})
    email = _text()
    phone = _text()
    target_group = _code(TargetGroup, required=True)
    eligibility_attested = StrictBoolean(required=True, metadata={
        "description": "The matcher attests that the person belongs to the target group; "
                       "must be true"})


class ErasureBody(Body):
    reason = _code(ErasureReason, required=True, metadata={
        "description": "Why: a code, never free text (the erasure event outlives the data)"})


class ParticipantReadArgs(Body):
    """Unknown query parameters are refused, as unknown body fields are."""

    case_id = fields.UUID(load_default=None, metadata={
        "description": "The case in which you employ the person (a supplier reads through "
                       "it; the registering matcher needs none)"})
