"""Case lists and inboxes: what each organisation's portal lists without replaying cases.

`case_list` has one row per procurement; `case_list_parties` says which organisation
plays which part in it (owner, tenderer, awarded supplier, matcher, partner), so "my
cases" is one indexed query; `case_list_audit_grants` follows the directory's audit
grants, so an auditor's cases are the audited authorities' cases. `case_list_tasks` holds
each organisation's open tasks: the owner's pending decisions (close tendering once the
deadline has passed, award, sign after the standstill, appoint a matcher, verify or query
submitted reports, decide open deviations, close after the contract has ended), the
supplier's candidates to answer and placements to start, the matcher's open positions,
and every checkpoint and report due from the responsible party (obligations.py).

Tenders are sealed while tendering is open. The table keeps who tendered, but the query
functions never hand it out for a case still tendering, and afterwards only to the owner
and auditors; a supplier only ever sees itself among the tenderers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.utils import get_topic

from domain import access
from domain.access import Command, Part
from domain.directory.organisation import Organisation
from domain.procurement.lifecycle import FOLLOWING_UP, State
from domain.procurement.matching import CandidateStatus
from domain.values import Actor, Role
from projections.audit_trail import timestamp
from projections.base import PROCUREMENT_TOPICS, Event, Write
from projections.casefile import CaseFile, CaseFileProjection
from projections.db import Database, Many
from projections.obligations import obligations
from projections.tables import Rows, Table

CASES = Table("case_list", (
    ("procurement_id", "TEXT NOT NULL"),
    ("reference", "TEXT NOT NULL"),
    ("title", "TEXT NOT NULL"),
    ("state", "TEXT NOT NULL"),
    ("owner_id", "TEXT NOT NULL"),
    ("awarded_supplier_id", "TEXT"),
    ("matcher_id", "TEXT"),
    ("partner_ids", "TEXT NOT NULL"),  # JSON list
    ("tenderer_ids", "TEXT NOT NULL"),  # JSON list; sealed while tendering (see queries)
    ("tendering_closed", "INTEGER NOT NULL"),
    ("tender_deadline", "TEXT"),
    ("contract_start", "TEXT"),
    ("contract_end", "TEXT"),
    ("cpv_division", "TEXT"),
    ("created_at", "TEXT NOT NULL"),
    ("updated_at", "TEXT NOT NULL"),
    ("version", "BIGINT NOT NULL"),
), key=("procurement_id",), indexes=(("state",), ("owner_id",)))
PARTIES = Table("case_list_parties", (
    ("organisation_id", "TEXT NOT NULL"),
    ("procurement_id", "TEXT NOT NULL"),
    ("part", "TEXT NOT NULL"),
), key=("organisation_id", "procurement_id", "part"), indexes=(("procurement_id",),))
TASKS = Table("case_list_tasks", (
    ("task_key", "TEXT NOT NULL"),
    ("organisation_id", "TEXT NOT NULL"),
    ("procurement_id", "TEXT NOT NULL"),
    ("party", "TEXT NOT NULL"),  # the role the task falls to
    ("kind", "TEXT NOT NULL"),
    ("subject", "TEXT NOT NULL"),
    ("due_on", "TEXT"),  # none: a decision with no date, pending until taken
    ("participant_ref", "TEXT"),
), key=("task_key",), indexes=(("organisation_id", "due_on"), ("procurement_id",)))
AUDIT_GRANTS = Table("case_list_audit_grants", (
    ("auditor_id", "TEXT NOT NULL"),
    ("authority_id", "TEXT NOT NULL"),
), key=("auditor_id", "authority_id"))

# Parts as the policy names them (domain/access.py).
OWNER, TENDERER, AWARDED, MATCHER, PARTNER = (p.value for p in (
    Part.OWNER, Part.TENDERER, Part.AWARDED_SUPPLIER, Part.MATCHER, Part.PARTNER))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


class CaseList(CaseFileProjection):
    name = "case_list"
    title = "Case lists and inboxes: cases per organisation and each party's open tasks"
    derived = (CASES, PARTIES, TASKS)
    other_tables = (AUDIT_GRANTS,)
    topics = (*PROCUREMENT_TOPICS, get_topic(Organisation.AuditAccessGranted),  # type: ignore[attr-defined]
              get_topic(Organisation.AuditAccessRevoked))  # type: ignore[attr-defined]

    @singledispatchmethod
    def process_other(self, event: Event, writes: list[Write]) -> None:
        """Other directory events change no case list."""

    @process_other.register
    def _(self, event: Organisation.AuditAccessGranted, writes: list[Write]) -> None:  # type: ignore[name-defined]
        row = (str(event.originator_id), str(event.authority_id))
        writes.append(lambda cursor: cursor.insert_many(
            AUDIT_GRANTS.name, AUDIT_GRANTS.column_names, [row], upsert_key=AUDIT_GRANTS.key))

    @process_other.register
    def _(self, event: Organisation.AuditAccessRevoked, writes: list[Write]) -> None:  # type: ignore[name-defined]
        row = (str(event.originator_id), str(event.authority_id))
        writes.append(lambda cursor: cursor.execute(
            "DELETE FROM {case_list_audit_grants} WHERE auditor_id = %s AND authority_id = %s",
            row))

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        case = file.case
        pid = str(case.id)
        tenderers = sorted(str(t) for t in case.tenderer_ids)
        row = (pid, case.setup.reference, case.setup.title, case.state.value,
               str(case.owner_id), _text(case.awarded_supplier_id), _text(case.matcher_id),
               json.dumps([str(p) for p in case.partner_ids]), json.dumps(tenderers),
               int(case.tendering_closed), _day(case.tender_deadline),
               _day(case.contract.start if case.contract else case.setup.contract_start),
               _day(case.contract.end if case.contract else case.setup.contract_end),
               case.setup.cpv_division, timestamp(case.created_on),
               _changed_at(file), case.version)
        parties = [(str(case.owner_id), pid, OWNER)]
        parties += [(t, pid, TENDERER) for t in tenderers]
        if case.awarded_supplier_id:
            parties.append((str(case.awarded_supplier_id), pid, AWARDED))
        if case.matcher_id:
            parties.append((str(case.matcher_id), pid, MATCHER))
        parties += [(str(p), pid, PARTNER) for p in case.partner_ids]
        return {CASES.name: CASES.rows([row]), PARTIES.name: PARTIES.rows(parties),
                TASKS.name: TASKS.rows(_tasks(file))}


def _changed_at(file: CaseFile) -> str:
    noted = file.dates.get("changed_at")  # absent in case files kept before it was noted
    return timestamp(datetime.fromisoformat(noted) if noted else file.case.modified_on)


def _tasks(file: CaseFile) -> list[tuple[Any, ...]]:
    case = file.case
    pid, owner = str(case.id), str(case.owner_id)
    found: list[tuple[str, str, str, str, date | None, str | None]] = []

    def add(organisation: object, role: Role, kind: str, subject: str = "",
            due: date | None = None, participant: str | None = None) -> None:
        if organisation is not None:
            found.append((str(organisation), role.value, kind, subject, due, participant))

    decisions = {State.TENDERING: ("close_tendering", case.tender_deadline),
                 State.EVALUATION: ("award", None),
                 State.STANDSTILL: ("sign_contract",
                                    case.award.standstill_end if case.award else None),
                 State.FOLLOW_UP: ("close_procurement", None)}
    if case.state in decisions:
        kind, due = decisions[case.state]
        add(owner, Role.AUTHORITY, kind, due=due)
    if case.state is State.DELIVERY and case.matcher_id is None:
        add(owner, Role.AUTHORITY, "appoint_matcher")
    if case.state in FOLLOWING_UP:
        for deviation in case.deviations.values():
            if deviation.is_open:
                add(owner, Role.AUTHORITY, "decide_deviation", str(deviation.deviation_id),
                    file.date(f"noted:{deviation.deviation_id}"))
    if case.state is State.DELIVERY:
        busy = {c.position_id for c in case.candidates.values()
                if c.status in (CandidateStatus.PROPOSED, CandidateStatus.ACCEPTED)}
        busy |= {p.position_id for p in case.placements.values() if p.is_active}
        for position in case.positions.values():
            if position.position_id not in busy:
                add(case.matcher_id, Role.MATCHER, "propose_candidate",
                    str(position.position_id), position.start)
        for candidate in case.candidates.values():
            if candidate.status is CandidateStatus.ACCEPTED:
                add(case.awarded_supplier_id, Role.SUPPLIER, "start_placement",
                    str(candidate.candidate_id), participant=candidate.participant_ref)
    for o in obligations(file):
        if not o.done and o.kind != "standstill_end":  # the owner's sign_contract says it
            add(o.organisation_id, o.role, o.kind, o.subject, o.due_on, o.participant_ref)
    return [(f"{pid}/{kind}/{subject}/{org}", org, pid, role, kind, subject, _day(due),
             participant) for org, role, kind, subject, due, participant in found]


# -- queries -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseRow:
    """One case as an organisation's list shows it. Also `access.CaseParties`, so the
    viewer's parts come from the policy's own rule (`access.parts_of`)."""

    procurement_id: UUID
    reference: str
    title: str
    state: State
    owner_id: UUID
    awarded_supplier_id: UUID | None
    matcher_id: UUID | None
    partner_ids: tuple[UUID, ...]
    # Sealed: empty unless the viewer may know. The owner and auditors see every tenderer
    # once tendering has closed; a supplier sees only itself; nobody sees any before.
    tenderer_ids: tuple[UUID, ...]
    tender_count: int | None  # None where even the number is sealed
    tender_deadline: date | None
    contract_start: date | None
    contract_end: date | None
    cpv_division: str | None
    created_at: datetime
    updated_at: datetime  # the last change everyone may know of (not a sealed tender)
    parts: frozenset[Part]  # the viewer's parts in the case


@dataclass(frozen=True)
class Task:
    procurement_id: UUID
    reference: str
    title: str
    kind: str
    subject: str
    party: Role  # the role the task falls to
    due_on: date | None
    participant_ref: str | None
    overdue: bool


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _case_row(row: dict[str, Any], actor: Actor, audited: frozenset[UUID]) -> CaseRow | None:
    tenderers = tuple(UUID(t) for t in json.loads(row["tenderer_ids"]))
    case = CaseRow(
        procurement_id=UUID(row["procurement_id"]), reference=row["reference"],
        title=row["title"], state=State(row["state"]), owner_id=UUID(row["owner_id"]),
        awarded_supplier_id=_uuid(row["awarded_supplier_id"]),
        matcher_id=_uuid(row["matcher_id"]),
        partner_ids=tuple(UUID(p) for p in json.loads(row["partner_ids"])),
        tenderer_ids=tenderers, tender_count=None,
        tender_deadline=_date(row["tender_deadline"]),
        contract_start=_date(row["contract_start"]), contract_end=_date(row["contract_end"]),
        cpv_division=row["cpv_division"], created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
        parts=frozenset())
    parts = access.parts_of(actor, case, audited)
    if not access.allows(Command.VIEW_CASE, parts):
        return None
    # The same rule as the case view's (domain/views.py): sealed until tendering closes.
    sees_all = bool(row["tendering_closed"]) and bool(parts & {Part.OWNER, Part.AUDITOR})
    mine = (actor.organisation_id,) if actor.organisation_id in tenderers else ()
    return replace(case, parts=parts, tenderer_ids=tenderers if sees_all else mine,
                   tender_count=len(tenderers) if sees_all else None)


def cases_for(db: Database, actor: Actor, audited: frozenset[UUID] | None = None
              ) -> list[CaseRow]:
    """The cases the actor may see (its organisation's parts, for a supplier also every
    case open for tenders, for an auditor its audited authorities' cases), most recently
    changed first. Which parts allow seeing a case is the policy's decision. `audited`
    replaces the grants this database's directory events show (a store of cases only,
    domain/routing.py, has none: the directory is at home)."""
    return _cases(db, actor, audited=audited)


def case_row(db: Database, actor: Actor, procurement_id: UUID) -> CaseRow | None:
    """One case as the actor's list shows it; None where the actor may not see it."""
    found = _cases(db, actor, procurement_id)
    return found[0] if found else None


