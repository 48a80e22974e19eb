"""The statistics endpoints' query and answers (web/api/routes/statistics.py).

A suppressed count is null, never the number; a group whose total is null had at least one
cell suppressed (projections/statistics.py states the rule)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from domain.procurement.followup_plan import EMPLOYMENT_STATUSES
from domain.values import TargetGroup
from web.api.fields import DecimalString

_COUNT = {"allow_none": True, "metadata": {
    "description": "People (or tenders); null where suppressed (fewer than 5, or derivable)"}}
KINDS = ("start", "during", "exit", "after_exit_3", "after_exit_6", "after_exit_12",
         "after_exit_24")


class StatisticsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    authority_id = fields.UUID(load_default=None, metadata={
        "description": "One authority; left out: every authority you may read (your own, "
                       "or those that granted your audit organisation access)"})
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "One year; left out: every year"})


# People per employment status; null where suppressed.
OutcomeCounts = Schema.from_dict(
    {status: fields.Integer(**_COUNT) for status in EMPLOYMENT_STATUSES},  # type: ignore[arg-type]
    name="OutcomeCounts")


class OutcomeGroupView(Schema):
    authority_id = fields.UUID(attribute="group.authority_id")
    year = fields.Integer(attribute="group.year")
    target_group = fields.String(validate=validate.OneOf([g.value for g in TargetGroup]))
    checkpoint_kind = fields.String(validate=validate.OneOf(KINDS))
    counts = fields.Nested(OutcomeCounts)
    total = fields.Integer(**_COUNT)  # type: ignore[arg-type]


class SmeShareView(Schema):
    authority_id = fields.UUID(attribute="group.authority_id")
    year = fields.Integer(attribute="group.year")
    tenders = fields.Integer(**_COUNT)  # type: ignore[arg-type]
    sme_tenders = fields.Integer(**_COUNT)  # type: ignore[arg-type]
    sme_tender_share = DecimalString(allow_none=True, metadata={
        "description": "0 to 1; null where a count it needs is suppressed"})
    awards = fields.Integer(**_COUNT)  # type: ignore[arg-type]
    sme_awards = fields.Integer(**_COUNT)  # type: ignore[arg-type]
    sme_award_share = DecimalString(allow_none=True)
