"""A read model's table: its columns, key and indexes, and the rows it holds for one case.

Tables are declared once and give both the DDL (the same text for SQLite and PostgreSQL)
and what the projections need to diff one case's rows before and after a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.db import Cursor

# One case's rows of one table, by key: the derived state of a read model.
Rows = dict[tuple[Any, ...], tuple[Any, ...]]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, SQL type and constraints)
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(name for name, _ in self.columns))
        missing = [k for k in self.key if k not in self.column_names]
        if missing:
            raise ValueError(f"{self.name}: key columns {missing} are not columns")

    def ddl(self) -> list[str]:
        columns = ", ".join(f"{name} {kind}" for name, kind in self.columns)
        statements = [f"CREATE TABLE IF NOT EXISTS {{{self.name}}} ({columns}, "
                      f"PRIMARY KEY ({', '.join(self.key)}))"]
        for index in self.indexes:
            statements.append(f"CREATE INDEX IF NOT EXISTS {self.name}_by_{'_'.join(index)} "
                              f"ON {{{self.name}}} ({', '.join(index)})")
        return statements

    def drop(self) -> str:
        return f"DROP TABLE IF EXISTS {{{self.name}}}"

    def rows(self, values: Iterable[Sequence[Any]]) -> Rows:
        """Rows keyed by their key columns (a later row with the same key wins)."""
        positions = [self.column_names.index(k) for k in self.key]
        keyed: Rows = {}
        for value in values:
            row = tuple(int(v) if isinstance(v, bool) else v for v in value)
            if len(row) != len(self.column_names):
                raise ValueError(f"{self.name}: {len(row)} values for "
                                 f"{len(self.column_names)} columns")
            keyed[tuple(row[p] for p in positions)] = row
        return keyed

    def write_changes(self, cursor: Cursor, before: Rows, after: Rows) -> None:
        """Make the table go from `before` to `after` (one case's rows), touching only
        the rows that changed."""
        gone = [key for key in before if key not in after]
        changed = [row for key, row in after.items() if before.get(key) != row]
        if gone:
            where = " AND ".join(f"{k} = %s" for k in self.key)
            cursor.executemany(f"DELETE FROM {{{self.name}}} WHERE {where}", gone)  # noqa: S608
        cursor.insert_many(self.name, self.column_names, changed, upsert_key=self.key)
