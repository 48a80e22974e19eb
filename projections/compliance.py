"""Compliance per contract: full-time months required against delivered, the first-placement
deadline, placements ended early and whether they reached the completion threshold, and
open deviations.

Delivered months depend on the day they are counted on, so the table keeps each
placement's terms and end, and the query counts "as of" the day it is given with the
domain's own rules (domain/procurement/full_time_months.py and compliance.py), never a
copy of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.procurement import compliance, full_time_months
from domain.procurement.compliance import DeadlineStatus
from domain.procurement.placements import EndKind, Placement, PlacementTerms
from domain.values import PositionType
from projections.casefile import CaseFile, CaseFileProjection
from projections.db import Database, Many
from projections.tables import Rows, Table

CONTRACTS = Table("compliance_contracts", (
    ("procurement_id", "TEXT NOT NULL"),
    ("reference", "TEXT NOT NULL"),
    ("title", "TEXT NOT NULL"),
    ("state", "TEXT NOT NULL"),
    ("owner_id", "TEXT NOT NULL"),
    ("supplier_id", "TEXT"),
    ("required_months", "TEXT NOT NULL"),  # decimal as text
    ("completion_threshold", "TEXT NOT NULL"),
    ("contract_start", "TEXT NOT NULL"),
    ("contract_end", "TEXT NOT NULL"),
    ("contract_ended_on", "TEXT"),
    ("first_placement_deadline", "TEXT"),
    ("open_deviations", "INTEGER NOT NULL"),
), key=("procurement_id",), indexes=(("owner_id",), ("supplier_id",)))
PLACEMENTS = Table("compliance_placements", (
    ("procurement_id", "TEXT NOT NULL"),
    ("placement_id", "TEXT NOT NULL"),
    ("candidate_id", "TEXT NOT NULL"),
    ("position_id", "TEXT NOT NULL"),
    ("participant_ref", "TEXT NOT NULL"),
    ("employment_form", "TEXT NOT NULL"),
    ("start", "TEXT NOT NULL"),
    ("planned_end", "TEXT NOT NULL"),
    ("working_time_percent", "TEXT NOT NULL"),
    ("ended_on", "TEXT"),
    ("end_kind", "TEXT"),
), key=("procurement_id", "placement_id"))

# PlacementTerms needs these to be a valid value; the month rules never read them, so the
# read model does not keep them (the supervisor is a person's name).
_NOT_KEPT = "(not kept in the read model)"


class Compliance(CaseFileProjection):
    name = "compliance"
    title = "Compliance: full-time months, first-placement deadline, early ends, deviations"
    derived = (CONTRACTS, PLACEMENTS)

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        case = file.case
        if case.contract is None or case.requirement is None:
            return {}
        pid = str(case.id)
        deadline = compliance.first_placement_deadline(case.requirement, case.contract.start)
        contract = (pid, case.setup.reference, case.setup.title, case.state.value,
                    str(case.owner_id),
                    str(case.awarded_supplier_id) if case.awarded_supplier_id else None,
                    str(case.requirement.minimum_full_time_months),
                    str(case.requirement.completion_threshold),
                    case.contract.start.isoformat(), case.contract.end.isoformat(),
                    case.contract.ended_on.isoformat() if case.contract.ended_on else None,
                    deadline.isoformat() if deadline else None,
                    sum(1 for d in case.deviations.values() if d.is_open))
        placements = [
            (pid, str(p.placement_id), str(p.candidate_id), str(p.position_id),
             p.participant_ref, p.terms.employment_form.value, p.terms.start.isoformat(),
             p.terms.planned_end.isoformat(), str(p.terms.working_time_percent),
             p.ended_on.isoformat() if p.ended_on else None,
             p.end_kind.value if p.end_kind else None)
            for p in case.placements.values()]
        return {CONTRACTS.name: CONTRACTS.rows([contract]),
                PLACEMENTS.name: PLACEMENTS.rows(placements)}


@dataclass(frozen=True)
class EarlyEnd:
    placement_id: UUID
    participant_ref: str
    ended_on: date
    completion_share: Decimal
    reached_threshold: bool


@dataclass(frozen=True)
class ContractCompliance:
    procurement_id: UUID
    reference: str
    title: str
    state: str
    owner_id: UUID
    supplier_id: UUID | None
    as_of: date
    contract_start: date
    contract_end: date  # the day it ended early, if it did
    required_months: Decimal
    delivered_months: Decimal
    first_placement_deadline: date | None
    first_placement_start: date | None
    deadline_status: DeadlineStatus  # met, at risk, missed (or pending)
    placements: int
    ended_early: tuple[EarlyEnd, ...]
    open_deviations: int

    @property
    def share_delivered(self) -> Decimal:
        if self.required_months == 0:
            return Decimal(1)
        return min(self.delivered_months / self.required_months, Decimal(1))


def contract(db: Database, procurement_id: UUID, as_of: date) -> ContractCompliance | None:
    """One contract's compliance as of a day; None before a contract is signed."""
    found = contracts(db, [procurement_id], as_of=as_of)
    return found[0] if found else None


