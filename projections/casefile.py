"""Read models derived from the whole state of one case.

Case lists, inboxes, compliance, statistics and reminders all need most of what a case
knows (the plan, the contract, the placements, who was appointed). Rather than restate
how each event changes a case, these projections fold each event into the domain's own
`Procurement` aggregate with the event's `mutate` (events.py: one `change` per event
type, the domain's single definition of what an event means) and keep that state, per
case, in a table of their own. After each batch, every case the batch touched is derived
again into the projection's rows and only the rows that changed are written.

A derived row is a function of the case's state alone, never of when a batch happened to
end or of the wall clock, so a projection restarted after a crash ends with exactly the
rows of a clean rebuild. Dates the aggregate does not keep (when a candidate was
proposed, when a report was submitted) are noted from the events' timestamps in `dates`,
by one handler per event type below.

The stored state is the library's snapshot encoding (the application's mapper, so it
upcasts like the application's own snapshots), taken with the event's time rather than
the clock's. Dialogue notes are dropped from it: no read model here shows them and one
case can hold thousands.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import singledispatch
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.procurement import Procurement, events
from projections.base import PROCUREMENT_TOPICS, Event, Positioned, Projection, Write
from projections.db import Cursor, Many
from projections.tables import Rows, Table
from projections.view import ViewMixin


@dataclass
class CaseFile:
    case: Procurement
    dates: dict[str, str] = field(default_factory=dict)

    def date(self, key: str) -> date | None:
        value = self.dates.get(key)
        return date.fromisoformat(value) if value else None


# -- dates the aggregate does not keep: one handler per event type that has one ----------

def _day(event: events.ProcurementEvent) -> str:
    return event.timestamp.date().isoformat()


@singledispatch
def note_dates(event: events.ProcurementEvent, dates: dict[str, str]) -> None:
    """Most events carry their dates in the state already."""


@note_dates.register
def _(event: events.TenderingClosed, dates: dict[str, str]) -> None:
    dates["tendering_closed"] = _day(event)


@note_dates.register
def _(event: events.CandidateProposed, dates: dict[str, str]) -> None:
    dates[f"proposed:{event.candidate.candidate_id}"] = _day(event)


@note_dates.register
def _(event: events.CandidateAccepted, dates: dict[str, str]) -> None:
    dates[f"answered:{event.candidate_id}"] = _day(event)


@note_dates.register
def _(event: events.CandidateDeclined, dates: dict[str, str]) -> None:
    dates[f"answered:{event.candidate_id}"] = _day(event)


@note_dates.register
def _(event: events.ReportSubmitted, dates: dict[str, str]) -> None:
    dates[f"submitted:{event.report.report_id}"] = _day(event)


@note_dates.register
def _(event: events.ReportVerified, dates: dict[str, str]) -> None:
    dates[f"report_answered:{event.report_id}"] = _day(event)


@note_dates.register
def _(event: events.ReportQueried, dates: dict[str, str]) -> None:
    dates[f"report_answered:{event.report_id}"] = _day(event)


@note_dates.register
def _(event: events.DeviationNoted, dates: dict[str, str]) -> None:
    dates[f"noted:{event.deviation.deviation_id}"] = _day(event)


@note_dates.register
def _(event: events.Closed, dates: dict[str, str]) -> None:
    dates["closed"] = _day(event)


@note_dates.register
def _(event: events.Cancelled, dates: dict[str, str]) -> None:
    dates["cancelled"] = _day(event)


def fold(file: CaseFile | None, event: events.ProcurementEvent) -> CaseFile:
    """The case file after one more event (a new file for a Created event)."""
    if isinstance(event, events.Created):
        case = event.mutate(None)
        if not isinstance(case, Procurement):  # pragma: no cover - the Created event's class
            raise TypeError(f"{type(case).__name__} is not a procurement")
        file = CaseFile(case)
    elif file is None:
        raise LookupError(f"{type(event).__name__} for procurement {event.originator_id}, "
                          "which this projection has no record of")
    else:
        event.mutate(file.case)
    file.case.dialogue_notes.clear()
    note_dates(event, file.dates)
    if not isinstance(event, events.TenderSubmitted):
        # When the case last changed as everyone may know it: a sealed tender must not
        # show as a change (see access.visible_version).
        file.dates["changed_at"] = event.timestamp.isoformat()
    return file


# -- storing a case file -------------------------------------------------------------------

_SNAPSHOT_TOPIC = get_topic(Snapshot)
CACHED_FILES = 2000  # per projection


def encode(mapper: Mapper[UUID], file: CaseFile) -> tuple[int, bytes, str]:
    case = file.case
    state = dict(vars(case))
    for private in ("_id", "_version", "_pending_events"):
        state.pop(private, None)
    class_version = getattr(type(case), "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    snapshot = Snapshot(originator_id=case.id, originator_version=case.version,
                        timestamp=case.modified_on, topic=get_topic(type(case)), state=state)
    stored = mapper.to_stored_event(snapshot)
    return case.version, stored.state, json.dumps(file.dates, sort_keys=True)


def decode(mapper: Mapper[UUID], procurement_id: UUID, version: int, state: bytes,
           dates: str) -> CaseFile:
    snapshot = mapper.to_domain_event(StoredEvent(
        originator_id=procurement_id, originator_version=version, topic=_SNAPSHOT_TOPIC,
        state=bytes(state)))
    case = snapshot.mutate(None)  # type: ignore[attr-defined]
    if not isinstance(case, Procurement):  # pragma: no cover - only procurements are filed
        raise TypeError(f"{type(case).__name__} is not a procurement")
    return CaseFile(case, json.loads(dates))


def state_table(name: str) -> Table:
    return Table(f"{name}_cases", (
        ("procurement_id", "TEXT NOT NULL"),
        ("version", "BIGINT NOT NULL"),
        ("state", "{blob} NOT NULL"),
        ("dates", "TEXT NOT NULL"),
    ), key=("procurement_id",))


# -- the projection ------------------------------------------------------------------------

class CaseFileProjection(Projection):
    """A projection whose rows are derived from each case's file."""

    topics: ClassVar[tuple[str, ...]] = PROCUREMENT_TOPICS
    derived: ClassVar[tuple[Table, ...]]  # rows derived from each case file
    other_tables: ClassVar[tuple[Table, ...]] = ()  # written through `process_other`
    state: ClassVar[Table]
    _select_state: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "derived" in cls.__dict__:
            cls.state = state_table(cls.name)
            cls.tables = (*cls.derived, *cls.other_tables, cls.state)
            cls._select_state = ("SELECT procurement_id, version, state, dates "  # noqa: S608
                                 f"FROM {{{cls.state.name}}} WHERE procurement_id IN (%s)")

    def __init__(self, app: Application[Any], view: ViewMixin) -> None:
        super().__init__(app, view)
        # The files of recently touched cases as the table holds them, with their rows:
        # following the log, the next batch need not decode them again.
        self._cache: OrderedDict[UUID, tuple[CaseFile, dict[str, Rows]]] = OrderedDict()
        self._staged: dict[UUID, tuple[CaseFile, dict[str, Rows]]] = {}

    def derive(self, file: CaseFile) -> dict[str, Rows]:
        """Every row of every derived table that this case implies, by table name."""
        raise NotImplementedError

    def process_other(self, event: Event, writes: list[Write]) -> None:
        """Events other than procurement events (subclasses may read some)."""

    def prepare(self, cursor: Cursor, batch: Sequence[Positioned]) -> Write:
        mapper = self.app.mapper
        ids = {e.originator_id for _, e in batch if isinstance(e, events.ProcurementEvent)}
        files: dict[UUID, CaseFile] = {}
        before: dict[UUID, dict[str, Rows]] = {}
        for procurement_id in ids & self._cache.keys():
            files[procurement_id], before[procurement_id] = self._cache[procurement_id]
        for file in self._load(cursor, mapper, sorted(ids - files.keys(), key=str)):
            files[file.case.id] = file
            before[file.case.id] = self.derive(file)
        writes: list[Write] = []
        for _, event in batch:
            if isinstance(event, events.ProcurementEvent):
                files[event.originator_id] = fold(files.get(event.originator_id), event)
            else:
                self.process_other(event, writes)
        changes: list[tuple[Table, Rows, Rows]] = []
        states = []
        self._staged = {}
        for procurement_id in sorted(files, key=str):
            file = files[procurement_id]
            after, old = self.derive(file), before.get(procurement_id, {})
            changes.extend((table, old.get(table.name, {}), after.get(table.name, {}))
                           for table in self.derived)
            states.append((str(procurement_id), *encode(mapper, file)))
            self._staged[procurement_id] = (file, after)

        def write(cursor: Cursor) -> None:
            with cursor.pipeline():
                for other in writes:
                    other(cursor)
                for table, old_rows, new_rows in changes:
                    table.write_changes(cursor, old_rows, new_rows)
                cursor.insert_many(self.state.name, self.state.column_names, states,
                                   upsert_key=self.state.key)

        return write

    def committed(self) -> None:
        """The batch is in: its case files are what the table holds now."""
        for procurement_id, entry in self._staged.items():
            self._cache[procurement_id] = entry
            self._cache.move_to_end(procurement_id)
        while len(self._cache) > CACHED_FILES:
            self._cache.popitem(last=False)
        self._staged = {}

    def forget(self) -> None:
        """The batch is not in (or someone else moved the position): trust the table only.
        (Folding changed the cached files in place, so none of them can be kept.)"""
        self._cache.clear()
        self._staged = {}

    def _load(self, cursor: Cursor, mapper: Mapper[UUID], ids: Sequence[UUID]
              ) -> list[CaseFile]:
        found: list[CaseFile] = []
        for start in range(0, len(ids), 500):
            part = [str(i) for i in ids[start:start + 500]]
            rows = cursor.fetch(self._select_state, [Many(part)])
            found.extend(decode(mapper, UUID(r["procurement_id"]), r["version"], r["state"],
                                r["dates"]) for r in rows)
        return found
