"""The audit trail: one row per event of every aggregate, procurements and the directory.

Each row says when, who (user, organisation and party), which procurement (none for the
directory), what happened in words (Swedish and English) and which fields changed, as
JSON. People appear only as pseudonyms: participants by their reference (their register
entries' encrypted data is left out too), directory users by their id. Names, e-mail
addresses, supervisors and kick-off attendees are left out (the row lists which fields
were), and password hashes and token digests are never written at all.

A tender is sealed until tendering closes: its row is kept but marked `sealed`, and the
queries leave sealed rows out for everyone but the tenderer itself. Closing tendering
unseals the case's rows; a case cancelled before that stays sealed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import singledispatch
from typing import Any
from uuid import UUID

from domain.directory.organisation import Organisation
from domain.directory.user import EmailIndex, User
from domain.participants.participant import Participant
from domain.procurement import events as ev
from domain.values import Actor
from projections import labels
from projections.base import Event, Positioned, Projection, Write
from projections.db import Cursor, Database, Many
from projections.labels import Label
from projections.tables import Table

AUDIT_TRAIL = Table("audit_trail", (
    ("position", "BIGINT NOT NULL"),
    ("occurred_at", "TEXT NOT NULL"),  # ISO 8601, UTC, microseconds
    ("aggregate_type", "TEXT NOT NULL"),  # procurement, organisation, user, email_index
    ("aggregate_id", "TEXT NOT NULL"),  # for the e-mail index: the user's id
    ("aggregate_version", "BIGINT NOT NULL"),
    ("procurement_id", "TEXT"),
    ("owner_id", "TEXT"),  # the authority that owns the procurement
    ("user_id", "TEXT"),  # who acted (none: the system or the operator's console)
    ("organisation_id", "TEXT"),
    ("party", "TEXT"),  # the acting organisation's role
    ("event_type", "TEXT NOT NULL"),
    ("summary_sv", "TEXT NOT NULL"),
    ("summary_en", "TEXT NOT NULL"),
    ("changes", "TEXT NOT NULL"),  # JSON object of the event's fields
    ("sealed", "INTEGER NOT NULL"),  # 1: a tender of a case still tendering
), key=("position",), indexes=(
    # Every row costs one entry per index: event types are filtered within these.
    ("procurement_id", "position"), ("owner_id", "position"), ("organisation_id", "position"),
    ("user_id", "position"), ("occurred_at",),
))
_PROCUREMENT = AUDIT_TRAIL.column_names.index("procurement_id")
CASES = Table("audit_trail_cases", (
    ("procurement_id", "TEXT NOT NULL"),
    ("owner_id", "TEXT NOT NULL"),
), key=("procurement_id",))

# Never in the trail: credentials (not even as a value to compare), people's names and
# e-mail addresses. User names count as names; organisation names do not.
SECRETS = frozenset({"password_hash", "invitation_digest", "digest"})
PERSONAL = frozenset({"email", "supervisor", "attendees"})
_METADATA = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic",
                       "actor"})


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: sorts as text the way it sorts as time."""
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone is ambiguous")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


# -- summaries: one handler per event type ------------------------------------------------

def _with(label: Label, sv: str, en: str) -> Label:
    return Label(f"{label.sv}: {sv}", f"{label.en}: {en}")


@singledispatch
def describe(event: Event) -> Label:
    """The event's name, for events with nothing more to say in a line."""
    return labels.event(event_type(event))


@describe.register
def _(event: ev.Created) -> Label:
    text = f"{event.setup.reference} {event.setup.title}"
    return _with(labels.event("Created"), text, text)


@describe.register
def _(event: ev.RequirementSet) -> Label:
    months = event.requirement.minimum_full_time_months
    return _with(labels.event("RequirementSet"), f"minst {months} heltidsmånader",
                 f"at least {months} full-time months")


@describe.register
def _(event: ev.FollowUpPlanAmended) -> Label:
    return _with(labels.event("FollowUpPlanAmended"), event.reason, event.reason)


@describe.register
def _(event: ev.DialogueNoteAdded) -> Label:
    name = event.note.organisation_name
    return _with(labels.event("DialogueNoteAdded"), name, name)


