"""`procurement admin …`: the operator registers organisations and users from the shell, and
`procurement demo` creates one user per party with the password it prints."""

from __future__ import annotations

import re
from uuid import UUID

from click.testing import CliRunner, Result

from tests.e2e.conftest import SECRET_KEY, Browser, EnvDict
from web import demo
from web.app import create_app
from web.bootstrap import build_service
from web.cli import main

ID = r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"


def run(env: EnvDict, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def create_organisation(env: EnvDict, name: str, number: str, kind: str) -> UUID:
    result = run(env, "admin", "create-organisation", "--name", name, "--org-number", number,
                 "--type", kind)
    assert result.exit_code == 0, result.output
    found = re.search(ID + r"$", result.output.strip())
    assert found, result.output
    return UUID(found.group(1))


def test_create_organisation_prints_its_id_and_the_number_as_printed(
        sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "admin", "create-organisation", "--name", "Norrviks kommun",
                 "--org-number", "2120001314", "--type", "authority")
    assert result.exit_code == 0, result.output
    assert "Norrviks kommun (212000-1314, authority)" in result.output
    organisation_id = UUID(result.output.strip().rsplit(" ", 1)[1])
    service = build_service(sqlite_env)
    try:
        assert service.organisation(organisation_id).name == "Norrviks kommun"
    finally:
        service.close()


def test_a_wrong_organisation_number_is_refused_naming_the_rule(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "admin", "create-organisation", "--name", "X", "--org-number",
                 "212000-1315", "--type", "authority")
    assert result.exit_code == 1
    assert "check digit" in result.output
    assert "Traceback" not in result.output


def test_create_user_prints_an_invitation_link_that_works(sqlite_env: EnvDict) -> None:
    organisation_id = create_organisation(sqlite_env, "Norrviks kommun", "212000-1314",
                                          "authority")
    result = run(sqlite_env, "admin", "create-user", "--organisation-id", str(organisation_id),
                 "--name", "Anna Lindqvist", "--email", "anna@norrvik.example", "--org-admin")
    assert result.exit_code == 0, result.output
    assert "(org_admin)" in result.output
    link = re.search(r"^(/invitations/\S+)$", result.output, flags=re.MULTILINE)
    assert link, result.output
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": sqlite_env, "SECRET_KEY": SECRET_KEY})
    try:
        browser = Browser(app.test_client())
        assert "Välkommen, Anna Lindqvist" in browser.page(link.group(1))
        browser.post(link.group(1), {"new_password": "annas lösenord",
                                     "confirm_password": "annas lösenord"})
        assert browser.sign_in("anna@norrvik.example", "annas lösenord").status_code == 302
        assert 'href="/organisation/users"' in browser.page("/account")  # an admin
    finally:
        app.extensions["procurement"].close()


def test_create_user_with_a_password_can_sign_in_at_once(sqlite_env: EnvDict) -> None:
    organisation_id = create_organisation(sqlite_env, "Städbolaget AB", "556712-3400",
                                          "supplier")
    result = run(sqlite_env, "admin", "create-user", "--organisation-id", str(organisation_id),
                 "--name", "Karin Ek", "--email", "karin@stad.example",
                 "--password", "karins lösenord")
    assert result.exit_code == 0, result.output
    assert "/invitations/" not in result.output
    assert "(member)" in result.output
    service = build_service(sqlite_env)
    try:
        actor = service.sign_in("karin@stad.example", "karins lösenord")
        assert actor is not None
        assert actor.organisation_id == organisation_id
    finally:
        service.close()


def test_a_short_password_is_refused_before_the_user_exists(sqlite_env: EnvDict) -> None:
    organisation_id = create_organisation(sqlite_env, "Städbolaget AB", "556712-3400",
                                          "supplier")
    result = run(sqlite_env, "admin", "create-user", "--organisation-id", str(organisation_id),
                 "--name", "Karin Ek", "--email", "karin@stad.example", "--password", "kort")
    assert result.exit_code == 1
    assert "at least 12" in result.output
    service = build_service(sqlite_env)
    try:
        assert service.user_id_for_email("karin@stad.example") is None
    finally:
        service.close()


def test_create_user_for_an_unknown_organisation_is_refused(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "admin", "create-user", "--organisation-id",
                 "00000000-0000-0000-0000-000000000000", "--name", "X", "--email", "x@y.example")
    assert result.exit_code == 1
    assert "not found" in result.output


def test_grant_audit_lets_an_audit_organisation_read_an_authoritys_cases(
        sqlite_env: EnvDict) -> None:
    authority = create_organisation(sqlite_env, "Norrviks kommun", "212000-1314", "authority")
    auditor = create_organisation(sqlite_env, "Granskarna AB", "556123-4567", "audit")
    result = run(sqlite_env, "admin", "grant-audit", "--authority-id", str(authority),
                 "--auditor-id", str(auditor))
    assert result.exit_code == 0, result.output
    assert "Granskarna AB may now read the procurements of Norrviks kommun" in result.output
    again = run(sqlite_env, "admin", "grant-audit", "--authority-id", str(authority),
                "--auditor-id", str(auditor))
    assert again.exit_code == 1
    assert "already audits" in again.output
    wrong_way = run(sqlite_env, "admin", "grant-audit", "--authority-id", str(auditor),
                    "--auditor-id", str(authority))
    assert wrong_way.exit_code == 1


def test_demo_prints_one_user_per_party_who_can_sign_in(sqlite_env: EnvDict) -> None:
    result = run(sqlite_env, "demo")
    assert result.exit_code == 0, result.output
    users = result.output.split("Demo users", 1)[1]
    for party in demo.PARTIES:
        line = next(line for line in users.splitlines() if party.email in line)
        assert party.name in line
        assert party.password in line
    service = build_service(sqlite_env)
    try:
        for party in demo.PARTIES:
            actor = service.sign_in(party.email, party.password)
            assert actor is not None, party.email
            assert actor.role is party.role
        norrvik = demo.NORRVIK.actor(service).organisation_id
        auditor = demo.AUDITOR.actor(service).organisation_id
        assert service.audited_authorities(auditor) == {norrvik}
        assert len(service.all_organisation_ids()) == len(demo.PARTIES)
    finally:
        service.close()


def test_demo_force_reuses_the_demo_directory(sqlite_env: EnvDict) -> None:
    assert run(sqlite_env, "demo").exit_code == 0
    assert run(sqlite_env, "demo", "--force").exit_code == 0
    service = build_service(sqlite_env)
    try:
        assert len(service.all_organisation_ids()) == len(demo.PARTIES)
        assert len(service.visible_cases(demo.NORRVIK.actor(service))) == 16
    finally:
        service.close()
