"""Swedish organisation numbers (organisationsnummer): ten digits, the last a Luhn check
digit, the third at least 2 for a legal person (e.g. a municipality: 212000-1124)."""

from __future__ import annotations

import re

from domain.errors import ValidationError

_FORMAT = re.compile(r"^(\d{6})-?(\d{4})$")


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def parse_org_number(value: object, field: str = "org_number") -> str:
    """The number in its printed form NNNNNN-NNNN, or a validation error naming the rule."""
    if not isinstance(value, str) or not (match := _FORMAT.match(value.strip())):
        raise ValidationError(field, "must be ten digits, as NNNNNN-NNNN")
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise ValidationError(field, "the third digit of an organisation number is 2 or more")
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(field, "the check digit does not match")
    return f"{digits[:6]}-{digits[6:]}"
