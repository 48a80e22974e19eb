"""The portals and the API list from the read models, and a client sees its own write.

The lists and inboxes come from projections/case_list.py, kept up to date by projections
following the log. A portal request that stored an event waits (bounded) until they have
applied it, so the page the browser is sent to next shows the change. An API write answers
at once with its `Log-Position`; a read that sends it back waits for the read models to
get that far, or answers 503 (web/api/consistency.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from domain.errors import ConfigurationError
from projections.case_list import CaseList
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner, positions
from tests.e2e.api_helpers import API, PROBLEM_JSON, SETUP, draft_case, open_world, settle
from tests.e2e.conftest import Browser
from web import demo
from web.api import consistency
from web.app import create_app
from web.extension import current_service

EnvDict = dict[str, str]


def _listed(world: object, party: str, **headers: str) -> list[str]:
    # world.call, not world.get: get() settles the read models first.
    response = world.call(party, "GET", f"{API}/procurements",  # type: ignore[attr-defined]
                          headers=headers)
    assert response.status_code == 200
    return [case["id"] for case in response.get_json()]


def test_an_api_write_is_in_the_list_that_sends_its_log_position_back(store: EnvDict) -> None:
    """The follower polls once a minute here: only a read's wait for the position (which
    wakes it) can bring the new case into the list in time."""
    with open_world(store, parties=("authority",), PROCUREMENT_PROJECTIONS_POLL=60) as world:
        settle(world.app)
        for _ in range(3):
            created = world.post("authority", f"{API}/procurements", json=SETUP)
            assert created.status_code == 201
            position = created.headers["Log-Position"]
            assert re.fullmatch(r"home=\d+", position)
            assert created.get_json()["id"] in _listed(world, "authority",
                                                       **{"Log-Position": position})


def test_an_api_write_answers_without_waiting_for_the_lists(sqlite_env: EnvDict) -> None:
    """With no projection runner at all the write still succeeds at once, and the case
    itself (rebuilt from the store) shows it; only the lists lag."""
    with open_world(sqlite_env, parties=("authority",), PROCUREMENT_PROJECTIONS="external",
                    PROCUREMENT_OWN_WRITE_WAIT="5") as world:
        created = world.post("authority", f"{API}/procurements", json=SETUP)
        assert created.status_code == 201 and "Log-Position" in created.headers
        case_id = created.get_json()["id"]
        assert world.call("authority", "GET", f"{API}/procurements/{case_id}").status_code \
            == 200
        assert case_id not in _listed(world, "authority")


def test_a_read_whose_log_position_the_lists_have_not_reached_is_503_to_retry(
        sqlite_env: EnvDict) -> None:
    """With the projections run elsewhere ("external") and none running, the read waits as
    long as it is allowed and then refuses, rather than answer without the write; once a
    runner has applied the events the same read shows the case."""
    with open_world(sqlite_env, parties=("authority",), PROCUREMENT_PROJECTIONS="external",
                    PROCUREMENT_OWN_WRITE_WAIT="0.2") as world:
        app = world.app
        created = world.post("authority", f"{API}/procurements", json=SETUP)
        position = {"Log-Position": created.headers["Log-Position"]}
        behind = world.call("authority", "GET", f"{API}/procurements", headers=position)
        assert (behind.status_code, behind.mimetype) == (503, PROBLEM_JSON)
        assert behind.get_json()["type"] == "urn:sysselsattning:problem:read-models-behind"
        assert behind.headers["Retry-After"] == "1"
        with app.app_context():
            service = current_service()
            for projection in PROJECTIONS.values():
                ProjectionRunner(service, projection).catch_up()
            assert positions(service, [CaseList])["case_list"] > 0
        assert created.get_json()["id"] in _listed(world, "authority", **position)


@pytest.mark.parametrize(("sent", "rule"), [
    ("12", consistency.RULE), ("home=", consistency.RULE), ("", consistency.RULE),
    ("home=12;north=3", consistency.RULE), ("home=1234567890123456789", consistency.RULE),
    ("north=1", consistency.UNKNOWN_STORE_RULE),
    ("home=1, home=999999", consistency.PAST_THE_END_RULE)])
def test_a_log_position_no_write_gave_is_400_naming_the_header_and_the_rule(
        sqlite_env: EnvDict, sent: str, rule: str) -> None:
    with open_world(sqlite_env, parties=("authority",)) as world:
        refused = world.call("authority", "GET", f"{API}/procurements",
                             headers={"Log-Position": sent})
        assert refused.status_code == 400
        assert (refused.get_json()["field"], refused.get_json()["rule"]) == (
            "Log-Position", rule)
        assert world.call("authority", "GET", f"{API}/procurements",
                          headers={"Log-Position": " home=1 , home=2"}).status_code == 200


def test_a_refused_write_and_a_read_carry_no_log_position(sqlite_env: EnvDict) -> None:
    with open_world(sqlite_env, parties=("authority",)) as world:
        refused = world.post("authority", f"{API}/procurements", json={**SETUP, "title": ""})
        assert refused.status_code == 400 and "Log-Position" not in refused.headers
        assert "Log-Position" not in world.get("authority", f"{API}/procurements").headers
        replayed_key = {"Idempotency-Key": "order-1"}
        first = world.post("authority", f"{API}/procurements", json=SETUP,
                           headers=replayed_key)
        again = world.post("authority", f"{API}/procurements", json=SETUP,
                           headers=replayed_key)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["Log-Position"] == first.headers["Log-Position"]


def test_a_portal_write_is_in_the_list_the_browser_is_sent_to_next(
        store: EnvDict, make_app: Callable[..., Flask]) -> None:
    """A browser carries no header to the next page: the form's answer itself waits until
    the read models show the change (the follower polls once a minute here)."""
    app = make_app(store, PROCUREMENT_PROJECTIONS_POLL=60)
    with app.app_context():
        demo.seed_directory(current_service())
    settle(app)
    browser = Browser(app.test_client()).sign_in_as(demo.NORRVIK)
    created = browser.post("/procurements/new", {
        "title": "Lokalvård i kommunens skolor", "reference": "KS 2027/0001",
        "cpv_codes": "90910000-9", "industry": "Lokalvård", "estimated_value_sek": "12 500 000",
        "contract_start": "2030-01-01", "contract_end": "2031-12-31"})
    assert created.status_code == 302
    case_id = created.headers["Location"].rsplit("/", 1)[1]
    assert case_id in browser.page("/")  # the start page lists the cases


def test_without_a_projection_runner_the_list_lags_until_one_runs(
        sqlite_env: EnvDict) -> None:
    """With the projections run elsewhere ("external"), a list without a Log-Position is
    the read model's as it stands: the case shows up once a runner has applied its
    events, not before."""
    with open_world(sqlite_env, parties=("authority",), PROCUREMENT_PROJECTIONS="external",
                    PROCUREMENT_OWN_WRITE_WAIT="0.2") as world:
        app = world.app
        created = world.post("authority", f"{API}/procurements", json=SETUP)
        assert created.status_code == 201
        case_id = created.get_json()["id"]
        assert case_id not in _listed(world, "authority")
        with app.app_context():
            service = current_service()
            ProjectionRunner(service, CaseList).catch_up()
            assert positions(service, [CaseList])["case_list"] > 0
        assert case_id in _listed(world, "authority")


def test_the_start_page_shows_each_party_its_own_tasks(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> None:
    authority_browser = browser().sign_in_as(demo.NORRVIK)
    authority = authority_browser.page("/")
    assert "Att göra" in authority
    authority_browser.client.set_cookie("lang", "en")
    in_english = authority_browser.page("/")
    assert "Your tasks" in in_english
    for label in ("Award the contract", "Sign the contract after the standstill",
                  "Close with a compliance decision"):
        assert label in in_english
    for label in ("Fatta tilldelningsbeslut", "Teckna avtal efter avtalsspärren",
                  "Avsluta med beslut om kravuppfyllelse"):
        assert label in authority
    assert "Registrera uppföljning" not in authority  # the authority records none
    matcher = browser().sign_in_as(demo.MATCHER).page("/")
    assert "Registrera uppföljning" in matcher
    assert "Fatta tilldelningsbeslut" not in matcher
    assert "försenade" in matcher and "task-overdue" in matcher
    supplier = browser().sign_in_as(demo.SME_SUPPLIER).page("/")
    assert "Lämna periodisk rapport" in supplier
    assert "Fatta tilldelningsbeslut" not in supplier
    auditor = browser().sign_in_as(demo.AUDITOR).page("/")
    assert "Inget väntar på er just nu" in auditor


def test_the_api_lists_each_party_its_own_tasks(store: EnvDict) -> None:
    with open_world(store, parties=("authority", "other_authority")) as world:
        case_id = draft_case(world)
        assert world.get("authority", f"{API}/tasks").get_json() == []  # nothing due yet
        assert world.post("authority", f"{API}/procurements/{case_id}/publish",
                          json={"tender_deadline": "2028-07-01"}).status_code == 204
        tasks = world.get("authority", f"{API}/tasks").get_json()
        assert [(t["procurement_id"], t["kind"], t["due_on"], t["overdue"])
                for t in tasks] == [(case_id, "close_tendering", "2028-07-01", False)]
        assert world.get("other_authority", f"{API}/tasks").get_json() == []


def test_a_supplier_lists_cases_open_for_tenders_without_who_tendered(
        store: EnvDict) -> None:
    with open_world(store, parties=("authority", "supplier", "other_supplier")) as world:
        case_id = draft_case(world)
        settle(world.app)
        assert _listed(world, "supplier") == []  # a draft is the owner's alone
        assert world.post("authority", f"{API}/procurements/{case_id}/publish",
                          json={"tender_deadline": "2028-07-01"}).status_code == 204
        settle(world.app)
        (listed,) = world.get("other_supplier", f"{API}/procurements").get_json()
        assert (listed["id"], listed["parts"], listed["tender_count"]) == (
            case_id, ["prospective_tenderer"], None)


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("PROCUREMENT_PROJECTIONS", "sometimes", "must be one of background, external"),
    ("PROCUREMENT_OWN_WRITE_WAIT", "soon", "seconds from 0 to 60"),
    ("PROCUREMENT_OWN_WRITE_WAIT", "600", "seconds from 0 to 60"),
])
def test_wrong_read_model_settings_are_refused_naming_the_setting(
        tmp_path: Path, setting: str, value: str, says: str) -> None:
    with pytest.raises(ConfigurationError, match=setting) as refused:
        create_app({"TESTING": True, setting: value, "PROCUREMENT_ENV": {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "e.db")}})
    assert says in str(refused.value)


def test_every_projection_follows_in_the_background_of_the_web_process(
        seeded: dict[str, demo.Created], app: Flask) -> None:
    with app.app_context():
        service = current_service()
        head = int(service.recorder.max_notification_id() or 0)
        reached = positions(service, PROJECTIONS.values())
    assert head > 100
    assert reached == dict.fromkeys(PROJECTIONS, head)
