"""Organisations and users: organisation numbers, audit grants, invitations, passwords,
sign-in throttling and personal API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.directory.org_number import parse_org_number
from domain.directory.organisation import Organisation
from domain.directory.user import (
    INVITATION_VALIDITY,
    MAX_FAILED_SIGN_INS,
    THROTTLE_WINDOW,
    EmailIndex,
    OrgRole,
    User,
)
from domain.errors import RuleViolation, ValidationError
from domain.values import Actor, Role

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PASSWORD = "ett långt lösenord 42"


def _user(now: datetime = NOW) -> User:
    user = User.invite(None, uuid4(), "Anna Ek", " Anna.Ek@Norrvik.se ", OrgRole.MEMBER,
                       "invitation-secret", now)
    user.accept_invitation("invitation-secret", PASSWORD, now)
    user.collect_events()
    return user


@pytest.mark.parametrize("number", ["212000-1124", "2120001124", "556036-0793"])
def test_valid_organisation_numbers_are_accepted_and_printed_with_a_hyphen(number: str) -> None:
    assert parse_org_number(number) == f"{number.replace('-', '')[:6]}-{number[-4:]}"


@pytest.mark.parametrize(("number", "rule"), [
    ("212000-1125", "check digit"),
    ("191212-1212", "third digit"),
    ("21200-1124", "ten digits"),
    ("", "ten digits"),
])
def test_bad_organisation_numbers_name_the_rule(number: str, rule: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_org_number(number)
    assert error.value.field == "org_number"
    assert rule in error.value.rule


def test_audit_access_is_granted_by_an_authority_to_an_audit_organisation_only() -> None:
    authority = Organisation.register(None, "Norrviks kommun", "212000-1124", Role.AUTHORITY)
    auditor = Organisation.register(None, "Norrviks revision", "212000-1124", "auditor")
    supplier = Organisation.register(None, "Städbolaget AB", "556036-0793", Role.SUPPLIER)
    actor = Actor(uuid4(), authority.id, Role.AUTHORITY)
    auditor.grant_audit_access(actor, authority)
    assert auditor.audited_authority_ids == [authority.id]
    with pytest.raises(RuleViolation, match="already audits"):
        auditor.grant_audit_access(actor, authority)
    with pytest.raises(RuleViolation, match="not a contracting authority"):
        auditor.grant_audit_access(actor, supplier)
    with pytest.raises(RuleViolation, match="not an audit organisation"):
        supplier.grant_audit_access(actor, authority)
    auditor.revoke_audit_access(actor, authority.id)
    assert auditor.audited_authority_ids == []
    assert [type(e).__name__ for e in auditor.collect_events()] == [
        "Registered", "AuditAccessGranted", "AuditAccessRevoked"]


def test_email_is_normalised_and_the_index_id_follows_the_normalised_address() -> None:
    user = _user()
    assert user.email == "anna.ek@norrvik.se"
    assert EmailIndex.id_for("ANNA.EK@norrvik.se") == EmailIndex.create_id("anna.ek@norrvik.se")


@pytest.mark.parametrize("email", ["anna", "anna@norrvik", "@norrvik.se", "an na@norrvik.se"])
def test_malformed_email_is_refused_naming_the_field(email: str) -> None:
    with pytest.raises(ValidationError) as error:
        User.invite(None, uuid4(), "Anna", email, OrgRole.MEMBER, "s", NOW)
    assert error.value.field == "email"


def test_an_expired_invitation_is_refused_and_sets_no_password() -> None:
    user = User.invite(None, uuid4(), "Anna", "anna@norrvik.se", OrgRole.MEMBER, "s", NOW)
    user.collect_events()
    with pytest.raises(RuleViolation, match="expired"):
        user.accept_invitation("s", PASSWORD, NOW + INVITATION_VALIDITY)
    assert user.password_hash is None
    assert user.collect_events() == []


def test_an_invitation_is_used_once_and_only_with_its_secret() -> None:
    user = User.invite(None, uuid4(), "Anna", "anna@norrvik.se", OrgRole.MEMBER, "s", NOW)
    with pytest.raises(RuleViolation, match="not valid"):
        user.accept_invitation("guess", PASSWORD, NOW)
    user.accept_invitation("s", PASSWORD, NOW)
    with pytest.raises(RuleViolation, match="already been used"):
        user.accept_invitation("s", PASSWORD, NOW)


def test_a_short_password_is_refused() -> None:
    user = User.invite(None, uuid4(), "Anna", "anna@norrvik.se", OrgRole.MEMBER, "s", NOW)
    with pytest.raises(ValidationError) as error:
        user.accept_invitation("s", "kort", NOW)
    assert error.value.field == "password"


def test_the_password_is_stored_only_as_an_argon2_hash() -> None:
    user = _user()
    assert user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_is_throttled_after_repeated_failures_even_with_the_right_password() -> None:
    user = _user()
    for _ in range(MAX_FAILED_SIGN_INS):
        assert user.may_sign_in("fel lösenord", NOW) is False
    assert user.is_throttled(NOW)
    assert user.may_sign_in(PASSWORD, NOW + timedelta(minutes=1)) is False
    assert user.may_sign_in(PASSWORD, NOW + THROTTLE_WINDOW) is True
    names = [type(e).__name__ for e in user.collect_events()]
    assert names.count("SignInFailed") == MAX_FAILED_SIGN_INS
    assert names[-1] == "SignInFailuresCleared"


def test_changing_the_password_needs_the_current_one() -> None:
    user = _user()
    actor = Actor(uuid4(), user.organisation_id, Role.SUPPLIER)
    with pytest.raises(ValidationError) as error:
        user.change_password(actor, "gissning", "ett nytt långt lösenord")
    assert error.value.field == "current_password"
    user.change_password(actor, PASSWORD, "ett nytt långt lösenord")
    assert user.may_sign_in("ett nytt långt lösenord", NOW)
    assert not user.may_sign_in(PASSWORD, NOW)


def test_api_tokens_are_stored_hashed_expire_and_can_be_revoked() -> None:
    user = _user()
    actor = Actor(uuid4(), user.organisation_id, Role.SUPPLIER)
    token_id = uuid4()
    user.issue_token(actor, token_id, "Lönesystemet", "tok-secret", NOW + timedelta(days=30), NOW)
    assert "tok-secret" not in repr(user.tokens)
    assert user.token_matches(token_id, "tok-secret", NOW)
    assert not user.token_matches(token_id, "other", NOW)
    assert not user.token_matches(token_id, "tok-secret", NOW + timedelta(days=30))
    user.revoke_token(actor, token_id)
    assert not user.token_matches(token_id, "tok-secret", NOW)
    with pytest.raises(ValidationError):
        user.revoke_token(actor, token_id)


@pytest.mark.parametrize("days", [0, -1, 400])
def test_a_token_expiry_outside_the_allowed_window_is_refused(days: int) -> None:
    user = _user()
    actor = Actor(uuid4(), user.organisation_id, Role.SUPPLIER)
    with pytest.raises(ValidationError) as error:
        user.issue_token(actor, uuid4(), "x", "s", NOW + timedelta(days=days), NOW)
    assert error.value.field == "expires_at"


def test_a_deactivated_user_cannot_sign_in_or_use_tokens() -> None:
    user = _user()
    actor = Actor(uuid4(), user.organisation_id, Role.SUPPLIER)
    token_id = uuid4()
    user.issue_token(actor, token_id, "x", "s", NOW + timedelta(days=1), NOW)
    user.deactivate(actor, "Slutat")
    assert not user.may_sign_in(PASSWORD, NOW)
    assert not user.token_matches(token_id, "s", NOW)
