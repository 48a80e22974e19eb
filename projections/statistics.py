"""Statistics: follow-up outcomes of the people in the programme, and the SMEs' share of
tenders and awards, per authority, industry (CPV division) and year.

Outcomes are the plan item `employment_status` recorded at each checkpoint kind (start,
during, exit, and 3/6/12/24 months after exit), per target group. A person counts once
per checkpoint kind: the latest observation of that kind (for "during", the latest of the
during-placement checkpoints), in the year it was observed. A person is a participant
reference within one procurement. Tenders count only once tendering has closed (before
that even their number is sealed), in the year of the tender deadline.

Suppression: no answer ever contains a count of 1 to 4, nor anything from which one can
be worked out. The rule, applied to every group of cells a query returns (one group: the
statuses of one target group at one checkpoint kind in one authority/industry/year; or the
SME and other tenders of one authority/industry/year; or the same for awards):

1. a group of fewer than 5 in total is suppressed whole (cells and total);
2. every cell of 1 to 4 is suppressed;
3. a group with exactly one cell suppressed by rule 2 has its smallest other non-zero
   cell suppressed too, so that no single cell is given by the others and a total known
   from elsewhere;
4. a group with any cell suppressed has its total (and any share) suppressed as well.

A suppressed value is None (shown as `SUPPRESSED_MARK`, ".."), never the number. The
same applies to tender counts, though companies are not people: a count of one or two
tenders names a company as well as a count of people names a person. Known limit: groups
from different groupings (e.g. per authority and per year) are suppressed independently,
and combining two answers may narrow a suppressed cell down; a report shows one grouping.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.procurement import Procurement
from domain.procurement.checkpoints import CheckpointRecord
from domain.procurement.followup_plan import EMPLOYMENT_STATUSES
from projections.casefile import CaseFile, CaseFileProjection
from projections.db import Database, Many
from projections.tables import Rows, Table

MIN_CELL = 5
SUPPRESSED_MARK = ".."
STATUS_ITEM = "employment_status"

OUTCOMES = Table("statistics_outcomes", (
    ("procurement_id", "TEXT NOT NULL"),
    ("participant_ref", "TEXT NOT NULL"),
    ("checkpoint_kind", "TEXT NOT NULL"),  # start, during, exit, after_exit_<months>
    ("checkpoint", "TEXT NOT NULL"),  # the observation counted (e.g. during_6)
    ("observed_on", "TEXT NOT NULL"),
    ("year", "INTEGER NOT NULL"),
    ("authority_id", "TEXT NOT NULL"),
    ("cpv_division", "TEXT"),
    ("target_group", "TEXT NOT NULL"),
    ("employment_status", "TEXT NOT NULL"),
), key=("procurement_id", "participant_ref", "checkpoint_kind"),
    indexes=(("authority_id", "year"), ("cpv_division", "year"), ("year",)))
TENDERS = Table("statistics_tenders", (
    ("procurement_id", "TEXT NOT NULL"),
    ("supplier_id", "TEXT NOT NULL"),
    ("year", "INTEGER NOT NULL"),
    ("authority_id", "TEXT NOT NULL"),
    ("cpv_division", "TEXT"),
    ("is_sme", "INTEGER NOT NULL"),
    ("awarded", "INTEGER NOT NULL"),
), key=("procurement_id", "supplier_id"), indexes=(("authority_id", "year"),))

DIMENSIONS = {"authority": "authority_id", "industry": "cpv_division", "year": "year"}


def checkpoint_kind(checkpoint: str) -> str:
    return "during" if checkpoint.startswith("during_") else checkpoint


def latest_outcomes(case: Procurement) -> dict[tuple[str, str], CheckpointRecord]:
    """The observation of employment status that counts for each person (participant
    reference) and checkpoint kind in one case: the latest of that kind."""
    latest: dict[tuple[str, str], CheckpointRecord] = {}
    for record in case.checkpoints:
        if record.values.get(STATUS_ITEM) is None or (
                str(record.placement_id) not in case.placements):
            continue
        key = (record.participant_ref, checkpoint_kind(record.checkpoint))
        if key in latest and latest[key].observed_on > record.observed_on:
            continue
        latest[key] = record
    return latest


class Statistics(CaseFileProjection):
    name = "statistics"
    title = "Statistics: outcomes per target group and checkpoint; SME share (suppressed <5)"
    derived = (OUTCOMES, TENDERS)

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        case = file.case
        pid, owner, division = str(case.id), str(case.owner_id), case.setup.cpv_division
        outcomes = []
        for (ref, kind), record in latest_outcomes(case).items():
            placement = case.placements[str(record.placement_id)]
            candidate = case.candidates[str(placement.candidate_id)]
            outcomes.append((pid, ref, kind, record.checkpoint, record.observed_on.isoformat(),
                             record.observed_on.year, owner, division,
                             candidate.target_group.value, str(record.values[STATUS_ITEM])))
        tenders = []
        if case.tendering_closed and case.tender_deadline is not None:
            tenders = [(pid, str(t.supplier_id), case.tender_deadline.year, owner, division,
                        t.is_sme, t.supplier_id == case.awarded_supplier_id)
                       for t in case.tenders.values()]
        return {OUTCOMES.name: OUTCOMES.rows(outcomes),
                TENDERS.name: TENDERS.rows(tenders)}


# -- suppression -------------------------------------------------------------------------------

Count = int | None  # None: suppressed


def suppress(cells: Mapping[str, int]) -> tuple[dict[str, Count], Count]:
    """The group's cells and total with the module's suppression rule applied."""
    total = sum(cells.values())
    if total < MIN_CELL:
        return dict.fromkeys(cells), None
    hidden = {key for key, n in cells.items() if 0 < n < MIN_CELL}
    if len(hidden) == 1:
        others = sorted((n, key) for key, n in cells.items() if key not in hidden and n > 0)
        hidden.add(others[0][1])  # there is one: the total is at least 5
    shown: dict[str, Count] = {key: None if key in hidden else n for key, n in cells.items()}
    return shown, None if hidden else total


def shown(count: Count) -> str:
    """A count as a report prints it."""
    return SUPPRESSED_MARK if count is None else str(count)


# -- queries -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Group:
    """The grouping values of one group; None where the query does not group by it."""

    authority_id: UUID | None
    cpv_division: str | None
    year: int | None


@dataclass(frozen=True)
class OutcomeGroup:
    group: Group
    target_group: str
    checkpoint_kind: str
    counts: dict[str, Count]  # employment status -> people (None: suppressed)
    total: Count


@dataclass(frozen=True)
class SmeShare:
    group: Group
    tenders: Count
    sme_tenders: Count
    sme_tender_share: Decimal | None
    awards: Count
    sme_awards: Count
    sme_award_share: Decimal | None


def _where(authority_ids: Sequence[UUID] | None, cpv_division: str | None,
           year: int | None, extra: Sequence[tuple[str, Any]] = ()
           ) -> tuple[str, list[Any]] | None:
    clauses, params = ["1 = 1"], list[Any]()
    if authority_ids is not None:
        if not authority_ids:
            return None
        clauses.append("authority_id IN (%s)")
        params.append(Many(str(a) for a in authority_ids))
    for clause, value in (("cpv_division = %s", cpv_division), ("year = %s", year), *extra):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


def _dimensions(group_by: Sequence[str]) -> list[str]:
    unknown = [g for g in group_by if g not in DIMENSIONS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}; choose from {sorted(DIMENSIONS)}")
    return [DIMENSIONS[g] for g in DIMENSIONS if g in group_by]


def _group(row: Mapping[str, Any], columns: Sequence[str]) -> Group:
    authority = row.get("authority_id") if "authority_id" in columns else None
    return Group(UUID(authority) if authority else None,
                 row.get("cpv_division") if "cpv_division" in columns else None,
                 int(row["year"]) if "year" in columns else None)


def outcomes(db: Database, *, group_by: Sequence[str] = ("authority", "industry", "year"),
             authority_ids: Sequence[UUID] | None = None, cpv_division: str | None = None,
             year: int | None = None, target_group: str | None = None,
             checkpoint_kind: str | None = None) -> list[OutcomeGroup]:
    """Employment status per target group and checkpoint kind, in groups by authority,
    industry and/or year (`group_by`), with every count of under 5 suppressed."""
    columns = _dimensions(group_by)
    where = _where(authority_ids, cpv_division, year,
                   (("target_group = %s", target_group),
                    ("checkpoint_kind = %s", checkpoint_kind)))
    if where is None:
        return []
    keys = ", ".join([*columns, "target_group", "checkpoint_kind", "employment_status"])
    # Column names come from DIMENSIONS only; every value is a bound parameter.
    rows = db.fetch(f"SELECT {keys}, COUNT(*) AS people FROM {{statistics_outcomes}} "  # noqa: S608
                    f"WHERE {where[0]} GROUP BY {keys} ORDER BY {keys}", where[1])
    groups: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(EMPLOYMENT_STATUSES, 0))
    for row in rows:
        key = (*(row[c] for c in columns), row["target_group"], row["checkpoint_kind"])
        groups[key][row["employment_status"]] = int(row["people"])
    found = []
    for key, cells in groups.items():
        counts, total = suppress(cells)
        row = dict(zip(columns, key, strict=False))
        found.append(OutcomeGroup(_group(row, columns), key[-2], key[-1], counts, total))
    return found


def sme_shares(db: Database, *, group_by: Sequence[str] = ("authority", "industry", "year"),
               authority_ids: Sequence[UUID] | None = None, cpv_division: str | None = None,
               year: int | None = None) -> list[SmeShare]:
    """Share of tenders from SMEs, and of awards won by SMEs, once tendering has closed."""
    columns = _dimensions(group_by)
    where = _where(authority_ids, cpv_division, year)
    if where is None:
        return []
    keys = ", ".join(columns)
    grouping = f"GROUP BY {keys} ORDER BY {keys}" if columns else ""
    rows = db.fetch(f"SELECT {keys + ', ' if columns else ''}"  # noqa: S608
                    "SUM(is_sme) AS sme, SUM(1 - is_sme) AS other, "
                    "SUM(is_sme * awarded) AS sme_awarded, "
                    "SUM((1 - is_sme) * awarded) AS other_awarded "
                    f"FROM {{statistics_tenders}} WHERE {where[0]} {grouping}", where[1])
    rows = [r for r in rows if r["sme"] is not None]  # no tenders at all: no group
    found = []
    for row in rows:
        tenders, tender_total = suppress({"sme": int(row["sme"]), "other": int(row["other"])})
        awards, award_total = suppress({"sme": int(row["sme_awarded"]),
                                        "other": int(row["other_awarded"])})
        found.append(SmeShare(
            _group(row, columns), tender_total, tenders["sme"],
            _share(tenders["sme"], tender_total), award_total, awards["sme"],
            _share(awards["sme"], award_total)))
    return found


def _share(part: Count, total: Count) -> Decimal | None:
    if part is None or not total:
        return None
    return (Decimal(part) / Decimal(total)).quantize(Decimal("0.001"))
