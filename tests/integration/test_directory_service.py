"""The directory through the service on a real store: organisations, invitations, unique
e-mail addresses, sign-in with throttling shared by every process, tokens, audit grants."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from uuid import uuid4

import pytest

from domain.clock import FixedClock
from domain.directory import commands as directory_commands
from domain.directory.user import MAX_FAILED_SIGN_INS, OrgRole
from domain.errors import AccessDenied, ProcurementNotFound, RuleViolation, ValidationError
from domain.examples import example_setup
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import Actor, Role
from tests.integration.conftest import ServiceFactory

PASSWORD = "ett långt lösenord 42"


def _organisation_with_admin(service: ProcurementService, name: str, role: Role,
                             email: str) -> Actor:
    organisation_id = service.register_organisation(None, name, "212000-1124", role)
    user_id, secret = service.invite_user(None, organisation_id, f"Admin {name}", email,
                                          OrgRole.ORG_ADMIN)
    service.accept_invitation(user_id, secret, PASSWORD)
    actor = service.sign_in(email, PASSWORD)
    assert actor is not None
    return actor


def test_an_invited_user_signs_in_as_their_organisation(store_env: dict[str, str],
                                                       open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    admin = _organisation_with_admin(service, "Norrviks kommun", Role.AUTHORITY,
                                     "admin@norrvik.se")
    assert admin.role is Role.AUTHORITY
    user_id, secret = service.invite_user(admin, admin.organisation_id, "Sara Lind",
                                          "Sara.Lind@Norrvik.se")
    assert service.sign_in("sara.lind@norrvik.se", PASSWORD) is None  # no password yet
    service.accept_invitation(user_id, secret, PASSWORD)
    actor = service.sign_in("SARA.LIND@norrvik.se", PASSWORD)
    assert actor == Actor(user_id, admin.organisation_id, Role.AUTHORITY)
    assert service.sign_in("sara.lind@norrvik.se", "fel lösenord 123") is None
    assert service.sign_in("nobody@norrvik.se", PASSWORD) is None


def test_an_email_address_belongs_to_one_user_only(store_env: dict[str, str],
                                                   open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    admin = _organisation_with_admin(service, "Norrviks kommun", Role.AUTHORITY,
                                     "admin@norrvik.se")
    before = service.recorder.max_notification_id()
    with pytest.raises(ValidationError) as error:
        service.invite_user(admin, admin.organisation_id, "Kopia", "ADMIN@norrvik.se")
    assert error.value.field == "email"
    assert service.recorder.max_notification_id() == before


@pytest.mark.postgres
def test_two_processes_inviting_the_same_address_at_once_create_one_user(
        fresh_postgres_env: dict[str, str], open_service: ServiceFactory) -> None:
    first, second = open_service(fresh_postgres_env), open_service(fresh_postgres_env)
    organisation_id = first.register_organisation(None, "Norrviks kommun", "212000-1124",
                                                  Role.AUTHORITY)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def invite(service: ProcurementService) -> None:
        barrier.wait()
        try:
            service.invite_user(None, organisation_id, "Anna", "anna@norrvik.se")
            outcomes.append("created")
        except ValidationError as error:
            outcomes.append(error.field)

    threads = [threading.Thread(target=invite, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["created", "email"]


def test_throttling_holds_across_processes_sharing_the_store(
        durable_env: dict[str, str], open_service: ServiceFactory) -> None:
    one, other = open_service(durable_env), open_service(durable_env)
    _organisation_with_admin(one, "Städbolaget AB", Role.SUPPLIER, "ops@stad.se")
    for attempt in range(MAX_FAILED_SIGN_INS):
        web_process = one if attempt % 2 else other
        assert web_process.sign_in("ops@stad.se", "gissning nummer ett") is None
    assert other.sign_in("ops@stad.se", PASSWORD) is None
    assert one.sign_in("ops@stad.se", PASSWORD) is None


def test_throttling_ends_when_the_window_has_passed(store_env: dict[str, str],
                                                   open_service: ServiceFactory,
                                                   clock: FixedClock) -> None:
    service = open_service(store_env)
    _organisation_with_admin(service, "Städbolaget AB", Role.SUPPLIER, "ops@stad.se")
    for _ in range(MAX_FAILED_SIGN_INS):
        service.sign_in("ops@stad.se", "gissning nummer ett")
    clock.advance(timedelta(minutes=15))
    assert service.sign_in("ops@stad.se", PASSWORD) is not None


def test_only_an_organisation_admin_or_the_operator_invites(store_env: dict[str, str],
                                                           open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    admin = _organisation_with_admin(service, "Norrviks kommun", Role.AUTHORITY,
                                     "admin@norrvik.se")
    member_id, secret = service.invite_user(admin, admin.organisation_id, "Bo", "bo@norrvik.se")
    service.accept_invitation(member_id, secret, PASSWORD)
    member = service.sign_in("bo@norrvik.se", PASSWORD)
    assert member is not None
    with pytest.raises(AccessDenied):
        service.invite_user(member, admin.organisation_id, "Cia", "cia@norrvik.se")
    other = _organisation_with_admin(service, "Grannby kommun", Role.AUTHORITY, "a@grannby.se")
    with pytest.raises(AccessDenied):
        service.invite_user(other, admin.organisation_id, "Cia", "cia@norrvik.se")
    operator = Actor(uuid4(), uuid4(), Role.ADMIN)
    service.invite_user(operator, admin.organisation_id, "Cia", "cia@norrvik.se")
    with pytest.raises(AccessDenied):
        service.register_organisation(member, "Ny AB", "556036-0793", Role.SUPPLIER)


def test_a_deactivated_user_can_no_longer_sign_in(store_env: dict[str, str],
                                                 open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    admin = _organisation_with_admin(service, "Norrviks kommun", Role.AUTHORITY,
                                     "admin@norrvik.se")
    user_id, secret = service.invite_user(admin, admin.organisation_id, "Bo", "bo@norrvik.se")
    service.accept_invitation(user_id, secret, PASSWORD)
    service.deactivate_user(admin, user_id, "Har slutat")
    assert service.sign_in("bo@norrvik.se", PASSWORD) is None
    assert service.actor_for(user_id) is None


def test_api_tokens_authenticate_until_revoked_or_expired(store_env: dict[str, str],
                                                         open_service: ServiceFactory,
                                                         clock: FixedClock) -> None:
    service = open_service(store_env)
    admin = _organisation_with_admin(service, "Städbolaget AB", Role.SUPPLIER, "ops@stad.se")
    token_id, bearer = service.issue_token(admin, "Lönesystemet",
                                           clock.now() + timedelta(days=30))
    assert service.authenticate_token(bearer) == admin
    assert bearer.split(".")[-1] not in str(vars(service.user(admin.user_id)))
    assert service.authenticate_token(bearer[:-1] + ("A" if bearer[-1] != "A" else "B")) is None
    assert service.authenticate_token("not-a-token") is None
    clock.advance(timedelta(days=30))
    assert service.authenticate_token(bearer) is None
    clock.advance(timedelta(days=-30))
    service.revoke_token(admin, token_id)
    assert service.authenticate_token(bearer) is None


def test_a_token_revoked_in_another_process_is_refused_within_the_check_window(
        durable_env: dict[str, str], open_service: ServiceFactory, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A process trusts a token it checked for TOKEN_CHECK_SECONDS (shortened here), then
    reads the user again; the process that revoked it refuses it at once."""
    monkeypatch.setattr(directory_commands, "TOKEN_CHECK_SECONDS", 0.3)
    web, console = open_service(durable_env), open_service(durable_env)
    admin = _organisation_with_admin(web, "Städbolaget AB", Role.SUPPLIER, "ops@stad.se")
    token_id, bearer = web.issue_token(admin, "Lönesystemet", clock.now() + timedelta(days=1))
    assert web.authenticate_token(bearer) == admin
    assert console.authenticate_token(bearer) == admin
    console.revoke_token(admin, token_id)
    assert console.authenticate_token(bearer) is None
    assert web.authenticate_token(bearer) == admin  # checked less than 0.3 s ago
    time.sleep(0.35)
    assert web.authenticate_token(bearer) is None
    # Expiry needs no new look at the user: it is checked on every use.
    _, other = web.issue_token(admin, "Ekonomisystemet", clock.now() + timedelta(hours=1))
    assert web.authenticate_token(other) == admin
    clock.advance(timedelta(hours=1))
    assert web.authenticate_token(other) is None


