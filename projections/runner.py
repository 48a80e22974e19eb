"""Running projections: catch up in batches, follow the log, report how far each is.

`ProjectionRunner` moves one projection forward one batch at a time: it reads up to
`batch_size` notifications after the projection's position, decodes them with the
application's mapper, reads what the projection needs to apply them (the rows it keeps
per case), and then in ONE short transaction claims the position, writes the rows and
records the new position (the last id of the batch, even when the batch's last events
were of topics the projection does not read). The claim fails if anyone moved the
position since, and then nothing is written; a crash anywhere rolls the whole batch
back; the next start resumes from the recorded position, so each event is applied once.
Reading before the transaction keeps SQLite's single write lock for milliseconds, not
for the whole batch, so the application's own writers hardly wait.

`Follower` runs several projections, one thread each. It polls the log (SQLite's
recorders cannot subscribe), and on PostgreSQL it also holds the library's subscription
(LISTEN/NOTIFY) to wake the threads the moment an event is stored; the poll stays,
because a lost notification must not stall a projection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import (
    Notification,
    OperationalError,
    ProgrammingError,
    Subscription,
)

from projections.base import Projection
from projections.db import Database, Many
from projections.log import GAP_GRACE, LogReader
from projections.view import open_view

log = logging.getLogger("projections")

BATCH_SIZE = 500
SQLITE_POLL_INTERVAL = 0.1  # seconds; polling is all SQLite has
POSTGRES_POLL_INTERVAL = 1.0  # seconds; LISTEN/NOTIFY wakes a PostgreSQL follower sooner
# Following, a projection pauses after a batch in proportion to its size, up to this many
# seconds (unless it is catching up: full batches). A trickle of events is applied at once;
# under a flood (PAUSE_FULL_AT events a batch and more) it applies one batch per interval,
# one transaction per projection rather than one per event.
MIN_INTERVAL = 0.05
# ...and in a process of its own (`procurement projections run`), which no API write waits
# for: larger batches under load, at a fraction of the CPU per event (docs/benchmarks.md:
# 0.57 rather than 0.89 ms per event for all nine, while the web shares two cores).
RUNNER_MIN_INTERVAL = 0.2
PAUSE_FULL_AT = 100
MAX_BACKOFF = 30.0


class Decoded:
    """Decoded events by notification id, shared by the projections of one process: in
    steady state they all read the same few events, and decoding is most of the work."""

    def __init__(self, app: Application[Any], size: int = 5000) -> None:
        self.mapper = app.mapper
        self.size = size
        self._events: OrderedDict[int, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, notification: Notification) -> Any:
        with self._lock:
            event = self._events.get(notification.id)
        if event is None:
            event = self.mapper.to_domain_event(notification)
            with self._lock:
                self._events[notification.id] = event
                while len(self._events) > self.size:
                    self._events.popitem(last=False)
        return event


class PositionMoved(Exception):
    """Another follower (or a rebuild) moved this projection's position meanwhile."""


class ProjectionRunner:
    def __init__(self, app: Application[Any], projection_class: type[Projection], *,
                 batch_size: int = BATCH_SIZE, gap_grace: float = GAP_GRACE,
                 decode: Callable[[Notification], Any] | None = None) -> None:
        self.app = app
        self.name = projection_class.name
        self.view = open_view(app, projection_class.name, projection_class.tables)
        self.db: Database = self.view.db
        self.projection = projection_class(app, self.view)
        self.reader = LogReader.of(app, self.db, gap_grace)
        self.batch_size = batch_size
        self.decode = decode or app.mapper.to_domain_event
        self._position: int | None = None

    @property
    def waiting(self) -> bool:
        """Stopped in front of an event that may still be committed (PostgreSQL)."""
        return self.reader.waiting

    def position(self) -> int:
        if self._position is None:
            self._position = self.view.position()
        return self._position

    def step(self) -> int:
        """Apply the next batch; the number of log positions it moved (0: nothing to do)."""
        after = self.position()
        chunk = self.reader.read(after, self.batch_size, self.projection.topics)
        if chunk is None:
            return 0
        decode = self.decode if self.projection.decodes else (lambda n: n)
        batch = [(n.id, decode(n)) for n in chunk.notifications]
        try:
            try:
                with self.db.reading() as cursor:
                    write = self.projection.prepare(cursor, batch)
            except Exception:
                # Rows read past a stale position do not fit its events: not a failure.
                if self.view.position() != after:
                    raise PositionMoved(self.name) from None
                raise
            with self.db.transaction() as cursor:
                if not self.view.claim(cursor, after):
                    raise PositionMoved(self.name)
                write(cursor)
                self.view.record(cursor, chunk.last)
        except PositionMoved:
            self._position = None
            self.projection.forget()
            return 0
        except BaseException:
            self._position = None  # read it again: the transaction may or may not be in
            self.projection.forget()
            raise
        self._position = chunk.last
        self.projection.committed()
        return chunk.last - after

    def catch_up(self, until: int | None = None,
                 progress: Callable[[int], None] | None = None,
                 stop: threading.Event | None = None) -> int:
        """Apply batches until the position reaches `until` (default: the head now)."""
        target = self.reader.head() if until is None else until
        moved = 0
        while self.position() < target and not (stop and stop.is_set()):
            step = self.step()
            if step == 0:
                time.sleep(0.02)  # a PostgreSQL gap not yet settled, or another follower
                continue
            moved += step
            if progress:
                progress(step)
        return moved

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop the tables and the position, create them empty and replay the whole log."""
        with self.db.transaction() as cursor:
            self.view.reset(cursor)
        self._position = None
        self.projection.forget()
        return self.catch_up(progress=progress)


@dataclass(frozen=True)
class Status:
    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float  # age of the oldest event not yet applied; 0 when caught up


def status(app: Application[Any], projections: Iterable[type[Projection]],
           now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> list[Status]:
    """Position, head and lag of each projection (operators' numbers, on the real clock)."""
    classes = list(projections)
    names = [f"{app.name}/{p.name}" for p in classes]
    positions = _positions(Database.of(app), names)
    head = int(app.recorder.max_notification_id() or 0)
    result = []
    for projection, tracked in zip(classes, names, strict=True):
        position = positions.get(tracked, 0)
        seconds = 0.0
        if position < head:
            oldest = app.recorder.select_notifications(position + 1, 1)
            if oldest:
                event: Any = app.mapper.to_domain_event(oldest[0])
                seconds = max(0.0, (now() - event.timestamp).total_seconds())
        result.append(Status(projection.name, position, head, head - position, seconds))
    return result


def wait_for(app: Application[Any], position: int, projections: Iterable[type[Projection]],
             timeout: float = 2.0, database: Database | None = None) -> bool:
    """Block until every given projection has applied the log up to `position` (e.g. the
    notification id of the event a request just stored), at most `timeout` seconds.
    True if they got there; a page rendered after False may miss the newest change.
    `database`: where the positions are read (a read replica), if not the app's own."""
    database = database or Database.of(app)
    names = [f"{app.name}/{p.name}" for p in projections]
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        positions = _positions(database, names)
        if all(positions.get(name, 0) >= position for name in names):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 0.025)  # one cheap query per look


