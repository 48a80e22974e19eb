"""The participant register's commands, part of the one application service
(domain/service.py), decided by the same policy table as every other (domain/access.py).

A read decrypts only what the reader's part allows: the registering matcher everything, the
supplier employing the person in a case the name and contact, never the target group or
the identity number; authorities and auditors no one.

Every read that decrypts writes one entry to the read log (read_log.py) before it returns,
in the same call: no caller can read a person without the log knowing who, when, where
(the caller names its page, API route or export) and on what ground (the service decides:
the registering matcher, or the employer in a case). A refused read writes no entry: it
read nothing, and its answer is the same as for a person who does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import access, validation
from domain.access import Command, Part
from domain.clock import stamping_with_own_clock
from domain.errors import (
    AccessDenied,
    ConfigurationError,
    ParticipantErased,
    ParticipantNotFound,
)
from domain.participants.participant import ERASED, REGISTERED, Participant, new_reference
from domain.participants.read_log import ReadGround, ReadLog, ReadLogEntry
from domain.participants.sealing import KeyStore, PersonalDetails, seal, unseal
from domain.values import Actor, Role, TargetGroup

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from domain.clock import Clock
    from domain.procurement import Procurement

    _ApplicationLike = Application[UUID]
else:
    _ApplicationLike = object


@dataclass(frozen=True)
class ParticipantView:
    """A person as one reader may see them: fields the reader's part does not allow are
    None, never filled in and blanked afterwards."""

    participant_id: UUID
    reference: str
    registered_by: UUID
    registered_at: datetime
    name: str
    email: str
    phone: str
    personal_number: str | None = None
    target_group: TargetGroup | None = None
    eligibility_attested: bool | None = None


@dataclass(frozen=True)
class RegisteredReference:
    """A person in the register as the list of them shows them: no personal data."""

    participant_id: UUID
    reference: str
    registered_at: datetime


@stamping_with_own_clock
class ParticipantCommands(_ApplicationLike):
    """Mixed into ProcurementService: register, read and erase people."""

    key_store: KeyStore | None = None
    read_log: ReadLog | None = None
    _REFERENCE_ATTEMPTS = 5
    _PAGE = 500  # notifications read at a time when listing the register

    if TYPE_CHECKING:
        clock: Clock

        def _load_visible(self, actor: Actor, procurement_id: UUID
                          ) -> tuple[Procurement, frozenset[Part]]: ...

    def register_participant(self, actor: Actor, details: PersonalDetails
                             ) -> tuple[UUID, str]:
        """The new person's id and pseudonymous reference (the one a case will hold)."""
        self._require_participant(Command.REGISTER_PARTICIPANT,
                                  access.participant_parts(actor, None))
        keys = self._keys()
        for _ in range(self._REFERENCE_ATTEMPTS):
            reference = new_reference()
            participant_id = Participant.id_for(reference)
            sealed = seal(keys.create(participant_id), participant_id, details)
            try:
                self.save(Participant.register(actor, reference, sealed))
            except IntegrityError:
                # The random reference was taken (the id is derived from it): draw again.
                # The key just made belongs to the one who holds the reference already.
                continue
            return participant_id, reference
        raise IntegrityError("no free participant reference")  # 31^8 codes: never in practice

    def read_participant(self, actor: Actor, participant_id: UUID,
                         case_id: UUID | None = None, *, where: str) -> ParticipantView:
        """The person as the actor may see them, logged as read at `where` (the caller's
        page, API route or export). A supplier reads through a case (`case_id`) in which
        it employs the person; a reader with no part is told the person does not exist,
        as for a case."""
        place = validation.text(where, "where", max_length=100)
        participant = self._participant(participant_id)
        parts = access.participant_parts(actor, participant.registered_by,
                                         self._employs(actor, participant, case_id))
        if not access.allows(Command.VIEW_PARTICIPANT_CONTACT, parts):
            raise ParticipantNotFound(participant_id)
        key = None if participant.erased else self._keys().get(participant.id)
        if key is None:
            raise ParticipantErased(participant.reference)
        details = unseal(key, participant.id, participant.sealed)
        everything = access.allows(Command.VIEW_PARTICIPANT, parts)
        self._log_read(actor, participant, place,
                       ReadGround.REGISTERING_MATCHER if everything else ReadGround.EMPLOYER,
                       None if everything else case_id)
        view = ParticipantView(participant.id, participant.reference,
                               participant.registered_by, participant.created_on,
                               details.name, details.email, details.phone)
        if not everything:
            return view
        return replace(view, personal_number=details.personal_number,
                       target_group=details.target_group,
                       eligibility_attested=details.eligibility_attested)

    def registered_references(self, actor: Actor) -> list[RegisteredReference]:
        """The people the actor's organisation registered and has not erased, by reference
        only: nothing is decrypted, so listing them is no read of personal data and writes
        no read-log entry."""
        self._require_participant(Command.REGISTER_PARTICIPANT,
                                  access.participant_parts(actor, None))
        found: dict[UUID, RegisteredReference] = {}
        # No read model holds the register yet: the log is filtered by the two event
        # topics in the database, so the scan reads the register's events only.
        topics = [get_topic(REGISTERED), get_topic(ERASED)]
        start: int | None = None
        while page := self.recorder.select_notifications(
                start, self._PAGE, topics=topics, inclusive_of_start=start is None):
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                fields: Any = event  # a Registered event's own attributes, unseen by mypy
                if isinstance(event, ERASED):
                    found.pop(event.originator_id, None)
                elif (isinstance(event, REGISTERED)
                      and fields.registered_by == actor.organisation_id):
                    found[event.originator_id] = RegisteredReference(
                        event.originator_id, fields.reference, event.timestamp)
            start = page[-1].id
        return sorted(found.values(), key=lambda r: r.registered_at)

    def read_log_of_case(self, actor: Actor, case_id: UUID, limit: int = 1000
                         ) -> list[ReadLogEntry]:
        """Who read the people proposed or placed in a case: for the owning authority's
        auditors. The entries name people by reference only."""
        case, parts = self._load_visible(actor, case_id)
        self._require_participant(Command.VIEW_READ_LOG, parts)
        references = {c.participant_ref for c in case.candidates.values()}
        return self._log().entries(references, limit)

    def console_read_log(self, reference: str | None = None, limit: int = 1000
                         ) -> list[ReadLogEntry]:
        """The operator's console on the server (no actor: no policy guards it): the whole
        log, or one person's entries."""
        return self._log().entries(None if reference is None else {reference}, limit)

    def erase_participant(self, actor: Actor | None, participant_id: UUID,
                          reason: str) -> None:
        """`actor` None is the operator's console on the server. The key goes first: once
        it is deleted the person is unreadable, whatever happens to the event after."""
        participant = self._participant(participant_id)
        if actor is not None and not access.allows(
                Command.ERASE_PARTICIPANT,
                access.participant_parts(actor, participant.registered_by)):
            raise ParticipantNotFound(participant_id)
        participant.erase(actor, reason)
        self._keys().delete(participant.id)
        self.save(participant)

    # -- shared ----------------------------------------------------------------------------

    def _participant(self, participant_id: UUID) -> Participant:
        try:
            found: object = self.repository.get(participant_id)
        except AggregateNotFoundError:
            raise ParticipantNotFound(participant_id) from None
        if not isinstance(found, Participant):
            raise ParticipantNotFound(participant_id)
        return found

    def _employs(self, actor: Actor, participant: Participant, case_id: UUID | None) -> bool:
        """Whether the actor's organisation placed the person in that case: it is the
        awarded supplier there, and a placement (running or ended: the follow-up goes on
        after) holds the person's reference."""
        if case_id is None or actor.role is not Role.SUPPLIER:
            return False
        case, parts = self._load_visible(actor, case_id)
        return Part.AWARDED_SUPPLIER in parts and any(
            p.participant_ref == participant.reference for p in case.placements.values())

    def _log_read(self, actor: Actor, participant: Participant, place: str,
                  ground: ReadGround, case_id: UUID | None) -> None:
        self._log().append(ReadLogEntry(
            read_at=self.clock.now(), user_id=actor.user_id,
            organisation_id=actor.organisation_id, role=actor.role,
            participant_id=participant.id, reference=participant.reference, place=place,
            ground=ground, case_id=case_id))

    def _log(self) -> ReadLog:
        if self.read_log is None:
            raise ConfigurationError("the participant register needs a read log: build the "
                                     "service with web.bootstrap.build_service")
        return self.read_log

    def _keys(self) -> KeyStore:
        if self.key_store is None:
            raise ConfigurationError("the participant register needs a key store: build the "
                                     "service with web.bootstrap.build_service")
        return self.key_store

    @staticmethod
    def _require_participant(command: Command, parts: frozenset[Part]) -> None:
        if not access.allows(command, parts):
            raise AccessDenied(command.value)