@describe.register
def _(event: ev.Published) -> Label:
    day = event.tender_deadline.isoformat()
    return _with(labels.event("Published"), f"anbud senast {day}", f"tenders by {day}")


@describe.register
def _(event: ev.Awarded) -> Label:
    day = event.award.standstill_end.isoformat()
    return _with(labels.event("Awarded"), f"avtalsspärr till {day}", f"standstill until {day}")


@describe.register
def _(event: ev.ContractSigned) -> Label:
    period = f"{event.contract.start.isoformat()}–{event.contract.end.isoformat()}"
    return _with(labels.event("ContractSigned"), period, period)


@describe.register
def _(event: ev.KickOffHeld) -> Label:
    day = event.kick_off.held_on.isoformat()
    return _with(labels.event("KickOffHeld"), day, day)


@describe.register
def _(event: ev.PositionOffered) -> Label:
    what = event.position.title or event.position.position_type.value
    return _with(labels.event("PositionOffered"), what, what)


@describe.register
def _(event: ev.CandidateProposed) -> Label:
    ref = event.candidate.participant_ref
    return _with(labels.event("CandidateProposed"), ref, ref)


@describe.register
def _(event: ev.PlacementStarted) -> Label:
    ref, day = event.placement.participant_ref, event.placement.terms.start.isoformat()
    return _with(labels.event("PlacementStarted"), f"{ref} från {day}", f"{ref} from {day}")


@describe.register
def _(event: ev.PlacementEnded) -> Label:
    day = event.ended_on.isoformat()
    early = event.end_kind.value == "early"
    return _with(labels.event("PlacementEnded"),
                 f"{day}{' i förtid' if early else ' enligt plan'}",
                 f"{day}{', early' if early else ', as planned'}")


@describe.register
def _(event: ev.CheckpointRecorded) -> Label:
    record = event.record
    return _with(labels.event("CheckpointRecorded"),
                 f"{record.checkpoint} för {record.participant_ref}",
                 f"{record.checkpoint} for {record.participant_ref}")


@describe.register
def _(event: ev.ReportSubmitted) -> Label:
    period = f"{event.report.period_start.isoformat()}–{event.report.period_end.isoformat()}"
    return _with(labels.event("ReportSubmitted"), period, period)


@describe.register
def _(event: ev.DeviationDecided) -> Label:
    kind = labels.DEVIATION_DECISIONS[event.decision.kind.value]
    return _with(labels.event("DeviationDecided"), kind.sv, kind.en)


@describe.register
def _(event: ev.ContractEnded) -> Label:
    day = event.ended_on.isoformat()
    return _with(labels.event("ContractEnded"), day, day)


@describe.register
def _(event: ev.Closed) -> Label:
    outcome = labels.COMPLIANCE_OUTCOMES[event.decision.value]
    return _with(labels.event("Closed"), outcome.sv, outcome.en)


@describe.register
def _(event: ev.ReminderSent) -> Label:
    r = event.reminder
    stage, what, day = labels.stage(r.stage.value), labels.task(r.kind), r.due_on.isoformat()
    late_sv, late_en = (" (skickad sent)", " (sent late)") if r.late else ("", "")
    return _with(labels.event("ReminderSent"),
                 f"{stage.sv.lower()}, {what.sv.lower()} senast {day}{late_sv}",
                 f"{stage.en.lower()}, {what.en.lower()} by {day}{late_en}")


@describe.register
def _(event: ev.ReminderPolicySet) -> Label:
    p = event.policy
    return _with(labels.event("ReminderPolicySet"),
                 f"{p.days_before} dagar före, eskalering efter {p.escalate_after_days} dagar",
                 f"{p.days_before} days before, escalation after {p.escalate_after_days} days")


@describe.register
def _(event: Organisation.Registered) -> Label:  # type: ignore[name-defined]
    return _with(labels.event("Organisation.Registered"), event.name, event.name)


@describe.register
def _(event: Organisation.Renamed) -> Label:  # type: ignore[name-defined]
    return _with(labels.event("Organisation.Renamed"), event.name, event.name)


@describe.register
def _(event: Participant.Registered) -> Label:  # type: ignore[name-defined]
    return _with(labels.event("Participant.Registered"), event.reference, event.reference)


