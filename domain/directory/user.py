"""A person who works in the service for one organisation, and the ways they sign in.

Everything that changes who may do what is an event: the invitation, the password set,
failed sign-ins (so throttling holds across every web process sharing the store), signing
out (which ends every session signed in before it), personal API tokens issued and
revoked, deactivation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import clock, validation
from domain.directory import credentials
from domain.errors import RuleViolation, ValidationError
from domain.values import DEFAULT_LANGUAGE, LANGUAGES, Actor

INVITATION_VALIDITY = timedelta(days=7)
MAX_FAILED_SIGN_INS = 5
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_TOKEN_VALIDITY = timedelta(days=366)


class OrgRole(Enum):
    MEMBER = "member"
    ORG_ADMIN = "org_admin"


@dataclass(frozen=True)
class ApiToken:
    token_id: UUID
    name: str
    digest: str
    expires_at: datetime
    revoked: bool = False

    def is_valid(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


def normalise_email(value: object, field: str = "email") -> str:
    email = validation.text(value, field, max_length=254).lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise ValidationError(field, "must be an e-mail address like namn@example.se")
    return email


class User(Aggregate):
    class_version = 1

    class Event(clock.StampedByServiceClock, Aggregate.Event):
        class_version = 1
        actor: Actor | None

    @event("Invited")
    def __init__(self, actor: Actor | None, organisation_id: UUID, name: str, email: str,
                 org_role: OrgRole, invitation_digest: str, invitation_expires: datetime
                 ) -> None:
        self.organisation_id = organisation_id
        self.name = name
        self.email = email
        self.org_role = org_role
        self.invitation_digest: str | None = invitation_digest
        self.invitation_expires = invitation_expires
        self.password_hash: str | None = None
        self.failed_sign_ins: list[datetime] = []
        self.tokens: dict[str, ApiToken] = {}
        self.active = True
        self.sessions_valid_from: datetime | None = None
        self.language = DEFAULT_LANGUAGE  # of the e-mail the service sends the user

    @classmethod
    def invite(cls, actor: Actor | None, organisation_id: UUID, name: str, email: str,
               org_role: OrgRole | str, invitation_secret: str, now: datetime) -> User:
        """`actor` is None only when the operator's console creates the user."""
        return cls(actor=actor, organisation_id=organisation_id,
                   name=validation.text(name, "name", max_length=200),
                   email=normalise_email(email), org_role=OrgRole(org_role),
                   invitation_digest=credentials.digest(invitation_secret),
                   invitation_expires=now + INVITATION_VALIDITY)

    # -- invitation and password -------------------------------------------------------

    def check_invitation(self, secret: str, now: datetime) -> None:
        """Refuses a used, wrong or expired invitation link, with a reason a person can act on."""
        if self.invitation_digest is None:
            raise RuleViolation("This invitation has already been used")
        if not credentials.digest_matches(self.invitation_digest, secret):
            raise RuleViolation("The invitation link is not valid")
        if now >= self.invitation_expires:
            raise RuleViolation("The invitation has expired; ask for a new one")

    def accept_invitation(self, secret: str, password: str, now: datetime) -> None:
        self.check_invitation(secret, now)
        self._invitation_accepted(actor=None, password_hash=credentials.hash_password(password))

    @event("InvitationAccepted")
    def _invitation_accepted(self, actor: None, password_hash: str) -> None:
        self.invitation_digest = None
        self.password_hash = password_hash

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        if not credentials.password_matches(self.password_hash, current):
            raise ValidationError("current_password", "does not match")
        self._password_changed(actor=actor, password_hash=credentials.hash_password(new))

    @event("PasswordChanged")
    def _password_changed(self, actor: Actor, password_hash: str) -> None:
        self.password_hash = password_hash

    def choose_language(self, actor: Actor, language: str) -> None:
        """The language the user reads the service in, and so gets e-mail in."""
        if language not in LANGUAGES:
            raise ValidationError("language", f"must be one of: {', '.join(LANGUAGES)}")
        if language != self.language:
            self._language_chosen(actor=actor, language=language)

    @event("LanguageChosen")
    def _language_chosen(self, actor: Actor, language: str) -> None:
        self.language = language

    # -- sessions -------------------------------------------------------------------------

    def end_sessions(self, actor: Actor, now: datetime) -> None:
        """Every session signed in before now ends, on every device: a session cookie is
        kept by the browser, so this is what makes signing out (or a new password) final."""
        self._sessions_ended(actor=actor, at=now)

    @event("SessionsEnded")
    def _sessions_ended(self, actor: Actor, at: datetime) -> None:
        self.sessions_valid_from = at

    def session_is_current(self, signed_in_at: datetime) -> bool:
        return self.sessions_valid_from is None or signed_in_at >= self.sessions_valid_from

    # -- sign-in throttling -------------------------------------------------------------

    def is_throttled(self, now: datetime) -> bool:
        recent = [t for t in self.failed_sign_ins if now - t < THROTTLE_WINDOW]
        return len(recent) >= MAX_FAILED_SIGN_INS

    def may_sign_in(self, password: str, now: datetime) -> bool:
        """Checks the password; records the failure (the caller saves) when it is wrong.
        A throttled account answers no without checking, for as long as the window lasts."""
        if not self.active or self.is_throttled(now):
            return False
        if credentials.password_matches(self.password_hash, password):
            if self.failed_sign_ins:
                self._failures_cleared(actor=None)
            return True
        self._sign_in_failed(actor=None, at=now)
        return False

    @event("SignInFailed")
    def _sign_in_failed(self, actor: None, at: datetime) -> None:
        self.failed_sign_ins = [*self.failed_sign_ins[-(MAX_FAILED_SIGN_INS - 1):], at]

    @event("SignInFailuresCleared")
    def _failures_cleared(self, actor: None) -> None:
        self.failed_sign_ins = []

    # -- personal API tokens ------------------------------------------------------------

    def issue_token(self, actor: Actor, token_id: UUID, name: str, secret: str,
                    expires_at: datetime, now: datetime) -> None:
        name = validation.text(name, "name", max_length=100)
        if expires_at <= now:
            raise ValidationError("expires_at", "must be in the future")
        if expires_at - now > MAX_TOKEN_VALIDITY:
            raise ValidationError("expires_at", "must be at most a year ahead")
        self._token_issued(actor=actor, token=ApiToken(token_id, name,
                                                       credentials.digest(secret), expires_at))

    @event("TokenIssued")
    def _token_issued(self, actor: Actor, token: ApiToken) -> None:
        self.tokens[str(token.token_id)] = token

    def revoke_token(self, actor: Actor, token_id: UUID) -> None:
        token = self.tokens.get(str(token_id))
        if token is None or token.revoked:
            raise ValidationError("token_id", "no such active token")
        self._token_revoked(actor=actor, token_id=token_id)

    @event("TokenRevoked")
    def _token_revoked(self, actor: Actor, token_id: UUID) -> None:
        key = str(token_id)
        self.tokens[key] = replace(self.tokens[key], revoked=True)

    def token_matches(self, token_id: UUID, secret: str, now: datetime) -> bool:
        token = self.tokens.get(str(token_id))
        return (self.active and token is not None and token.is_valid(now)
                and credentials.digest_matches(token.digest, secret))

    def deactivate(self, actor: Actor | None, reason: str) -> None:
        if not self.active:
            raise RuleViolation("This user is already deactivated")
        self._deactivated(actor=actor, reason=validation.text(reason, "reason"))

    @event("Deactivated")
    def _deactivated(self, actor: Actor | None, reason: str) -> None:
        self.active = False


class EmailIndex(Aggregate):
    """One per e-mail address, its id derived from the address: saved in the same
    transaction as the user, a second user with the address conflicts in the store itself,
    whichever process tries (the eventsourcing documentation's index-aggregate pattern)."""

    class Event(clock.StampedByServiceClock, Aggregate.Event):
        """Stamped by the service's clock, as every event is."""

    @event("Claimed")
    def __init__(self, email: str, user_id: UUID) -> None:
        self.email = email
        self.user_id = user_id

    @staticmethod
    def create_id(email: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/email/{email}")

    @classmethod
    def id_for(cls, email: str) -> UUID:
        return cls.create_id(normalise_email(email))
