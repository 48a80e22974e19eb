"""The web app on authorities spread over two PostgreSQL schemas (domain/routing.py): every
request reaches the case in its own schema, and the lists merge both schemas' read models."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from domain.clock import FixedClock
from projections.db import Database
from tests.e2e.api_helpers import (
    API,
    NOW,
    PARTIES,
    SETUP,
    TODAY,
    ApiWorld,
    case_path,
    draft_case,
    open_world,
    register_party,
    tender_json,
)
from tests.integration.test_routing import stored_ids, write_routing
from web.app import create_app
from web.bootstrap import build_service
from web.extension import current_read_models, current_service

EnvDict = dict[str, str]
pytestmark = pytest.mark.postgres


@pytest.fixture
def routed_world(postgres_schema_factory: Callable[[], EnvDict],
                 tmp_path: Path) -> Iterator[tuple[ApiWorld, EnvDict, EnvDict]]:
    home_env, north_env = postgres_schema_factory(), postgres_schema_factory()
    clock = FixedClock(NOW)
    # The directory lives at home; the routing file names an authority by its id, so the
    # organisations exist before the web process reads the file.
    directory = build_service(home_env, clock)
    try:
        made = {name: register_party(directory, name, *PARTIES[name])
                for name in ("authority", "other_authority", "supplier", "auditor")}
        directory.grant_audit_access(made["other_authority"].actor,
                                     made["auditor"].organisation_id)
    finally:
        directory.close()
    routing = write_routing(tmp_path / "routing.toml", {"north": north_env["POSTGRES_SCHEMA"]},
                            {made["other_authority"].organisation_id: "north"})
    app = create_app({"TESTING": True, "PROCUREMENT_CLOCK": clock,
                      "PROCUREMENT_ENV": {**home_env, "PROCUREMENT_ROUTING": str(routing)}})
    with app.app_context():
        service = current_service()
    try:
        yield ApiWorld(app, app.test_client(), service, clock, made), home_env, north_env
    finally:
        app.extensions["procurement"].close()


def listed(world: ApiWorld, party: str) -> set[str]:
    response = world.get(party, f"{API}/procurements")
    assert response.status_code == 200
    return {case["id"] for case in response.get_json()}


def test_each_authority_works_in_its_own_schema_through_the_web_app(
        routed_world: tuple[ApiWorld, EnvDict, EnvDict]) -> None:
    world, home_env, north_env = routed_world
    at_home, in_north = draft_case(world, "authority"), draft_case(world, "other_authority")

    assert {str(i) for i in stored_ids(north_env)} >= {in_north}
    assert in_north not in {str(i) for i in stored_ids(home_env)}
    assert at_home in {str(i) for i in stored_ids(home_env)}
    assert listed(world, "authority") == {at_home}
    assert listed(world, "other_authority") == {in_north}
    # The grant is in the home directory; the case it opens to the auditor is in north.
    assert listed(world, "auditor") == {in_north}
    # Another authority's case answers 404, like a missing one, whichever schema it is in.
    assert world.get("authority", case_path(in_north)).status_code == 404
    assert world.get("other_authority", case_path(at_home)).status_code == 404

    deadline = {"tender_deadline": TODAY.replace(year=TODAY.year + 1).isoformat()}
    for party, case in (("authority", at_home), ("other_authority", in_north)):
        assert world.post(party, case_path(case, "publish"), json=deadline).status_code == 204
    # A supplier's list is both schemas' open cases; it tenders in each.
    assert listed(world, "supplier") == {at_home, in_north}
    for case in (at_home, in_north):
        response = world.post("supplier", case_path(case, "tenders"), json=tender_json(sme=True))
        assert response.status_code in (201, 204), response.get_json()
        history = world.get("other_authority" if case == in_north else "authority",
                            case_path(case, "history")).get_json()
        assert len(history) == 4  # created, requirement, plan, published; the tender is sealed
    case = world.get("supplier", case_path(in_north)).get_json()
    assert case["state"] == "tendering"


def test_the_lists_read_from_the_read_replica_when_one_is_set(
        fresh_postgres_env: EnvDict) -> None:
    # The "replica" is the same server by another name: a pool of its own, which every
    # list and every wait for a write's Log-Position goes through.
    env = {**fresh_postgres_env, "PROCUREMENT_READ_REPLICA_HOST": "localhost"}
    with open_world(env, ("authority",)) as world:
        with world.app.app_context():
            reads = current_read_models()._stores[0].reads
        assert reads.datastore.pool.kwargs["host"] == "localhost"  # type: ignore[index]
        with world.app.app_context():
            assert reads is not current_read_models().db
            assert isinstance(current_read_models().db, Database)
        created = world.post("authority", f"{API}/procurements", json=SETUP)
        position = {"Log-Position": created.headers["Log-Position"]}
        listed = world.call("authority", "GET", f"{API}/procurements", headers=position)
        assert listed.get_json()[0]["id"] == created.get_json()["id"]
