"""The application service: one public method per command or query of a procurement.

Every method takes the acting user. It loads the case, asks the access policy (access.py)
whether the actor's part allows the command, calls one aggregate method and saves. A save
that loses a race with another writer is re-run on the fresh case a bounded number of
times, then reported as a conflict.

A caller that must know which version of the case it acts on (a web request with
`If-Match`, one answering with an `ETag`) runs the service inside `versioned()`:

    with service.versioned(expected=7) as seen:
        service.publish(actor, procurement_id, deadline)   # VersionMismatch unless at 7
    seen.version                                           # 8: the version it saved
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Set
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording

from domain import access, config
from domain.access import Command, Part
from domain.clock import Clock, SystemClock, stamping_with_own_clock
from domain.directory.commands import DirectoryCommands
from domain.directory.user import User
from domain.errors import (
    AccessDenied,
    AlreadyRecorded,
    ConcurrencyConflict,
    ProcurementNotFound,
    VersionMismatch,
)
from domain.history_queries import HistoryQueries
from domain.participants.commands import ParticipantCommands
from domain.procurement import Procurement, events
from domain.procurement.compliance import ComplianceAssessment, ComplianceOutcome
from domain.procurement.contract import Award, Contract, KickOff
from domain.procurement.deviations import Deviation, DeviationDecision
from domain.procurement.dialogue import DialogueNote
from domain.procurement.followup_plan import FollowUpPlan
from domain.procurement.matching import Candidate, Position, Preparation
from domain.procurement.placements import PlacementTerms
from domain.procurement.reminders import Reminder, ReminderPolicy
from domain.procurement.reports import SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import Tender
from domain.routing import CaseStores
from domain.transcodings import register_transcodings
from domain.values import SYSTEM, Actor, Role
from domain.views import CaseView, HistoryEntry, case_view

AuditGrants = Callable[[UUID], Set[UUID]]
"""Given an audit organisation, the authorities whose procurements it may read."""


@dataclass
class CaseVersion:
    """The version a `versioned` block holds its commands to, and the one it last saw."""

    expected: int | None = None
    """The version a command requires the case to be at; None: whichever it is at."""
    version: int | None = None
    """The version the case was last read at or, after a command, saved at."""
    saved: bool = False
    """Whether a command of the block stored events."""


# A context variable, not an attribute: each thread (each web request) has its own block.
_case_version: ContextVar[CaseVersion | None] = ContextVar("case_version", default=None)


@stamping_with_own_clock
class ProcurementService(DirectoryCommands, ParticipantCommands, HistoryQueries,
                         Application[UUID]):
    name = "Procurement"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Procurement: 50}
    max_attempts = 5

    def __init__(self, env: Mapping[str, str] | None = None, *, clock: Clock | None = None,
                 audit_grants: AuditGrants | None = None) -> None:
        # Before the library's __init__, which may already save (it never does today).
        self._written = threading.local()
        self._parties = {}
        self._token_checks = {}
        super().__init__(config.persistence_settings(env))
        self.clock: Clock = clock or SystemClock()
        # Grants live on the audit organisations in the directory; tests may pass others.
        self._audit_grants = audit_grants or self.audited_authorities
        # Set by web/bootstrap.py when authorities are spread over several stores
        # (domain/routing.py): cases are then loaded from and saved to their own store.
        self.case_stores: CaseStores[ProcurementService] | None = None

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        if self.case_stores is not None and objs and isinstance(objs[0], Procurement):
            # One case per save (every command saves just its case).
            store = self.case_stores.for_saving(objs[0].id, objs[0].owner_id)
            if store is not self:
                return store.save(*objs, **kwargs)
        recordings = super().save(*objs, **kwargs)
        self._forget_token_checks(o.id for o in objs if isinstance(o, User))
        if recordings:
            last = max(r.notification.id for r in recordings)
            self._written.position = max(last, getattr(self._written, "position", 0))
        return recordings

    def last_written_position(self) -> int:
        """The log position of the last event this thread stored since it last asked (0:
        none), so a web request can wait until the read models show its own write."""
        position: int = getattr(self._written, "position", 0)
        self._written.position = 0
        return position

    @contextlib.contextmanager
    def versioned(self, expected: int | None = None) -> Iterator[CaseVersion]:
        """Holds the commands of the block to the case being at version `expected`, checked
        on the very version each command runs on; a save that then loses a race is a
        VersionMismatch too, never re-run on the newer case. Notes the version read or
        saved, for the caller to pass on."""
        seen = CaseVersion(expected)
        token = _case_version.set(seen)
        try:
            yield seen
        finally:
            _case_version.reset(token)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transcodings(transcoder)

    # -- set-up ----------------------------------------------------------------------

    def create_procurement(self, actor: Actor, setup: CaseSetup) -> UUID:
        self._require(Command.CREATE_PROCUREMENT, access.parts_of(actor, None))
        case = Procurement.create(actor, setup)
        self.save(case)
        _note_saved(actor, case)
        return case.id

    def revise_setup(self, actor: Actor, procurement_id: UUID, setup: CaseSetup) -> None:
        self._execute(actor, procurement_id, Command.REVISE_SETUP,
                      lambda case: case.revise_setup(actor, setup))

    def set_requirement(self, actor: Actor, procurement_id: UUID,
                        requirement: EmploymentRequirement) -> None:
        self._execute(actor, procurement_id, Command.SET_REQUIREMENT,
                      lambda case: case.set_requirement(actor, requirement))

    def set_follow_up_plan(self, actor: Actor, procurement_id: UUID, plan: FollowUpPlan) -> None:
        self._execute(actor, procurement_id, Command.SET_FOLLOW_UP_PLAN,
                      lambda case: case.set_follow_up_plan(actor, plan))

    def amend_follow_up_plan(self, actor: Actor, procurement_id: UUID, plan: FollowUpPlan,
                             reason: str) -> None:
        self._execute(actor, procurement_id, Command.AMEND_FOLLOW_UP_PLAN,
                      lambda case: case.amend_follow_up_plan(actor, plan, reason))

    def add_dialogue_note(self, actor: Actor, procurement_id: UUID, note: DialogueNote) -> None:
        self._execute(actor, procurement_id, Command.ADD_DIALOGUE_NOTE,
                      lambda case: case.add_dialogue_note(actor, note))

    def publish(self, actor: Actor, procurement_id: UUID, tender_deadline: date) -> None:
        self._execute(actor, procurement_id, Command.PUBLISH,
                      lambda case: case.publish(actor, tender_deadline))

    # -- tendering and award ------------------------------------------------------------

    def submit_tender(self, actor: Actor, procurement_id: UUID, tender: Tender) -> None:
        self._execute(actor, procurement_id, Command.SUBMIT_TENDER,
                      lambda case: case.submit_tender(actor, tender))

    def close_tendering(self, actor: Actor, procurement_id: UUID) -> None:
        self._execute(actor, procurement_id, Command.CLOSE_TENDERING,
                      lambda case: case.close_tendering(actor))

    def award_contract(self, actor: Actor, procurement_id: UUID, award: Award) -> None:
        self._execute(actor, procurement_id, Command.AWARD_CONTRACT,
                      lambda case: case.award_contract(actor, award))

    def sign_contract(self, actor: Actor, procurement_id: UUID, contract: Contract) -> None:
        self._execute(actor, procurement_id, Command.SIGN_CONTRACT,
                      lambda case: case.sign_contract(actor, contract))

    def hold_kick_off(self, actor: Actor, procurement_id: UUID, kick_off: KickOff) -> None:
        self._execute(actor, procurement_id, Command.HOLD_KICK_OFF,
                      lambda case: case.hold_kick_off(actor, kick_off, self.clock.today()))

    def appoint_matcher(self, actor: Actor, procurement_id: UUID, matcher_id: UUID) -> None:
        self._execute(actor, procurement_id, Command.APPOINT_MATCHER,
                      lambda case: case.appoint_matcher(actor, matcher_id))

    def invite_partner(self, actor: Actor, procurement_id: UUID, partner_id: UUID) -> None:
        self._execute(actor, procurement_id, Command.INVITE_PARTNER,
                      lambda case: case.invite_partner(actor, partner_id))

    # -- matching and placements --------------------------------------------------------

    def offer_position(self, actor: Actor, procurement_id: UUID, position: Position) -> None:
        self._execute(actor, procurement_id, Command.OFFER_POSITION,
                      lambda case: case.offer_position(actor, position))

    def propose_candidate(self, actor: Actor, procurement_id: UUID,
                          candidate: Candidate) -> None:
        self._execute(actor, procurement_id, Command.PROPOSE_CANDIDATE,
                      lambda case: case.propose_candidate(actor, candidate))

    def accept_candidate(self, actor: Actor, procurement_id: UUID, candidate_id: UUID) -> None:
        self._execute(actor, procurement_id, Command.ACCEPT_CANDIDATE,
                      lambda case: case.accept_candidate(actor, candidate_id))

    def decline_candidate(self, actor: Actor, procurement_id: UUID, candidate_id: UUID,
                          reason: str) -> None:
        self._execute(actor, procurement_id, Command.DECLINE_CANDIDATE,
                      lambda case: case.decline_candidate(actor, candidate_id, reason))

    def record_preparation(self, actor: Actor, procurement_id: UUID, candidate_id: UUID,
                           preparation: Preparation) -> None:
        self._execute(actor, procurement_id, Command.RECORD_PREPARATION,
                      lambda case: case.record_preparation(actor, candidate_id, preparation))

    def start_placement(self, actor: Actor, procurement_id: UUID, placement_id: UUID,
                        candidate_id: UUID, terms: PlacementTerms) -> None:
        self._execute(actor, procurement_id, Command.START_PLACEMENT,
                      lambda case: case.start_placement(actor, placement_id, candidate_id,
                                                        terms, self.clock.today()))

    def end_placement(self, actor: Actor, procurement_id: UUID, placement_id: UUID,
                      ended_on: date, reason: str = "") -> None:
        self._execute(actor, procurement_id, Command.END_PLACEMENT,
                      lambda case: case.end_placement(actor, placement_id, ended_on,
                                                      self.clock.today(), reason))

    # -- follow-up -----------------------------------------------------------------------

    def record_checkpoint(self, actor: Actor, procurement_id: UUID, placement_id: UUID,
                          checkpoint: str, observed_on: date,
                          values: dict[str, object]) -> None:
        self._execute(actor, procurement_id, Command.RECORD_CHECKPOINT,
                      lambda case: case.record_checkpoint(actor, placement_id, checkpoint,
                                                          observed_on, values,
                                                          self.clock.today()))

    def submit_report(self, actor: Actor, procurement_id: UUID, report: SupplierReport) -> None:
        self._execute(actor, procurement_id, Command.SUBMIT_REPORT,
                      lambda case: case.submit_report(actor, report))

    def verify_report(self, actor: Actor, procurement_id: UUID, report_id: UUID,
                      comment: str = "") -> None:
        self._execute(actor, procurement_id, Command.VERIFY_REPORT,
                      lambda case: case.verify_report(actor, report_id, comment))

    def query_report(self, actor: Actor, procurement_id: UUID, report_id: UUID,
                     comment: str) -> None:
        self._execute(actor, procurement_id, Command.QUERY_REPORT,
                      lambda case: case.query_report(actor, report_id, comment))

    def note_deviation(self, actor: Actor, procurement_id: UUID, deviation: Deviation) -> None:
        self._execute(actor, procurement_id, Command.NOTE_DEVIATION,
                      lambda case: case.note_deviation(actor, deviation))

    def decide_deviation(self, actor: Actor, procurement_id: UUID, deviation_id: UUID,
                         decision: DeviationDecision) -> None:
        self._execute(actor, procurement_id, Command.DECIDE_DEVIATION,
                      lambda case: case.decide_deviation(actor, deviation_id, decision))

    def end_contract(self, actor: Actor, procurement_id: UUID, ended_on: date) -> None:
        self._execute(actor, procurement_id, Command.END_CONTRACT,
                      lambda case: case.end_contract(actor, ended_on, self.clock.today()))

    def close_procurement(self, actor: Actor, procurement_id: UUID,
                          decision: ComplianceOutcome, motivation: str = "") -> None:
        self._execute(actor, procurement_id, Command.CLOSE,
                      lambda case: case.close(actor, decision, motivation))

    def cancel(self, actor: Actor, procurement_id: UUID, reason: str) -> None:
        self._execute(actor, procurement_id, Command.CANCEL,
                      lambda case: case.cancel(actor, reason))

    # -- reminders ---------------------------------------------------------------------

    def set_reminder_policy(self, actor: Actor, procurement_id: UUID,
                            policy: ReminderPolicy) -> None:
        self._execute(actor, procurement_id, Command.SET_REMINDER_POLICY,
                      lambda case: case.set_reminder_policy(actor, policy))

    def record_reminder(self, procurement_id: UUID, reminder: Reminder) -> bool:
        """The scheduler's command (no user's: the service acts as SYSTEM). True if the
        reminder is now recorded, False if it had been already, by this scheduler or
        another: the case refuses a second recording, and a lost race is re-run on the
        fresh case, where that refusal then answers."""
        for attempt in range(self.max_attempts):
            case = self._load(procurement_id)
            try:
                case.record_reminder(SYSTEM, reminder, self.clock.today())
            except AlreadyRecorded:
                return False
            try:
                self.save(case)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.005) * (attempt + 1))  # noqa: S311
                continue
            return True
        raise ConcurrencyConflict(procurement_id, self.max_attempts)

    # -- open data -------------------------------------------------------------------

    def mark_for_publication(self, actor: Actor, procurement_id: UUID) -> None:
        self._execute(actor, procurement_id, Command.MARK_FOR_PUBLICATION,
                      lambda case: case.mark_for_publication(actor))

    def open_data_events(self, actor: Actor | None, procurement_id: UUID
                         ) -> list[events.ProcurementEvent]:
        """The case's events, for the open-data export to turn into releases: for its
        owner and auditors at any time, and for anyone (`actor` None) once the owner has
        marked it for publication. A case nobody may export answers exactly like a case
        that does not exist."""
        case = self._load(procurement_id)
        parts = (access.public_parts(case) if actor is None
                 else self._visible_parts(actor, case) | access.public_parts(case))
        if not parts:
            raise ProcurementNotFound(procurement_id)
        self._require(Command.EXPORT_OPEN_DATA, parts)
        store = self._store_of(procurement_id)
        return [e for e in store.events.get(procurement_id, lte=case.version)
                if isinstance(e, events.ProcurementEvent)]

    # -- queries -------------------------------------------------------------------------

    def get_case(self, actor: Actor, procurement_id: UUID) -> CaseView:
        case, parts = self._load_visible(actor, procurement_id)
        return case_view(case, actor, parts, self.clock.today())

    def compliance(self, actor: Actor, procurement_id: UUID) -> ComplianceAssessment:
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VIEW_COMPLIANCE, parts)
        return case.assess_compliance(self.clock.today())

    def history(self, actor: Actor, procurement_id: UUID) -> list[HistoryEntry]:
        case, parts = self._load_visible(actor, procurement_id)
        self._require(Command.VIEW_HISTORY, parts)
        # Up to the version loaded: the entries then match the version noted for an ETag.
        return [seen.entry for seen in self._seen_history(actor, case)]

    def visible_cases(self, actor: Actor) -> list[CaseView]:
        """The cases the actor has a part in, as it may see them; each case is loaded once.
        Replays every case: the read models (projections/case_list.py) replace it."""
        today, views = self.clock.today(), []
        for case_id in self.all_case_ids():
            case = self._load(case_id)
            if parts := self._visible_parts(actor, case):
                views.append(case_view(case, actor, parts, today))
        return views

    # -- for the operator's console on the server only (never reachable from the web) ----

    def inspect(self, procurement_id: UUID) -> tuple[Procurement, list[HistoryEntry]]:
        return self._load(procurement_id), self._history(procurement_id)

    def all_case_ids(self) -> list[UUID]:
        if self.case_stores is None:
            return self._created(events.Created)
        return [case_id for store in self.case_stores.all()
                for case_id in store._created(events.Created)]

    def close(self) -> None:
        super().close()
        if self.case_stores is not None:
            self.case_stores.close()

    # -- the machinery every command shares -----------------------------------------------

    def _execute(self, actor: Actor, procurement_id: UUID, command: Command,
                 change: Callable[[Procurement], None]) -> None:
        expected = _expected_version()
        for attempt in range(self.max_attempts):
            case, parts = self._load_visible(actor, procurement_id)
            self._require(command, parts)
            if expected is not None and access.visible_version(actor, case) != expected:
                raise VersionMismatch(procurement_id, expected,
                                      access.visible_version(actor, case))
            change(case)
            try:
                self.save(case)
            except IntegrityError:
                if expected is not None:
                    # The case the client saw is gone; re-running would act on a newer one.
                    raise VersionMismatch(procurement_id, expected) from None
                # Someone else saved first: re-run the command on the fresh case, after a
                # short random pause so that writers who collided do not collide again.
                time.sleep(random.uniform(0, 0.005) * (attempt + 1))  # noqa: S311
                continue
            _note_saved(actor, case)
            return
        raise ConcurrencyConflict(procurement_id, self.max_attempts)

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """A snapshot is an optimisation taken after the events are stored: another process
        having stored the same one already must not make the command look failed.

        It is taken from the aggregate just saved when that is at the snapshot's version
        (one event per command): the library would read it back from the store first,
        replaying the interval's events once more on every 50th command."""
        with contextlib.suppress(IntegrityError):
            for event in processing_event.events:
                aggregate = processing_event.aggregates.get(event.originator_id)
                interval = self.snapshotting_intervals.get(type(aggregate))
                if (aggregate is None or interval is None or not self.snapshots
                        or event.originator_version % interval):
                    continue
                if (isinstance(aggregate, Aggregate)
                        and aggregate.version == event.originator_version):
                    self.snapshots.put([type(aggregate).Snapshot.take(aggregate)])
                else:  # one of several events saved at once: read back, as the library does
                    self.take_snapshot(event.originator_id, version=event.originator_version)

    def _stores(self) -> list[ProcurementService]:
        """Every store cases may live in: this one, and the others routing names."""
        return self.case_stores.all() if self.case_stores is not None else [self]

    def _store_of(self, procurement_id: UUID) -> ProcurementService:
        """The service whose store holds the case: this one unless routing is on."""
        if self.case_stores is None:
            return self
        store = self.case_stores.of_case(procurement_id)
        if store is None:
            raise ProcurementNotFound(procurement_id)
        return store

    def _load(self, procurement_id: UUID) -> Procurement:
        try:
            case: object = self._store_of(procurement_id).repository.get(procurement_id)
        except AggregateNotFoundError:
            raise ProcurementNotFound(procurement_id) from None
        if not isinstance(case, Procurement):
            raise ProcurementNotFound(procurement_id)
        return case

    def _visible_parts(self, actor: Actor, case: Procurement) -> frozenset[Part]:
        audited = (self._audit_grants(actor.organisation_id)
                   if actor.role is Role.AUDITOR else frozenset())
        parts = access.parts_of(actor, case, audited)
        return parts if access.allows(Command.VIEW_CASE, parts) else frozenset()

    def _load_visible(self, actor: Actor, procurement_id: UUID
                      ) -> tuple[Procurement, frozenset[Part]]:
        """The case and the actor's parts in it; a case the actor may not see answers
        exactly like one that does not exist."""
        case = self._load(procurement_id)
        parts = self._visible_parts(actor, case)
        if not parts:
            raise ProcurementNotFound(procurement_id)
        if seen := _case_version.get():
            seen.version = access.visible_version(actor, case)
        return case, parts

    @staticmethod
    def _require(command: Command, parts: frozenset[Part]) -> None:
        if not access.allows(command, parts):
            raise AccessDenied(command.value)

    def _history(self, procurement_id: UUID, up_to: int | None = None
                 ) -> list[HistoryEntry]:
        return [HistoryEntry(e.originator_version, e.timestamp, type(e).__name__, e.actor)
                for e in self._store_of(procurement_id).events.get(procurement_id, lte=up_to)
                if isinstance(e, events.ProcurementEvent)]


def _expected_version() -> int | None:
    seen = _case_version.get()
    return seen.expected if seen else None


def _note_saved(actor: Actor, case: Procurement) -> None:
    if seen := _case_version.get():
        seen.version = access.visible_version(actor, case)
        seen.saved = True
