"""Marshmallow fields the API needs beyond the built-in ones.

JSON has no decimal type: decimals are written as strings ("24.00") in every answer and
accepted as a string or a number in requests. Booleans are JSON true or false only (the
built-in field would also take "yes", 1 or "on").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from marshmallow import fields


class StrictBoolean(fields.Boolean):
    """true or false, nothing else."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> bool:
        if value is True or value is False:
            return bool(value)
        raise self.make_error("invalid", input=value)


class DecimalString(fields.Decimal):
    """A decimal: written as a string, read from a string or a number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(as_string=True, **kwargs)


class PlanValue(fields.Raw):
    """A checkpoint value as the plan item's type has it: text, number, yes/no or date.

    The domain checks each value against its item (domain/procurement/followup_plan.py),
    so it is read as given; in answers, numbers are strings and dates ISO 8601."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        return value


class SortedEnumSet(fields.List):
    """A set of enum members, written as a list of their values in a stable order."""

    def _serialize(self, value: Any, attr: str | None, obj: Any,
                   **kwargs: Any) -> list[Any] | None:
        if value is None:
            return None
        members = sorted(value, key=lambda member: str(member.value))
        serialized: list[Any] | None = super()._serialize(members, attr, obj, **kwargs)
        return serialized