def contracts(db: Database, procurement_ids: list[UUID] | None = None, *, as_of: date,
              owner_id: UUID | None = None, supplier_id: UUID | None = None
              ) -> list[ContractCompliance]:
    """Compliance of many contracts as of a day (filtered by ids, owner or supplier)."""
    where, params = ["1 = 1"], list[Any]()
    if procurement_ids is not None:
        if not procurement_ids:
            return []
        where.append("procurement_id IN (%s)")
        params.append(Many(str(i) for i in procurement_ids))
    for column, value in (("owner_id", owner_id), ("supplier_id", supplier_id)):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(str(value))
    clause = " AND ".join(where)
    rows = db.fetch("SELECT * FROM {compliance_contracts} WHERE " + clause  # noqa: S608
                    + " ORDER BY reference, procurement_id", params)
    if not rows:
        return []
    placements: dict[str, list[Placement]] = {r["procurement_id"]: [] for r in rows}
    for row in db.fetch("SELECT * FROM {compliance_placements} WHERE procurement_id IN (%s) "
                        "ORDER BY start, placement_id", [Many(placements)]):
        placements[row["procurement_id"]].append(placement_from_row(row))
    return [_assess(row, placements[row["procurement_id"]], as_of) for row in rows]


def delivered_over_time(db: Database, procurement_id: UUID, days: Sequence[date]
                        ) -> list[tuple[date, Decimal]]:
    """One contract's delivered full-time months as of each of `days` (none before a
    contract is signed), counted by the same rule as `contracts`."""
    rows = db.fetch("SELECT completion_threshold FROM {compliance_contracts} "
                    "WHERE procurement_id = %s", [str(procurement_id)])
    if not rows:
        return []
    threshold = Decimal(rows[0]["completion_threshold"])
    placements = [placement_from_row(r) for r in db.fetch(
        "SELECT * FROM {compliance_placements} WHERE procurement_id = %s "
        "ORDER BY start, placement_id", [str(procurement_id)])]
    return [(day, _delivered(placements, threshold, day)) for day in days]


def _delivered(placements: list[Placement], threshold: Decimal, as_of: date) -> Decimal:
    counted = [p for p in placements if p.terms.start <= as_of]
    return full_time_months.total_full_time_months(counted, threshold, as_of)


def placement_from_row(row: dict[str, Any]) -> Placement:
    terms = PlacementTerms(
        employment_form=PositionType(row["employment_form"]),
        start=date.fromisoformat(row["start"]),
        planned_end=date.fromisoformat(row["planned_end"]),
        working_time_percent=Decimal(row["working_time_percent"]),
        collective_agreement=False, supervisor=_NOT_KEPT, insurance_confirmed=False)
    return Placement(UUID(row["placement_id"]), UUID(row["candidate_id"]),
                     UUID(row["position_id"]), row["participant_ref"], terms,
                     date.fromisoformat(row["ended_on"]) if row["ended_on"] else None,
                     EndKind(row["end_kind"]) if row["end_kind"] else None)


def _assess(row: dict[str, Any], placements: list[Placement], as_of: date
            ) -> ContractCompliance:
    threshold = Decimal(row["completion_threshold"])
    counted = [p for p in placements if p.terms.start <= as_of]
    deadline = date.fromisoformat(row["first_placement_deadline"]) if row[
        "first_placement_deadline"] else None
    first_start = full_time_months.first_placement_start(counted)
    early = tuple(
        EarlyEnd(p.placement_id, p.participant_ref, p.ended_on,
                 full_time_months.completion_share(p) or Decimal(0),
                 full_time_months.reached_completion_threshold(p, threshold))
        for p in counted if p.end_kind is EndKind.EARLY and p.ended_on is not None
        and p.ended_on <= as_of)
    return ContractCompliance(
        procurement_id=UUID(row["procurement_id"]), reference=row["reference"],
        title=row["title"], state=row["state"], owner_id=UUID(row["owner_id"]),
        supplier_id=UUID(row["supplier_id"]) if row["supplier_id"] else None, as_of=as_of,
        contract_start=date.fromisoformat(row["contract_start"]),
        contract_end=date.fromisoformat(row["contract_ended_on"] or row["contract_end"]),
        required_months=Decimal(row["required_months"]),
        delivered_months=_delivered(placements, threshold, as_of),
        first_placement_deadline=deadline, first_placement_start=first_start,
        deadline_status=compliance.deadline_status(deadline, first_start, as_of),
        placements=len(counted), ended_early=early,
        open_deviations=int(row["open_deviations"]))
