"""What every projection is: a name, the event topics it reads, its tables, and how it
turns a batch of events into writes, applied in the transaction that also records its
position."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from domain.procurement import events as procurement_events
from projections.db import Cursor
from projections.tables import Table
from projections.view import ViewMixin

Event = DomainEventProtocol[Any]
Positioned = tuple[int, Event]  # (notification id, decoded event)
Write = Callable[[Cursor], None]  # statements to run in the batch's transaction


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    found: list[type[Any]] = []
    for sub in cls.__subclasses__():
        found.extend((sub, *_subclasses(sub)))
    return found


# Every procurement event's topic, as the store records it.
PROCUREMENT_TOPICS: tuple[str, ...] = tuple(sorted(
    {get_topic(cls) for cls in _subclasses(procurement_events.ProcurementEvent)}))


class Projection(ABC):
    """One read model. Subclasses apply events with one handler per event type."""

    name: ClassVar[str]
    title: ClassVar[str]
    # Topics to read; empty means every event. Events outside them are never decoded,
    # but the projection's position still moves past them.
    topics: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[Table, ...]] = ()
    # False: `prepare` gets each event as the store holds it (the library's Notification,
    # its bytes undecoded, still encrypted with CIPHER_KEY) instead of the decoded event.
    decodes: ClassVar[bool] = True

    def __init__(self, app: Application[Any], view: ViewMixin) -> None:
        self.app = app
        self.view = view

    @abstractmethod
    def prepare(self, cursor: Cursor, events: Sequence[Positioned]) -> Write:
        """Read what the events (in log order) need with `cursor`, and return the writes
        that apply them. The runner reads before it takes the write lock and applies the
        writes, claim and position in one short transaction (its claim makes sure nobody
        changed the tables in between)."""

    def committed(self) -> None:  # noqa: B027 - an optional hook
        """The writes of the last `prepare` are committed (for what a projection keeps in
        memory)."""

    def forget(self) -> None:  # noqa: B027 - an optional hook
        """The writes of the last `prepare` are not committed, or the tables may have been
        changed by someone else: keep nothing from memory."""
