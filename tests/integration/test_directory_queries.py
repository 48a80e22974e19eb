"""The directory's queries for the pages and the operator's console: users of an
organisation, audit organisations, invitation checks, the console's audit grant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.access import Command
from domain.clock import FixedClock
from domain.directory.user import INVITATION_VALIDITY, OrgRole
from domain.errors import AccessDenied, RuleViolation, ValidationError
from domain.service import ProcurementService
from domain.values import Actor, Role
from tests.integration.conftest import ServiceFactory

PASSWORD = "ett långt lösenord 42"


def _admin(service: ProcurementService, name: str, role: Role, email: str) -> Actor:
    organisation_id = service.register_organisation(None, name, "212000-1124", role)
    user_id, secret = service.invite_user(None, organisation_id, f"Admin {name}", email,
                                          OrgRole.ORG_ADMIN)
    service.accept_invitation(user_id, secret, PASSWORD)
    actor = service.sign_in(email, PASSWORD)
    assert actor is not None
    return actor


def test_an_organisation_admin_lists_the_users_of_their_own_organisation_only(
        store_env: dict[str, str], open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    norrvik = _admin(service, "Norrviks kommun", Role.AUTHORITY, "admin@norrvik.se")
    other = _admin(service, "Söderby kommun", Role.AUTHORITY, "admin@soderby.se")
    member_id, _ = service.invite_user(norrvik, norrvik.organisation_id, "Bo", "bo@norrvik.se")
    listed = service.organisation_users(norrvik, norrvik.organisation_id)
    assert [u.id for u in listed] == [norrvik.user_id, member_id]
    with pytest.raises(AccessDenied):
        service.organisation_users(other, norrvik.organisation_id)
    assert service.directory_allows(norrvik, Command.INVITE_USER, norrvik.organisation_id)
    assert not service.directory_allows(other, Command.INVITE_USER, norrvik.organisation_id)


def test_a_member_may_not_list_or_grant(store_env: dict[str, str],
                                        open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    admin = _admin(service, "Norrviks kommun", Role.AUTHORITY, "admin@norrvik.se")
    member_id, secret = service.invite_user(admin, admin.organisation_id, "Bo", "bo@norrvik.se")
    service.accept_invitation(member_id, secret, PASSWORD)
    member = service.sign_in("bo@norrvik.se", PASSWORD)
    assert member is not None
    with pytest.raises(AccessDenied):
        service.organisation_users(member, admin.organisation_id)
    assert not service.directory_allows(member, Command.GRANT_AUDIT_ACCESS,
                                        member.organisation_id)
    assert service.directory_allows(admin, Command.GRANT_AUDIT_ACCESS, admin.organisation_id)


def test_audit_organisations_and_the_console_grant(store_env: dict[str, str],
                                                  open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    authority = service.register_organisation(None, "Norrviks kommun", "212000-1314",
                                              Role.AUTHORITY)
    auditor = service.register_organisation(None, "Granskarna AB", "556677-8899",
                                            Role.AUDITOR)
    service.register_organisation(None, "Städbolaget AB", "556712-3400", Role.SUPPLIER)
    assert len(service.all_organisation_ids()) == 3
    assert [o.id for o in service.audit_organisations()] == [auditor]
    service.console_grant_audit_access(authority, auditor)
    assert service.audited_authorities(auditor) == {authority}
    with pytest.raises(RuleViolation):
        service.console_grant_audit_access(auditor, auditor)  # not an authority


def test_an_invitation_is_checked_before_a_password_is_chosen(
        store_env: dict[str, str], open_service: ServiceFactory, clock: FixedClock) -> None:
    service = open_service(store_env)
    organisation_id = service.register_organisation(None, "Norrviks kommun", "212000-1314",
                                                    Role.AUTHORITY)
    user_id, secret = service.invite_user(None, organisation_id, "Sara", "sara@norrvik.se")
    assert service.check_invitation(user_id, secret).email == "sara@norrvik.se"
    with pytest.raises(RuleViolation, match="not valid"):
        service.check_invitation(user_id, "wrong")
    with pytest.raises(ValidationError):
        service.check_invitation(organisation_id, secret)  # not a user
    clock.advance(INVITATION_VALIDITY + timedelta(seconds=1))
    with pytest.raises(RuleViolation, match="expired"):
        service.check_invitation(user_id, secret)


def test_the_console_finds_a_user_by_email(store_env: dict[str, str],
                                           open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    organisation_id = service.register_organisation(None, "Norrviks kommun", "212000-1314",
                                                    Role.AUTHORITY)
    user_id, _ = service.invite_user(None, organisation_id, "Sara", "sara@norrvik.se")
    assert service.user_id_for_email("SARA@norrvik.se") == user_id
    assert service.user_id_for_email("nobody@norrvik.se") is None
    assert service.user_id_for_email("not an address") is None


def test_signing_out_ends_the_sessions_signed_in_before(
        store_env: dict[str, str], open_service: ServiceFactory, clock: FixedClock) -> None:
    service = open_service(store_env)
    admin = _admin(service, "Norrviks kommun", Role.AUTHORITY, "admin@norrvik.se")
    before = clock.now()
    assert service.actor_for_session(admin.user_id, before) == admin
    clock.advance(timedelta(minutes=5))
    service.end_sessions(admin)
    assert service.actor_for_session(admin.user_id, before) is None
    assert service.actor_for_session(admin.user_id, clock.now()) == admin
    assert service.actor_for(admin.user_id) == admin  # the user is still there
    clock.advance(timedelta(minutes=5))
    service.change_password(admin, PASSWORD, "ett nytt långt lösenord")
    assert service.actor_for_session(admin.user_id, clock.now() - timedelta(seconds=1)) is None
