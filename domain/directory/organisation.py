"""An organisation taking part in cases: its party type decides which parts it can play.

An authority grants audit organisations read access to its procurements; each grant and
revocation is an event, so who could read what, and when, stays in the history.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import clock, validation
from domain.directory.org_number import parse_org_number
from domain.errors import RuleViolation
from domain.values import Actor, Role, parse_enum


class Organisation(Aggregate):
    class_version = 1

    class Event(clock.StampedByServiceClock, Aggregate.Event):
        class_version = 1
        actor: Actor | None

    @event("Registered")
    def __init__(self, actor: Actor | None, name: str, org_number: str, party_type: Role
                 ) -> None:
        self.name = name
        self.org_number = org_number
        self.party_type = party_type
        self.audited_authority_ids: list[UUID] = []

    @classmethod
    def register(cls, actor: Actor | None, name: str, org_number: str,
                 party_type: Role | str) -> Organisation:
        """`actor` is None only when the operator's console registers the first ones."""
        return cls(actor=actor, name=validation.text(name, "name", max_length=200),
                   org_number=parse_org_number(org_number),
                   party_type=parse_enum(Role, party_type, "party_type"))

    def rename(self, actor: Actor, name: str) -> None:
        self._renamed(actor=actor, name=validation.text(name, "name", max_length=200))

    @event("Renamed")
    def _renamed(self, actor: Actor, name: str) -> None:
        self.name = name

    def grant_audit_access(self, actor: Actor | None, authority: Organisation) -> None:
        """Recorded on the audit organisation, so that one read answers what it may see;
        the authority's own user runs the command (checked by the access policy), or the
        operator's console (`actor` None)."""
        if self.party_type is not Role.AUDITOR:
            raise RuleViolation(f"{self.name} is not an audit organisation")
        if authority.party_type is not Role.AUTHORITY:
            raise RuleViolation(f"{authority.name} is not a contracting authority")
        if authority.id in self.audited_authority_ids:
            raise RuleViolation(f"{self.name} already audits {authority.name}")
        self._audit_access_granted(actor=actor, authority_id=authority.id)

    @event("AuditAccessGranted")
    def _audit_access_granted(self, actor: Actor | None, authority_id: UUID) -> None:
        self.audited_authority_ids.append(authority_id)

    def revoke_audit_access(self, actor: Actor, authority_id: UUID) -> None:
        if authority_id not in self.audited_authority_ids:
            raise RuleViolation("That authority has granted no audit access to revoke")
        self._audit_access_revoked(actor=actor, authority_id=authority_id)

    @event("AuditAccessRevoked")
    def _audit_access_revoked(self, actor: Actor, authority_id: UUID) -> None:
        self.audited_authority_ids.remove(authority_id)
