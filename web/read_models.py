"""The read models the portals and the API list from, and the wait for a request's own write.

Lists and inboxes come from the projections (projections/case_list.py), never from
replaying every case on a page view. A request that stored an event waits, at most
`wait_seconds`, until every projection has applied it before its answer goes out, so the
page the browser is sent to next (or the API client's next list) shows the change.

Where the projections run is a setting (PROCUREMENT_PROJECTIONS):
- "background" (the default, the embedded set-up): this process follows the log in
  background threads (projections/background.py); a request's wait wakes them at once.
- "external": `procurement projections run` runs elsewhere; requests only wait.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID

from domain.service import ProcurementService
from domain.values import Actor
from projections import audit_trail, case_list, notices
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


class ReadModels:
    def __init__(self, service: ProcurementService, *, mode: str = BACKGROUND,
                 wait_seconds: float = DEFAULT_WAIT_SECONDS,
                 poll_interval: float | None = None) -> None:
        self.service = service
        self.db = Database.of(service)
        for projection in PROJECTIONS.values():
            # Their tables exist (empty) before any runner has run: a list is then empty.
            open_view(service, projection.name, projection.tables)
        self.wait_seconds = wait_seconds
        self.follower: Follower | None = (
            start_in_background(service, poll_interval=poll_interval)
            if mode == BACKGROUND else None)

    def cases(self, actor: Actor) -> list[CaseRow]:
        return case_list.cases_for(self.db, actor)

    def tasks(self, actor: Actor, today: date) -> list[Task]:
        return case_list.tasks(self.db, actor.organisation_id, today=today)

    def notices(self, actor: Actor, since: date) -> list[notices.Notice]:
        """Reminders and escalations sent to the actor's organisation since a day."""
        return notices.for_organisation(self.db, actor.organisation_id, since=since)

    def history(self, procurement_id: UUID, **filters: Any) -> audit_trail.Page:
        """One page of a case's audit trail (the caller has checked VIEW_HISTORY)."""
        return audit_trail.entries(self.db, procurement_id=procurement_id, **filters)

    def wait_for_own_write(self) -> bool:
        """Wait until the projections have applied what this thread just stored (if
        anything); False if they did not get there in time."""
        position = self.service.last_written_position()
        if not position:
            return True
        if self.follower is not None:
            self.follower.wake()
        caught_up = wait_for(self.service, position, PROJECTIONS.values(), self.wait_seconds)
        if not caught_up:
            log.warning("read models have not reached position %d after %.1f s; the next "
                        "page may not show the change yet", position, self.wait_seconds)
        return caught_up

    def wait_for_head(self, timeout: float) -> bool:
        """Wait until the projections have applied everything stored so far (the log's
        head now), at most `timeout` seconds."""
        head = int(self.service.recorder.max_notification_id() or 0)
        if self.follower is not None:
            self.follower.wake()
        return wait_for(self.service, head, PROJECTIONS.values(), timeout)

    def forget_writes(self) -> None:
        """A request starts with no write of its own (threads serve many requests)."""
        self.service.last_written_position()

    def close(self) -> None:
        if self.follower is not None:
            self.follower.stop()
