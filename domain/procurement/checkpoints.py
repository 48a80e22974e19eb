"""A follow-up checkpoint recorded for one placed participant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.values import Role


@dataclass(frozen=True)
class CheckpointRecord:
    placement_id: UUID
    participant_ref: str
    checkpoint: str
    observed_on: date
    values: dict[str, Any]
    recorded_by: Role
