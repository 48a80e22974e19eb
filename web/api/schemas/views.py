"""Answers: the service's views written as JSON, field for field.

A case is written as the service's CaseView gives it to the signed-in party: tenders it may
not see are already left out, a candidate's target group is null where it is not theirs
to see, and delivery facts are empty lists for parties without a part in delivery. Dates
are ISO 8601, decimals strings, codes their values.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from domain.access import Part
from domain.participants.read_log import ReadGround
from domain.procurement.compliance import ComplianceOutcome, DeadlineStatus
from domain.procurement.deviations import DecisionKind
from domain.procurement.dialogue import Counterpart
from domain.procurement.followup_plan import ItemType
from domain.procurement.lifecycle import State
from domain.procurement.matching import CandidateStatus
from domain.procurement.placements import EndKind
from domain.procurement.reports import ReportStatus
from domain.values import PositionType, RequirementLevel, Role, TargetGroup
from web.api.fields import DecimalString, PlanValue, SortedEnumSet, StrictBoolean


def _code(enum: Any, **kwargs: Any) -> fields.Enum:
    return fields.Enum(enum, by_value=True, **kwargs)


def _codes(enum: Any) -> fields.List:
    return fields.List(_code(enum))


def _many(schema: type[Schema]) -> fields.List:
    return fields.List(fields.Nested(schema))


class CreatedView(Schema):
    id = fields.UUID(required=True, metadata={"description": "The new resource's id"})


class ActorView(Schema):
    user_id = fields.UUID()
    organisation_id = fields.UUID()
    role = _code(Role)


class HistoryEntryView(Schema):
    """One recorded fact. Until tendering closes, other organisations' tenders are left
    out: not even who tendered is shown."""

    version = fields.Integer()
    recorded_at = fields.DateTime()
    event_type = fields.String(metadata={"example": "Published"})
    actor = fields.Nested(ActorView)


class SetupView(Schema):
    title = fields.String()
    reference = fields.String()
    cpv_codes = fields.List(fields.String())
    cpv_division = fields.String(allow_none=True)
    estimated_value_sek = DecimalString(allow_none=True)
    contract_start = fields.Date(allow_none=True)
    contract_end = fields.Date(allow_none=True)
    industry = fields.String()


class RequirementView(Schema):
    level = _code(RequirementLevel)
    target_groups = _codes(TargetGroup)
    minimum_full_time_months = DecimalString()
    first_placement_deadline_months = fields.Integer()
    completion_threshold = DecimalString()
    position_types = _codes(PositionType)
    sme_considerations = fields.String()


class PlanItemView(Schema):
    key = fields.String()
    label_sv = fields.String()
    label_en = fields.String()
    type = _code(ItemType, attribute="item_type")
    responsible = _code(Role)
    options = fields.List(fields.String())


class PlanView(Schema):
    items = _many(PlanItemView)
    during_interval_months = fields.Integer()
    after_exit_months = fields.List(fields.Integer())
    report_interval_months = fields.Integer()


class DialogueNoteView(Schema):
    counterpart = _code(Counterpart)
    organisation_name = fields.String()
    held_on = fields.Date()
    summary = fields.String()


class EmploymentPlanView(Schema):
    alternative = fields.String()
    planned_positions = fields.Integer()
    planned_full_time_months = DecimalString()
    supervision_capacity = fields.Integer()
    description = fields.String()


class SmeView(Schema):
    staff_headcount = fields.Integer()
    annual_turnover_meur = DecimalString()
    balance_sheet_total_meur = DecimalString()


class TenderView(Schema):
    supplier_id = fields.UUID()
    revision = fields.Integer()
    plan = fields.Nested(EmploymentPlanView)
    sme = fields.Nested(SmeView)
    is_sme = StrictBoolean(metadata={"description": "By the EU definition of an SME"})
    partner_ids = fields.List(fields.UUID())


class AwardView(Schema):
    supplier_id = fields.UUID()
    decided_on = fields.Date()
    standstill_end = fields.Date()


class ContractView(Schema):
    signed_on = fields.Date()
    contract_start = fields.Date(attribute="start")
    contract_end = fields.Date(attribute="end")
    ended_on = fields.Date(allow_none=True)


class KickOffView(Schema):
    held_on = fields.Date()
    attendees = fields.List(fields.String())
    agreed_notes = fields.String()


class PositionView(Schema):
    position_id = fields.UUID()
    position_type = _code(PositionType)
    fte = DecimalString()
    start = fields.Date()
    duration_months = fields.Integer()
    supervisor = fields.String()
    training = fields.String()
    title = fields.String()


class PreparationView(Schema):
    provider_id = fields.UUID()
    description = fields.String()
    start = fields.Date()
    end = fields.Date(allow_none=True)


class CandidateView(Schema):
    candidate_id = fields.UUID()
    position_id = fields.UUID()
    participant_ref = fields.String()
    target_group = _code(TargetGroup, allow_none=True, metadata={
        "description": "null where your part may not see it (suppliers, partners)"})
    status = _code(CandidateStatus)
    decline_reason = fields.String()
    preparations = _many(PreparationView)


class PlacementTermsView(Schema):
    employment_form = _code(PositionType)
    start = fields.Date()
    planned_end = fields.Date()
    working_time_percent = DecimalString()
    collective_agreement = StrictBoolean()
    supervisor = fields.String()
    insurance_confirmed = StrictBoolean()
    training_plan = fields.String()
    wage_subsidy = StrictBoolean()


class PlacementView(Schema):
    placement_id = fields.UUID()
    candidate_id = fields.UUID()
    position_id = fields.UUID()
    participant_ref = fields.String()
    terms = fields.Nested(PlacementTermsView)
    ended_on = fields.Date(allow_none=True)
    end_kind = _code(EndKind, allow_none=True)
    end_reason = fields.String()


class CheckpointView(Schema):
    placement_id = fields.UUID()
    participant_ref = fields.String()
    checkpoint = fields.String()
    observed_on = fields.Date()
    values = fields.Dict(keys=fields.String(), values=PlanValue())
    recorded_by = _code(Role)


class ReportView(Schema):
    report_id = fields.UUID()
    period_start = fields.Date()
    period_end = fields.Date()
    summary = fields.String()
    status = _code(ReportStatus)
    authority_comment = fields.String()


class DecisionView(Schema):
    kind = _code(DecisionKind)
    motivation = fields.String()
    sanction_amount_sek = DecimalString(allow_none=True)


class DeviationView(Schema):
    deviation_id = fields.UUID()
    description = fields.String()
    noted_by = _code(Role)
    decision = fields.Nested(DecisionView, allow_none=True)


class ComplianceView(Schema):
    as_of = fields.Date()
    required_months = DecimalString()
    delivered_months = DecimalString()
    share_delivered = DecimalString(places=4)
    first_placement_deadline = fields.Date(allow_none=True)
    first_placement_start = fields.Date(allow_none=True)
    deadline_status = _code(DeadlineStatus)
    placements = fields.Integer()
    ended_early = fields.Integer()
    ended_early_reaching_threshold = fields.Integer()
    open_deviations = fields.Integer()
    outcome = _code(ComplianceOutcome, metadata={"description": "Computed from the facts"})


class ReminderPolicyView(Schema):
    days_before = fields.Integer()
    escalate_after_days = fields.Integer()
    answer_days = fields.Integer()
    verify_days = fields.Integer()


class CaseSummaryView(Schema):
    """One line of the case list, from the read model (projections/case_list.py)."""

    id = fields.UUID(attribute="procurement_id")
    reference = fields.String()
    title = fields.String()
    state = _code(State)
    owner_id = fields.UUID()
    parts = SortedEnumSet(_code(Part), metadata={
        "description": "Your organisation's parts in this case"})
    tender_deadline = fields.Date(allow_none=True)
    tender_count = fields.Integer(allow_none=True, metadata={
        "description": "null where even the number of tenders is sealed"})
    contract_start = fields.Date(allow_none=True)
    contract_end = fields.Date(allow_none=True)
    updated_at = fields.DateTime(metadata={
        "description": "When the case last changed as you may know it"})


class TaskView(Schema):
    """Something that needs your organisation: a decision, an answer, a report or a
    follow-up checkpoint, with its due date (none: pending until done)."""

    procurement_id = fields.UUID()
    reference = fields.String()
    title = fields.String()
    kind = fields.String(metadata={"description": "close_tendering, award, sign_contract, "
                                   "appoint_matcher, decide_deviation, close_procurement, "
                                   "contract_end, report_verification, propose_candidate, "
                                   "candidate_answer, start_placement, first_placement, "
                                   "report, checkpoint"})
    subject = fields.String(metadata={"description": "What in the case the task is about"})
    party = _code(Role)
    due_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()
    participant_ref = fields.String(allow_none=True, metadata={
        "description": "The participant's pseudonym, where the task concerns one"})


class CaseView(Schema):
    id = fields.UUID(attribute="procurement_id")
    version = fields.Integer(metadata={"description": "Grows with every recorded fact"})
    state = _code(State)
    owner_id = fields.UUID(metadata={"description": "The owning authority's organisation"})
    parts = SortedEnumSet(_code(Part), metadata={
        "description": "Your organisation's parts in this case"})
    setup = fields.Nested(SetupView)
    requirement = fields.Nested(RequirementView, allow_none=True)
    plan = fields.Nested(PlanView, allow_none=True)
    dialogue_notes = _many(DialogueNoteView)
    tender_deadline = fields.Date(allow_none=True)
    tender_count = fields.Integer(allow_none=True, metadata={
        "description": "null where even the number of tenders is sealed"})
    tenders = _many(TenderView)
    award = fields.Nested(AwardView, allow_none=True)
    contract = fields.Nested(ContractView, allow_none=True)
    kick_off = fields.Nested(KickOffView, allow_none=True)
    positions = _many(PositionView)
    candidates = _many(CandidateView)
    placements = _many(PlacementView)
    checkpoints = _many(CheckpointView)
    reports = _many(ReportView)
    deviations = _many(DeviationView)
    compliance = fields.Nested(ComplianceView, allow_none=True)
    reminder_policy = fields.Nested(ReminderPolicyView)
    compliance_decision = _code(ComplianceOutcome, allow_none=True, metadata={
        "description": "The authority's decision at close; null before, or if not yours"})
    matcher_id = fields.UUID(allow_none=True)
    partner_ids = fields.List(fields.UUID())
    cancellation_reason = fields.String(allow_none=True)
    marked_for_publication = fields.Boolean(metadata={
        "description": "Anyone may read the case as open data (OCDS), without signing in"})


# -- the participant register ---------------------------------------------------------------

class ParticipantCreatedView(Schema):
    id = fields.UUID(required=True, metadata={"description": "The person's id in the register"})
    reference = fields.String(required=True, metadata={
        "description": "The pseudonymous reference a case holds (propose the person with it)",
        "example": "P-7KQ2M9XD"})


class RegisteredReferenceView(Schema):
    """A person in your register, by reference only: listing is no read of personal data."""

    participant_id = fields.UUID()
    reference = fields.String()
    registered_at = fields.DateTime()


class ParticipantView(Schema):
    """A person as your part may see them; every answer is written to the read log.
    The employing supplier gets the name and contact only: the identity number, target
    group and attestation are null."""

    participant_id = fields.UUID()
    reference = fields.String()
    registered_by = fields.UUID()
    registered_at = fields.DateTime()
    name = fields.String()
    email = fields.String()
    phone = fields.String()
    personal_number = fields.String(allow_none=True)
    target_group = _code(TargetGroup, allow_none=True)
    eligibility_attested = StrictBoolean(allow_none=True)


class ReadLogEntryView(Schema):
    """One read of a person's data: who, when, whom (by reference), where, on what ground."""

    entry_no = fields.Integer()
    read_at = fields.DateTime()
    user_id = fields.UUID()
    organisation_id = fields.UUID()
    role = _code(Role)
    reference = fields.String()
    place = fields.String()
    ground = _code(ReadGround)
    case_id = fields.UUID(allow_none=True)
