"""Who may call the API: a valid bearer token or 401; a case one may not see answers 404
exactly like one that does not exist; a command one's part does not allow is 403."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from uuid import uuid4

import pytest
from werkzeug.test import TestResponse

from tests.e2e.api_helpers import (
    API,
    ApiWorld,
    assert_problem,
    case_path,
    draft_case,
    open_world,
    tender_json,
)
from web import auth


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(sqlite_env, parties=("authority", "other_authority", "supplier",
                                         "other_supplier", "matcher")) as opened:
        yield opened


def _check_refused_sign_in(response: TestResponse, challenge: str) -> None:
    problem = assert_problem(response, 401)
    assert problem["type"] == "urn:sysselsattning:problem:unauthorized"
    assert response.headers["WWW-Authenticate"] == challenge


def test_without_a_token_every_endpoint_is_401_and_says_nothing_more(world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    for method, path, body in (
            ("GET", f"{API}/procurements", None),
            ("GET", case_path(procurement_id), None),
            ("GET", case_path(uuid4()), None),  # unknown: still 401, not 404
            ("GET", case_path("not-a-uuid"), None),  # malformed: still 401, not 400
            ("POST", f"{API}/procurements", {"colour": "blue"}),  # bad body: still 401
            ("POST", case_path(procurement_id, "publish"), None)):
        response = world.call(None, method, path, json=body)
        _check_refused_sign_in(response, 'Bearer realm="api"')
        assert str(procurement_id) not in response.get_json()["detail"]


@pytest.mark.parametrize("header", [
    "Bearer nonsense",
    "Bearer a.b.c",
    f"Bearer {uuid4().hex}.{uuid4().hex}.secret",
], ids=["garbage", "three-parts", "unknown-user"])
def test_a_made_up_token_is_401(world: ApiWorld, header: str) -> None:
    response = world.get(None, f"{API}/procurements", headers={"Authorization": header})
    _check_refused_sign_in(response, 'Bearer error="invalid_token"')


def test_another_scheme_than_bearer_is_401(world: ApiWorld) -> None:
    response = world.get(None, f"{API}/procurements",
                         headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    _check_refused_sign_in(response, 'Bearer realm="api"')


def test_a_revoked_token_is_401(world: ApiWorld) -> None:
    assert world.get("supplier", f"{API}/procurements").status_code == 200
    supplier = world["supplier"]
    world.service.revoke_token(supplier.actor, supplier.token_id)
    _check_refused_sign_in(world.get("supplier", f"{API}/procurements"),
                     'Bearer error="invalid_token"')


def test_an_expired_token_is_401(world: ApiWorld) -> None:
    world.clock.advance(timedelta(days=89, hours=23))
    assert world.get("supplier", f"{API}/procurements").status_code == 200
    world.clock.advance(timedelta(hours=2))
    _check_refused_sign_in(world.get("supplier", f"{API}/procurements"),
                     'Bearer error="invalid_token"')


def test_the_token_of_a_deactivated_user_is_401(world: ApiWorld) -> None:
    supplier = world["supplier"]
    world.service.deactivate_user(None, supplier.actor.user_id, "Har slutat")
    _check_refused_sign_in(world.get("supplier", f"{API}/procurements"),
                     'Bearer error="invalid_token"')


def test_the_openapi_document_needs_no_token(world: ApiWorld) -> None:
    response = world.get(None, f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")


def test_a_case_one_may_not_see_answers_exactly_like_one_that_does_not_exist(
        world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    unknown = str(uuid4())
    for path in ("", "history", "compliance", "publish"):
        method = "POST" if path == "publish" else "GET"
        body = {"tender_deadline": "2026-02-01"} if path == "publish" else None
        hidden = world.call("other_authority", method, case_path(procurement_id, path).rstrip(
            "/"), json=body)
        missing = world.call("other_authority", method, case_path(unknown, path).rstrip("/"),
                             json=body)
        assert_problem(hidden, 404)
        assert_problem(missing, 404)
        assert hidden.get_data(as_text=True).replace(procurement_id, unknown) == \
            missing.get_data(as_text=True)
        # X-Request-Id is new for every request (web/logs.py), as a Date would be.
        assert ({k: v for k, v in hidden.headers.items() if k != "X-Request-Id"}
                == {k: v for k, v in missing.headers.items() if k != "X-Request-Id"})
    for party in ("supplier", "matcher"):  # a draft is its owner's alone
        assert_problem(world.get(party, case_path(procurement_id)), 404)


def test_a_command_the_part_does_not_allow_is_403(world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    case = case_path(procurement_id)
    assert world.post("authority", f"{case}/publish",
                      json={"tender_deadline": "2026-02-01"}).status_code == 204
    # Any supplier may see a published case while tendering is open, and may tender ...
    assert world.post("supplier", f"{case}/tenders", json=tender_json(sme=True)
                      ).status_code == 201
    # ... but not run the authority's commands, nor read the history.
    problem = assert_problem(world.post("supplier", f"{case}/close-tendering"), 403)
    assert problem["type"] == "urn:sysselsattning:problem:forbidden"
    assert_problem(world.get("supplier", f"{case}/history"), 403)
    # A matcher has no part before it is appointed: the case does not exist for it.
    assert_problem(world.get("matcher", case), 404)
    # A supplier tenders only in its own name: the id comes from its token, not the body.
    other = world.post("other_supplier", f"{case}/tenders", json=tender_json(sme=False))
    assert other.headers["Location"].endswith(str(world["other_supplier"].organisation_id))


def test_sealed_tenders_are_404_to_competitors_by_id(world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    case = case_path(procurement_id)
    world.post("authority", f"{case}/publish", json={"tender_deadline": "2026-02-01"})
    world.post("supplier", f"{case}/tenders", json=tender_json(sme=True))
    supplier_tender = f"{case}/tenders/{world['supplier'].organisation_id}"
    assert world.get("supplier", supplier_tender).status_code == 200
    for party in ("other_supplier", "authority"):
        assert_problem(world.get(party, supplier_tender), 404)
    world.post("authority", f"{case}/close-tendering")
    assert world.get("authority", supplier_tender).status_code == 200
    assert_problem(world.get("other_supplier", case), 404)  # it never tendered


def test_a_signed_in_browser_session_does_not_sign_in_to_the_api(world: ApiWorld) -> None:
    with world.client.session_transaction() as session:
        session[auth.SESSION_USER] = str(world["authority"].actor.user_id)
        session[auth.SESSION_SINCE] = world.clock.now().timestamp()
    assert world.get(None, "/", headers={"Accept": "text/html"}).status_code == 200
    _check_refused_sign_in(world.get(None, f"{API}/procurements"), 'Bearer realm="api"')
    _check_refused_sign_in(world.post(None, f"{API}/procurements", json={}), 'Bearer realm="api"')
