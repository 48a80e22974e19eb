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

from marshmallow import ValidationError, fields


class StrictBoolean(fields.Boolean):
    """true or false, nothing else."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> bool:
        if value is True or value is False:
            return bool(value)
        raise self.make_error("invalid", input=value)


class DecimalString(fields.Decimal):
    """A decimal: written as a string, read from a string or a number, with at most 15
    digits before the decimal point and 6 after it. The bound keeps values such as 1e-999999
    (a positive number of months) from overflowing the arithmetic done with them later."""

    MAX_INTEGER_DIGITS = 15
    MAX_PLACES = 6
    TOO_LARGE = (f"must have at most {MAX_INTEGER_DIGITS} digits before and {MAX_PLACES} "
                 "after the decimal point")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> Decimal:
        number: Decimal = super()._deserialize(value, attr, data, **kwargs)
        if number and (number.adjusted() >= self.MAX_INTEGER_DIGITS
                       or _places(number) > self.MAX_PLACES):
            raise ValidationError(self.TOO_LARGE)
        return number


def _places(number: Decimal) -> int:
    """Digits after the point that are not trailing zeros (exact: no context rounding)."""
    _, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):  # nan and infinity, which marshmallow refuses first
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(exponent + len(digits) - len(significant)))


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


class Day(fields.Date):
    """A calendar day (YYYY-MM-DD) in the years 1900 to 2999.

    The service computes due dates and deadlines years after the days it is given; a day
    near the end of the calendar (9999-12-31) would make that arithmetic fail on every
    later read of the case, so such days are refused as typing mistakes here."""

    FIRST = date(1900, 1, 1)
    LAST = date(2999, 12, 31)
    OUT_OF_RANGE = "must be between 1900-01-01 and 2999-12-31"

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None,
                     **kwargs: Any) -> date:
        day: date = super()._deserialize(value, attr, data, **kwargs)
        if not self.FIRST <= day <= self.LAST:
            raise ValidationError(self.OUT_OF_RANGE)
        return day
