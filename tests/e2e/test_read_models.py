"""The portals and the API list from the read models, and a request waits for its own write.

The lists and inboxes come from projections/case_list.py, kept up to date by projections
following the log; a request that stored an event waits (bounded) until they have
applied it, so what the user is shown next includes their own change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from domain.errors import ConfigurationError
from projections.case_list import CaseList
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner, positions
from tests.e2e.api_helpers import API, SETUP, draft_case, open_world, settle
from tests.e2e.conftest import Browser
from web import demo
from web.app import create_app
from web.extension import current_service

EnvDict = dict[str, str]


def _listed(world: object, party: str) -> list[str]:
    # world.call, not world.get: get() settles the read models first.
    response = world.call(party, "GET", f"{API}/procurements")  # type: ignore[attr-defined]
    assert response.status_code == 200
    return [case["id"] for case in response.get_json()]


def test_a_write_is_in_the_list_the_writer_asks_for_next(store: EnvDict) -> None:
    """The follower polls once a minute here: only the write's own wait (which wakes it)
    can bring the new case into the list in time."""
    with open_world(store, parties=("authority",), PROCUREMENT_PROJECTIONS_POLL=60) as world:
        settle(world.app)
        for _ in range(3):
            created = world.post("authority", f"{API}/procurements", json=SETUP)
            assert created.status_code == 201
            assert created.get_json()["id"] in _listed(world, "authority")


def test_without_a_projection_runner_the_list_lags_until_one_runs(
        sqlite_env: EnvDict) -> None:
    """With the projections run elsewhere ("external"), a request waits only as long as
    it is allowed and then answers; the list is the read model's, so the case shows up
    once a runner has applied its events, not before."""
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
