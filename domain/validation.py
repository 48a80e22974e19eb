"""Small checks that value objects use on their fields; each raises a ValidationError
that names the field and the rule, so a user knows exactly what to correct."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import UUID

from domain.errors import ValidationError


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
    # datetime is a subclass of date; a timestamp where a day is meant is a mistake.
    if isinstance(value, date) and type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(field, "must be a date (YYYY-MM-DD)")


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