def _cases(db: Database, actor: Actor, procurement_id: UUID | None = None,
           audited: frozenset[UUID] | None = None) -> list[CaseRow]:
    org, only = str(actor.organisation_id), str(procurement_id) if procurement_id else None
    if audited is None:
        audited = frozenset(UUID(r["authority_id"]) for r in db.fetch(
            "SELECT authority_id FROM {case_list_audit_grants} WHERE auditor_id = %s", [org]))
    # Candidates by index; the policy then decides on each (parts also need the role). One
    # indexed lookup per way of seeing a case, united: an OR of them in one WHERE would make
    # PostgreSQL read the whole table (17x slower at 100,000 cases, docs/benchmarks.md).
    ways = ["SELECT procurement_id FROM {case_list_parties} WHERE organisation_id = %s"]
    params: list[object] = [org]
    if actor.role is Role.SUPPLIER:
        ways.append("SELECT procurement_id FROM {case_list} WHERE state = %s")
        params.append(State.TENDERING.value)
    if audited:
        ways.append("SELECT procurement_id FROM {case_list} WHERE owner_id IN (%s)")
        params.append(Many(str(a) for a in sorted(audited, key=str)))
    united = " UNION ".join(ways)  # fixed texts only: the values are parameters
    rows = db.fetch(
        "SELECT * FROM {case_list} c WHERE c.procurement_id IN (" + united  # noqa: S608
        + ") AND (CAST(%s AS TEXT) IS NULL OR c.procurement_id = %s)"
        " ORDER BY c.updated_at DESC, c.procurement_id", [*params, only, only])
    return [case for row in rows if (case := _case_row(row, actor, audited)) is not None]


