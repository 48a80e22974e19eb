"""Queries on a case's history, part of the one application service (domain/service.py)
and decided by the same policy table (domain/access.py): the case as it stood at a past
moment, what changed between two moments, and the check of its hash chain.

Everything here reads the events alone. A reader from whom tenders are sealed knows the
case by their own numbering of its versions (the one `history` and the ETags use): other
organisations' tenders are not counted, not listed, and a past view hides them as the
live view did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING
from uuid import UUID

from domain import access, past
from domain.access import Command, Part
from domain.clock import stamping_with_own_clock
from domain.errors import ConfigurationError, ProcurementNotFound, ValidationError
from domain.history_chain import ChainLink, ChainLinks, ChainReport, StoredFact, check
from domain.past import CaseDiff, Moment, PastCase, Seen
from domain.procurement import Procurement, events
from domain.values import Actor
from domain.views import case_view

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from domain.clock import Clock
    from domain.views import HistoryEntry

    _ApplicationLike = Application[UUID]
else:
    _ApplicationLike = object


@stamping_with_own_clock
class HistoryQueries(_ApplicationLike):
    """Mixed into ProcurementService: past views, diffs and the chain's check."""

    history_chain: ChainLinks | None = None

    if TYPE_CHECKING:
        clock: Clock

        def _load_visible(self, actor: Actor, procurement_id: UUID
                          ) -> tuple[Procurement, frozenset[Part]]: ...

        @staticmethod
        def _require(command: Command, parts: frozenset[Part]) -> None: ...

        def _history(self, procurement_id: UUID, up_to: int | None = None
                     ) -> list[HistoryEntry]: ...

        def _store_of(self, procurement_id: UUID) -> HistoryQueries: ...

        def _stores(self) -> Sequence[HistoryQueries]: ...

    def case_as_of(self, actor: Actor, procurement_id: UUID, moment: Moment) -> PastCase:
        """The case as it stood at the moment, as the actor's part may see it."""
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VIEW_PAST, parts)
        return self._past(actor, case.id, parts, self._seen_history(actor, case), moment)

    def case_diff(self, actor: Actor, procurement_id: UUID, start: Moment, end: Moment
                  ) -> CaseDiff:
        """What changed between two moments, field by field, and what was recorded
        in between."""
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VIEW_PAST, parts)
        if start.version is None and start.as_of is None:
            version_name, time_name = start.names
            raise ValidationError(time_name, f"give {time_name} or {version_name}: the "
                                             "moment to compare from")
        seen = self._seen_history(actor, case)
        before, after = (self._past(actor, case.id, parts, seen, start),
                         self._past(actor, case.id, parts, seen, end))
        between = tuple(s.entry for s in seen
                        if before.view.version < s.entry.version <= after.view.version)
        return CaseDiff(before, after, past.diff(before.view, after.view), between)

    def verify_history(self, actor: Actor, procurement_id: UUID) -> ChainReport:
        """Recompute the case's hash chain from the events as stored and compare it with
        the links recorded when they were stored; versions in the actor's numbering."""
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VERIFY_HISTORY, parts)
        numbering = None
        if access.tenders_are_sealed(case):
            numbering = {s.stored_version: s.entry.version
                         for s in self._seen_history(actor, case)}
        return self._check_chain(procurement_id, numbering)

    def seen_versions(self, actor: Actor, procurement_id: UUID) -> dict[int, int] | None:
        """The case's stored versions as the actor's history numbers them while its tenders
        are sealed (the others' tenders not counted, so no gap tells how many there are);
        None once they are not, when the store's numbers are the actor's."""
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VIEW_HISTORY, parts)
        if not access.tenders_are_sealed(case):
            return None
        return {s.stored_version: s.entry.version for s in self._seen_history(actor, case)}

    def chain_head(self, actor: Actor, procurement_id: UUID,
                   version: str | int | None = None) -> ChainLink | None:
        """The last link recorded for the case that the actor may know (None: none yet),
        or the link at `version` (in the actor's numbering). A link stands for every event
        up to it: an audit extract prints the one at the last event it shows, and anyone
        can later ask for the link at that version and compare."""
        known, _ = self._known_links(actor, procurement_id)
        if version is None:
            return known[-1][1] if known else None
        number = past.parse_version(version, "version")
        for _, chained in known:
            if chained.version == number:
                return chained
        raise ValidationError("version", f"must be a version with a recorded link, from 1 "
                                         f"to {len(known)}")

    def chain_head_at_event(self, actor: Actor, procurement_id: UUID, stored_version: int
                            ) -> ChainLink | None:
        """The link an audit extract prints: the one recorded at its last event (as the
        store numbers it, the audit trail's `aggregate_version`), or at the last event
        before it that the actor may know; None while that event is not chained yet."""
        known, last_chained = self._known_links(actor, procurement_id)
        if last_chained < stored_version:
            return None
        for stored, chained in reversed(known):
            if stored <= stored_version:
                return chained
        return None

    def _known_links(self, actor: Actor, procurement_id: UUID
                     ) -> tuple[list[tuple[int, ChainLink]], int]:
        """(stored version, link in the actor's numbering) of every recorded link the
        actor may know, oldest first; and the last stored version chained at all."""
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VERIFY_HISTORY, parts)
        links = self._store_of(procurement_id)._chain().links(procurement_id)
        numbering = ({s.stored_version: s.entry.version
                      for s in self._seen_history(actor, case)}
                     if access.tenders_are_sealed(case) else {v: v for v in links})
        known = [(v, ChainLink(procurement_id, numbering[v], links[v])) for v in sorted(links)
                 if v in numbering]
        return known, max(links, default=0)

    # -- for the operator's console on the server only (never reachable from the web) ----

    def verify_stored_history(self, procurement_id: UUID) -> ChainReport:
        """The chain check of one case, every event counted (no reader, no policy)."""
        return self._check_chain(procurement_id, None)

    def chained_case_ids(self) -> list[UUID]:
        """Every case with a recorded link, in the order they were first stored (store by
        store, where authorities are spread over several)."""
        return [case_id for store in self._stores()
                for case_id in store._chain().chained_procurements()]

    # -- shared --------------------------------------------------------------------------

    def _seen_history(self, actor: Actor, case: Procurement) -> list[Seen]:
        """The case's events up to the version loaded, as the actor may know them."""
        entries = self._history(case.id, up_to=case.version)
        seen = [Seen(e.version, e) for e in entries]
        if access.tenders_are_sealed(case):
            # Who tendered is part of the sealed tender until tendering closes, and so is
            # how many did: the entries are numbered as the actor's visible versions, with
            # no gaps where a hidden tender was.
            seen = [s for s in seen if s.entry.event_type != events.TenderSubmitted.__name__
                    or s.entry.actor.organisation_id == actor.organisation_id]
            seen = [Seen(s.stored_version, replace(s.entry, version=number))
                    for number, s in enumerate(seen, 1)]
        return seen

    def _past(self, actor: Actor, case_id: UUID, parts: frozenset[Part], seen: list[Seen],
              moment: Moment) -> PastCase:
        chosen, asked = past.pick(seen, moment, self.clock.now())
        then: object = self._store_of(case_id).repository.get(
            case_id, version=chosen.stored_version)
        if not isinstance(then, Procurement):
            raise ProcurementNotFound(case_id)
        # Compliance is assessed on the day of the moment, as it would have been then.
        day = (asked or chosen.entry.recorded_at).astimezone(UTC).date()
        view = replace(case_view(then, actor, parts, day), version=chosen.entry.version)
        return PastCase(view, chosen.entry.recorded_at, asked)

    def _check_chain(self, procurement_id: UUID, numbering: dict[int, int] | None
                     ) -> ChainReport:
        # Links first: every link recorded is of an event already stored, so a version
        # linked but not stored is one that is gone, not one stored meanwhile.
        store = self._store_of(procurement_id)  # the links are kept beside the events
        recorded = store._chain().links(procurement_id)
        facts = [StoredFact.of(s) for s in store.recorder.select_events(procurement_id)]
        if not facts and not recorded:
            raise ProcurementNotFound(procurement_id)
        return check(procurement_id, facts, recorded, numbering)

    def _chain(self) -> ChainLinks:
        if self.history_chain is None:
            raise ConfigurationError("the history chain needs the read models' database: "
                                     "build the service with web.bootstrap.build_service")
        return self.history_chain
