"""Double counts: the same person's placement time claimed twice, across procurements.

The table keeps every placement's claim on a person (the matcher's pseudonymous participant
reference, the days and the working time), indexed by reference, so the claims on one
person are one query whichever procurements, authorities or suppliers they belong to. The
queries decide with the domain's rules (domain/procurement/double_counting.py), never a
copy: which claims overlap, and how many full-time months all claims give with each
person's time counted once (the earlier claim keeps its months).

What leaves this module names no person: an overlap is a number of months and whether the
other claim is in another procurement, never the reference, the placement or the other
procurement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.procurement import double_counting
from domain.procurement.double_counting import Claim
from projections.casefile import CaseFile, CaseFileProjection
from projections.compliance import placement_from_row
from projections.db import Database, Many
from projections.tables import Rows, Table

CLAIMS = Table("double_count_claims", (
    ("procurement_id", "TEXT NOT NULL"),
    ("placement_id", "TEXT NOT NULL"),
    ("candidate_id", "TEXT NOT NULL"),
    ("position_id", "TEXT NOT NULL"),
    ("participant_ref", "TEXT NOT NULL"),
    ("owner_id", "TEXT NOT NULL"),
    ("completion_threshold", "TEXT NOT NULL"),
    ("employment_form", "TEXT NOT NULL"),
    ("start", "TEXT NOT NULL"),
    ("planned_end", "TEXT NOT NULL"),
    ("working_time_percent", "TEXT NOT NULL"),
    ("ended_on", "TEXT"),
    ("end_kind", "TEXT"),
), key=("procurement_id", "placement_id"),
    indexes=(("participant_ref",), ("owner_id",)))


class DoubleCounts(CaseFileProjection):
    name = "double_counts"
    title = "Double counts: each person's placements across procurements, by reference"
    derived = (CLAIMS,)

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        case = file.case
        if case.requirement is None:
            return {}
        pid, owner = str(case.id), str(case.owner_id)
        threshold = str(case.requirement.completion_threshold)
        return {CLAIMS.name: CLAIMS.rows(
            (pid, str(p.placement_id), str(p.candidate_id), str(p.position_id),
             p.participant_ref, owner, threshold, p.terms.employment_form.value,
             p.terms.start.isoformat(), p.terms.planned_end.isoformat(),
             str(p.terms.working_time_percent),
             p.ended_on.isoformat() if p.ended_on else None,
             p.end_kind.value if p.end_kind else None)
            for p in case.placements.values())}


@dataclass(frozen=True)
class Overlap:
    """Months on which one of the case's placements and another claim hold the same
    person beyond full time; `elsewhere`: the other claim is in another procurement."""

    months: Decimal
    elsewhere: bool


@dataclass(frozen=True)
class CountedOnce:
    claimed: Decimal  # every claim's credited full-time months, added up
    counted: Decimal  # the same with each person's time counted once
    claims_overlapping: int  # claims that lose months to an earlier claim

    @property
    def double_counted(self) -> Decimal:
        return self.claimed - self.counted


def overlaps(stores: Sequence[Database], procurement_id: UUID, as_of: date) -> list[Overlap]:
    """The double counts that concern one procurement, each pair once."""
    own = _claims(stores, "procurement_id", [str(procurement_id)])
    others = _claims(stores, "participant_ref", sorted({c.placement.participant_ref
                                                        for c in own}))
    found, seen = [], set()
    for mine in own:
        for other in others:
            months = double_counting.overlapping_months(mine, other, as_of)
            pair = frozenset({mine.key, other.key})
            if months > 0 and pair not in seen:
                seen.add(pair)
                found.append(Overlap(months, other.procurement_id != mine.procurement_id))
    return sorted(found, key=lambda o: (o.elsewhere, -o.months))


def counted_once(stores: Sequence[Database], as_of: date,
                 authority_ids: Sequence[UUID] | None = None, *,
                 procurement_ids: Sequence[UUID] | None = None) -> CountedOnce:
    """Full-time months of the authorities' contracts (or of the procurements given; all,
    for neither), each person's time counted once: a month that an earlier claim holds,
    in any procurement of any authority, is not counted here."""
    if procurement_ids is not None:
        chosen = _claims(stores, "procurement_id", [str(p) for p in procurement_ids])
    elif authority_ids is not None:
        chosen = _claims(stores, "owner_id", [str(a) for a in authority_ids])
    else:
        chosen = _claims(stores)
    people = sorted({c.placement.participant_ref for c in chosen})
    everyone = {c.key: c for c in _claims(stores, "participant_ref", people)} if people else {}
    lost = double_counting.claimed_twice(everyone.values(), as_of)
    claimed = sum((c.credited(as_of) for c in chosen), Decimal(0))
    kept = sum((c.credited(as_of) - lost.get(c.key, Decimal(0)) for c in chosen), Decimal(0))
    return CountedOnce(claimed, kept, sum(1 for c in chosen if lost.get(c.key, 0) > 0))


def _claims(stores: Iterable[Database], column: str | None = None,
            values: Sequence[str] = ()) -> list[Claim]:
    if column is not None and not values:
        return []
    found: list[Claim] = []
    for db in stores:
        if column is None:
            rows = db.fetch("SELECT * FROM {double_count_claims}")
        else:
            # The column name is one of this module's; every value is a bound parameter.
            rows = db.fetch(f"SELECT * FROM {{double_count_claims}} "  # noqa: S608
                            f"WHERE {column} IN (%s)", [Many(values)])
        found.extend(_claim(row) for row in rows)
    return found


def _claim(row: dict[str, Any]) -> Claim:
    return Claim(row["procurement_id"], placement_from_row(row),
                 Decimal(row["completion_threshold"]))
