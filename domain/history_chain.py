"""The hash chain over each procurement's history: what a link is, and how a chain is
checked against the events as they are stored now.

Each event of a procurement gets a link: SHA-256 over the previous link and the event as
the store holds it (its aggregate id, version, topic and stored bytes). The bytes are the
recorder's own, so with CIPHER_KEY set the chain covers the encrypted, compressed form:
nothing has to be decrypted to check it, and the participant register's erasure (which
deletes a person's key, never an event) cannot change a link. Changing any stored byte of
an event changes its link and, through `previous`, every link after it; the last link
(the head) therefore stands for the whole history up to it, which is why the audit
extract prints it.

The links are recorded once, when the event is first seen (projections/history_chain.py);
`check` recomputes them from the store and names the first event whose link differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

GENESIS = "0" * 64
"""The `previous` of a procurement's first event."""


@dataclass(frozen=True)
class StoredFact:
    """One event as the recorder holds it: nothing decoded."""

    procurement_id: UUID
    version: int
    topic: str
    state: bytes

    @classmethod
    def of(cls, stored: Any) -> StoredFact:
        """One of the library's stored events (or notifications), as the store holds it."""
        originator = stored.originator_id
        return cls(originator if isinstance(originator, UUID) else UUID(str(originator)),
                   int(stored.originator_version), str(stored.topic), bytes(stored.state))


@dataclass(frozen=True)
class ChainLink:
    procurement_id: UUID
    version: int
    link: str  # hex SHA-256


@dataclass(frozen=True)
class ChainBreak:
    """The first event of a procurement whose stored form no longer gives the recorded
    link (`found` None: the event is gone from the store)."""

    procurement_id: UUID
    version: int
    expected: str | None  # the link recorded when the event was stored (None: none was)
    found: str | None  # the link the event as stored now gives


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking one procurement's chain."""

    procurement_id: UUID
    checked: int  # events whose links were recomputed and compared
    head: ChainLink | None  # the last link checked: it stands for all before it
    broken: ChainBreak | None
    unchained: int = 0  # events stored after the last recorded link (not yet chained)

    @property
    def clean(self) -> bool:
        return self.broken is None


class ChainLinks(Protocol):
    """The recorded links of each procurement (projections/history_chain.py keeps them)."""

    def links(self, procurement_id: UUID) -> dict[int, str]:
        """Version → link, every version recorded so far."""
        ...

    def chained_procurements(self) -> list[UUID]:
        """Every procurement with at least one recorded link."""
        ...


def link(previous: str, fact: StoredFact) -> str:
    """The link of `fact` after the link `previous`. The fields are separated by newlines,
    which none but the stored bytes (last) can contain, so no two facts share an input."""
    digest = hashlib.sha256()
    header = f"{previous}\n{fact.procurement_id}\n{fact.version}\n{fact.topic}\n"
    digest.update(header.encode())
    digest.update(fact.state)
    return digest.hexdigest()


def chain(facts: Iterable[StoredFact], previous: str = GENESIS) -> list[ChainLink]:
    """The links of one procurement's facts (in version order), continuing from
    `previous`."""
    links = []
    for fact in facts:
        previous = link(previous, fact)
        links.append(ChainLink(fact.procurement_id, fact.version, previous))
    return links


def check(procurement_id: UUID, facts: Iterable[StoredFact], recorded: Mapping[int, str],
          compared: Mapping[int, int] | None = None) -> ChainReport:
    """Recompute the chain of `facts` (one procurement's stored events, version order) and
    compare it with the `recorded` links. Stored events after the last recorded one are
    not chained yet: they are counted, not compared.

    `compared` (version → the number a reader knows it by) limits the comparison to the
    events a reader may see: a change to an event they may not see still shows, at the
    next one they may, since every link carries all before it. Versions in the report are
    then in the reader's numbering."""
    number = (lambda version: version) if compared is None else compared.get
    last_recorded = max(recorded, default=0)
    previous, checked, head, unchained = GENESIS, 0, None, 0
    next_version = 1
    for fact in facts:
        if fact.version > last_recorded:
            unchained += number(fact.version) is not None
            continue
        for missing in range(next_version, fact.version):
            # Recorded once, gone from the store now.
            if (shown := number(missing)) is not None:
                broken = ChainBreak(procurement_id, shown, recorded.get(missing), None)
                return ChainReport(procurement_id, checked, head, broken)
        next_version = fact.version + 1
        found = link(previous, fact)
        previous = found
        shown = number(fact.version)
        if shown is None:
            continue
        expected = recorded.get(fact.version)
        if expected != found:
            broken = ChainBreak(procurement_id, shown, expected, found)
            return ChainReport(procurement_id, checked, head, broken)
        checked += 1
        head = ChainLink(procurement_id, shown, found)
    for missing in range(next_version, last_recorded + 1):
        if (shown := number(missing)) is not None:
            broken = ChainBreak(procurement_id, shown, recorded.get(missing), None)
            return ChainReport(procurement_id, checked, head, broken)
    return ChainReport(procurement_id, checked, head, None, unchained)
