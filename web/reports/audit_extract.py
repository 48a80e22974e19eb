"""The audit extract: every event of one procurement, or of an authority's procurements in
a period, in log order, with who acted (organisation, party) and what happened, and a
SHA-256 digest of the history it covers.

The digest, reproducibly (`history_digest`): each event of the extract, in log order, is
written as one line of JSON with exactly the keys of `CANONICAL_KEYS`, keys sorted, no
spaces (`separators=(",", ":")`), non-ASCII characters as themselves (UTF-8), and a
newline after every line. That text is offered as a download beside the PDF (the
extract's `.jsonl`), and the digest is its SHA-256: `sha256sum extract.jsonl` gives the
same hex string as the PDF prints. Any change to any event in the range (its time, actor,
type, fields, or an event added, dropped or moved) changes the digest.

The events are the audit trail's rows (projections/audit_trail.py): people by pseudonym,
names and secrets left out, as the trail keeps them, and each case's versions numbered as
the reader's history numbers them (`as_seen`: no gap where a sealed tender is).
`history_digest` is the one function that says what is hashed.

An extract of one procurement also prints the head of the case's hash chain at its last
event (`chain_head`, domain/history_chain.py): the link over the events as stored, which
the live system gives again for that version (`GET …/chain/head?version=`) and checks
(`procurement verify`) however far the case has moved on, so a printed extract can be held
against the store later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.history_chain import ChainLink
from domain.service import ProcurementService
from domain.values import Actor
from projections import audit_trail
from projections.audit_trail import AuditEntry
from projections.db import Database

DIGEST_ALGORITHM = "sha256"
CANONICAL_KEYS = ("position", "occurred_at", "aggregate_type", "aggregate_id",
                  "aggregate_version", "procurement_id", "owner_id", "user_id",
                  "organisation_id", "party", "event_type", "summary_sv", "changes")
PAGE = 1000  # rows read at a time
LOCAL = ZoneInfo("Europe/Stockholm")  # a period's days are Swedish days, as the timeline's


@dataclass(frozen=True)
class Scope:
    """One procurement, or one authority's procurements in a period (days inclusive)."""

    procurement_id: UUID | None = None
    authority_id: UUID | None = None
    since: date | None = None
    until: date | None = None

    def filters(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.procurement_id is not None:
            found["procurement_id"] = self.procurement_id
        if self.authority_id is not None:
            found["owner_ids"] = [self.authority_id]
        if self.since is not None:
            found["since"] = datetime.combine(self.since, time(), tzinfo=LOCAL)
        if self.until is not None:
            found["until"] = datetime.combine(self.until + timedelta(days=1), time(),
                                              tzinfo=LOCAL)
        return found

    def as_params(self) -> dict[str, str | None]:
        return {"procurement_id": _s(self.procurement_id), "authority_id": _s(self.authority_id),
                "since": _s(self.since), "until": _s(self.until)}

    @classmethod
    def from_params(cls, params: dict[str, str | None]) -> Scope:
        def get(key: str) -> str | None:
            return params.get(key) or None

        pid, authority, since, until = (get(k) for k in ("procurement_id", "authority_id",
                                                         "since", "until"))
        return cls(UUID(pid) if pid else None, UUID(authority) if authority else None,
                   date.fromisoformat(since) if since else None,
                   date.fromisoformat(until) if until else None)


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def entries(db: Database, scope: Scope,
            progress: Callable[[int], None] | None = None) -> list[AuditEntry]:
    """Every event of the scope in log order; `progress(n)` after each page read."""
    found: list[AuditEntry] = []
    for page in _pages(db, scope):
        found.extend(page)
        if progress is not None:
            progress(len(found))
    return found


def _pages(db: Database, scope: Scope) -> Iterator[list[AuditEntry]]:
    after: int | None = None
    while True:
        page = audit_trail.entries(db, after=after, limit=PAGE, **scope.filters())
        if page.entries:
            yield page.entries
        if page.next_cursor is None:
            return
        after = page.next_cursor


def canonical_line(entry: AuditEntry) -> bytes:
    """One event as the digest reads it (see the module's description)."""
    record = {
        "position": entry.position, "occurred_at": entry.occurred_at.isoformat(),
        "aggregate_type": entry.aggregate_type, "aggregate_id": str(entry.aggregate_id),
        "aggregate_version": entry.aggregate_version,
        "procurement_id": _s(entry.procurement_id), "owner_id": _s(entry.owner_id),
        "user_id": _s(entry.user_id), "organisation_id": _s(entry.organisation_id),
        "party": entry.party, "event_type": entry.event_type,
        "summary_sv": entry.summary_sv, "changes": entry.changes}
    return json.dumps(record, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8") + b"\n"


def to_jsonl(entries: Iterable[AuditEntry]) -> bytes:
    """The extract's events as the text the digest is taken of."""
    return b"".join(canonical_line(e) for e in entries)


def history_digest(entries: Sequence[AuditEntry]) -> str:
    """SHA-256 (hex) of the extract's history: of `to_jsonl(entries)`, line by line."""
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(canonical_line(entry))
    return digest.hexdigest()


def as_seen(service: ProcurementService, actor: Actor, entries: Sequence[AuditEntry]
            ) -> list[AuditEntry]:
    """The entries with each case's versions numbered as the actor's history numbers them:
    while a case's tenders are sealed, the rows of others' tenders are left out of the
    extract, and the versions after them would otherwise jump by how many there were."""
    numberings: dict[UUID, dict[int, int] | None] = {}
    shown = []
    for entry in entries:
        case_id = entry.procurement_id
        if case_id is None or entry.aggregate_id != case_id:
            shown.append(entry)
            continue
        if case_id not in numberings:
            numberings[case_id] = service.seen_versions(actor, case_id)
        numbering = numberings[case_id]
        shown.append(entry if numbering is None else
                     replace(entry, aggregate_version=numbering[entry.aggregate_version]))
    return shown


def chain_head(service: ProcurementService, actor: Actor, scope: Scope,
               entries: Sequence[AuditEntry]) -> ChainLink | None:
    """The head of the case's hash chain at the extract's last event of the case (an
    extract of one procurement; None for a period, or while that event is not chained)."""
    if scope.procurement_id is None:
        return None
    versions = [e.aggregate_version for e in entries
                if e.aggregate_id == scope.procurement_id]
    if not versions:
        return None
    return service.chain_head_at_event(actor, scope.procurement_id, max(versions))
