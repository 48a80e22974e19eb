"""A projection's materialised view: the library's tracking recorder, extended with the
projection's own tables in the same database as the events.

The library keeps one row per tracked name in its tracking table (`tracking` in SQLite,
`<application>_tracking` in PostgreSQL). Every projection tracks under a name of its own
("Procurement/audit_trail"), so several projections share the table and each resumes at
its own position. A projection writes its rows and its new position in ONE transaction
(`record` calls the library's `_insert_tracking` on the transaction's cursor), so a batch
is either applied and tracked, or neither.

Before writing, a batch `claim`s the position it was computed from: the claim is an UPDATE
of the tracking row that only matches the expected position, and it is the transaction's
first statement. On PostgreSQL it locks the row, so two followers of one projection (or a
follower and a rebuild) cannot both apply a batch; on SQLite it takes the write lock at
once, so the transaction never has to upgrade a stale read snapshot.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Composed

from projections.db import Cursor, Database
from projections.tables import Table

_CLAIM = ("UPDATE {tracking} SET notification_id = notification_id "
          "WHERE application_name = %s AND notification_id = %s RETURNING notification_id")
_START = ("INSERT INTO {tracking} (application_name, notification_id) VALUES (%s, 0) "
          "ON CONFLICT (application_name) DO NOTHING")
_FORGET = "DELETE FROM {tracking} WHERE application_name = %s"


class ViewMixin:
    """What both stores' views add to the library's tracking recorders."""

    tables: ClassVar[tuple[Table, ...]] = ()
    tracking_name: ClassVar[str] = ""
    db: Database

    def ddl(self) -> list[str]:
        return [self.db.text(s) for table in self.tables for s in table.ddl()]

    def position(self) -> int:
        """The last notification id this view has applied (0: none yet)."""
        rows = self.db.fetch("SELECT notification_id FROM {tracking} WHERE application_name = %s",
                             (self.tracking_name,))
        return int(rows[0]["notification_id"]) if rows and rows[0]["notification_id"] else 0

    def claim(self, cursor: Cursor, expected: int) -> bool:
        """Lock this view's tracking row at `expected`; False if it has moved on."""
        return cursor.fetch_one(_CLAIM, (self.tracking_name, expected)) is not None

    def record(self, cursor: Cursor, position: int) -> None:
        """Track `position` in the transaction of the rows it accounts for."""
        self._insert_tracking(cursor.raw, Tracking(self.tracking_name, position))

    def start_tracking(self, cursor: Cursor) -> None:
        cursor.execute(_START, (self.tracking_name,))

    def reset(self, cursor: Cursor) -> None:
        """Drop the view's tables and position and create them empty (for a rebuild)."""
        for table in self.tables:
            cursor.execute(table.drop())
        cursor.execute(_FORGET, (self.tracking_name,))
        for statement in self.ddl():
            cursor.raw.execute(statement)
        self.start_tracking(cursor)

    if TYPE_CHECKING:
        def _insert_tracking(self, c: Any, tracking: Tracking) -> None:
            """The library's recorders provide it."""


class SQLiteView(ViewMixin, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        self.db = Database(datastore, "tracking")
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.ddl()]

    def create_table(self) -> None:
        super().create_table()
        with self.db.transaction() as cursor:
            self.start_tracking(cursor)


class PostgresView(ViewMixin, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, *,
                 tracking_table_name: str = "notification_tracking", **kwargs: Any) -> None:
        self.db = Database(datastore, tracking_table_name)
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in self.ddl())

    def create_table(self) -> None:
        # Two processes creating the same tables at once on a fresh schema: PostgreSQL's
        # IF NOT EXISTS can still fail on the catalog's unique index for the loser. The
        # tables are then there; a second try finds them.
        for attempt in range(3):
            try:
                super().create_table()
                break
            except (IntegrityError, ProgrammingError, OperationalError) as error:
                if attempt == 2 or not _CREATED_MEANWHILE.search(str(error)):
                    raise
                time.sleep(0.05 * (attempt + 1))
        with self.db.transaction() as cursor:
            self.start_tracking(cursor)


_CREATED_MEANWHILE = re.compile(r"duplicate key|already exists|pg_type_typname")


def open_view(app: Application[Any], name: str, tables: tuple[Table, ...]) -> ViewMixin:
    """The view of one projection on the application's own datastore, its tables created.

    Built through the application's infrastructure factory, so it shares the connection
    pool (and, on PostgreSQL, the schema and tracking table) of the events.
    """
    database = Database.of(app)  # refuses the in-memory store with a clear message
    base: type[ViewMixin] = PostgresView if database.is_postgres else SQLiteView
    view_class = type(f"{name.title().replace('_', '')}View", (base,), {
        "tables": tables, "tracking_name": f"{app.name}/{name}"})
    factory: Any = app.factory
    view = factory.tracking_recorder(view_class)
    if not factory.env_create_table():
        # CREATE_TABLE=n keeps workers from creating the event tables; a projection's own
        # tables are still its own to create (IF NOT EXISTS), as a rebuild drops them.
        view.create_table()
    return cast(ViewMixin, view)
