"""A person's own account (password, API tokens) and an organisation admin's page (users,
invitations, deactivation, audit access), through the pages as a person uses them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask

from domain.service import ProcurementService
from tests.e2e.conftest import Browser, EnvDict
from web import demo
from web.extension import current_service

ANNA = demo.NORRVIK


@pytest.fixture
def web(sqlite_env: EnvDict, make_app: Callable[..., Flask]) -> Flask:
    app = make_app(sqlite_env)
    with app.app_context():
        demo.seed_directory(current_service())
    return app


@pytest.fixture
def service(web: Flask) -> ProcurementService:
    with web.app_context():
        return current_service()


def signed_in(web: Flask, party: demo.DemoParty = ANNA) -> Browser:
    return Browser(web.test_client()).sign_in_as(party)


def test_the_account_page_says_who_is_signed_in(web: Flask) -> None:
    page = signed_in(web).page("/account")
    assert ANNA.user_name in page
    assert ANNA.email in page
    assert ANNA.org_number in page
    assert "Administratör" in page


def test_a_new_api_token_is_shown_once_and_works_until_revoked(
        web: Flask, service: ProcurementService) -> None:
    browser = signed_in(web)
    assert "Du har inga API-nycklar" in browser.page("/account/tokens")
    created = browser.post("/account/tokens", {"name": "Rapportexport", "days": "30"})
    assert created.status_code == 201
    page = created.get_data(as_text=True)
    shown = re.search(r'<code class="secret" id="new-token">([^<]+)</code>', page)
    assert shown
    bearer = shown.group(1)
    assert service.authenticate_token(bearer) == ANNA.actor(service)
    api = web.test_client().get("/api/v1/procurements",
                                headers={"Authorization": f"Bearer {bearer}"})
    assert api.status_code == 200
    listing = browser.page("/account/tokens")
    assert "Rapportexport" in listing
    assert bearer not in listing  # shown once only
    assert bearer.rsplit(".", 1)[1] not in listing
    token_id = re.search(r'/account/tokens/([0-9a-f-]{36})/revoke', listing)
    assert token_id
    revoked = browser.post(f"/account/tokens/{token_id.group(1)}/revoke")
    assert revoked.status_code == 302
    assert "Återkallad" in browser.page("/account/tokens")
    assert service.authenticate_token(bearer) is None
    assert web.test_client().get("/api/v1/procurements", headers={
        "Authorization": f"Bearer {bearer}"}).status_code == 401


@pytest.mark.parametrize(("form", "field"), [
    ({"name": "", "days": "30"}, "name"),
    ({"name": "x", "days": "0"}, "days"),
    ({"name": "x", "days": "367"}, "days"),
    ({"name": "x", "days": "soon"}, "days"),
])
def test_a_token_with_bad_input_is_refused_beside_its_field(web: Flask, form: dict[str, str],
                                                           field: str) -> None:
    response = signed_in(web).post("/account/tokens", form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_a_session_cannot_be_used_as_an_api_token(web: Flask) -> None:
    browser = signed_in(web)
    assert browser.client.get("/api/v1/procurements").status_code == 401


def test_the_password_is_changed_with_the_current_one(web: Flask) -> None:
    browser = signed_in(web)
    wrong = browser.post("/account/password", {"current_password": "inte mitt lösenord",
                                               "new_password": "mitt nya lösenord",
                                               "confirm_password": "mitt nya lösenord"})
    assert wrong.status_code == 400
    assert 'id="current_password-error"' in wrong.get_data(as_text=True)
    changed = browser.post("/account/password", {"current_password": ANNA.password,
                                                 "new_password": "mitt nya lösenord",
                                                 "confirm_password": "mitt nya lösenord"})
    assert changed.status_code == 302
    assert "Ditt lösenord är bytt" in browser.page("/account")
    fresh = Browser(web.test_client())
    assert fresh.sign_in(ANNA.email, ANNA.password).status_code == 401
    assert fresh.sign_in(ANNA.email, "mitt nya lösenord").status_code == 302


def test_an_admin_invites_a_user_who_then_signs_in(web: Flask) -> None:
    admin = signed_in(web)
    page = admin.page("/organisation/users")
    assert ANNA.user_name in page
    invited = admin.post("/organisation/users", {"name": "Sara Lind",
                                                 "email": "sara.lind@norrvik.example"})
    assert invited.status_code == 201
    link = re.search(r'id="invitation-link">http://localhost(/invitations/[^<]+)</code>',
                     invited.get_data(as_text=True))
    assert link
    assert "Inbjuden" in admin.page("/organisation/users")
    sara = Browser(web.test_client())
    sara.post(link.group(1), {"new_password": "saras lösenord", "confirm_password":
                              "saras lösenord"})
    assert sara.sign_in("sara.lind@norrvik.example", "saras lösenord").status_code == 302
    assert ANNA.name in sara.page("/")
    assert 'href="/organisation/users"' not in sara.page("/")  # a member, not an admin
    assert sara.get("/organisation/users").status_code == 403


def test_an_address_in_use_is_refused_beside_the_field(web: Flask) -> None:
    response = signed_in(web).post("/organisation/users", {
        "name": "Kopia", "email": demo.SME_SUPPLIER.email})
    assert response.status_code == 400
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(web: Flask,
                                                            service: ProcurementService) -> None:
    admin = signed_in(web)
    admin.post("/organisation/users", {"name": "Bo Ek", "email": "bo.ek@norrvik.example"})
    user_id = service.user_id_for_email("bo.ek@norrvik.example")
    assert user_id is not None
    missing_reason = admin.post(f"/organisation/users/{user_id}/deactivate", {"reason": ""})
    assert missing_reason.status_code == 400
    done = admin.post(f"/organisation/users/{user_id}/deactivate", {"reason": "Slutat"})
    assert done.status_code == 302
    assert "Avaktiverad" in admin.page("/organisation/users")
    assert not service.user(user_id).active


def test_an_admin_cannot_deactivate_another_organisations_user(
        web: Flask, service: ProcurementService) -> None:
    other = demo.SME_SUPPLIER.actor(service)
    response = signed_in(web).post(f"/organisation/users/{other.user_id}/deactivate",
                                   {"reason": "Försök"})
    assert response.status_code == 403
    assert service.user(other.user_id).active


def test_an_authority_admin_grants_and_revokes_audit_access(
        web: Flask, service: ProcurementService) -> None:
    authority, auditor = ANNA.actor(service), demo.AUDITOR.actor(service)
    admin = signed_in(web)
    page = admin.page("/organisation/users")
    granted = page.split('id="audit-heading"', 1)[1]
    assert demo.AUDITOR.name in granted.split("<form", 1)[1]  # listed with a revoke button
    admin.post(f"/organisation/audit-access/{auditor.organisation_id}/revoke")
    assert authority.organisation_id not in service.audited_authorities(
        auditor.organisation_id)
    assert f'<option value="{auditor.organisation_id}">' in admin.page("/organisation/users")
    admin.post("/organisation/audit-access", {"auditor_id": str(auditor.organisation_id)})
    assert authority.organisation_id in service.audited_authorities(auditor.organisation_id)


def test_audit_access_can_be_granted_by_the_organisations_id(
        web: Flask, service: ProcurementService) -> None:
    auditor = demo.AUDITOR.actor(service)
    admin = signed_in(web)
    admin.post(f"/organisation/audit-access/{auditor.organisation_id}/revoke")
    bad = admin.post("/organisation/audit-access", {"auditor_id_typed": "not-an-id"})
    assert bad.status_code == 400
    assert 'id="auditor_id_typed-error"' in bad.get_data(as_text=True)
    admin.post("/organisation/audit-access",
               {"auditor_id_typed": str(auditor.organisation_id)})
    assert ANNA.actor(service).organisation_id in service.audited_authorities(
        auditor.organisation_id)


def test_a_supplier_admin_is_offered_no_audit_access_and_cannot_grant_it(
        web: Flask, service: ProcurementService) -> None:
    supplier = signed_in(web, demo.SME_SUPPLIER)
    assert 'id="audit-heading"' not in supplier.page("/organisation/users")
    auditor = demo.AUDITOR.actor(service)
    response = supplier.post("/organisation/audit-access",
                             {"auditor_id": str(auditor.organisation_id)})
    assert response.status_code == 403
