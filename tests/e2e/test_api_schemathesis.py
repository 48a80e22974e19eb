"""Schemathesis against the API's own OpenAPI document (/api/v1/openapi.json).

For every operation the document describes, requests are generated from its schemas, some
valid and some not (Schemathesis' positive and negative modes: bodies, path ids and the
documented headers), and sent through the WSGI app, signed in with a real bearer token of
the party the command is for. Most of them go to real cases, one in each state of a
case's life, so that valid requests get past the schemas and the domain decides them
too. Every answer must be:

- never a 500 (`not_a_server_error`);
- as documented: a documented status, content type, headers and body schema;
- a refusal (4xx) when the request broke the document (`negative_data_rejection`).

Not checked is that every schema-valid request is accepted (`positive_data_acceptance`):
the document cannot say everything the domain requires (a decimal's digits, the years a
date may fall in, a plan's rules), so valid-looking requests are rightly refused with 400
or 409.

Bounded: 30 examples per operation (about 1,200 requests in all; SCHEMATHESIS_EXAMPLES
sets another number for a longer run), derandomised, on one SQLite file per worker. The
cases change as requests are accepted, which is fine: any answer must hold up.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from requests.structures import CaseInsensitiveDict
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from domain.procurement.lifecycle import State
from tests.e2e.api_helpers import ApiWorld, case_in, open_world
from tests.e2e.test_api_fuzz import BY_MATCHER, BY_PARTNER, BY_SUPPLIER, registered_person
from web.app import create_app

DOCUMENT = "/api/v1/openapi.json"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))  # per operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          negative_data_rejection]
STATES = (State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL, State.DELIVERY,
          State.FOLLOW_UP, State.CLOSED, State.CANCELLED)


def _operation_ids() -> list[str]:
    """Read from the document itself, so that a new endpoint is fuzzed without a word here
    (an app that never opens its store serves the document)."""
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": {
        "PERSISTENCE_MODULE": "eventsourcing.nosuch"}})
    document: dict[str, Any] = app.test_client().get(DOCUMENT).get_json()
    return sorted(operation["operationId"] for item in document["paths"].values()
                  for method, operation in item.items() if method != "parameters")


OPERATIONS = _operation_ids()


def _party(operation_id: str) -> str:
    for party, commands in (("supplier", BY_SUPPLIER), ("matcher", BY_MATCHER),
                            ("partner", BY_PARTNER)):
        if operation_id in commands:
            return party
    return "authority"  # the owner: the other commands are its, and it reads every case


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    # Hypothesis keeps caches under the working directory unless told otherwise; a
    # .hypothesis folder in the checkout would trouble every later pytest run there.
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
           "SQLITE_DBNAME": str(Path(tmp_path_factory.mktemp("schemathesis")) / "events.db")}
    with open_world(env) as opened:
        yield opened


@pytest.fixture(scope="module")
def cases(world: ApiWorld) -> list[dict[str, str]]:
    """The ids of one case in each state (a path parameter not among them stays random)."""
    return [{**case_in(world, state), "participant_id": registered_person(world)}
            for state in STATES]


@pytest.fixture(scope="module")
def schema(world: ApiWorld) -> OpenApiSchema:
    # Valid requests are worth more when they get past the body's schema to the domain:
    # decimals as the API writes them, and days around the world's today (a day of the
    # year 378 is a valid date, and rightly refused before any case is looked at).
    schemathesis.openapi.format("decimal", st.decimals(0, 10**6, places=2).map(str))
    schemathesis.openapi.format("date", st.dates(date(2024, 1, 1), date(2030, 12, 31))
                                .map(date.isoformat))
    app: Flask = world.app
    return schemathesis.openapi.from_wsgi(DOCUMENT, app)


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_generated_requests_never_fail_and_answer_as_documented(
        operation_id: str, world: ApiWorld, cases: list[dict[str, str]],
        schema: OpenApiSchema) -> None:
    operation = schema.find_operation_by_id(operation_id)
    token = world[_party(operation_id)].headers
    generated = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))
    # Mostly the ids of a real case that has every thing the path names; now and then the
    # ids as generated (which name nothing that exists).
    names = set(re.findall(r"{(\w+)}", operation.path))
    fitting = [ids for ids in cases if names <= set(ids)]
    targets: st.SearchStrategy[dict[str, str]] = st.one_of(st.sampled_from(fitting),
                                                           st.just({}))
    statuses: Counter[int] = Counter()

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(case=generated, ids=targets)
    def send(case: schemathesis.Case, ids: dict[str, str]) -> None:
        # Assigned, not changed in place: Schemathesis then re-decides whether the request
        # still breaks the document (a random id replaced by a real one may not).
        headers = CaseInsensitiveDict(case.headers or {})
        headers.update(token)
        case.headers = headers
        path = case.path_parameters or {}
        if operation_id == "erase_participant" and "participant_id" in ids:
            # A person of its own each time: the others' reads then never meet an erased
            # person (410), whatever order the operations run in.
            ids = {**ids, "participant_id": registered_person(world)}
        case.path_parameters = {name: ids.get(name, value) for name, value in path.items()}
        response = case.call()
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    send()
    assert statuses.total() >= EXAMPLES // 2, statuses
    assert not any(status >= 500 for status in statuses), statuses
