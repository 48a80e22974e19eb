"""Projections inside another process: `procurement serve` on the embedded SQLite store
follows the log in background threads of the web process itself.

    follower = start_in_background(service)
    ...
    follower.stop()   # finishes the batch in hand, then returns

The threads are daemons, so a process that exits without stopping them is not kept
alive; a batch cut short that way is rolled back and applied again at the next start.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.application import Application

from projections.registry import named
from projections.runner import Follower


def start_in_background(app: Application[Any], names: Sequence[str] | None = None, *,
                        poll_interval: float | None = None) -> Follower:
    """Start following with the named projections (all by default); returns the follower,
    whose `stop()` ends it cleanly and `errors` holds each projection's last failure."""
    follower = Follower(app, named(names), poll_interval=poll_interval,
                        daemon=True)
    follower.start()
    return follower


@contextmanager
def running_in_background(app: Application[Any], names: Sequence[str] | None = None
                          ) -> Iterator[Follower]:
    follower = start_in_background(app, names)
    try:
        yield follower
    finally:
        follower.stop()
