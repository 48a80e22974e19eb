"""Small checks that value objects use on their fields; each raises a ValidationError
that names the field and the rule, so a user knows exactly what to correct."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import UUID

from domain.errors import ValidationError

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
MAX_NUMBER = Decimal(10) ** 15
SMALLEST_STEP = Decimal("0.000001")


def text(value: object, field: str, *, max_length: int = 2000, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    value = value.strip()
    if required and not value:
        raise ValidationError(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationError(field, f"must be at most {max_length} characters")
    return value


def decimal(
    value: object,
    field: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    exclusive_minimum: bool = False,
) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal, float)):
        raise ValidationError(field, "must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(field, "must be a number") from None
    if not number.is_finite():
        raise ValidationError(field, "must be a finite number")
    # Amounts, months and percentages need no more; without a bound, 1e-999999999 is
    # "positive" and breaks every later computation on it.
    if abs(number) >= MAX_NUMBER:
        raise ValidationError(field, f"must be less than {MAX_NUMBER:,}".replace(",", " "))
    if number != number.quantize(SMALLEST_STEP, rounding="ROUND_DOWN"):
        raise ValidationError(field, "must have at most 6 decimals")
    if minimum is not None:
        if exclusive_minimum and number <= minimum:
            raise ValidationError(field, f"must be greater than {minimum}")
        if not exclusive_minimum and number < minimum:
            raise ValidationError(field, f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise ValidationError(field, f"must be at most {maximum}")
    return number


def integer(value: object, field: str, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number")
    if minimum is not None and value < minimum:
        raise ValidationError(field, f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ValidationError(field, f"must be at most {maximum}")
    return value


def day(value: object, field: str) -> date:
    parsed: date | None = None
    # datetime is a subclass of date; a timestamp where a day is meant is a mistake.
    if isinstance(value, date) and type(value) is date:
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None:
        raise ValidationError(field, "must be a date (YYYY-MM-DD)")
    # Dates run years ahead of themselves here (after-exit checkpoints, contract ends):
    # a date near year 9999 would make them overflow.
    if not EARLIEST_DAY <= parsed <= LATEST_DAY:
        raise ValidationError(field, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
    return parsed


def optional_day(value: object, field: str) -> date | None:
    return None if value is None else day(value, field)


def not_before(later: date, earlier: date, field: str, earlier_name: str) -> None:
    if later < earlier:
        raise ValidationError(field, f"must not be before {earlier_name}")


def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, "must be true or false")
    return value


def uuid(value: object, field: str) -> UUID:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            pass
    raise ValidationError(field, "must be an id (UUID)")
