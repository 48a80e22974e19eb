"""The read models the portals and the API list from, and the wait for a request's own write.

Lists and inboxes come from the projections (projections/case_list.py), never from
replaying every case on a page view. A portal request that stored an event waits, at most
`wait_seconds`, until every projection has applied it before its answer goes out, so the
page the browser is sent to next shows the change. An API write answers at once with where
its events landed, and a read that sends that back waits for it (web/api/consistency.py).

Where the projections run is a setting (PROCUREMENT_PROJECTIONS):
- "background" (the default, the embedded set-up): this process follows the log in
  background threads (projections/background.py); a request's wait wakes them at once.
- "external": `procurement projections run` runs elsewhere; requests only wait.

The portals may read from a PostgreSQL streaming replica (READ_REPLICA_HOST, optionally
READ_REPLICA_PORT; same database, schema and user): the projections still write to the
primary, and a request's wait for its own write reads the positions on the replica, so the
next page shows the change once the replica has it, however far behind it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from domain.routing import HOME
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections import audit_trail, case_list, double_counts, notices
from projections.background import start_in_background
from projections.case_list import CaseRow, Task
from projections.db import Database
from projections.registry import PROJECTIONS
from projections.runner import Follower, wait_for
from projections.view import open_view

log = logging.getLogger("web.read_models")

BACKGROUND, EXTERNAL = "background", "external"
MODES = (BACKGROUND, EXTERNAL)
DEFAULT_WAIT_SECONDS = 2.0
# Read the lists from a streaming replica (the library reads PROCUREMENT_<KEY> first).
REPLICA_HOST_SETTING, REPLICA_PORT_SETTING = "READ_REPLICA_HOST", "READ_REPLICA_PORT"


class ReadModels:
    """The read models of the service's store or, with routing (domain/routing.py), of
    every store: each store's projections follow its own log, and a list is the stores'
    lists merged in the order one store gives."""

    def __init__(self, service: ProcurementService, *, mode: str = BACKGROUND,
                 wait_seconds: float = DEFAULT_WAIT_SECONDS,
                 poll_interval: float | None = None) -> None:
        self.service = service
        self.wait_seconds = wait_seconds
        stores = (service.case_stores.by_name if service.case_stores
                  else {HOME: service})
        self._stores = [_StoreReadModels(name, store, mode, poll_interval)
                        for name, store in stores.items()]
        home = self._stores[0]
        self.db, self.follower = home.db, home.follower

    def cases(self, actor: Actor) -> list[CaseRow]:
        if len(self._stores) == 1:
            return case_list.cases_for(self._stores[0].reads, actor)
        # Audit grants are directory events, which only the home store's log holds.
        audited = frozenset(self.service.audited_authorities(actor.organisation_id)
                            if actor.role is Role.AUDITOR else ())
        rows = [row for store in self._stores
                for row in case_list.cases_for(store.reads, actor, audited)]
        rows.sort(key=lambda r: str(r.procurement_id))
        rows.sort(key=lambda r: r.updated_at, reverse=True)
        return rows

    def tasks(self, actor: Actor, today: date) -> list[Task]:
        found = [task for store in self._stores
                 for task in case_list.tasks(store.reads, actor.organisation_id, today=today)]
        if len(self._stores) > 1:
            found.sort(key=lambda t: (t.due_on is None, t.due_on or date.min, t.reference))
        return found

    def notices(self, actor: Actor, since: date) -> list[notices.Notice]:
        """Reminders and escalations sent to the actor's organisation since a day."""
        found = [notice for store in self._stores
                 for notice in notices.for_organisation(store.reads, actor.organisation_id,
                                                        since=since)]
        if len(self._stores) > 1:
            found.sort(key=lambda n: n.recorded_at, reverse=True)
        return found

    def history(self, procurement_id: UUID, **filters: Any) -> audit_trail.Page:
        """One page of a case's audit trail (the caller has checked VIEW_HISTORY)."""
        return audit_trail.entries(self._store_of(procurement_id).reads,
                                   procurement_id=procurement_id, **filters)

    def overlaps(self, procurement_id: UUID, as_of: date) -> list[double_counts.Overlap]:
        """Double counts that concern the case, against every store's claims (the caller
        has checked that the actor may be told: projections/double_counts.py)."""
        return double_counts.overlaps(self.all_reads(), procurement_id, as_of)

    def counted_once(self, as_of: date, authority_ids: list[UUID] | None = None
                     ) -> double_counts.CountedOnce:
        return double_counts.counted_once(self.all_reads(), as_of, authority_ids)

    def all_reads(self) -> list[Database]:
        """Every store's read models (one store's without routing)."""
        return [s.reads for s in self._stores]

    def wait_for_own_write(self) -> bool:
        """Wait until the projections have applied what this thread just stored (if
        anything); False if they did not get there in time."""
        return self.wait_for_positions(self.take_written())

    def take_written(self) -> dict[str, int]:
        """Where in each store's log this thread's writes since it last asked landed, by
        store name (none: nothing was stored); asking forgets them."""
        found = {store.name: store.service.last_written_position() for store in self._stores}
        return {name: position for name, position in found.items() if position}

    def store_names(self) -> list[str]:
        return [store.name for store in self._stores]

    def heads(self) -> dict[str, int]:
        """The last position of each store's log now, by store name."""
        return {store.name: int(store.service.recorder.max_notification_id() or 0)
                for store in self._stores}

    def wait_for_positions(self, positions: Mapping[str, int],
                           timeout: float | None = None) -> bool:
        """Wait until the projections of each named store have applied its log up to the
        position given, at most `timeout` seconds (the set wait by default); False if
        they did not get there in time."""
        caught_up = True
        for store in self._stores:
            position = positions.get(store.name, 0)
            if not position:
                continue
            if store.follower is not None:
                store.follower.wake()
            seconds = self.wait_seconds if timeout is None else timeout
            if not wait_for(store.service, position, PROJECTIONS.values(), seconds,
                            store.reads):
                log.warning("read models of store %s have not reached position %d after "
                            "%.1f s", store.name, position, seconds)
                caught_up = False
        return caught_up

    def wait_for_head(self, timeout: float) -> bool:
        """Wait until the projections have applied everything stored so far (the log's
        head now), at most `timeout` seconds."""
        caught_up = True
        for store in self._stores:
            head = int(store.service.recorder.max_notification_id() or 0)
            if store.follower is not None:
                store.follower.wake()
            caught_up = wait_for(store.service, head, PROJECTIONS.values(), timeout,
                                 store.reads) and caught_up
        return caught_up

    def forget_writes(self) -> None:
        """A request starts with no write of its own (threads serve many requests)."""
        self.take_written()

    def close(self) -> None:
        for store in self._stores:
            store.close()

    def reads_of_authority(self, authority_id: UUID) -> Database:
        """The read models that hold an authority's cases (its store's, with routing)."""
        if self.service.case_stores is None:
            return self._stores[0].reads
        found = self.service.case_stores.of_authority(authority_id)
        return next((s.reads for s in self._stores if s.service is found),
                    self._stores[0].reads)

    def _store_of(self, procurement_id: UUID) -> _StoreReadModels:
        if self.service.case_stores is None:
            return self._stores[0]
        found = self.service.case_stores.of_case(procurement_id)
        return next((s for s in self._stores if s.service is found), self._stores[0])


class _StoreReadModels:
    """One store's read-model tables, where they are read (`reads`: the store itself or
    its read replica, READ_REPLICA_HOST) and, in the background mode, their follower,
    which always writes to the store itself."""

    def __init__(self, name: str, service: ProcurementService, mode: str,
                 poll_interval: float | None) -> None:
        self.name = name
        self.service = service
        self.db = Database.of(service)
        for projection in PROJECTIONS.values():
            # Their tables exist (empty) before any runner has run: a list is then empty.
            open_view(service, projection.name, projection.tables)
        self.follower: Follower | None = (
            start_in_background(service, poll_interval=poll_interval)
            if mode == BACKGROUND else None)
        replica = service.env.get(REPLICA_HOST_SETTING, "").strip()
        self.reads = (self.db.on_replica(replica, service.env.get(REPLICA_PORT_SETTING) or None)
                      if replica else self.db)

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()
        if self.reads is not self.db:
            self.reads.close()
