"""Answers about a case's history: the diff between two moments, and the hash chain's
check and head (domain/past.py, domain/history_chain.py)."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.api.schemas.views import HistoryEntryView


class MomentView(Schema):
    version = fields.Integer(attribute="view.version", metadata={
        "description": "The case's version at the moment, numbered as your history is"})
    recorded_at = fields.DateTime(metadata={
        "description": "When the last event up to that version was recorded"})
    as_of = fields.DateTime(allow_none=True, metadata={
        "description": "The time asked for, if one was"})


class FieldChangeView(Schema):
    field = fields.String(metadata={"example": "award.standstill_end"})
    before = fields.String(allow_none=True, metadata={"description": "null: not there"})
    after = fields.String(allow_none=True, metadata={"description": "null: not there"})


class CaseDiffView(Schema):
    start = fields.Nested(MomentView, data_key="from")
    end = fields.Nested(MomentView, data_key="to")
    changes = fields.List(fields.Nested(FieldChangeView))
    events = fields.List(fields.Nested(HistoryEntryView), metadata={
        "description": "What was recorded after `from`, up to `to`"})


class ChainLinkView(Schema):
    version = fields.Integer()
    link = fields.String(metadata={"description": "Hex SHA-256 over the previous link and "
                                                  "the event as stored"})


class ChainBreakView(Schema):
    version = fields.Integer(metadata={"description": "The first event that does not "
                                                      "verify"})
    expected = fields.String(allow_none=True, metadata={
        "description": "The link recorded when the event was stored"})
    found = fields.String(allow_none=True, metadata={
        "description": "The link the event as stored now gives; null: it is gone"})


class ChainReportView(Schema):
    id = fields.UUID(attribute="procurement_id")
    clean = fields.Boolean()
    checked = fields.Integer(metadata={"description": "Events recomputed and compared"})
    unchained = fields.Integer(metadata={
        "description": "Events stored but not chained yet (the read model is behind)"})
    head = fields.Nested(ChainLinkView, allow_none=True, metadata={
        "description": "The last link that verified: it stands for every event up to it"})
    broken = fields.Nested(ChainBreakView, allow_none=True, data_key="break")
