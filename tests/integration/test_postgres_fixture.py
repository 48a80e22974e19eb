"""The store fixtures of tests/conftest.py really give working, separate event stores."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


class Tally(Aggregate):
    """A tiny aggregate: a name and a list of recorded amounts."""

    @event("Created")
    def __init__(self, name: str) -> None:
        self.name = name
        self.amounts: list[int] = []

    @event("Recorded")
    def record(self, amount: int) -> None:
        self.amounts.append(amount)


class TallyApp(Application[UUID]):
    def open_tally(self, name: str, *amounts: int) -> UUID:
        tally = Tally(name)
        for amount in amounts:
            tally.record(amount)
        self.save(tally)
        return tally.id

    def record(self, tally_id: UUID, amount: int) -> None:
        tally: Tally = self.repository.get(tally_id)
        tally.record(amount)
        self.save(tally)

    def tally(self, tally_id: UUID) -> Tally:
        tally: Tally = self.repository.get(tally_id)
        return tally


def _connect(env: dict[str, str]) -> psycopg.Connection[Any]:
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
    )


def _table_schemas(env: dict[str, str]) -> set[tuple[str, str]]:
    with _connect(env) as conn:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
    return {(row[0], row[1]) for row in rows}


def test_store_env_saves_and_rereads_an_aggregate(store_env: dict[str, str]) -> None:
    app = TallyApp(env=store_env)
    try:
        assert app.factory.env.get("PERSISTENCE_MODULE") == store_env["PERSISTENCE_MODULE"]
        tally_id = app.open_tally("Kommun A", 3, 4)
        app.record(tally_id, 5)

        tally = app.tally(tally_id)
        assert tally.name == "Kommun A"
        assert tally.amounts == [3, 4, 5]
        assert tally.version == 4

        notifications = app.notification_log.select(start=1, limit=10)
        assert [n.topic.rsplit(":", 1)[-1] for n in notifications] == [
            "Tally.Created",
            "Tally.Recorded",
            "Tally.Recorded",
            "Tally.Recorded",
        ]
        assert {n.originator_id for n in notifications} == {tally_id}
    finally:
        app.close()

    if store_env["PERSISTENCE_MODULE"] == "eventsourcing.popo":
        # The in-memory store lives and dies with its application object.
        fresh = TallyApp(env=store_env)
        try:
            with pytest.raises(AggregateNotFoundError):
                fresh.repository.get(tally_id)
        finally:
            fresh.close()
        return

    # A durable store: a new application object reads the same events back.
    reopened = TallyApp(env=store_env)
    try:
        again = reopened.tally(tally_id)
        assert again.name == "Kommun A"
        assert again.amounts == [3, 4, 5]
        assert again.version == 4
    finally:
        reopened.close()


def test_sqlite_env_writes_its_own_file(sqlite_env: dict[str, str], tmp_path: Path) -> None:
    db_file = Path(sqlite_env["SQLITE_DBNAME"])
    assert db_file.parent == tmp_path
    assert not db_file.exists()
    app = TallyApp(env=sqlite_env)
    try:
        app.open_tally("x", 1)
    finally:
        app.close()
    assert db_file.stat().st_size > 0


@pytest.mark.postgres
def test_postgres_tables_are_created_in_the_test_schema(
    fresh_postgres_env: dict[str, str],
) -> None:
    schema = fresh_postgres_env["POSTGRES_SCHEMA"]
    assert schema.startswith("s_")
    assert fresh_postgres_env["POSTGRES_DBNAME"].startswith("test_")

    app = TallyApp(env=fresh_postgres_env)
    try:
        app.open_tally("y", 2)
    finally:
        app.close()

    tables = _table_schemas(fresh_postgres_env)
    assert (schema, "tallyapp_events") in tables
    assert not any(table_schema == "public" for table_schema, _ in tables)

    # POSTGRES_ENABLE_DB_FUNCTIONS=y: the insert function lives in the same schema.
    with _connect(fresh_postgres_env) as conn:
        functions = conn.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s",
            (schema,),
        ).fetchall()
    assert functions, f"no database functions in schema {schema}"


@pytest.mark.postgres
def test_two_fresh_postgres_schemas_are_isolated(
    fresh_postgres_env: dict[str, str],
    postgres_schema_factory: Any,
) -> None:
    other_env = postgres_schema_factory()
    assert other_env["POSTGRES_DBNAME"] == fresh_postgres_env["POSTGRES_DBNAME"]
    assert other_env["POSTGRES_SCHEMA"] != fresh_postgres_env["POSTGRES_SCHEMA"]

    first = TallyApp(env=fresh_postgres_env)
    second = TallyApp(env=other_env)
    try:
        saved_in_first = first.open_tally("first", 1)
        saved_in_second = second.open_tally("second", 2, 2)

        assert first.tally(saved_in_first).amounts == [1]
        assert second.tally(saved_in_second).amounts == [2, 2]
        with pytest.raises(AggregateNotFoundError):
            second.repository.get(saved_in_first)
        with pytest.raises(AggregateNotFoundError):
            first.repository.get(saved_in_second)

        assert [n.originator_id for n in first.notification_log.select(1, 10)] == [
            saved_in_first
        ] * 2
        assert [n.originator_id for n in second.notification_log.select(1, 10)] == [
            saved_in_second
        ] * 3
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_postgres_database_and_schemas_are_dropped_afterwards(
    pytester: pytest.Pytester, postgres_env: dict[str, str]
) -> None:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(
        test_inner="""
        import json
        from pathlib import Path

        import psycopg

        def our_schemas(env):
            with psycopg.connect(
                dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"],
            ) as conn:
                rows = conn.execute(
                    "SELECT nspname FROM pg_namespace WHERE left(nspname, 2) = 's_'"
                ).fetchall()
            return {row[0] for row in rows}

        def test_1_schemas_exist(fresh_postgres_env, postgres_schema_factory):
            env = fresh_postgres_env
            other = postgres_schema_factory()
            assert our_schemas(env) == {env["POSTGRES_SCHEMA"], other["POSTGRES_SCHEMA"]}
            Path("names.json").write_text(json.dumps(
                [env["POSTGRES_DBNAME"], env["POSTGRES_SCHEMA"], other["POSTGRES_SCHEMA"]]
            ))

        def test_2_previous_schemas_are_gone(postgres_env):
            assert Path("names.json").exists()
            assert our_schemas(postgres_env) == set()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)
    dbname, *schemas = json.loads((pytester.path / "names.json").read_text())
    assert dbname.startswith("test_")
    assert dbname != postgres_env["POSTGRES_DBNAME"]
    assert all(schema.startswith("s_") for schema in schemas)

    with _connect(postgres_env) as conn:
        remaining = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s", (dbname,)
        ).fetchall()
    assert remaining == []


def _unused_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _run_postgres_fixture_elsewhere(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *, postgres_flag: str | None
) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(
        test_needs_postgres="""
        def test_needs_postgres(postgres_env):
            assert postgres_env
        """
    )
    monkeypatch.setenv("PROCUREMENT_TEST_PGHOST", "127.0.0.1")
    monkeypatch.setenv("PROCUREMENT_TEST_PGPORT", str(_unused_port()))
    if postgres_flag is None:
        monkeypatch.delenv("PROCUREMENT_TEST_POSTGRES", raising=False)
    else:
        monkeypatch.setenv("PROCUREMENT_TEST_POSTGRES", postgres_flag)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")


def test_unreachable_postgres_fails_loudly(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run_postgres_fixture_elsewhere(pytester, monkeypatch, postgres_flag=None)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*PostgreSQL is not reachable as postgres@127.0.0.1:*"])


def test_unreachable_postgres_is_skipped_only_on_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _run_postgres_fixture_elsewhere(pytester, monkeypatch, postgres_flag="0")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*PROCUREMENT_TEST_POSTGRES=0*"])
