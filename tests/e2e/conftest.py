"""Fixtures for the web and CLI tests: an app on a store of its own, and the demo set in it.

`store` runs a test on SQLite and on PostgreSQL (a fresh schema per test); the CLI tests
use SQLite only, through the environment, as a person at the shell would.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.service import ProcurementService
from web import demo
from web.app import create_app
from web.extension import current_service

EnvDict = dict[str, str]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> EnvDict:
    fixture = "sqlite_env" if request.param == "sqlite" else "fresh_postgres_env"
    env: EnvDict = request.getfixturevalue(fixture)
    return env


@pytest.fixture
def app(store: EnvDict) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": store})
    yield app
    holder = app.extensions["procurement"]
    if holder.built:
        holder.get().close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def service(app: Flask) -> ProcurementService:
    """The very service the app serves from (built through web/bootstrap.py)."""
    with app.app_context():
        return current_service()


@pytest.fixture
def seeded(service: ProcurementService) -> dict[str, demo.Created]:
    """The demo set, keyed by lifecycle state value."""
    return {created.state.value: created for created in demo.seed(service)}
