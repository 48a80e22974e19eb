"""One person's time counts once: placements that claim the same person (the matcher's
pseudonymous participant reference) for the same days, in two contracts or twice in one.

A person works at most full time. Where the placements that claim a person on a day add
up to more than full time, the earliest claim keeps its working time and the later ones
lose what exceeds full time: the claim that started first (on the same day, the one whose
procurement and placement ids sort first, so the choice never depends on the order the
claims are read in). Two half-time placements at once are no double count; two full-time
placements at once are.

What a later claim loses is counted in calendar months of the days it overlaps
(full_time_months.months_between) scaled by the working time it exceeds full time by,
never more than the months the placement is credited with (full_time_months.py, with the
completion rule). This is for statistics across procurements and for the flags to the
authorities concerned; each contract's own compliance is still the months it delivered
(the authorities decide on the flag whether both claims stand).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from domain.procurement.full_time_months import (
    credited_full_time_months,
    months_between,
    served_period,
)
from domain.procurement.placements import Placement

_FULL_TIME = Decimal(100)
_TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Claim:
    """A placement's claim on a person's time, with the procurement it belongs to."""

    procurement_id: str
    placement: Placement
    completion_threshold: Decimal

    @property
    def key(self) -> tuple[str, str]:
        return self.procurement_id, str(self.placement.placement_id)

    @property
    def precedence(self) -> tuple[date, str, str]:
        """Earlier keeps its months: by start, then by ids (a stable tie-break)."""
        return self.placement.terms.start, *self.key

    def credited(self, as_of: date) -> Decimal:
        return credited_full_time_months(self.placement, self.completion_threshold, as_of)


def claimed_twice(claims: Iterable[Claim], as_of: date) -> dict[tuple[str, str], Decimal]:
    """Full-time months of each claim that earlier claims on the same person already
    count (zero for most); `claims` may hold many people's."""
    lost: dict[tuple[str, str], Decimal] = {}
    for person in _by_person(claims).values():
        lost.update(_lost_by_later_claims(person, as_of))
    return lost


def overlapping_months(a: Claim, b: Claim, as_of: date) -> Decimal:
    """Calendar months on which both claims hold the same person and together exceed full
    time (zero: no double count between them)."""
    if a.placement.participant_ref != b.placement.participant_ref or a.key == b.key:
        return Decimal(0)
    together = a.placement.terms.working_time_percent + b.placement.terms.working_time_percent
    first, second = served_period(a.placement, as_of), served_period(b.placement, as_of)
    if together <= _FULL_TIME or first is None or second is None:
        return Decimal(0)
    start, end = max(first[0], second[0]), min(first[1], second[1])
    if end < start:
        return Decimal(0)
    return months_between(start, end).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def counted_once(claims: Sequence[Claim], as_of: date) -> Decimal:
    """The claims' full-time months with every person's time counted once."""
    lost = claimed_twice(claims, as_of)
    return sum((c.credited(as_of) - lost.get(c.key, Decimal(0)) for c in claims), Decimal(0))


def _by_person(claims: Iterable[Claim]) -> dict[str, list[Claim]]:
    people: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        people[claim.placement.participant_ref].append(claim)
    return people


def _lost_by_later_claims(claims: list[Claim], as_of: date) -> dict[tuple[str, str], Decimal]:
    """Walk the person's days in stretches where the same claims hold them; on each, the
    claims in precedence order fill full time and the excess of the later ones is lost."""
    periods = {c.key: p for c in claims if (p := served_period(c.placement, as_of))}
    if len(periods) < 2:
        return {}
    ordered = sorted((c for c in claims if c.key in periods), key=lambda c: c.precedence)
    cuts = sorted({day for first, last in periods.values()
                   for day in (first, last + timedelta(days=1))})
    lost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for start, stop in pairwise(cuts):
        # Every period starts and ends on a cut, so a stretch is wholly in or out of one.
        holding = [c for c in ordered if periods[c.key][0] <= start <= periods[c.key][1]]
        if len(holding) < 2:
            continue
        months = months_between(start, stop - timedelta(days=1))
        free = _FULL_TIME
        for claim in holding:
            share = claim.placement.terms.working_time_percent
            kept = min(share, free)
            free -= kept
            if share > kept:
                lost[claim.key] += months * (share - kept) / _FULL_TIME
    return {key: min(months, _credited(ordered, key, as_of)).quantize(
        _TWO_PLACES, rounding=ROUND_HALF_UP) for key, months in lost.items()}


def _credited(claims: list[Claim], key: tuple[str, str], as_of: date) -> Decimal:
    return next(c.credited(as_of) for c in claims if c.key == key)