@describe.register
def _(event: Participant.Erased) -> Label:  # type: ignore[name-defined]
    return _with(labels.event("Participant.Erased"), event.reference, event.reference)


# -- the row ---------------------------------------------------------------------------------

def event_type(event: Event) -> str:
    """"TenderSubmitted" for procurement events, "User.Invited" for the directory's."""
    return type(event).__qualname__


def aggregate_type(event: Event) -> str:
    if isinstance(event, ev.ProcurementEvent):
        return "procurement"
    if isinstance(event, Organisation.Event):
        return "organisation"
    if isinstance(event, User.Event):
        return "user"
    if isinstance(event, EmailIndex.Event):
        return "email_index"
    return type(event).__qualname__.split(".")[0].lower()


def changes(event: Event) -> str:
    """The event's own fields as JSON, without what must not be kept."""
    leave_out = SECRETS | PERSONAL
    if isinstance(event, (User.Event, EmailIndex.Event)):
        leave_out = leave_out | {"name"}
    if isinstance(event, Participant.Event):
        # The person's data, encrypted: no use to a reader, and after erasure no key opens
        # it; the event store is the one place the ciphertext is kept.
        leave_out = leave_out | {"sealed"}
    redacted: set[str] = set()
    own = ((k, v) for k, v in vars(event).items() if k not in _METADATA)
    fields = _plain_fields(own, leave_out, redacted)
    if redacted:
        fields["redacted"] = sorted(redacted)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


_AS_IS = (str, int, float, type(None))  # bool is an int


def _plain_fields(items: Iterable[tuple[Any, Any]], leave_out: frozenset[str],
                  redacted: set[str]) -> dict[str, Any]:
    fields = {}
    for key, value in items:
        if key in leave_out:
            redacted.add(key)
        else:
            fields[str(key)] = value if isinstance(value, _AS_IS) else _plain(
                value, leave_out, redacted)
    return fields


def _plain(value: Any, leave_out: frozenset[str], redacted: set[str]) -> Any:
    if isinstance(value, _AS_IS):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return _plain_fields(value.items(), leave_out, redacted)
    if isinstance(value, (list, tuple)):
        return [_plain(v, leave_out, redacted) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain_fields(((f.name, getattr(value, f.name))
                              for f in dataclasses.fields(value)), leave_out, redacted)
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v, leave_out, redacted) for v in value)
    return value


class AuditTrail(Projection):
    name = "audit_trail"
    title = "Audit trail: every event of every case and of the directory"
    tables = (AUDIT_TRAIL, CASES)

    def prepare(self, cursor: Cursor, batch: Sequence[Positioned]) -> Write:
        owners = self._owners(cursor, batch)
        rows: list[tuple[Any, ...]] = []
        unsealed: set[str] = set()
        new_cases: list[tuple[str, str]] = []
        for position, event in batch:
            procurement_id = owner_id = None
            if isinstance(event, ev.ProcurementEvent):
                procurement_id = str(event.originator_id)
                if isinstance(event, ev.Created):
                    owners[procurement_id] = str(event.owner_id)
                    new_cases.append((procurement_id, str(event.owner_id)))
                elif isinstance(event, ev.TenderingClosed):
                    unsealed.add(procurement_id)
                    rows = [(*r[:-1], 0) if r[_PROCUREMENT] == procurement_id else r
                            for r in rows]
                owner_id = owners.get(procurement_id)
            rows.append(self._row(position, event, procurement_id, owner_id))

        def write(cursor: Cursor) -> None:
            cursor.insert_many(CASES.name, CASES.column_names, new_cases,
                               upsert_key=CASES.key)
            cursor.append_many(AUDIT_TRAIL.name, AUDIT_TRAIL.column_names, rows)
            cursor.executemany("UPDATE {audit_trail} SET sealed = 0 "
                               "WHERE procurement_id = %s AND sealed = 1",
                               [(pid,) for pid in sorted(unsealed)])

        return write

    @staticmethod
    def _owners(cursor: Cursor, batch: Sequence[Positioned]) -> dict[str, str]:
        ids = sorted({str(e.originator_id) for _, e in batch
                      if isinstance(e, ev.ProcurementEvent) and not isinstance(e, ev.Created)})
        owners: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for row in cursor.fetch("SELECT procurement_id, owner_id FROM {audit_trail_cases} "
                                    "WHERE procurement_id IN (%s)", [Many(part)]):
                owners[row["procurement_id"]] = row["owner_id"]
        return owners

    @staticmethod
    def _row(position: int, event: Event, procurement_id: str | None,
             owner_id: str | None) -> tuple[Any, ...]:
        actor = getattr(event, "actor", None)
        actor = actor if isinstance(actor, Actor) else None
        aggregate_id = (event.user_id if isinstance(event, EmailIndex.Event)  # type: ignore[attr-defined]
                        else event.originator_id)
        summary = describe(event)
        return (position, timestamp(event.timestamp),  # type: ignore[attr-defined]
                aggregate_type(event), str(aggregate_id),
                event.originator_version, procurement_id, owner_id,
                str(actor.user_id) if actor else None,
                str(actor.organisation_id) if actor else None,
                actor.role.value if actor else None,
                event_type(event), summary.sv, summary.en, changes(event),
                int(isinstance(event, ev.TenderSubmitted)))


