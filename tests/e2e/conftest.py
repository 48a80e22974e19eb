"""Fixtures for the web and CLI tests: an app on a store of its own, the demo set in it,
and browsers that sign in as the demo users.

`store` runs a test on SQLite and on PostgreSQL (a fresh schema per test); the CLI tests
use SQLite only, through the environment, as a person at the shell would. CSRF protection
stays on: `Browser` posts every form with the token from a page, as a browser does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain.directory import credentials
from domain.service import ProcurementService
from tests.e2e.api_helpers import ApiWorld, open_world, settle
from web import demo
from web.app import create_app
from web.extension import current_service

if TYPE_CHECKING:
    from tests.e2e.reports_seed import Seeded

EnvDict = dict[str, str]
SECRET_KEY = "a test key, only for the tests, long enough to sign"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client used as a person uses a browser: it reads the CSRF token from a page
    before it posts a form, and asks for HTML."""

    HTML: ClassVar[dict[str, str]] = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, headers=self.HTML, **kwargs)

    def page(self, path: str) -> str:
        response = self.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def csrf_token(self) -> str:
        """From the sign-in form, or once signed in, the sign-out form of any page."""
        page = self.get("/sign-in", follow_redirects=True).get_data(as_text=True)
        found = CSRF_FIELD.search(page)
        assert found, "no form with a CSRF token on the page"
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, *,
             csrf: bool = True, **kwargs: Any) -> TestResponse:
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf_token()
        return self.client.post(path, data=form, headers=self.HTML, **kwargs)

    def sign_in(self, email: str, password: str, **extra: str) -> TestResponse:
        return self.post("/sign-in", {"email": email, "password": password, **extra})

    def sign_in_as(self, party: demo.DemoParty) -> Browser:
        response = self.sign_in(party.email, party.password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return self


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its smallest cost: the demo directory hashes seven passwords per test.
    The real parameters are tested in tests/unit/test_directory.py."""
    monkeypatch.setattr(credentials, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> EnvDict:
    fixture = "sqlite_env" if request.param == "sqlite" else "fresh_postgres_env"
    env: EnvDict = request.getfixturevalue(fixture)
    return env


@pytest.fixture
def make_app() -> Iterator[Callable[..., Flask]]:
    """Makes apps on a store (more than one may share it, as web processes do), with other
    settings if given; their services are closed after the test."""
    made: list[Flask] = []

    def make(env: EnvDict, **settings: Any) -> Flask:
        app = create_app({"TESTING": True, "PROCUREMENT_ENV": env, "SECRET_KEY": SECRET_KEY,
                          **settings})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["procurement"].close()


@pytest.fixture
def app(store: EnvDict, make_app: Callable[..., Flask]) -> Flask:
    return make_app(store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def service(app: Flask) -> ProcurementService:
    """The very service the app serves from (built through web/bootstrap.py)."""
    with app.app_context():
        return current_service()


@pytest.fixture
def seeded(app: Flask, service: ProcurementService) -> dict[str, demo.Created]:
    """The demo set, keyed by lifecycle state value, shown by the read models."""
    seeded = {created.state.value: created for created in demo.seed(service)}
    settle(app)
    return seeded


@pytest.fixture
def directory(service: ProcurementService) -> dict[demo.DemoParty, Any]:
    """The demo organisations and users only, no cases."""
    return demo.seed_directory(service)


@pytest.fixture
def browser(app: Flask) -> Callable[[], Browser]:
    """Opens browsers on the app, each with cookies of its own."""
    return lambda: Browser(app.test_client())


@pytest.fixture
def authority(seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> Browser:
    """The demo authority's user, signed in, with the demo set loaded: sees every case."""
    return browser().sign_in_as(demo.NORRVIK)


@pytest.fixture
def seeded_world(store: EnvDict) -> Iterator[tuple[ApiWorld, Seeded]]:
    """The report tests' API world with their cases seeded (tests/e2e/reports_seed.py),
    shown by the read models."""
    from tests.e2e.reports_seed import seed_small_groups  # it imports this module

    with open_world(store, SECRET_KEY=SECRET_KEY) as opened:
        seeded = seed_small_groups(opened)
        settle(opened.app)
        yield opened, seeded
