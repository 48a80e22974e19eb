"""Reading the application's notification log in order, without ever passing an event
that is still to be committed.

SQLite has one writer at a time and gives each row the next rowid, so every id below the
log's head is already there. PostgreSQL is different: the library's insert takes a table
lock only on its default path; with POSTGRES_ENABLE_DB_FUNCTIONS (which we use) two
writers can commit out of id order, so a reader can see id 11 before id 10 exists (and
a rolled-back insert leaves an id that never will). The PostgreSQL reader therefore stops
in front of a gap until it is sure the gap is final: every transaction that was running
when the gap was first seen has ended, and a short grace period has passed (a writer
takes its sequence number a moment before it is listed as running). Only then is the gap
skipped (and every other id missing from the same read with it).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections.db import Database

# A writer takes its id a moment before PostgreSQL lists it as running; a gap is trusted to
# be final only this long (seconds) after it was seen, and once every writer running then
# has finished.
GAP_GRACE = 0.2
# The transactions running, then the head of the log, in one round trip.
_SNAPSHOT_AND_HEAD = ("SELECT pg_current_snapshot()::text AS snapshot, "
                      "(SELECT max(notification_id) FROM {%s}) AS head")
_RUNNING = ("SELECT count(*) AS running FROM pg_snapshot_xip(%s::pg_snapshot) AS x "
            "WHERE pg_xact_status(x) = 'in progress'")


@dataclass(frozen=True)
class Chunk:
    notifications: Sequence[Notification]  # in id order, only the topics asked for
    last: int  # the position to track once these are applied (may be past the last one)


@dataclass(frozen=True)
class _Gap:
    after: int  # the ids after this one were not all there...
    horizon: int  # ...among those up to this one (the end of the read that saw it)
    seen_at: float
    snapshot: str  # transactions running just before that read


class LogReader:
    """SQLite: every id below the head is committed; topics are filtered in SQL."""

    def __init__(self, app: Application[Any], database: Database) -> None:
        self.recorder = app.recorder
        self.database = database
        self.waiting = False  # True while stopped in front of a gap that may yet fill

    @staticmethod
    def of(app: Application[Any], database: Database, gap_grace: float = GAP_GRACE
           ) -> LogReader:
        if database.is_postgres:
            return PostgresLogReader(app, database, gap_grace)
        return LogReader(app, database)

    def head(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def read(self, after: int, limit: int, topics: Sequence[str]) -> Chunk | None:
        head = self.head()
        if head <= after:
            return None
        notifications = self.recorder.select_notifications(after + 1, limit, stop=head,
                                                           topics=topics)
        full = len(notifications) == limit
        return Chunk(notifications, notifications[-1].id if full else head)


class PostgresLogReader(LogReader):
    def __init__(self, app: Application[Any], database: Database, gap_grace: float) -> None:
        super().__init__(app, database)
        self.gap_grace = gap_grace
        table = getattr(app.recorder, "events_table_name", "stored_events")
        self._snapshot_and_head = _SNAPSHOT_AND_HEAD % table
        self._gap: _Gap | None = None

    def read(self, after: int, limit: int, topics: Sequence[str]) -> Chunk | None:
        final_below = 0  # ids up to this one that are missing now are missing for good
        gap = self._gap if self._gap and self._gap.after == after else None
        if gap is not None:
            if not self._settled(gap):
                self.waiting = True
                return None
            final_below = gap.horizon
        self.waiting = False
        row = self.database.fetch(self._snapshot_and_head)[0]
        snapshot, head = row["snapshot"], int(row["head"] or 0)
        if head <= after:
            return None
        # All topics: a gap can only be seen in the full sequence of ids.
        notifications = self.recorder.select_notifications(after + 1, limit, stop=head)
        end = notifications[-1].id if len(notifications) == limit else head
        kept: list[Notification] = []
        expected = after + 1
        for notification in notifications:
            first_missing = max(expected, final_below + 1)
            if notification.id > first_missing:
                # Ids not (yet) there: apply what comes before them; once every writer
                # that may hold one has finished, the next read settles all of them.
                self._gap = _Gap(first_missing - 1, end, time.monotonic(), snapshot)
                return self._chunk(kept, first_missing - 1, topics, after)
            kept.append(notification)
            expected = notification.id + 1
        return self._chunk(kept, end, topics, after)

    def _chunk(self, kept: list[Notification], last: int, topics: Sequence[str],
               after: int) -> Chunk | None:
        if last <= after:
            self.waiting = True
            return None
        wanted = set(topics)
        return Chunk([n for n in kept if not wanted or n.topic in wanted], last)

    def _settled(self, gap: _Gap) -> bool:
        if time.monotonic() - gap.seen_at < self.gap_grace:
            return False
        return int(self.database.fetch(_RUNNING, (gap.snapshot,))[0]["running"]) == 0