# -- queries -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditEntry:
    position: int
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int
    procurement_id: UUID | None
    owner_id: UUID | None
    user_id: UUID | None
    organisation_id: UUID | None
    party: str | None
    event_type: str
    summary_sv: str
    summary_en: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    next_cursor: int | None  # pass as `after` (oldest first) or `before` (newest first)


def _uuid(value: str | None) -> UUID | None:
    return UUID(value) if value else None


def entries(db: Database, *, procurement_id: UUID | None = None,
            owner_ids: Sequence[UUID] | None = None, organisation_id: UUID | None = None,
            user_id: UUID | None = None, event_types: Sequence[str] | None = None,
            since: datetime | None = None, until: datetime | None = None,
            after: int | None = None, before: int | None = None, newest_first: bool = False,
            limit: int = 50, tenderer_id: UUID | None = None) -> Page:
    """One page of the trail, in log order (or newest first), filtered by procurement, by
    the owning authorities (an auditor's grants), by acting organisation or user, by event
    type and by period (`since` inclusive, `until` exclusive).

    Sealed tenders are left out, except a tenderer's own when `tenderer_id` is its
    organisation. Who may read which rows is the caller's access policy, as for any query.
    """
    where = ["(sealed = 0 OR organisation_id = %s)"]
    params: list[Any] = [str(tenderer_id or "")]
    filters: list[tuple[str, Any]] = [
        ("procurement_id = %s", procurement_id), ("organisation_id = %s", organisation_id),
        ("user_id = %s", user_id), ("occurred_at >= %s", since and timestamp(since)),
        ("occurred_at < %s", until and timestamp(until)), ("position > %s", after),
        ("position < %s", before)]
    for clause, value in filters:
        if value is not None:
            where.append(clause)
            params.append(value if isinstance(value, (int, str)) else str(value))
    for column, values in (("owner_id", owner_ids), ("event_type", event_types)):
        if values is not None:
            if not values:
                return Page([], None)
            where.append(f"{column} IN (%s)")
            params.append(Many(str(v) for v in values))
    order = "DESC" if newest_first else "ASC"
    limit = max(1, min(limit, 1000))
    # Only the fixed clauses above are joined; every value is a bound parameter.
    rows = db.fetch(f"SELECT * FROM {{audit_trail}} WHERE {' AND '.join(where)} "  # noqa: S608
                    f"ORDER BY position {order} LIMIT %s", [*params, limit + 1])
    page = [_entry(r) for r in rows[:limit]]
    return Page(page, page[-1].position if len(rows) > limit else None)


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        position=int(row["position"]), occurred_at=datetime.fromisoformat(row["occurred_at"]),
        aggregate_type=row["aggregate_type"], aggregate_id=UUID(row["aggregate_id"]),
        aggregate_version=int(row["aggregate_version"]),
        procurement_id=_uuid(row["procurement_id"]), owner_id=_uuid(row["owner_id"]),
        user_id=_uuid(row["user_id"]), organisation_id=_uuid(row["organisation_id"]),
        party=row["party"], event_type=row["event_type"], summary_sv=row["summary_sv"],
        summary_en=row["summary_en"], changes=json.loads(row["changes"]))

