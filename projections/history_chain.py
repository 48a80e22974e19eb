"""The history chain: one SHA-256 link per procurement event, recorded when the event is
first seen (the rule is domain/history_chain.py).

`history_chain` has one row per (procurement, version): the event's log position and its
link. The projection reads the events as stored (`decodes = False`): it hashes the bytes
the recorder holds, encrypted where CIPHER_KEY is set, and never needs to decode them.
Rows are only ever inserted; a link once recorded is what later checks compare against,
so a rebuild (`procurement projections rebuild history_chain`) re-derives every link from
the store as it is then: check it first (`procurement verify`), and compare the heads with
printed audit extracts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from uuid import UUID

from eventsourcing.persistence import Notification

from domain.history_chain import GENESIS, ChainLink, StoredFact, link
from projections.base import PROCUREMENT_TOPICS, Positioned, Projection, Write
from projections.db import Cursor, Database, Many
from projections.tables import Table

HISTORY_CHAIN = Table("history_chain", (
    ("procurement_id", "TEXT NOT NULL"),
    ("version", "BIGINT NOT NULL"),
    ("position", "BIGINT NOT NULL"),  # the event's notification id
    ("link", "TEXT NOT NULL"),  # hex SHA-256 over the previous link and the stored event
), key=("procurement_id", "version"))

_HEADS = ("SELECT h.procurement_id, h.version, h.link FROM {history_chain} h "
          "JOIN (SELECT procurement_id, MAX(version) AS version FROM {history_chain} "
          "WHERE procurement_id IN (%s) GROUP BY procurement_id) m "
          "ON h.procurement_id = m.procurement_id AND h.version = m.version")


class HistoryChain(Projection):
    name = "history_chain"
    title = "History chain: a SHA-256 link per procurement event, over its stored bytes"
    topics = PROCUREMENT_TOPICS
    tables = (HISTORY_CHAIN,)
    decodes = False

    def prepare(self, cursor: Cursor, events: Sequence[Positioned]) -> Write:
        stored = [cast(Notification, item) for _, item in events]  # decodes = False
        facts = [StoredFact.of(n) for n in stored]
        ids = sorted({str(f.procurement_id) for f in facts})
        previous = {row["procurement_id"]: row["link"]
                    for row in cursor.fetch(_HEADS, [Many(ids)])} if ids else {}
        rows = []
        for notification, fact in zip(stored, facts, strict=True):
            key = str(fact.procurement_id)
            previous[key] = link(previous.get(key, GENESIS), fact)
            rows.append((key, fact.version, notification.id, previous[key]))
        return lambda c: c.insert_many(HISTORY_CHAIN.name, HISTORY_CHAIN.column_names, rows)


class SqlChainLinks:
    """The recorded links, read from the projection's table (domain.history_chain
    .ChainLinks)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_tables(HISTORY_CHAIN.ddl())

    def links(self, procurement_id: UUID) -> dict[int, str]:
        rows = self.db.fetch("SELECT version, link FROM {history_chain} "
                             "WHERE procurement_id = %s", [str(procurement_id)])
        return {int(r["version"]): r["link"] for r in rows}

    def chained_procurements(self) -> list[UUID]:
        rows = self.db.fetch("SELECT procurement_id FROM {history_chain} "
                             "GROUP BY procurement_id ORDER BY MIN(position)")
        return [UUID(r["procurement_id"]) for r in rows]

    def head(self, procurement_id: UUID) -> ChainLink | None:
        """The last recorded link of the procurement (None: nothing chained yet)."""
        rows = self.db.fetch(_HEADS, [Many([str(procurement_id)])])
        if not rows:
            return None
        return ChainLink(procurement_id, int(rows[0]["version"]), rows[0]["link"])
