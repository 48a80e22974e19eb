"""Fixtures for the application-level tests: a fixed clock, the parties of one case, and
services on a store that are closed after the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.clock import FixedClock
from domain.examples import Parties
from domain.service import ProcurementService

# walk_to dates a case 26 months before the service's today; any fixed day will do.
TODAY = datetime(2028, 9, 15, 10, 0, tzinfo=UTC)

ServiceFactory = Callable[..., ProcurementService]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def parties() -> Parties:
    return Parties()


@pytest.fixture
def open_service(clock: FixedClock) -> Iterator[ServiceFactory]:
    """Opens `ProcurementService`s (on the given env, with the test's clock) and closes
    every one of them after the test, so no connection pool outlives it."""
    opened: list[ProcurementService] = []

    def open_(env: dict[str, str], cls: type[ProcurementService] = ProcurementService,
              **kwargs: Any) -> ProcurementService:
        kwargs.setdefault("clock", clock)
        service = cls(env, **kwargs)
        opened.append(service)
        return service

    yield open_
    for service in opened:
        service.close()


@pytest.fixture(params=[
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
])
def durable_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The stores that outlive the application object: SQLite and PostgreSQL."""
    fixture = {"sqlite": "sqlite_env", "postgres": "fresh_postgres_env"}[request.param]
    env: dict[str, str] = request.getfixturevalue(fixture)
    return env
