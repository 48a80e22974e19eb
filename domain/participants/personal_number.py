"""Swedish personal identity numbers (personnummer) and co-ordination numbers
(samordningsnummer: the day of birth plus 60), checked by their Luhn check digit.

Only the full form with the century is taken (ÅÅÅÅMMDD-NNNN): the ten-digit form leaves
the century to a guess, and a wrong guess makes another person of the same digits.
"""

from __future__ import annotations

import re
from datetime import date

from domain.directory.org_number import luhn_check_digit
from domain.errors import ValidationError

_FORMAT = re.compile(r"^(\d{8})-?(\d{4})$")
_COORDINATION_OFFSET = 60


def parse_personal_number(value: object, field: str = "personal_number") -> str:
    """The number as ÅÅÅÅMMDD-NNNN, or a validation error naming the rule it breaks."""
    if not isinstance(value, str) or not (match := _FORMAT.match(value.strip())):
        raise ValidationError(field, "must be twelve digits, as ÅÅÅÅMMDD-NNNN")
    birth, serial = match.group(1), match.group(2)
    year, month, day = int(birth[:4]), int(birth[4:6]), int(birth[6:])
    if day > _COORDINATION_OFFSET:
        day -= _COORDINATION_OFFSET
    try:
        date(year, month, day)
    except ValueError:
        raise ValidationError(field, "the date of birth is not a date") from None
    digits = birth[2:] + serial
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(field, "the check digit does not match")
    return f"{birth}-{serial}"
