"""The directory's commands, part of the one application service (domain/service.py).

Who may run them is decided by the same policy table as every case command
(domain/access.py): the operator registers organisations, an organisation's own admin
invites and deactivates its users, a person manages their own password and tokens, and an
authority grants auditors read access.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain import access
from domain.access import Command, Part
from domain.clock import stamping_with_own_clock
from domain.directory import credentials
from domain.directory.organisation import Organisation
from domain.directory.user import EmailIndex, OrgRole, User
from domain.errors import AccessDenied, NotFound, ValidationError
from domain.values import Actor, Role

if TYPE_CHECKING:
    from eventsourcing.application import Application

    from domain.clock import Clock

    _ApplicationLike = Application[UUID]
else:
    _ApplicationLike = object


class OrganisationNotFound(NotFound):
    """No organisation with this id."""

    def __init__(self, organisation_id: UUID) -> None:
        super().__init__(f"Organisation {organisation_id} not found")


# A process trusts a bearer token it has checked against the user for this long before it
# reads the user again. Without it every API request reads the user's newest events: a
# query, and for an integration's parallel requests on one token, a queue on that user's
# lock (docs/benchmarks.md). A token revoked, or a user deactivated, through this process
# is forgotten at once (`_forget_token_checks`); through another, within this time.
TOKEN_CHECK_SECONDS = 1.0
_TOKEN_CHECKS_KEPT = 10_000


@dataclass(frozen=True)
class _TokenCheck:
    actor: Actor
    expires_at: datetime  # the token's own expiry, checked on every use
    until: float  # time.monotonic() after which the user is read again


@stamping_with_own_clock
class DirectoryCommands(_ApplicationLike):
    """Mixed into ProcurementService: organisations, users and sign-in."""

    clock: Clock
    _parties: dict[UUID, Role]  # organisation → party, set up empty by the service
    _token_checks: dict[str, _TokenCheck]  # bearer → its last check, set up empty
    _SIGN_IN_ATTEMPTS = 3

    # -- organisations -------------------------------------------------------------------

    def register_organisation(self, actor: Actor | None, name: str, org_number: str,
                              party_type: Role | str) -> UUID:
        """`actor` None is the operator's console on the server."""
        self._require_directory(actor, Command.REGISTER_ORGANISATION, None)
        organisation = Organisation.register(actor, name, org_number, party_type)
        self.save(organisation)
        return organisation.id

    def organisation(self, organisation_id: UUID) -> Organisation:
        found = self._get(organisation_id)
        if not isinstance(found, Organisation):
            raise OrganisationNotFound(organisation_id)
        return found

    def grant_audit_access(self, actor: Actor, auditor_id: UUID) -> None:
        """The actor's own authority lets an audit organisation read its procurements."""
        self._require_directory(actor, Command.GRANT_AUDIT_ACCESS, actor.organisation_id)
        auditor = self.organisation(auditor_id)
        auditor.grant_audit_access(actor, self.organisation(actor.organisation_id))
        self.save(auditor)

    def revoke_audit_access(self, actor: Actor, auditor_id: UUID) -> None:
        self._require_directory(actor, Command.GRANT_AUDIT_ACCESS, actor.organisation_id)
        auditor = self.organisation(auditor_id)
        auditor.revoke_audit_access(actor, actor.organisation_id)
        self.save(auditor)

    def console_grant_audit_access(self, authority_id: UUID, auditor_id: UUID) -> None:
        """The operator's console on the server grants for an authority (recorded with no
        actor, as the console's other commands are)."""
        auditor = self.organisation(auditor_id)
        auditor.grant_audit_access(None, self.organisation(authority_id))
        self.save(auditor)

    def audited_authorities(self, auditor_id: UUID) -> Set[UUID]:
        try:
            return frozenset(self.organisation(auditor_id).audited_authority_ids)
        except OrganisationNotFound:
            return frozenset()

    # -- users ---------------------------------------------------------------------------

    def invite_user(self, actor: Actor | None, organisation_id: UUID, name: str, email: str,
                    org_role: OrgRole | str = OrgRole.MEMBER) -> tuple[UUID, str]:
        """A new user and the one-time secret of their invitation link (shown once)."""
        self._require_directory(actor, Command.INVITE_USER, organisation_id)
        self.organisation(organisation_id)
        secret = credentials.new_secret()
        user = User.invite(actor, organisation_id, name, email, org_role, secret,
                           self.clock.now())
        index = EmailIndex(email=user.email, user_id=user.id)
        try:
            # One transaction: the address is taken by exactly one user, whoever races.
            self.save(user, index)
        except IntegrityError:
            raise ValidationError("email", "is already in use") from None
        return user.id, secret

    def check_invitation(self, user_id: UUID, secret: str) -> User:
        """The invited user, if the link is one that `accept_invitation` would take now."""
        user = self._user_or_invalid_invitation(user_id)
        user.check_invitation(secret, self.clock.now())
        return user

    def accept_invitation(self, user_id: UUID, secret: str, password: str) -> None:
        user = self._user_or_invalid_invitation(user_id)
        user.accept_invitation(secret, password, self.clock.now())
        self.save(user)

    def user(self, user_id: UUID, *, to_change: bool = True) -> User:
        """`to_change=False`: the cached user itself, for a look that changes nothing
        (every request's sign-in check), without the copy a command needs."""
        found = self._get(user_id, to_change=to_change)
        if not isinstance(found, User):
            raise NotFound(f"User {user_id} not found")
        return found

    def actor_for(self, user_id: UUID) -> Actor | None:
        """Who a signed-in session acts as, or None if the user is gone or deactivated."""
        try:
            user = self.user(user_id, to_change=False)
        except NotFound:
            return None
        return self._actor_of(user)

    def actor_for_session(self, user_id: UUID, signed_in_at: datetime) -> Actor | None:
        """As `actor_for`, and None as well for a session the user has ended since
        (signed out, or changed the password)."""
        try:
            user = self.user(user_id, to_change=False)
        except NotFound:
            return None
        return self._actor_of(user) if user.session_is_current(signed_in_at) else None

    def end_sessions(self, actor: Actor) -> None:
        """Signing out: every session of the user signed in until now ends."""
        for attempt in range(1, self._SIGN_IN_ATTEMPTS + 1):
            user = self.user(actor.user_id)
            user.end_sessions(actor, self.clock.now())
            try:
                self.save(user)
                return
            except IntegrityError:
                if attempt == self._SIGN_IN_ATTEMPTS:
                    raise
                # A sign-in of the same user was recorded meanwhile: again, on the fresh one.

    def _actor_of(self, user: User) -> Actor | None:
        if not user.active:
            return None
        return Actor(user.id, user.organisation_id, self._party_of(user.organisation_id))

    def _party_of(self, organisation_id: UUID) -> Role:
        """An organisation's party is fixed when it is registered (no event of Organisation
        changes it), so a process looks it up once, not on every request."""
        party = self._parties.get(organisation_id)
        if party is None:
            party = self.organisation(organisation_id).party_type
            self._parties[organisation_id] = party
        return party

    def sign_in(self, email: str, password: str) -> Actor | None:
        """The actor for a right password; None for anything else, always alike, so an
        answer tells nobody whether the address exists or the account is throttled."""
        try:
            index = self._get(EmailIndex.id_for(email))
            if not isinstance(index, EmailIndex):
                raise NotFound(email)
            user = self.user(index.user_id)
        except (NotFound, ValidationError):
            credentials.password_matches(None, password)  # same work as a real check
            return None
        for _ in range(self._SIGN_IN_ATTEMPTS):
            allowed = user.may_sign_in(password, self.clock.now())
            try:
                if user.pending_events:
                    self.save(user)
            except IntegrityError:
                # Another process recorded a sign-in of this user at the same moment:
                # check again on the fresh user, so that no failure goes uncounted.
                user = self.user(user.id)
                continue
            return self.actor_for(user.id) if allowed else None
        return None

    def choose_language(self, actor: Actor, language: str) -> None:
        user = self.user(actor.user_id)
        user.choose_language(actor, language)
        self.save(user)

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        """A new password also ends every session signed in with the old one."""
        user = self.user(actor.user_id)
        user.change_password(actor, current, new)
        user.end_sessions(actor, self.clock.now())
        self.save(user)

    def deactivate_user(self, actor: Actor | None, user_id: UUID, reason: str) -> None:
        user = self.user(user_id)
        self._require_directory(actor, Command.DEACTIVATE_USER, user.organisation_id)
        user.deactivate(actor, reason)
        self.save(user)

    # -- personal API tokens ---------------------------------------------------------------

    def issue_token(self, actor: Actor, name: str, expires_at: datetime) -> tuple[UUID, str]:
        """The token id and the bearer token itself, which is shown once and never stored."""
        user = self.user(actor.user_id)
        token_id, secret = uuid4(), credentials.new_secret()
        user.issue_token(actor, token_id, name, secret, expires_at, self.clock.now())
        self.save(user)
        return token_id, f"{user.id.hex}.{token_id.hex}.{secret}"

    def revoke_token(self, actor: Actor, token_id: UUID) -> None:
        user = self.user(actor.user_id)
        user.revoke_token(actor, token_id)
        self.save(user)

    def authenticate_token(self, bearer: str) -> Actor | None:
        now = self.clock.now()
        known = self._token_checks.get(bearer)
        if known is not None and known.until > time.monotonic() and now < known.expires_at:
            return known.actor
        try:
            user_hex, token_hex, secret = bearer.split(".", 2)
            user = self.user(UUID(hex=user_hex), to_change=False)
            token_id = UUID(hex=token_hex)
        except (ValueError, NotFound):
            return None
        if not user.token_matches(token_id, secret, now):
            return None
        actor = self._actor_of(user)
        if actor is not None:
            if len(self._token_checks) >= _TOKEN_CHECKS_KEPT:
                self._token_checks.clear()
            self._token_checks[bearer] = _TokenCheck(
                actor, user.tokens[str(token_id)].expires_at,
                time.monotonic() + TOKEN_CHECK_SECONDS)
        return actor

    def _forget_token_checks(self, user_ids: Iterable[UUID]) -> None:
        """After a change to these users here: their tokens are checked again at once."""
        changed = set(user_ids)
        if changed:
            for bearer, check in list(self._token_checks.items()):
                if check.actor.user_id in changed:
                    self._token_checks.pop(bearer, None)

    # -- queries for the pages and the operator's console -----------------------------------

    def directory_allows(self, actor: Actor, command: Command,
                         organisation_id: UUID | None) -> bool:
        """Whether the policy lets the actor run a directory command for the organisation
        (pages use it to offer only the forms that would be accepted)."""
        return access.allows(command, self._directory_parts(actor, organisation_id))

    def organisation_users(self, actor: Actor | None, organisation_id: UUID) -> list[User]:
        """The organisation's users, oldest first, for whoever may invite and deactivate
        them (`actor` None is the operator's console)."""
        self._require_directory(actor, Command.VIEW_USERS, organisation_id)
        # The created event classes are made by @event("…"), unseen by the type checker.
        user_ids = self._created(User.Invited)  # type: ignore[attr-defined]
        users = (self._get(user_id) for user_id in user_ids)
        return [u for u in users if isinstance(u, User) and u.organisation_id == organisation_id]

    def all_organisation_ids(self) -> list[UUID]:
        """Every registered organisation, oldest first."""
        return self._created(Organisation.Registered)  # type: ignore[attr-defined]

    def audit_organisations(self) -> list[Organisation]:
        """The registered audit organisations an authority can grant read access to."""
        organisations = (self.organisation(i) for i in self.all_organisation_ids())
        return [o for o in organisations if o.party_type is Role.AUDITOR]

    def user_id_for_email(self, email: str) -> UUID | None:
        """The user who holds the address (operator's console and demo data only)."""
        try:
            index = self._get(EmailIndex.id_for(email))
        except (NotFound, ValidationError):
            return None
        return index.user_id if isinstance(index, EmailIndex) else None

    def _created(self, created_event: type) -> list[UUID]:
        """Ids of every aggregate created by that event class, from the notification log
        filtered by its topic. Reads the whole log: the read models replace it."""
        topic = get_topic(created_event)
        ids: list[UUID] = []
        start = 1
        while batch := self.recorder.select_notifications(start, 500, topics=[topic]):
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            start = batch[-1].id + 1
        return ids

    # -- shared ----------------------------------------------------------------------------

    def _get(self, aggregate_id: UUID, *, to_change: bool = True) -> object:
        try:
            return self.repository.get(aggregate_id, deepcopy_from_cache=to_change)
        except AggregateNotFoundError:
            raise NotFound(f"{aggregate_id} not found") from None

    def _user_or_invalid_invitation(self, user_id: UUID) -> User:
        try:
            return self.user(user_id)
        except NotFound:
            raise ValidationError("invitation", "the invitation link is not valid") from None

    def _require_directory(self, actor: Actor | None, command: Command,
                           organisation_id: UUID | None) -> None:
        if actor is None:
            return  # the operator's console on the server
        if not access.allows(command, self._directory_parts(actor, organisation_id)):
            raise AccessDenied(command.value)

    def _directory_parts(self, actor: Actor, organisation_id: UUID | None) -> frozenset[Part]:
        parts: set[Part] = set()
        if actor.role is Role.ADMIN:
            parts.add(Part.OPERATOR)
        if organisation_id is not None and actor.organisation_id == organisation_id:
            parts.add(Part.MEMBER)
            user = self.user(actor.user_id)
            if user.org_role is OrgRole.ORG_ADMIN and user.active:
                parts.add(Part.ORG_ADMIN)
                if actor.role is Role.AUTHORITY:
                    parts.add(Part.AUTHORITY_ADMIN)
        return frozenset(parts)

