"""SQL for both stores from one text: `%s` placeholders and `{table}` names.

Read models live in the same database as the events (DESIGN.md §6), so they use the
application's own datastore: its SQLite file, or its PostgreSQL pool and schema. Every
statement is written once, for example

    SELECT position FROM {audit_trail} WHERE procurement_id = %s

and `Database.text` turns it into what the driver expects: sqlite3 wants `?` and plain
table names, psycopg wants `%s` and the names qualified by the store's schema (the
library's connections do not set a search path). Values are kept to the types both
databases share: TEXT (ids, ISO dates and times, JSON), INTEGER/BIGINT (flags as 0/1) and
a binary column type spelled `{blob}` in table definitions, and `{serial}` for an integer
key the database numbers itself (in insertion order).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from domain.errors import ConfigurationError

Row = dict[str, Any]


class Many(tuple[Any, ...]):
    """Values for one `IN (%s)`: the placeholder becomes one per value."""
_CREATED_MEANWHILE = re.compile(r"duplicate key|already exists|pg_type_typname")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class _Names(dict[str, str]):
    """Table names for str.format_map: any {name} becomes the qualified table name."""

    def __init__(self, quote: Any) -> None:
        super().__init__()
        self._quote = quote

    def __missing__(self, key: str) -> str:
        if not _NAME.match(key):
            raise KeyError(key)
        return str(self._quote(key))


class Database:
    """The application's datastore, seen as one SQL dialect."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore,
                 tracking_table: str) -> None:
        self.datastore = datastore
        self.is_postgres = isinstance(datastore, PostgresDatastore)
        if self.is_postgres:
            schema = datastore.schema  # type: ignore[union-attr]
            self._names = _Names(lambda name: f'"{schema}"."{name}"')
        else:
            self._names = _Names(lambda name: name)
        self._names["blob"] = "BYTEA" if self.is_postgres else "BLOB"
        # SQLite: an INTEGER primary key is the rowid, numbered on insert.
        self._names["serial"] = ("BIGINT GENERATED ALWAYS AS IDENTITY" if self.is_postgres
                                 else "INTEGER")
        self._names["tracking"] = self._names[tracking_table]
        self._tracking_table = tracking_table
        self._texts: dict[str, str] = {}
        if not datastore.single_row_tracking:
            raise ConfigurationError("SINGLE_ROW_TRACKING: projections need the library's "
                                     "single-row tracking table (its default)")

    @classmethod
    def of(cls, app: Application[Any]) -> Database:
        """The read models' database: the one the application stores its events in."""
        datastore = getattr(app.factory, "datastore", None)
        if isinstance(datastore, PostgresDatastore):
            # PostgresFactory names the tracking table after the application.
            return cls(datastore, f"{app.factory.env.name.lower()}_tracking")
        if isinstance(datastore, SQLiteDatastore):
            if datastore.pool.is_sqlite_memory_mode:
                raise ConfigurationError("projections need a durable store: an in-memory "
                                         "SQLite database cannot be shared with a follower")
            return cls(datastore, "tracking")
        raise ConfigurationError("projections need the events in SQLite or PostgreSQL; the "
                                 "in-memory store has no SQL")

    def on_replica(self, host: str, port: str | int | None = None) -> Database:
        """The same tables read on a streaming replica of this PostgreSQL server: the same
        database, schema and user, another host (its own small pool; `close()` it)."""
        if not isinstance(self.datastore, PostgresDatastore):
            raise ConfigurationError("READ_REPLICA_HOST: a read replica needs the events "
                                     "in PostgreSQL")
        info: dict[str, Any] = dict(self.datastore.pool.kwargs or {})  # type: ignore[arg-type]
        replica = PostgresDatastore(
            info["dbname"], host, port or info["port"], info["user"], info["password"],
            schema=self.datastore.schema, pool_size=2, max_overflow=8, connect_timeout=5)
        return Database(replica, self._tracking_table)

    def close(self) -> None:
        self.datastore.close()

    def text(self, statement: str) -> str:
        """The statement as the driver wants it (cached: statements are few)."""
        text = self._texts.get(statement)
        if text is None:
            text = statement.format_map(self._names)
            if not self.is_postgres:
                text = text.replace("%s", "?")
            self._texts[statement] = text
        return text

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """One read-write transaction, committed when the block ends without an error."""
        with self.datastore.transaction(commit=True) as cursor:
            yield Cursor(self, cursor)

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """A cursor for reads only (SQLite: one read snapshot; PostgreSQL: autocommit)."""
        if isinstance(self.datastore, PostgresDatastore):
            with self.datastore.get_connection() as connection, connection.cursor() as cursor:
                yield Cursor(self, cursor)
        else:
            with self.datastore.transaction(commit=False) as cursor:
                yield Cursor(self, cursor)

    def create_tables(self, statements: Sequence[str]) -> None:
        """Run CREATE ... IF NOT EXISTS statements; two processes doing so at once on a fresh
        PostgreSQL schema can still collide in the catalog, and the loser tries again."""
        for attempt in range(3):
            try:
                with self.transaction() as cursor:
                    for statement in statements:
                        cursor.execute(statement)
                return
            except (IntegrityError, ProgrammingError, OperationalError) as error:
                if attempt == 2 or not _CREATED_MEANWHILE.search(str(error)):
                    raise
                time.sleep(0.05 * (attempt + 1))

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of one query, read outside any write transaction (`Many` for IN lists)."""
        if isinstance(self.datastore, PostgresDatastore):
            # One statement needs no BEGIN and ROLLBACK around it: one round trip, not three.
            with self.datastore.get_connection() as connection, connection.cursor() as cursor:
                return Cursor(self, cursor).fetch(statement, params)
        with self.datastore.transaction(commit=False) as cursor:
            return Cursor(self, cursor).fetch(statement, params)


class Cursor:
    """A driver cursor inside a transaction, taking statements in the shared form."""

    def __init__(self, database: Database, cursor: Any) -> None:
        self.database = database
        self.raw = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        statement, values = _expand(statement, params)
        self.raw.execute(self.database.text(statement), values)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self.database.text(statement), [tuple(r) for r in rows])

    def fetch(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        self.execute(statement, params)
        return [dict(row) for row in self.raw.fetchall()]

    def fetch_one(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        self.execute(statement, params)
        row = self.raw.fetchone()
        return None if row is None else dict(row)

    def insert_many(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    *, upsert_key: Sequence[str] = ()) -> None:
        """INSERT (or upsert on `upsert_key`) every row: one short statement, executed for
        all the rows at once (psycopg pipelines it; sqlite3 loops in C)."""
        if not rows:
            return
        names = ", ".join(columns)
        values = ", ".join(["%s"] * len(columns))
        conflict = ""
        if upsert_key:
            others = [c for c in columns if c not in upsert_key]
            action = ("DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in others)
                      if others else "DO NOTHING")
            conflict = f" ON CONFLICT ({', '.join(upsert_key)}) {action}"
        # Names come from the projections' own Table declarations, values are bound.
        self.executemany(f"INSERT INTO {{{table}}} ({names}) VALUES ({values}){conflict}",  # noqa: S608
                         rows)


    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send the statements of the block without waiting for each (PostgreSQL's
        pipeline mode: one round trip where there would be one per statement)."""
        if self.database.is_postgres:
            with self.raw.connection.pipeline():
                yield
        else:
            yield

    def append_many(self, table: str, columns: Sequence[str],
                    rows: Sequence[Sequence[Any]]) -> None:
        """Plain INSERT of new rows; on PostgreSQL by COPY, about twice as fast for the
        audit trail's one row per event (the one place the dialects part)."""
        if not rows:
            return
        if not self.database.is_postgres:
            self.insert_many(table, columns, rows)
            return
        statement = self.database.text(f"COPY {{{table}}} ({', '.join(columns)}) FROM STDIN")
        with self.raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _expand(statement: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
    """Each `Many` parameter's `%s` becomes one placeholder per value."""
    if not any(isinstance(p, Many) for p in params):
        return statement, tuple(params)
    pieces = statement.split("%s")
    if len(pieces) != len(params) + 1:
        raise ValueError(f"{len(params)} parameters for {len(pieces) - 1} placeholders")
    text, values = [pieces[0]], list[Any]()
    for piece, param in zip(pieces[1:], params, strict=True):
        if isinstance(param, Many):
            if not param:
                raise ValueError("IN () of no values")
            text.append(", ".join(["%s"] * len(param)))
            values.extend(param)
        else:
            text.append("%s")
            values.append(param)
        text.append(piece)
    return "".join(text), tuple(values)