def test_an_auditor_reads_the_cases_of_the_authorities_that_granted_it(
        store_env: dict[str, str], open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    authority = _organisation_with_admin(service, "Norrviks kommun", Role.AUTHORITY,
                                         "admin@norrvik.se")
    auditor = _organisation_with_admin(service, "Norrviks revision", Role.AUDITOR,
                                       "revisor@norrvik.se")
    case_id = service.create_procurement(authority, example_setup())
    with pytest.raises(ProcurementNotFound):
        service.get_case(auditor, case_id)
    service.grant_audit_access(authority, auditor.organisation_id)
    assert service.get_case(auditor, case_id).state is State.DRAFT
    assert service.history(auditor, case_id)[0].event_type == "Created"
    with pytest.raises(AccessDenied):
        service.revise_setup(auditor, case_id, example_setup(title="Ändrad"))
    with pytest.raises(RuleViolation):
        service.grant_audit_access(authority, auditor.organisation_id)
    service.revoke_audit_access(authority, auditor.organisation_id)
    with pytest.raises(ProcurementNotFound):
        service.get_case(auditor, case_id)


def test_only_an_authority_admin_grants_audit_access(store_env: dict[str, str],
                                                    open_service: ServiceFactory) -> None:
    service = open_service(store_env)
    supplier = _organisation_with_admin(service, "Städbolaget AB", Role.SUPPLIER, "ops@stad.se")
    auditor = _organisation_with_admin(service, "Revisionen", Role.AUDITOR, "r@norrvik.se")
    with pytest.raises(AccessDenied):
        service.grant_audit_access(supplier, auditor.organisation_id)
