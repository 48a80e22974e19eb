"""The read log: one entry for every read of a person's data (who, when, which person,
where, on what ground), appended by the service's read method itself, in the same call, so
that no page, API route or export can read a person without leaving a trace.

An entry names the person by id and pseudonymous reference only, never by anything the
person's data holds: the log outlives an erasure and must say nothing of whom it erased.
The log is append-only: a `ReadLog` can add and list entries, and has no way to change or
remove one (the SQL one, projections/read_log.py, only ever INSERTs).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Protocol
from uuid import UUID

from domain.values import Role


class ReadGround(Enum):
    """Why the reader was allowed to read: the part that let them (domain/access.py)."""

    REGISTERING_MATCHER = "registering_matcher"  # everything: the matcher registered them
    EMPLOYER = "employer"  # name and contact: the supplier placed them in `case_id`


@dataclass(frozen=True)
class ReadLogEntry:
    read_at: datetime  # the service's clock
    user_id: UUID
    organisation_id: UUID
    role: Role
    participant_id: UUID
    reference: str
    place: str  # where the data was shown: "register page", "case page", "API", ...
    ground: ReadGround
    case_id: UUID | None = None  # the case the ground rests on (the employer's)
    entry_no: int = 0  # the order entries were appended in, given by the log


class ReadLog(Protocol):
    """Where the entries are kept: beside the events (projections/read_log.py, wired in
    web/bootstrap.py), or in memory where the events are too."""

    def append(self, entry: ReadLogEntry) -> None: ...

    def entries(self, references: Collection[str] | None = None,
                limit: int = 1000) -> list[ReadLogEntry]:
        """The newest `limit` entries, oldest first; only those of `references` if given."""
        ...


class InMemoryReadLog:
    """For the in-memory event store (tests, trying things out): gone with the process."""

    def __init__(self) -> None:
        self._entries: list[ReadLogEntry] = []

    def append(self, entry: ReadLogEntry) -> None:
        self._entries.append(replace(entry, entry_no=len(self._entries) + 1))

    def entries(self, references: Collection[str] | None = None,
                limit: int = 1000) -> list[ReadLogEntry]:
        found = [e for e in self._entries if references is None or e.reference in references]
        return found[-limit:] if limit > 0 else []

