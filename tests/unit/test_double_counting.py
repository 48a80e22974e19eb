"""One person's time counts once across procurements: the earlier claim keeps its months,
a later one loses what exceeds full time on the days they share."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

from domain.procurement.double_counting import (
    Claim,
    claimed_twice,
    counted_once,
    overlapping_months,
)
from domain.procurement.placements import Placement
from tests.unit.builders import terms

AS_OF = date(2028, 1, 1)
THRESHOLD = Decimal("0.75")


def claim(start: date, months: int, *, ref: str = "P-0001", percent: int = 100,
          procurement: str = "") -> Claim:
    placement = Placement(uuid4(), uuid4(), uuid4(), ref, terms(start, months, percent))
    return Claim(procurement or str(uuid4()), placement, THRESHOLD)


def test_two_full_time_contracts_claiming_the_same_months_count_them_once() -> None:
    earlier = claim(date(2026, 5, 1), 6)  # May to October 2026
    later = claim(date(2026, 9, 1), 6)  # September 2026 to February 2027
    assert overlapping_months(earlier, later, AS_OF) == Decimal(2)
    lost = claimed_twice([later, earlier], AS_OF)
    assert lost == {later.key: Decimal("2.00")}
    assert counted_once([earlier, later], AS_OF) == Decimal(10)  # 6 + 6 - 2


def test_two_half_time_placements_at_once_are_no_double_count() -> None:
    a = claim(date(2026, 5, 1), 6, percent=50)
    b = claim(date(2026, 5, 1), 6, percent=50)
    assert overlapping_months(a, b, AS_OF) == 0
    assert claimed_twice([a, b], AS_OF) == {}
    assert counted_once([a, b], AS_OF) == Decimal(6)


def test_a_later_claim_loses_only_what_exceeds_full_time() -> None:
    earlier = claim(date(2026, 5, 1), 6, percent=75)
    later = claim(date(2026, 5, 1), 6, percent=50, procurement="z")
    # Same start: the tie is broken by the ids, so the "z" procurement comes second.
    assert claimed_twice([earlier, later], AS_OF) == {later.key: Decimal("1.50")}


def test_different_people_and_separate_periods_are_not_double_counts() -> None:
    a = claim(date(2026, 5, 1), 6)
    someone_else = claim(date(2026, 5, 1), 6, ref="P-0002")
    afterwards = claim(date(2026, 11, 1), 6)
    assert overlapping_months(a, someone_else, AS_OF) == 0
    assert overlapping_months(a, afterwards, AS_OF) == 0
    assert claimed_twice([a, someone_else, afterwards], AS_OF) == {}


def test_a_claim_that_lies_wholly_inside_an_earlier_one_counts_nothing() -> None:
    whole = claim(date(2026, 5, 1), 12)
    inside = claim(date(2026, 7, 1), 3)
    assert claimed_twice([whole, inside], AS_OF) == {inside.key: Decimal("3.00")}
    assert counted_once([whole, inside], AS_OF) == Decimal(12)
