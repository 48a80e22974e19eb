"""The OpenAPI 3 document at /api/v1/openapi.json lists every endpoint, one operation per
service command and query, each with its problem answers."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
from flask import Flask

from domain.participants.commands import ParticipantCommands
from domain.service import ProcurementService
from web.app import create_app

# Written out by hand, not read from the service, so that a command added there without
# an endpoint (or an endpoint without a command) fails here.
COMMANDS = {
    "create_procurement", "revise_setup", "set_requirement", "set_follow_up_plan",
    "amend_follow_up_plan", "add_dialogue_note", "publish", "submit_tender",
    "close_tendering", "award_contract", "sign_contract", "hold_kick_off", "appoint_matcher",
    "invite_partner", "offer_position", "propose_candidate", "accept_candidate",
    "decline_candidate", "record_preparation", "start_placement", "end_placement",
    "record_checkpoint", "submit_report", "verify_report", "query_report", "note_deviation",
    "decide_deviation", "end_contract", "close_procurement", "cancel", "set_reminder_policy",
    "mark_for_publication",
}
QUERIES = {"visible_cases", "get_case", "history", "compliance"}
# The service's history queries (domain/history_queries.py, a mixin of the service); the
# case as it stood at a moment is get_case with `as_of` or `version`.
HISTORY_QUERIES = {"case_diff", "verify_history", "chain_head"}
# Read straight from the read models (projections/case_list.py), not a service method.
READ_MODEL_QUERIES = {"tasks"}
# Reads of one thing in a case, the targets of a 201's Location (they read get_case).
# The service's open_data_events, as OCDS packages (web/open_data.py).
EXPORTS = {"ocds_releases", "ocds_record"}
ITEMS = {"get_tender", "get_position", "get_candidate", "get_placement", "get_report",
         "get_deviation"}
# The participant register's commands and queries (domain/participants/commands.py); the
# operator's console reads the whole read log on the server only.
PARTICIPANTS = {"register_participant", "registered_references", "read_participant",
                "erase_participant", "read_log_of_case"}
NOT_PARTICIPANT_ENDPOINTS = {"console_read_log"}
# Operations not about one case: no case version (ETag, If-Match) and, for lists, no 404.
LISTS = {"/api/v1/procurements", "/api/v1/tasks", "/api/v1/participants",
         "/api/v1/statistics/outcomes", "/api/v1/statistics/sme-shares"}
# The reads that take query parameters, and which.
QUERY_PARAMETERS = {"read_participant": ["case_id"], "get_case": ["as_of", "version"],
                    "case_diff": ["from_as_of", "from_version", "to_as_of", "to_version"],
                    "chain_head": ["version"],
                    "statistics_outcomes": ["authority_id", "year"],
                    "statistics_sme_shares": ["authority_id", "year"]}
REGISTER = {"registered_references", "register_participant", "read_participant",
            "erase_participant"}
CREATING = {"create_procurement", "register_participant"}  # no state to conflict with
# Statistics of the authorities the caller may read (web/reports/service.py, not the service).
STATISTICS = {"statistics_outcomes", "statistics_sme_shares"}
# Methods of ProcurementService that are not the API's: the console's, the library's, and
# the version scope every API request runs in (web/api/conditional.py).
NOT_ENDPOINTS = {"inspect", "all_case_ids", "register_transcodings", "save",
                 "record_reminder",  # the scheduler's, not a user's
                 "last_written_position", "versioned",
                 "close",  # closes the stores (domain/routing.py), not a command
                 "open_data_events"}  # answered as the EXPORTS


@pytest.fixture(scope="module")
def app() -> Flask:
    return create_app({"TESTING": True, "PROCUREMENT_ENV": {
        "PERSISTENCE_MODULE": "eventsourcing.nosuch"}})  # the document needs no store


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    spec: dict[str, Any] = response.get_json()
    return spec


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                found[operation["operationId"]] = (method.upper(), path, operation)
    return found


def test_every_command_and_query_of_the_service_has_one_operation(
        document: dict[str, Any]) -> None:
    assert set(_operations(document)) == (COMMANDS | QUERIES | HISTORY_QUERIES | ITEMS
                                          | READ_MODEL_QUERIES | PARTICIPANTS | STATISTICS
                                          | EXPORTS)
    assert _public(ProcurementService) - NOT_ENDPOINTS == COMMANDS | QUERIES
    assert _public(ParticipantCommands) - NOT_PARTICIPANT_ENDPOINTS == PARTICIPANTS


def _public(cls: type) -> set[str]:
    return {name for name, member in vars(cls).items()
            if inspect.isfunction(member) and not name.startswith("_")}


def test_every_route_of_the_api_is_in_the_document(app: Flask,
                                                   document: dict[str, Any]) -> None:
    routed = {(method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    documented = {(method, path) for method, path, _ in _operations(document).values()}
    assert routed == documented
    assert len(documented) == 55


def test_every_operation_documents_its_problem_answers(document: dict[str, Any]) -> None:
    for name, (method, path, operation) in _operations(document).items():
        codes = set(operation["responses"])
        assert "401" in codes, name
        if path not in LISTS:
            assert "404" in codes, name
        if method != "GET":
            assert {"400", "413", "415"} <= codes, name
            assert "403" in codes or name == "erase_participant", name  # 404 as for none
            assert "409" in codes or name in CREATING, name
            assert "requestBody" in operation, name
        assert operation["summary"], name
    problem = document["components"]["responses"]["BAD_REQUEST"]["content"]
    assert problem == {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}
    fields = document["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "field", "rule", "errors"} <= set(fields)


def test_the_document_says_how_to_sign_in_and_that_ids_are_uuids(
        document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]
    parameters = document["paths"]["/api/v1/procurements/{procurement_id}"]["parameters"]
    assert parameters[0]["schema"] == {"type": "string", "format": "uuid"}


def test_bodies_refuse_unknown_fields_and_decimals_are_strings(
        document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    bodies = [name for name in schemas if name.endswith("Body")]
    assert len(bodies) >= 25
    assert all(schemas[name]["additionalProperties"] is False for name in bodies)
    assert schemas["CaseView"]["properties"]["tender_count"]["nullable"] is True
    assert schemas["ComplianceView"]["properties"]["delivered_months"] == {
        "type": "string", "format": "decimal"}


def test_writes_document_if_match_idempotency_keys_etags_and_log_positions(
        document: dict[str, Any]) -> None:
    conditional = 0
    for name, (method, path, operation) in _operations(document).items():
        parameters = [p["$ref"].rsplit("/", 1)[1] if "$ref" in p else p["name"]
                      for p in operation.get("parameters", [])]
        success = next(operation["responses"][code] for code in operation["responses"]
                       if code.startswith("2"))
        has_etag = "ETag" in success.get("headers", {})
        if method == "GET":
            assert parameters == [*QUERY_PARAMETERS.get(name, []), "LOG_POSITION"], name
            assert {"400", "503"} <= set(operation["responses"]), name
            assert has_etag == (path not in LISTS and name not in REGISTER), name
            continue
        assert "Log-Position" in success["headers"], name
        assert "IDEMPOTENCY_KEY" in parameters, name
        assert {"409", "422"} <= set(operation["responses"]), name
        assert has_etag == (name not in REGISTER), name
        if name not in CREATING and name not in REGISTER:
            assert "IF_MATCH_VERSION" in parameters, name
            assert "412" in operation["responses"], name
            conditional += 1
    assert conditional == len(COMMANDS) - 1
    components = document["components"]
    assert components["parameters"]["IF_MATCH_VERSION"]["name"] == "If-Match"
    assert components["parameters"]["IDEMPOTENCY_KEY"]["schema"]["maxLength"] == 255
    assert components["parameters"]["LOG_POSITION"]["name"] == "Log-Position"
    assert components["responses"]["PRECONDITION_FAILED"]["content"] == {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
