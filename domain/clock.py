"""The clock the service reads: injectable, so tests can travel in time."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved; for tests and demo data."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta


# The clock events are stamped with (their `timestamp`): the clock of the service that runs
# the command, so a service on a FixedClock records facts at the time it lives in.
_current: ContextVar[Clock | None] = ContextVar("clock", default=None)


def event_time() -> datetime:
    running = _current.get()
    return running.now() if running is not None else SystemClock().now()


class StampedByServiceClock:
    """Mixed into every aggregate's event base: events are stamped by `event_time`."""

    @staticmethod
    def create_timestamp() -> datetime:
        return event_time()


def stamping_with_own_clock(cls: type[T]) -> type[T]:
    """Class decorator of the application service: each public method it defines runs with
    the service's clock as the one events are stamped with."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        setattr(cls, name, _stamped(member))
    return cls


def _stamped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        # getattr: the library's __init__ calls some (register_transcodings) before the
        # service has its clock.
        token = _current.set(getattr(self, "clock", None))
        try:
            return method(self, *args, **kwargs)
        finally:
            _current.reset(token)
    return run
