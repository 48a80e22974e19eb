"""Full-time months delivered, and the completion rule for placements that end early
(the 75 % rule).

Full-time months are derived from placements, never typed in. A month is a calendar month:
1 March to 31 May is three months, 1 to 15 June is half a month (15 of June's 30 days),
and the working-time percentage scales it: half time for six months is three full-time
months.

The completion rule: a placement that ends early still counts in full (its planned months)
when the person worked at least the completion threshold (75 % by default) of the planned
period; below the threshold only the months actually worked count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.procurement.followup_plan import add_months
from domain.procurement.placements import EndKind, Placement

_TWO_PLACES = Decimal("0.01")


def months_between(start: date, end: date) -> Decimal:
    """Calendar months from the first day to the last day, both days included: whole
    months counted from the start day, the rest as a share of the month it falls in."""
    stop = end + timedelta(days=1)
    if stop <= start:
        return Decimal(0)
    whole = (stop.year - start.year) * 12 + stop.month - start.month
    while whole > 0 and add_months(start, whole) > stop:
        whole -= 1
    anchor, next_anchor = add_months(start, whole), add_months(start, whole + 1)
    return whole + Decimal((stop - anchor).days) / Decimal((next_anchor - anchor).days)


def planned_months(placement: Placement) -> Decimal:
    terms = placement.terms
    return months_between(terms.start, terms.planned_end)


def served_period(placement: Placement, as_of: date) -> tuple[date, date] | None:
    """The first and last day worked up to and including `as_of` (None: not started)."""
    last_day = min(placement.ended_on or placement.terms.planned_end, as_of)
    if last_day < placement.terms.start:
        return None
    return placement.terms.start, last_day


def served_months(placement: Placement, as_of: date) -> Decimal:
    """Calendar months worked up to and including `as_of` (or the end, if earlier)."""
    period = served_period(placement, as_of)
    return months_between(*period) if period else Decimal(0)


def completion_share(placement: Placement) -> Decimal | None:
    """Share of the planned period worked by a placement that ended early; None otherwise."""
    if placement.end_kind is not EndKind.EARLY or placement.ended_on is None:
        return None
    planned = planned_months(placement)
    if planned == 0:
        return Decimal(1)
    return months_between(placement.terms.start, placement.ended_on) / planned


def reached_completion_threshold(placement: Placement, threshold: Decimal) -> bool:
    share = completion_share(placement)
    return share is not None and share >= threshold


def credited_full_time_months(placement: Placement, threshold: Decimal, as_of: date) -> Decimal:
    """Full-time months this placement contributes towards the requirement on `as_of`."""
    scale = placement.terms.working_time_percent / 100
    if reached_completion_threshold(placement, threshold):
        calendar_months = planned_months(placement)
    else:
        calendar_months = served_months(placement, as_of)
    return (calendar_months * scale).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def total_full_time_months(placements: Iterable[Placement], threshold: Decimal,
                           as_of: date) -> Decimal:
    return sum((credited_full_time_months(p, threshold, as_of) for p in placements),
               Decimal(0))


def first_placement_start(placements: Iterable[Placement]) -> date | None:
    starts = [p.terms.start for p in placements]
    return min(starts) if starts else None


# A deadline less than this far away, with no placement started, counts as at risk.
AT_RISK_WINDOW = timedelta(days=30)
