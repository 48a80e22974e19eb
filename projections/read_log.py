"""The read log (domain/participants/read_log.py `ReadLog`), in a table of its own in the
events' database.

Append-only by construction: this module is the only code that touches the table, and it
only ever INSERTs and SELECTs (tests/integration/test_read_log.py holds it to that). The
entries carry the person's id and pseudonymous reference, never their data.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from domain.participants.read_log import ReadGround, ReadLogEntry
from domain.values import Role
from projections.db import Database, Many, Row
from projections.tables import Table

READ_LOG = Table("participant_read_log", (
    ("entry_no", "{serial}"),  # numbered by the database, in the order of appending
    ("read_at", "TEXT NOT NULL"),
    ("user_id", "TEXT NOT NULL"),
    ("organisation_id", "TEXT NOT NULL"),
    ("role", "TEXT NOT NULL"),
    ("participant_id", "TEXT NOT NULL"),
    ("reference", "TEXT NOT NULL"),
    ("place", "TEXT NOT NULL"),
    ("ground", "TEXT NOT NULL"),
    ("case_id", "TEXT"),
), key=("entry_no",), indexes=(("reference",),))

_COLUMNS = READ_LOG.column_names[1:]


class SqlReadLog:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables(READ_LOG.ddl())

    def append(self, entry: ReadLogEntry) -> None:
        with self.db.transaction() as cursor:
            cursor.insert_many(READ_LOG.name, _COLUMNS, [(
                entry.read_at.isoformat(), str(entry.user_id), str(entry.organisation_id),
                entry.role.value, str(entry.participant_id), entry.reference, entry.place,
                entry.ground.value, None if entry.case_id is None else str(entry.case_id),
            )])

    def entries(self, references: Collection[str] | None = None,
                limit: int = 1000) -> list[ReadLogEntry]:
        if references is not None and not references:
            return []
        where, params = "", list[object]([max(limit, 0)])
        if references is not None:
            where, params = "WHERE reference IN (%s) ", [Many(sorted(references)), *params]
        rows = self.db.fetch("SELECT * FROM {participant_read_log} " + where  # noqa: S608
                             + "ORDER BY entry_no DESC LIMIT %s", params)
        return [_entry(row) for row in reversed(rows)]


def _entry(row: Row) -> ReadLogEntry:
    return ReadLogEntry(
        read_at=datetime.fromisoformat(row["read_at"]), user_id=UUID(row["user_id"]),
        organisation_id=UUID(row["organisation_id"]), role=Role(row["role"]),
        participant_id=UUID(row["participant_id"]), reference=row["reference"],
        place=row["place"], ground=ReadGround(row["ground"]),
        case_id=None if row["case_id"] is None else UUID(row["case_id"]),
        entry_no=int(row["entry_no"]))
