"""How our value types are written to and read back from the event store.

The library's JSON transcoder looks a transcoding up by the exact type of each object, so
every enum, every value class and `date` needs one. They are generated here from one list
rather than written out by hand, so adding a value class means adding it to VALUE_CLASSES.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.directory.user import ApiToken, OrgRole
from domain.procurement import (
    checkpoints,
    compliance,
    contract,
    deviations,
    dialogue,
    followup_plan,
    lifecycle,
    matching,
    placements,
    reminders,
    reports,
    requirement,
    setup,
    tenders,
)
from domain.values import Actor, PositionType, RequirementLevel, Role, TargetGroup

ENUM_CLASSES: tuple[type[Enum], ...] = (
    Role, TargetGroup, RequirementLevel, PositionType, lifecycle.State,
    followup_plan.ItemType, matching.CandidateStatus, placements.EndKind,
    reports.ReportStatus, deviations.DecisionKind, compliance.ComplianceOutcome,
    compliance.DeadlineStatus, dialogue.Counterpart, OrgRole, reminders.Stage,
)

VALUE_CLASSES: tuple[type[Any], ...] = (
    Actor, setup.CaseSetup, requirement.EmploymentRequirement, followup_plan.PlanItem,
    followup_plan.FollowUpPlan, dialogue.DialogueNote, tenders.SmeStatus,
    tenders.EmploymentPlan, tenders.Tender, contract.Award, contract.Contract,
    contract.KickOff, matching.Position, matching.Preparation, matching.Candidate,
    placements.PlacementTerms, placements.Placement, checkpoints.CheckpointRecord,
    reports.SupplierReport, deviations.DeviationDecision, deviations.Deviation,
    compliance.ComplianceAssessment, ApiToken, reminders.ReminderPolicy, reminders.Reminder,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class EnumAsValue(Transcoding):
    def __init__(self, enum_class: type[Enum]) -> None:
        self.type = enum_class
        self.name = f"enum:{enum_class.__name__}"

    def encode(self, obj: Enum) -> Any:
        return obj.value

    def decode(self, data: Any) -> Enum:
        return self.type(data)


class ValueObjectAsDict(Transcoding):
    """A frozen dataclass as a dict of its fields. JSON has no tuples, so lists read back
    become tuples again: value classes hold sequences as tuples."""

    def __init__(self, value_class: type[Any]) -> None:
        self.type = value_class
        self.name = f"value:{value_class.__name__}"
        self._fields = [field.name for field in dataclasses.fields(value_class)]

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{key: tuple(value) if isinstance(value, list) else value
                            for key, value in data.items()})


def register_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for enum_class in ENUM_CLASSES:
        transcoder.register(EnumAsValue(enum_class))
    for value_class in VALUE_CLASSES:
        transcoder.register(ValueObjectAsDict(value_class))