def open_for_tendering(db: Database) -> list[CaseRow]:
    """Cases open for tenders, as any supplier sees them (never who has tendered)."""
    anyone = Actor(UUID(int=0), UUID(int=0), Role.SUPPLIER)
    rows = db.fetch("SELECT * FROM {case_list} WHERE state = %s "
                    "ORDER BY tender_deadline, procurement_id", [State.TENDERING.value])
    return [case for row in rows if (case := _case_row(row, anyone, frozenset())) is not None]


def tasks(db: Database, organisation_id: UUID, *, today: date, horizon_days: int = 30
          ) -> list[Task]:
    """The organisation's open tasks: decisions without a date, and everything due up to
    `horizon_days` after `today`; overdue first, then by due date."""
    until = (today + timedelta(days=horizon_days)).isoformat()
    rows = db.fetch("SELECT t.*, c.reference, c.title FROM {case_list_tasks} t "
                    "JOIN {case_list} c ON c.procurement_id = t.procurement_id "
                    "WHERE t.organisation_id = %s AND (t.due_on IS NULL OR t.due_on <= %s) "
                    "ORDER BY t.due_on IS NULL, t.due_on, c.reference, t.task_key",
                    [str(organisation_id), until])
    return [Task(procurement_id=UUID(r["procurement_id"]), reference=r["reference"],
                 title=r["title"], kind=r["kind"], subject=r["subject"], party=Role(r["party"]),
                 due_on=_date(r["due_on"]), participant_ref=r["participant_ref"],
                 overdue=r["due_on"] is not None and r["due_on"] < today.isoformat())
            for r in rows]


def cpv_divisions(db: Database, procurement_ids: list[UUID]) -> dict[UUID, str | None]:
    """The industry (CPV division) of each case, for statistics by industry."""
    if not procurement_ids:
        return {}
    rows = db.fetch("SELECT procurement_id, cpv_division FROM {case_list} "
                    "WHERE procurement_id IN (%s)", [Many(str(i) for i in procurement_ids)])
    return {UUID(r["procurement_id"]): r["cpv_division"] for r in rows}
