"""The web application through Flask's test client: pages, health and error answers.

The pages are read as the demo authority (Norrviks kommun), who owns every demo case; what
other parties see is in test_portal_access.py."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain import errors
from domain.procurement.lifecycle import State
from tests.e2e.conftest import SECRET_KEY, Browser
from web import auth, demo, labels
from web.app import create_app

PROBLEM_JSON = "application/problem+json"


def test_health_answers_ok_without_opening_the_store() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET_KEY,
                      "PROCUREMENT_ENV": {"PERSISTENCE_MODULE": "eventsourcing.nosuch"}})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_start_page_says_so_when_there_are_no_procurements(
        directory: object, browser: Callable[[], Browser]) -> None:
    page = browser().sign_in_as(demo.NORRVIK).page("/")
    assert "Inga upphandlingar ännu" in page
    assert "Din organisation har ingen del" in page


def test_start_page_lists_every_case_with_state_reference_title_and_owner(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    page = authority.page("/")
    assert '<html lang="sv">' in page
    assert "<h1 id=\"inbox-heading\">Att göra" in page
    assert "<h2 class=\"cases-heading\">Upphandlingar" in page
    for created in seeded.values():
        assert created.title in page
        assert created.reference in page
        assert f"/procurements/{created.procurement_id}" in page
        assert labels.STATES[created.state].sv in page
    assert page.count(demo.NORRVIK.name) >= len(seeded)


def test_no_page_says_demo_mode_any_more(authority: Browser,
                                         seeded: dict[str, demo.Created]) -> None:
    for path in ("/", f"/procurements/{seeded['draft'].procurement_id}"):
        page = authority.page(path)
        assert "Demoläge" not in page
        assert "Demo mode" not in page
        assert demo.NORRVIK.user_name in page  # who is signed in, in the header
        assert 'action="/sign-out"' in page


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_case_page_shows_the_state_and_marks_the_lifecycle_step(
        authority: Browser, seeded: dict[str, demo.Created], state: State) -> None:
    created = seeded[state.value]
    response = authority.get(f"/procurements/{created.procurement_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert created.title in page
    assert f"badge-large state-{state.value}" in page
    if state is State.CANCELLED:
        assert 'aria-current="step"' not in page
        assert "Upphandlingen är avbruten" in page
    else:
        current = page.split('aria-current="step"', 1)[1]
        assert labels.STATES[state].sv in current.split("</li>", 1)[0]


def test_case_page_shows_the_history_as_a_timeline(authority: Browser,
                                                   seeded: dict[str, demo.Created]) -> None:
    page = authority.page(f"/procurements/{seeded['closed'].procurement_id}")
    timeline = page.split('class="timeline"', 1)[1]
    for event_type in ("Created", "Published", "Awarded", "PlacementStarted",
                       "CheckpointRecorded", "ContractEnded", "Closed"):
        assert event_type in timeline
        assert labels.EVENTS[event_type].sv in timeline
    assert demo.MATCHER.name in timeline  # who recorded the checkpoints
    assert "Matchningsansvarig" in timeline
    assert "<time datetime=" in timeline


def test_compliance_bar_shows_delivered_against_required_months_once_the_contract_runs(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    closed = authority.page(f"/procurements/{seeded['closed'].procurement_id}")
    assert "<strong>12</strong> av 24" in closed
    assert "bar-fill w-50" in closed
    assert "Delvis uppfyllt" in closed
    running = authority.page(f"/procurements/{seeded['delivery'].procurement_id}")
    assert "heltidsmånader" in running
    assert "(preliminär)" in running
    for state in ("draft", "tendering", "evaluation", "standstill"):
        page = authority.page(f"/procurements/{seeded[state].procurement_id}")
        assert 'class="bar"' not in page, state


def test_tenders_are_neither_counted_nor_named_while_tendering(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    tendering = authority.page(f"/procurements/{seeded['tendering'].procurement_id}")
    assert "Inkomna anbud" not in tendering
    assert "TenderSubmitted" not in tendering
    assert 'id="tenders-heading"' not in tendering
    assert demo.FACILITY_SUPPLIER.name not in tendering
    evaluation = authority.page(f"/procurements/{seeded['evaluation'].procurement_id}")
    assert "Inkomna anbud" in evaluation
    tenders = evaluation.split('id="tenders-heading"', 1)[1].split("</section>", 1)[0]
    assert demo.FACILITY_SUPPLIER.name in tenders
    assert demo.SME_SUPPLIER.name.replace("&", "&amp;") in tenders


@pytest.mark.parametrize("case_id", [
    "00000000-0000-0000-0000-000000000000",  # well formed, no such case
    "not-a-uuid",
    "1234",
    "00000000-0000-0000-0000-00000000000g",
    "%27%3B--",
])
def test_unknown_or_malformed_id_answers_404_problem(authority: Browser, case_id: str) -> None:
    response = authority.client.get(f"/procurements/{case_id}")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_JSON
    problem = response.get_json(force=True)
    assert problem["status"] == 404
    assert {"type", "title", "detail"} <= problem.keys()


def test_a_browser_gets_the_404_as_a_page(authority: Browser) -> None:
    response = authority.get("/procurements/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Sidan finns inte" in page
    assert "Till upphandlingarna" in page


@pytest.fixture
def raising_app(sqlite_env: dict[str, str]) -> Flask:
    """An app with one extra route that raises whatever the test puts in `app.config`."""
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": sqlite_env, "SECRET_KEY": SECRET_KEY})

    def boom() -> str:
        raise app.config["ERROR_TO_RAISE"]

    app.add_url_rule("/boom", "boom", auth.public(boom))
    return app


CASE = UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(("error", "status", "code", "extra"), [
    (errors.ValidationError("title", "must not be empty"), 400, "validation",
     {"field": "title", "rule": "must not be empty"}),
    (errors.AccessDenied("award_contract"), 403, "forbidden", {}),
    (errors.ProcurementNotFound(CASE), 404, "not-found", {}),
    (errors.InvalidState("draft", "only open tendering can be closed"), 409, "invalid-state",
     {"rule": "only open tendering can be closed"}),
    (errors.RuleViolation("Only a supplier that submitted a tender can be awarded"), 409,
     "rule-violation", {"rule": "Only a supplier that submitted a tender can be awarded"}),
    (errors.ConcurrencyConflict(CASE, 5), 409, "conflict", {}),
], ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None)
def test_domain_errors_become_problem_documents(raising_app: Flask, error: Exception,
                                                status: int, code: str,
                                                extra: dict[str, str]) -> None:
    raising_app.config["ERROR_TO_RAISE"] = error
    response = raising_app.test_client().get("/boom")
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    problem = response.get_json(force=True)
    assert problem["type"] == f"urn:sysselsattning:problem:{code}"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"] == str(error)
    assert problem["instance"] == "/boom"
    for key, value in extra.items():
        assert problem[key] == value


def test_an_unexpected_error_is_a_500_problem_that_reveals_nothing(raising_app: Flask) -> None:
    raising_app.config["ERROR_TO_RAISE"] = RuntimeError("secret connection string")
    response = raising_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_JSON
    assert "secret" not in response.get_data(as_text=True)


def test_an_unknown_path_is_a_404_problem(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_JSON


def test_the_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert "text/css" in response.content_type
    response.close()


def test_case_page_names_the_matcher_and_the_partner_of_a_running_contract(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    page = authority.page(f"/procurements/{seeded['delivery'].procurement_id}")
    matcher = page.split("Matchningsansvarig</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert matcher == demo.MATCHER.name
    partner = page.split("Samarbetspartner</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert partner == demo.SOCIAL_ENTERPRISE.name


def test_a_cancelled_case_says_why_and_a_closed_one_shows_the_decision(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    cancelled = authority.page(f"/procurements/{seeded['cancelled'].procurement_id}")
    assert "Skäl: " in cancelled
    closed = authority.page(f"/procurements/{seeded['closed'].procurement_id}")
    decision = closed.split("Myndighetens beslut</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert decision in {label.sv for label in labels.OUTCOMES.values()}
