"""What every projection is: a name, the event topics it reads, its tables, and how it
applies a batch of events inside the transaction that also records its position."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
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

    def __init__(self, app: Application[Any], view: ViewMixin) -> None:
        self.app = app
        self.view = view

    @abstractmethod
    def process_batch(self, cursor: Cursor, events: Sequence[Positioned]) -> None:
        """Apply the events (in log order) with `cursor`, inside the batch's transaction."""
