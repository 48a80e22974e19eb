"""Shared fixtures: event store settings for the in-memory, SQLite and PostgreSQL stores.

Every fixture returns a plain ``dict`` of eventsourcing settings, meant to be passed as the
``env=`` argument of an ``Application`` (that argument beats both the class ``env`` and
``os.environ`` in eventsourcing's precedence, so a stray variable in the shell cannot redirect
a test to another store).

PostgreSQL connection (the server is expected; see ``.ci/run``):

- ``PROCUREMENT_TEST_PGHOST`` (default ``127.0.0.1``), ``PROCUREMENT_TEST_PGPORT`` (``5432``),
  ``PROCUREMENT_TEST_PGUSER`` (``postgres``), ``PROCUREMENT_TEST_PGPASSWORD`` or else
  ``PGPASSWORD`` (default empty, for trust authentication).
- An unreachable server FAILS the tests that need it. ``PROCUREMENT_TEST_POSTGRES=0`` turns
  that into a reported skip (``-ra`` lists it), for a machine without PostgreSQL on purpose.

Notes on eventsourcing 9.5.6's ``eventsourcing.postgres`` settings (read from its source):

- ``POSTGRES_PASSWORD`` must be *present*: a missing key raises "Postgres password not found",
  but an empty string is accepted and handed to psycopg as ``password=''``, which is fine with
  trust authentication. libpq only falls back to ``PGPASSWORD`` for a parameter that was not
  given at all, so with password authentication the real password must be put into
  ``POSTGRES_PASSWORD`` itself (which is why it is copied from ``PGPASSWORD`` here). Checked
  against a scram-sha-256 server: an empty ``POSTGRES_PASSWORD`` with the right ``PGPASSWORD``
  exported does not log in, and the failure shows up only as the pool's "couldn't get a
  connection after 30.00 sec", not as an authentication error.
- ``POSTGRES_SCHEMA`` puts the tables, composite types and (with
  ``POSTGRES_ENABLE_DB_FUNCTIONS``) the insert functions into that schema, but the library
  does not create the schema: it has to exist first.
- Settings are also looked up as ``{APPNAME}_KEY`` before ``KEY``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

# pytester runs the fixtures of this file in a separate pytest (see test_postgres_fixture.py).
pytest_plugins = ["pytester"]

EnvDict = dict[str, str]


def _pg_params() -> dict[str, Any]:
    return {
        "host": os.environ.get("PROCUREMENT_TEST_PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PROCUREMENT_TEST_PGPORT", "5432")),
        "user": os.environ.get("PROCUREMENT_TEST_PGUSER", "postgres"),
        "password": os.environ.get("PROCUREMENT_TEST_PGPASSWORD", os.environ.get("PGPASSWORD", "")),
    }


def _admin_connect(params: dict[str, Any], dbname: str = "postgres") -> psycopg.Connection[Any]:
    return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=5, **params)


def _postgres_wanted() -> bool:
    return os.environ.get("PROCUREMENT_TEST_POSTGRES", "1").strip().lower() not in (
        "0",
        "no",
        "n",
        "false",
        "off",
    )


@pytest.fixture(scope="session")
def postgres_env() -> Iterator[EnvDict]:
    """A database of its own for this test session (one per xdist worker).

    Returns eventsourcing settings for ``eventsourcing.postgres`` pointing at a freshly
    created database ``test_<hex>``; the database is dropped (``WITH (FORCE)``) afterwards.
    """
    params = _pg_params()
    where = f"{params['user']}@{params['host']}:{params['port']}"
    try:
        admin = _admin_connect(params)
    except psycopg.OperationalError as exc:
        message = (
            f"PostgreSQL is not reachable as {where} (database 'postgres'): {exc}\n"
            "Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1)"
            " main start), point PROCUREMENT_TEST_PGHOST/PGPORT/PGUSER/PGPASSWORD at a server,"
            " or set PROCUREMENT_TEST_POSTGRES=0 to skip the PostgreSQL tests."
        )
        if not _postgres_wanted():
            pytest.skip(f"PROCUREMENT_TEST_POSTGRES=0 and {message.splitlines()[0]}")
        pytest.fail(message, pytrace=False)

    dbname = f"test_{secrets.token_hex(8)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))

    env: EnvDict = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": str(params["host"]),
        "POSTGRES_PORT": str(params["port"]),
        "POSTGRES_USER": str(params["user"]),
        # Present even when empty: eventsourcing refuses a missing POSTGRES_PASSWORD.
        "POSTGRES_PASSWORD": str(params["password"]),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    }
    try:
        yield env
    finally:
        with _admin_connect(params) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )


@pytest.fixture
def postgres_schema_factory(postgres_env: EnvDict) -> Iterator[Callable[[], EnvDict]]:
    """Makes any number of schemas in the session's database, for tests that need several.

    Each call creates a schema ``s_<hex>`` and returns ``postgres_env`` plus
    ``POSTGRES_SCHEMA``; every schema made is dropped with ``CASCADE`` after the test.
    """
    params = _pg_params()
    dbname = postgres_env["POSTGRES_DBNAME"]
    made: list[str] = []

    def make() -> EnvDict:
        schema = f"s_{secrets.token_hex(8)}"
        with _admin_connect(params, dbname) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        made.append(schema)
        return {**postgres_env, "POSTGRES_SCHEMA": schema}

    try:
        yield make
    finally:
        if made:
            with _admin_connect(params, dbname) as conn:
                for schema in made:
                    conn.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    )


@pytest.fixture
def fresh_postgres_env(postgres_schema_factory: Callable[[], EnvDict]) -> EnvDict:
    """A schema of its own for one test, inside the session's database.

    Returns ``postgres_env`` plus ``POSTGRES_SCHEMA=s_<hex>``; the schema is dropped with
    ``CASCADE`` afterwards.
    """
    return postgres_schema_factory()


@pytest.fixture
def sqlite_env(tmp_path: Path) -> EnvDict:
    """An SQLite file of its own for one test."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "events.db"),
    }


@pytest.fixture
def memory_env() -> EnvDict:
    """The in-memory store (chosen explicitly, never by default)."""
    return {"PERSISTENCE_MODULE": "eventsourcing.popo", "PROCUREMENT_ALLOW_IN_MEMORY": "yes"}


_STORE_FIXTURES = {
    "memory": "memory_env",
    "sqlite": "sqlite_env",
    "postgres": "fresh_postgres_env",
}


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def store_env(request: pytest.FixtureRequest) -> EnvDict:
    """Each of the three stores in turn.

    PostgreSQL is requested lazily, so the memory and SQLite cases need no server.
    """
    env: EnvDict = request.getfixturevalue(_STORE_FIXTURES[request.param])
    return env
