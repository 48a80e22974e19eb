"""Authorities spread over several PostgreSQL schemas (domain/routing.py): each case lives
in its owning authority's schema, is invisible and untouchable from another schema's
service, and every command and query reaches it through the routed service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from domain.clock import FixedClock
from domain.config import operations_settings
from domain.errors import ConfigurationError, ProcurementNotFound
from domain.examples import Parties, example_setup, walk_to
from domain.procurement import events as ev
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.procurement.lifecycle import State
from domain.routing import HOME, load_routing
from domain.service import ProcurementService
from domain.values import Role
from scheduler.runner import Scheduler
from tests.integration.test_mail import Server, _free_port
from web.bootstrap import build_service, initialise_database

EnvDict = dict[str, str]
NOTE = DialogueNote(Counterpart.UNION, "Kommunal", date(2028, 1, 10), "Samråd om kravet.")


def write_routing(path: Path, stores: dict[str, str], authorities: dict[UUID, str]) -> Path:
    lines = [f'[stores.{name}]\nPOSTGRES_SCHEMA = "{schema}"' for name, schema in stores.items()]
    lines.append("[authorities]")
    lines += [f'"{authority}" = "{store}"' for authority, store in authorities.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_ids(env: EnvDict) -> set[UUID]:
    """The aggregates with events in the schema the settings name, read by plain SQL."""
    with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                         port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                         password=env["POSTGRES_PASSWORD"]) as conn:
        rows = conn.execute(sql.SQL("SELECT DISTINCT originator_id FROM {}.{}").format(
            sql.Identifier(env["POSTGRES_SCHEMA"]),
            sql.Identifier("procurement_events"))).fetchall()
    return {UUID(str(row[0])) for row in rows}


@pytest.fixture
def two_schemas(postgres_schema_factory: Callable[[], EnvDict]) -> tuple[EnvDict, EnvDict]:
    return postgres_schema_factory(), postgres_schema_factory()


@pytest.fixture
def opened() -> Iterator[Callable[[ProcurementService], ProcurementService]]:
    services: list[ProcurementService] = []

    def keep(service: ProcurementService) -> ProcurementService:
        services.append(service)
        return service

    yield keep
    for service in services:
        service.close()


@pytest.mark.postgres
def test_cases_live_only_in_their_authoritys_schema_and_are_untouchable_from_another(
        two_schemas: tuple[EnvDict, EnvDict], tmp_path: Path, clock: FixedClock,
        opened: Callable[[ProcurementService], ProcurementService]) -> None:
    home_env, north_env = two_schemas
    north_parties, home_parties = Parties(), Parties()
    routing = write_routing(tmp_path / "routing.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                            {north_parties.authority.organisation_id: "north"})
    routed = opened(build_service({**home_env, "PROCUREMENT_ROUTING": str(routing)}, clock))
    in_north = walk_to(routed, north_parties, State.TENDERING).procurement_id
    at_home = routed.create_procurement(home_parties.authority, example_setup())

    assert in_north in stored_ids(north_env) and in_north not in stored_ids(home_env)
    assert at_home in stored_ids(home_env) and at_home not in stored_ids(north_env)

    # Each schema's own service knows nothing of the other's cases, and writes nothing.
    home_only = opened(build_service(home_env, clock))
    north_only = opened(build_service(north_env, clock))
    before = (stored_ids(home_env), stored_ids(north_env))
    for service, case, owner in ((home_only, in_north, north_parties.authority),
                                 (north_only, at_home, home_parties.authority)):
        with pytest.raises(ProcurementNotFound):
            service.get_case(owner, case)
        with pytest.raises(ProcurementNotFound):
            service.add_dialogue_note(owner, case, NOTE)
        assert case not in service.all_case_ids()
    assert (stored_ids(home_env), stored_ids(north_env)) == before
    assert north_only.get_case(north_parties.authority, in_north).state is State.TENDERING

    # The routed service reaches both, by commands and by queries.
    routed.add_dialogue_note(north_parties.authority, in_north, NOTE)
    routed.add_dialogue_note(home_parties.authority, at_home, NOTE)
    assert set(routed.all_case_ids()) == {in_north, at_home}
    assert [e.event_type for e in routed.history(north_parties.authority, in_north)][-1] == (
        "DialogueNoteAdded")
    assert len(north_only.history(north_parties.authority, in_north)) == len(
        routed.history(north_parties.authority, in_north))
    # The access policy still holds across stores: another authority sees neither case.
    with pytest.raises(ProcurementNotFound):
        routed.get_case(home_parties.authority, in_north)


@pytest.mark.postgres
def test_a_fresh_process_finds_a_case_in_its_store_even_after_the_routes_change(
        two_schemas: tuple[EnvDict, EnvDict], tmp_path: Path,
        opened: Callable[[ProcurementService], ProcurementService]) -> None:
    home_env, north_env = two_schemas
    parties = Parties()
    authority = parties.authority.organisation_id
    first = write_routing(tmp_path / "first.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                          {authority: "north"})
    creator = opened(build_service({**home_env, "PROCUREMENT_ROUTING": str(first)}))
    case = creator.create_procurement(parties.authority, example_setup())
    # The authority is moved home in the file: its old case stays where it is, new ones
    # go home, and a process started afterwards finds both.
    moved = write_routing(tmp_path / "moved.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                          {authority: HOME})
    later = opened(build_service({**home_env, "PROCUREMENT_ROUTING": str(moved)}))
    later.add_dialogue_note(parties.authority, case, NOTE)
    newer = later.create_procurement(parties.authority, example_setup())
    assert case in stored_ids(north_env) and case not in stored_ids(home_env)
    assert newer in stored_ids(home_env)
    assert later.get_case(parties.authority, case).version == 2


@pytest.mark.parametrize(("text", "named"), [
    ('[stores.north]\nPOSTGRES_SCHEMA = "n"\n[authorities]\n"not-a-uuid" = "north"\n',
     "authorities.not-a-uuid"),
    ('[authorities]\n"0b5c9a6e-8d7e-4c41-9a43-6f2e3d1c2b10" = "south"\n', "store 'south'"),
    ('[stores.north]\nSECRET_KEY = "x"\n', "stores.north.SECRET_KEY"),
    ('[stores.home]\nPOSTGRES_SCHEMA = "h"\n', "stores.home"),
    ('[stores.north]\n', "stores.north must set"),
    ('[shops]\n', "unknown section(s) shops"),
    ("stores = [", "is not TOML"),
])
def test_a_wrong_routing_file_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                       named: str) -> None:
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match="PROCUREMENT_ROUTING") as refused:
        load_routing(path)
    assert named in str(refused.value)


def test_a_missing_routing_file_is_refused(tmp_path: Path, memory_env: EnvDict) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        build_service({**memory_env, "PROCUREMENT_ROUTING": str(tmp_path / "nowhere.toml")})


def test_the_routing_file_maps_authorities_to_stores(tmp_path: Path) -> None:
    authority = UUID("0b5c9a6e-8d7e-4c41-9a43-6f2e3d1c2b10")
    routing = load_routing(write_routing(tmp_path / "r.toml", {"north": "north"},
                                         {authority: "north"}))
    expected: dict[str, Any] = {"north": {"POSTGRES_SCHEMA": "north"}}
    assert routing.stores == expected
    assert routing.authorities == {authority: "north"}


def test_a_wrong_routing_file_stops_a_production_process_at_start(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text('[authorities]\n"0b5c9a6e-8d7e-4c41-9a43-6f2e3d1c2b10" = "south"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigurationError) as refused:
        operations_settings({"PROCUREMENT_ROUTING": str(path), "PROCUREMENT_WEB_WORKERS": "0"})
    lines = str(refused.value).splitlines()  # every mistake, one line each
    assert any("PROCUREMENT_ROUTING" in line and "store 'south'" in line for line in lines)
    assert any(line.startswith("PROCUREMENT_WEB_WORKERS") for line in lines)


@pytest.mark.postgres
def test_db_init_makes_every_stores_tables(two_schemas: tuple[EnvDict, EnvDict],
                                           tmp_path: Path) -> None:
    home_env, north_env = two_schemas
    routing = write_routing(tmp_path / "routing.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                            {})
    initialise_database({**home_env, "PROCUREMENT_ROUTING": str(routing)})
    for env in (home_env, north_env):
        with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                             port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                             password=env["POSTGRES_PASSWORD"]) as conn:
            tables = {row[0] for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [env["POSTGRES_SCHEMA"]])}
        assert {"procurement_events", "procurement_snapshots", "case_list",
                "audit_trail", "reminders"} <= tables, env["POSTGRES_SCHEMA"]


@pytest.mark.postgres
def test_the_scheduler_reminds_and_mails_for_cases_in_every_store(
        two_schemas: tuple[EnvDict, EnvDict], tmp_path: Path, clock: FixedClock,
        opened: Callable[[ProcurementService], ProcurementService]) -> None:
    """One scheduler (home's leader) reads what is due from each store's read models and
    mails from each store's notices to the users in home's directory (aiosmtpd)."""
    home_env, north_env = two_schemas
    directory = opened(build_service(home_env, clock))
    authority = directory.register_organisation(None, "Norrbyns kommun", "212000-1124",
                                                Role.AUTHORITY)
    supplier = directory.register_organisation(None, "Städbolaget AB", "556677-8899",
                                               Role.SUPPLIER)
    emails = {authority: "kim@norrbyn.se", supplier: "anna@stadbolaget.se"}
    actors = {}
    for organisation, email in emails.items():
        user_id, secret = directory.invite_user(None, organisation, "Handläggare", email)
        directory.accept_invitation(user_id, secret, "ett långt lösenord 42")
        actors[organisation] = directory.actor_for(user_id)
    routing = write_routing(tmp_path / "routing.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                            {authority: "north"})
    routed = opened(build_service({**home_env, "PROCUREMENT_ROUTING": str(routing)}, clock))
    parties = Parties(authority=actors[authority], supplier=actors[supplier])
    in_north = walk_to(routed, parties, State.DELIVERY).procurement_id
    assert in_north in stored_ids(north_env) and in_north not in stored_ids(home_env)

    smtp = Server(_free_port())
    smtp.start()
    try:
        mail_env = {"PROCUREMENT_SMTP_HOST": "127.0.0.1", "PROCUREMENT_SMTP_PORT": str(smtp.port),
                    "PROCUREMENT_SMTP_SECURITY": "none", "PROCUREMENT_SMTP_TIMEOUT": "5",
                    "PROCUREMENT_BASE_URL": "https://portal.example.org",
                    "PROCUREMENT_SMTP_FROM": "paminnelser@example.org"}
        jobs = Scheduler(routed, env=mail_env)
        reminders, mail = jobs.run_reminders(), jobs.run_mail()
        jobs.leader.release()
    finally:
        smtp.stop()

    north_only = opened(build_service(north_env, clock))
    recorded = [e for e in north_only.events.get(in_north) if isinstance(e, ev.ReminderSent)]
    assert recorded, reminders.summary
    assert reminders.outcome == "done" and "north: " in reminders.summary
    to_supplier = smtp.inbox.to("anna@stadbolaget.se")
    assert to_supplier and mail.outcome == "done" and "north: " in mail.summary
    assert all("KS 2026/0117" in str(message["Subject"]) for message in to_supplier)