def positions(app: Application[Any], projections: Iterable[type[Projection]]
              ) -> dict[str, int]:
    """Each projection's position by name, in one query (cheap enough to poll)."""
    classes = list(projections)
    found = _positions(Database.of(app), [f"{app.name}/{p.name}" for p in classes])
    return {p.name: found.get(f"{app.name}/{p.name}", 0) for p in classes}


def _positions(database: Database, names: list[str]) -> dict[str, int]:
    """Each tracked name's position; none before any projection has run on the store."""
    try:
        rows = database.fetch("SELECT application_name, notification_id FROM {tracking} "
                              "WHERE application_name IN (%s)", [Many(names)])
    except (OperationalError, ProgrammingError) as error:
        if "tracking" not in str(error):
            raise
        return {}
    return {r["application_name"]: int(r["notification_id"] or 0) for r in rows}


class Follower:
    """Follows the log with several projections, one thread each, until stopped."""

    def __init__(self, app: Application[Any], projections: Sequence[type[Projection]], *,
                 batch_size: int = BATCH_SIZE, poll_interval: float | None = None,
                 min_interval: float = MIN_INTERVAL, daemon: bool = False) -> None:
        self.app = app
        decoded = Decoded(app)
        self.runners = [ProjectionRunner(app, p, batch_size=batch_size, decode=decoded)
                        for p in projections]
        self.min_interval = min_interval
        self.is_postgres = self.runners[0].db.is_postgres if self.runners else False
        self.poll_interval = poll_interval if poll_interval is not None else (
            POSTGRES_POLL_INTERVAL if self.is_postgres else SQLITE_POLL_INTERVAL)
        self.daemon = daemon
        self._stopping = threading.Event()
        self._wakes = [threading.Event() for _ in self.runners]
        self._threads: list[threading.Thread] = []
        self._subscription: Subscription[Any] | None = None
        self._lock = threading.Lock()
        self.errors: dict[str, str] = {}  # the last error of each projection, while it lasts

    def start(self) -> None:
        for runner, wake in zip(self.runners, self._wakes, strict=True):
            self._spawn(f"projection-{runner.name}", self._follow, runner, wake)
        if self.is_postgres:
            self._spawn("projections-listen", self._listen)

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=self.daemon)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Let each thread finish its transaction, then end them."""
        self._stopping.set()
        for wake in self._wakes:
            wake.set()
        with self._lock:
            if self._subscription is not None:
                self._subscription.stop()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def wake(self) -> None:
        """Look at the log now rather than at the next poll (a request waits for its write)."""
        for wake in self._wakes:
            wake.set()

    @property
    def stopped(self) -> threading.Event:
        return self._stopping

    def _follow(self, runner: ProjectionRunner, wake: threading.Event) -> None:
        backoff = 0.0
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                moved = runner.step()
            except Exception as error:
                backoff = min(MAX_BACKOFF, backoff * 2 or 0.5)
                self.errors[runner.name] = f"{type(error).__name__}: {error}"
                log.exception("projection %s failed; trying again in %.1f s", runner.name,
                              backoff)
                self._stopping.wait(backoff)
                continue
            backoff = 0.0
            self.errors.pop(runner.name, None)
            if moved >= runner.batch_size:
                continue  # catching up
            if moved:
                pause = self.min_interval * min(1.0, moved / PAUSE_FULL_AT)
                self._stopping.wait(max(0.0, started + pause - time.monotonic()))
                continue
            if runner.waiting:
                self._stopping.wait(0.02)
                continue
            wake.wait(self.poll_interval)
            wake.clear()

    def _listen(self) -> None:
        """Wake every projection thread when PostgreSQL notifies a new event."""
        while not self._stopping.is_set():
            try:
                subscription = self.app.recorder.subscribe(
                    gt=self.app.recorder.max_notification_id())
                with self._lock:
                    if self._stopping.is_set():
                        subscription.stop()
                    self._subscription = subscription
                with subscription:
                    for _ in subscription:
                        for wake in self._wakes:
                            wake.set()
            except Exception:
                log.exception("listening for new events failed; polling meanwhile")
                self._stopping.wait(self.poll_interval)
            finally:
                with self._lock:
                    self._subscription = None
