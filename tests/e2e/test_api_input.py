"""Bad input to every endpoint: each answers a problem document that names the field, and
never a 500. Missing fields, wrong types, values out of range, unknown codes, unknown
fields, bodies that are not JSON or too large, malformed ids in the path.

Bad input is refused before the service decides anything, so one world (an authority and
its draft case) serves every case here; it is made once per module (argon2 is slow on
purpose) on an SQLite file of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from tests.e2e.api_helpers import (
    API,
    PROBLEM_JSON,
    REQUIREMENT,
    SETUP,
    ApiWorld,
    assert_problem,
    draft_case,
    open_world,
    plan_json,
    tender_json,
)


@dataclass(frozen=True)
class Endpoint:
    operation: str
    method: str
    path: str  # {procurement_id}, {candidate_id}, … stand for ids
    body: dict[str, Any] | None  # a valid body; None for a query
    bad: tuple[tuple[str, dict[str, Any], str], ...] = field(default=())  # (what, body, field)


def without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


CASE = "/procurements/{procurement_id}"
PLAN = plan_json()
POSITION = {"position_type": "internship", "fte": "0.5", "start": "2026-05-01",
            "duration_months": 6, "supervisor": "Ola Ek"}
CANDIDATE = {"position_id": str(uuid4()), "participant_ref": "P-0001",
             "target_group": "young", "eligibility_attested": True}
PLACEMENT = {"candidate_id": str(uuid4()), "employment_form": "internship",
             "start": "2026-05-01", "planned_end": "2026-10-31", "working_time_percent": 50,
             "collective_agreement": True, "supervisor": "Ola Ek", "insurance_confirmed": True}
TENDER = tender_json(sme=True)
PERSON = {"name": "Ola Ek", "target_group": "young", "eligibility_attested": True}
DECISION = {"kind": "waiver", "motivation": "Förseningen var kort."}

ENDPOINTS = (
    Endpoint("create_procurement", "POST", "/procurements", SETUP, (
        ("missing", without(SETUP, "title"), "title"),
        ("wrong type", {**SETUP, "estimated_value_sek": True}, "estimated_value_sek"),
        ("out of range", {**SETUP, "estimated_value_sek": "-1"}, "estimated_value_sek"),
        ("bad format", {**SETUP, "cpv_codes": ["9091"]}, "cpv_codes"),
        ("no such day", {**SETUP, "contract_start": "2026-02-30"}, "contract_start"),
        ("ends before it starts", {**SETUP, "contract_end": "2025-01-01"}, "contract_end"),
        ("too long", {**SETUP, "title": "x" * 301}, "title"),
        ("not a number", {**SETUP, "estimated_value_sek": "many"}, "estimated_value_sek"),
        ("null", {**SETUP, "title": None}, "title"),
        ("a day past the service's years", {**SETUP, "contract_end": "9999-12-31"},
         "contract_end"),
        ("a tiny decimal", {**SETUP, "estimated_value_sek": "1e-999999"},
         "estimated_value_sek"),
        ("a huge decimal", {**SETUP, "estimated_value_sek": 1e300}, "estimated_value_sek"),
    )),
    Endpoint("revise_setup", "PUT", f"{CASE}/setup", SETUP, (
        ("missing", without(SETUP, "reference"), "reference"),
        ("wrong type", {**SETUP, "cpv_codes": "90910000-9"}, "cpv_codes"),
        ("infinite", {**SETUP, "estimated_value_sek": "Infinity"}, "estimated_value_sek"),
    )),
    Endpoint("set_requirement", "PUT", f"{CASE}/requirement", REQUIREMENT, (
        ("missing", without(REQUIREMENT, "level"), "level"),
        ("unknown code", {**REQUIREMENT, "level": "mandatory"}, "level"),
        ("unknown code in a list", {**REQUIREMENT, "target_groups": ["young", "martians"]},
         "target_groups.1"),
        ("listed twice", {**REQUIREMENT, "target_groups": ["young", "young"]},
         "target_groups"),
        ("none", {**REQUIREMENT, "target_groups": []}, "target_groups"),
        ("out of range", {**REQUIREMENT, "minimum_full_time_months": "0"},
         "minimum_full_time_months"),
        ("share above one", {**REQUIREMENT, "completion_threshold": "1.5"},
         "completion_threshold"),
        ("wrong type", {**REQUIREMENT, "first_placement_deadline_months": "6"},
         "first_placement_deadline_months"),
        ("fraction", {**REQUIREMENT, "first_placement_deadline_months": 6.5},
         "first_placement_deadline_months"),
        ("too many months", {**REQUIREMENT, "first_placement_deadline_months": 121},
         "first_placement_deadline_months"),
        ("more places than a decimal may have", {
            **REQUIREMENT, "minimum_full_time_months": "0.0000001"},
         "minimum_full_time_months"),
    )),
    Endpoint("set_follow_up_plan", "PUT", f"{CASE}/follow-up-plan", PLAN, (
        ("missing", without(PLAN, "items"), "items"),
        ("no items", {**PLAN, "items": []}, "items"),
        ("unknown item type", {**PLAN, "items": [{**PLAN["items"][0], "type": "colour"}]},
         "items.0.type"),
        ("not a party that reports", {**PLAN, "items": [
            {**PLAN["items"][1], "responsible": "authority"}]},
         "items.hours_per_week.responsible"),
        ("out of range", {**PLAN, "during_interval_months": 0}, "during_interval_months"),
        ("wrong type", {**PLAN, "after_exit_months": "3"}, "after_exit_months"),
        ("not increasing", {**PLAN, "after_exit_months": [6, 3]}, "after_exit_months"),
        ("item not an object", {**PLAN, "items": ["employment_status"]}, "items.0"),
    )),
    Endpoint("amend_follow_up_plan", "POST", f"{CASE}/follow-up-plan/amendments",
             {"plan": PLAN, "reason": "Avtalsändring"}, (
        ("missing", {"plan": PLAN}, "reason"),
        ("wrong type", {"plan": "default", "reason": "x"}, "plan"),
        ("nested missing", {"plan": {**PLAN, "items": [without(PLAN["items"][0], "key")]},
                            "reason": "x"}, "plan.items.0.key"),
    )),
    Endpoint("add_dialogue_note", "POST", f"{CASE}/dialogue-notes",
             {"counterpart": "union", "organisation_name": "Kommunal",
              "held_on": "2025-11-20", "summary": "Samtal om handledning."}, (
        ("unknown code", {"counterpart": "press", "organisation_name": "x",
                          "held_on": "2025-11-20", "summary": "x"}, "counterpart"),
        ("missing", {"counterpart": "union", "organisation_name": "x", "summary": "x"},
         "held_on"),
        ("wrong type", {"counterpart": "union", "organisation_name": "x",
                        "held_on": "2025-11-20", "summary": 5}, "summary"),
        ("empty", {"counterpart": "union", "organisation_name": " ",
                   "held_on": "2025-11-20", "summary": "x"}, "organisation_name"),
    )),
    Endpoint("publish", "POST", f"{CASE}/publish", {"tender_deadline": "2026-02-01"}, (
        ("missing", {}, "tender_deadline"),
        ("not a date", {"tender_deadline": "tomorrow"}, "tender_deadline"),
        ("a timestamp", {"tender_deadline": "2026-02-01T12:00:00"}, "tender_deadline"),
        ("wrong type", {"tender_deadline": 20260201}, "tender_deadline"),
    )),
    Endpoint("set_reminder_policy", "PUT", f"{CASE}/reminder-policy",
             {"days_before": 5, "escalate_after_days": 10}, (
        ("missing", {"days_before": 5}, "escalate_after_days"),
        ("wrong type", {"days_before": "5", "escalate_after_days": 10}, "days_before"),
        ("out of range", {"days_before": 5, "escalate_after_days": 0}, "escalate_after_days"),
        ("too many days", {"days_before": 5, "escalate_after_days": 9, "answer_days": 366},
         "answer_days"),
        ("negative", {"days_before": -1, "escalate_after_days": 9}, "days_before"),
        ("fraction", {"days_before": 5, "escalate_after_days": 9, "verify_days": 1.5},
         "verify_days"),
    )),
    Endpoint("cancel", "POST", f"{CASE}/cancel", {"reason": "Behovet har upphört"}, (
        ("missing", {}, "reason"),
        ("wrong type", {"reason": ["x"]}, "reason"),
    )),
    Endpoint("submit_tender", "POST", f"{CASE}/tenders", TENDER, (
        ("missing", without(TENDER, "sme"), "sme"),
        ("out of range", {**TENDER, "plan": {**TENDER["plan"], "planned_positions": 0}},
         "plan.planned_positions"),
        ("wrong type", {**TENDER, "sme": {**TENDER["sme"], "staff_headcount": "35"}},
         "sme.staff_headcount"),
        ("negative", {**TENDER, "sme": {**TENDER["sme"], "annual_turnover_meur": -1}},
         "sme.annual_turnover_meur"),
        ("malformed id", {**TENDER, "partner_ids": ["not-an-id"]}, "partner_ids.0"),
        ("listed twice", {**TENDER, "partner_ids": [str(uuid4())] * 2}, "partner_ids"),
    )),
    Endpoint("close_tendering", "POST", f"{CASE}/close-tendering", {}),
    Endpoint("award_contract", "POST", f"{CASE}/award",
             {"supplier_id": str(uuid4()), "decided_on": "2026-03-01",
              "standstill_end": "2026-03-11"}, (
        ("missing", {"decided_on": "2026-03-01", "standstill_end": "2026-03-11"},
         "supplier_id"),
        ("malformed id", {"supplier_id": "abc", "decided_on": "2026-03-01",
                          "standstill_end": "2026-03-11"}, "supplier_id"),
        ("out of order", {"supplier_id": str(uuid4()), "decided_on": "2026-03-01",
                          "standstill_end": "2026-02-11"}, "standstill_end"),
    )),
    Endpoint("sign_contract", "POST", f"{CASE}/sign-contract",
             {"signed_on": "2026-03-12", "contract_start": "2026-04-01",
              "contract_end": "2028-03-31"}, (
        ("missing", {"signed_on": "2026-03-12", "contract_end": "2028-03-31"},
         "contract_start"),
        ("out of order", {"signed_on": "2026-03-12", "contract_start": "2026-04-01",
                          "contract_end": "2026-03-31"}, "contract_end"),
        ("wrong type", {"signed_on": True, "contract_start": "2026-04-01",
                        "contract_end": "2028-03-31"}, "signed_on"),
        ("a start whose deadline no calendar holds", {
            "signed_on": "2026-03-12", "contract_start": "9999-12-01",
            "contract_end": "9999-12-31"}, "contract_start"),
        ("domain's name, not the attribute", {"signed_on": "2026-03-12",
                                              "start": "2026-04-01",
                                              "contract_start": "2026-04-01",
                                              "contract_end": "2028-03-31"}, "start"),
    )),
    Endpoint("hold_kick_off", "POST", f"{CASE}/kick-off",
             {"held_on": "2026-04-01", "attendees": ["Kommunen"]}, (
        ("nobody", {"held_on": "2026-04-01", "attendees": []}, "attendees"),
        ("wrong type", {"held_on": "2026-04-01", "attendees": "Kommunen"}, "attendees"),
        ("missing", {"attendees": ["Kommunen"]}, "held_on"),
    )),
    Endpoint("appoint_matcher", "PUT", f"{CASE}/matcher", {"matcher_id": str(uuid4())}, (
        ("missing", {}, "matcher_id"),
        ("wrong type", {"matcher_id": 5}, "matcher_id"),
    )),
    Endpoint("invite_partner", "POST", f"{CASE}/partners", {"partner_id": str(uuid4())}, (
        ("missing", {}, "partner_id"),
        ("wrong type", {"partner_id": [str(uuid4())]}, "partner_id"),
    )),
    Endpoint("offer_position", "POST", f"{CASE}/positions", POSITION, (
        ("unknown code", {**POSITION, "position_type": "permanent"}, "position_type"),
        ("out of range", {**POSITION, "fte": "1.5"}, "fte"),
        ("fraction", {**POSITION, "duration_months": 1.5}, "duration_months"),
        ("missing", without(POSITION, "supervisor"), "supervisor"),
        ("malformed id", {**POSITION, "position_id": "p-1"}, "position_id"),
    )),
    Endpoint("propose_candidate", "POST", f"{CASE}/candidates", CANDIDATE, (
        ("unknown code", {**CANDIDATE, "target_group": "retired"}, "target_group"),
        ("not a boolean", {**CANDIDATE, "eligibility_attested": "yes"},
         "eligibility_attested"),
        ("one is not true", {**CANDIDATE, "eligibility_attested": 1},
         "eligibility_attested"),
        ("too long", {**CANDIDATE, "participant_ref": "P" * 65}, "participant_ref"),
        ("missing", without(CANDIDATE, "position_id"), "position_id"),
        ("not the client's to set", {**CANDIDATE, "status": "accepted"}, "status"),
    )),
    Endpoint("accept_candidate", "POST", f"{CASE}/candidates/{{candidate_id}}/accept", {}),
    Endpoint("decline_candidate", "POST", f"{CASE}/candidates/{{candidate_id}}/decline",
             {"reason": "Kräver körkort"}, (
        ("missing", {}, "reason"),
        ("wrong type", {"reason": 1}, "reason"),
    )),
    Endpoint("record_preparation", "POST",
             f"{CASE}/candidates/{{candidate_id}}/preparations",
             {"description": "Arbetsträning", "start": "2026-04-10"}, (
        ("missing", {"start": "2026-04-10"}, "description"),
        ("out of order", {"description": "x", "start": "2026-04-10", "end": "2026-04-01"},
         "end"),
        ("wrong type", {"description": "x", "start": 5}, "start"),
        ("not the client's to set", {"description": "x", "start": "2026-04-10",
                                     "provider_id": str(uuid4())}, "provider_id"),
    )),
    Endpoint("start_placement", "POST", f"{CASE}/placements", PLACEMENT, (
        ("out of range", {**PLACEMENT, "working_time_percent": "150"},
         "working_time_percent"),
        ("out of order", {**PLACEMENT, "planned_end": "2026-04-30"}, "planned_end"),
        ("unknown code", {**PLACEMENT, "employment_form": "summer_job"}, "employment_form"),
        ("not a boolean", {**PLACEMENT, "collective_agreement": 1}, "collective_agreement"),
        ("missing", without(PLACEMENT, "candidate_id"), "candidate_id"),
        ("empty", {**PLACEMENT, "supervisor": ""}, "supervisor"),
    )),
    Endpoint("end_placement", "POST", f"{CASE}/placements/{{placement_id}}/end",
             {"ended_on": "2026-10-31"}, (
        ("missing", {}, "ended_on"),
        ("no such day", {"ended_on": "2027-02-29"}, "ended_on"),
        ("wrong type", {"ended_on": ["2026-10-31"]}, "ended_on"),
    )),
    Endpoint("record_checkpoint", "POST", f"{CASE}/placements/{{placement_id}}/checkpoints",
             {"checkpoint": "start", "observed_on": "2026-05-01",
              "values": {"employment_status": "same_employer"}}, (
        ("missing", {"checkpoint": "start", "observed_on": "2026-05-01"}, "values"),
        ("wrong type", {"checkpoint": "start", "observed_on": "2026-05-01",
                        "values": ["same_employer"]}, "values"),
        ("not a date", {"checkpoint": "start", "observed_on": "01/05/2026",
                        "values": {"wage_subsidy": True}}, "observed_on"),
        ("too long", {"checkpoint": "during_" + "3" * 5000, "observed_on": "2026-05-01",
                      "values": {"wage_subsidy": True}}, "checkpoint"),
    )),
    Endpoint("submit_report", "POST", f"{CASE}/reports",
             {"period_start": "2026-04-01", "period_end": "2026-06-30", "summary": "Bra"}, (
        ("out of order", {"period_start": "2026-04-01", "period_end": "2026-03-31",
                          "summary": "x"}, "period_end"),
        ("missing", {"period_start": "2026-04-01", "period_end": "2026-06-30"}, "summary"),
        ("wrong type", {"period_start": "2026-04-01", "period_end": "2026-06-30",
                        "summary": {}}, "summary"),
    )),
    Endpoint("verify_report", "POST", f"{CASE}/reports/{{report_id}}/verify", {}, (
        ("wrong type", {"comment": 5}, "comment"),
    )),
    Endpoint("query_report", "POST", f"{CASE}/reports/{{report_id}}/query",
             {"comment": "Vad saknas?"}, (
        ("missing", {}, "comment"),
        ("wrong type", {"comment": False}, "comment"),
    )),
    Endpoint("note_deviation", "POST", f"{CASE}/deviations", {"description": "Sen rapport"}, (
        ("missing", {}, "description"),
        ("malformed id", {"description": "x", "deviation_id": "d-1"}, "deviation_id"),
        ("wrong type", {"description": 1}, "description"),
        ("not the client's to set", {"description": "x", "noted_by": "authority"},
         "noted_by"),
    )),
    Endpoint("decide_deviation", "POST", f"{CASE}/deviations/{{deviation_id}}/decision",
             DECISION, (
        ("unknown code", {**DECISION, "kind": "fine"}, "kind"),
        ("a sanction without its amount", {**DECISION, "kind": "sanction"},
         "sanction_amount_sek"),
        ("a waiver with an amount", {**DECISION, "sanction_amount_sek": "100"},
         "sanction_amount_sek"),
        ("missing", without(DECISION, "motivation"), "motivation"),
        ("wrong type", {**DECISION, "kind": "sanction", "sanction_amount_sek": [1]},
         "sanction_amount_sek"),
    )),
    Endpoint("end_contract", "POST", f"{CASE}/end-contract", {"ended_on": "2028-03-31"}, (
        ("missing", {}, "ended_on"),
        ("wrong type", {"ended_on": None}, "ended_on"),
    )),
    Endpoint("close_procurement", "POST", f"{CASE}/close", {"decision": "met"}, (
        ("unknown code", {"decision": "perfect"}, "decision"),
        ("missing", {"motivation": "x"}, "decision"),
        ("wrong type", {"decision": "met", "motivation": 5}, "motivation"),
    )),
    Endpoint("register_participant", "POST", "/participants", PERSON, (
        ("missing", without(PERSON, "name"), "name"),
        ("wrong type", {**PERSON, "eligibility_attested": "yes"}, "eligibility_attested"),
        ("unknown code", {**PERSON, "target_group": "tall"}, "target_group"),
        ("wrong check digit", {**PERSON, "personal_number": "19811218-9875"},
         "personal_number"),
        ("no such day", {**PERSON, "personal_number": "19810230-9870"}, "personal_number"),
        ("not attested", {**PERSON, "eligibility_attested": False}, "eligibility_attested"),
        ("bad e-mail", {**PERSON, "email": "nobody"}, "email"),
        ("bad phone", {**PERSON, "phone": "call me"}, "phone"),
        ("too long", {**PERSON, "name": "x" * 201}, "name"),
    )),
    Endpoint("erase_participant", "POST", "/participants/{participant_id}/erasure",
             {"reason": "asked_to_be_erased"}, (
        ("missing", {}, "reason"),
        ("wrong type", {"reason": 7}, "reason"),
        ("free text", {"reason": "she phoned"}, "reason"),
    )),
    Endpoint("get_participant", "GET", "/participants/{participant_id}", None),
    Endpoint("read_log", "GET", f"{CASE}/read-log", None),
    Endpoint("outcomes", "GET", "/statistics/outcomes", None),
    Endpoint("sme_shares", "GET", "/statistics/sme-shares", None),
    Endpoint("get_case", "GET", CASE, None),
    Endpoint("history", "GET", f"{CASE}/history", None),
    Endpoint("case_diff", "GET", f"{CASE}/diff", None),
    Endpoint("verify_history", "GET", f"{CASE}/chain", None),
    Endpoint("chain_head", "GET", f"{CASE}/chain/head", None),
    Endpoint("mark_for_publication", "POST", f"{CASE}/publication", {}),
    Endpoint("ocds_releases", "GET", f"{CASE}/ocds/releases", None),
    Endpoint("ocds_record", "GET", f"{CASE}/ocds/record", None),
    Endpoint("compliance", "GET", f"{CASE}/compliance", None),
    Endpoint("get_tender", "GET", f"{CASE}/tenders/{{supplier_id}}", None),
    Endpoint("get_position", "GET", f"{CASE}/positions/{{position_id}}", None),
    Endpoint("get_candidate", "GET", f"{CASE}/candidates/{{candidate_id}}", None),
    Endpoint("get_placement", "GET", f"{CASE}/placements/{{placement_id}}", None),
    Endpoint("get_report", "GET", f"{CASE}/reports/{{report_id}}", None),
    Endpoint("get_deviation", "GET", f"{CASE}/deviations/{{deviation_id}}", None),
)
WRITES = [e for e in ENDPOINTS if e.body is not None]
BAD_BODIES = [pytest.param(e, body, name, id=f"{e.operation}-{what}")
              for e in ENDPOINTS for what, body, name in e.bad]
PATH_IDS = [pytest.param(e, name, id=f"{e.operation}-{name}")
            for e in ENDPOINTS for name in re.findall(r"{(\w+)}", e.path)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
           "SQLITE_DBNAME": str(Path(tmp_path_factory.mktemp("api")) / "events.db")}
    with open_world(env, parties=("authority",)) as opened:
        yield opened


@pytest.fixture(scope="module")
def draft(world: ApiWorld) -> str:
    return draft_case(world)


def url(endpoint: Endpoint, draft: str, **ids: str) -> str:
    """The endpoint's path on the draft, with random ids for the rest (or the ids given)."""
    values = {name: str(uuid4()) for name in re.findall(r"{(\w+)}", endpoint.path)}
    values.update({"procurement_id": draft, **ids})
    return API + endpoint.path.format(**values)


def test_every_endpoint_is_in_the_table(world: ApiWorld) -> None:
    routed = {rule.endpoint.removeprefix("api.") for rule in world.app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    assert routed == {e.operation for e in ENDPOINTS} | {"list_procurements", "list_tasks",
                                                             "list_participants"}


@pytest.mark.parametrize("path", ["/statistics/outcomes", "/statistics/sme-shares"])
@pytest.mark.parametrize(("query", "name"), [
    ({"year": "last"}, "year"), ({"year": "1800"}, "year"),
    ({"authority_id": "norrvik"}, "authority_id"), ({"colour": "blue"}, "colour"),
])
def test_a_bad_statistics_query_names_the_parameter(world: ApiWorld, path: str,
                                                    query: dict[str, str], name: str) -> None:
    response = world.get("authority", API + path, query_string=query)
    assert_problem(response, 400, f"query.{name}")  # where it was sent, and its name


@pytest.mark.parametrize("endpoint", [e for e in WRITES if e.body], ids=lambda e: e.operation)
def test_every_command_with_input_has_a_missing_and_a_wrongly_typed_case(
        endpoint: Endpoint) -> None:
    kinds = {what for what, _, _ in endpoint.bad}
    assert "missing" in kinds
    assert kinds & {"wrong type", "malformed id", "fraction", "not a boolean"}


@pytest.mark.parametrize(("endpoint", "body", "name"), BAD_BODIES)
def test_bad_input_is_refused_naming_the_field(world: ApiWorld, draft: str,
                                               endpoint: Endpoint, body: dict[str, Any],
                                               name: str) -> None:
    path = url(endpoint, draft)
    problem = assert_problem(world.call("authority", endpoint.method, path, json=body), 400,
                             name)
    assert problem["type"] == "urn:sysselsattning:problem:validation"
    assert problem["instance"] == path
    assert problem["detail"]


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.operation)
def test_an_unknown_field_is_refused_by_name(world: ApiWorld, draft: str,
                                             endpoint: Endpoint) -> None:
    body = {**(endpoint.body or {}), "colour": "blue"}
    problem = assert_problem(world.call("authority", endpoint.method, url(endpoint, draft),
                                        json=body), 400, "colour")
    assert problem["rule"] == "is not a field of this request"
    assert {"field": "colour", "rule": "is not a field of this request"} in problem["errors"]


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.operation)
def test_a_body_that_is_not_json_is_415(world: ApiWorld, draft: str,
                                        endpoint: Endpoint) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = world.call("authority", endpoint.method, url(endpoint, draft),
                              data=json.dumps(endpoint.body),
                              headers={"Content-Type": content_type})
        assert_problem(response, 415)


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.operation)
def test_a_body_over_256_kib_is_413(world: ApiWorld, draft: str, endpoint: Endpoint) -> None:
    body = {**(endpoint.body or {}), "padding": "x" * (256 * 1024)}
    response = world.call("authority", endpoint.method, url(endpoint, draft), json=body)
    assert_problem(response, 413)


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.operation)
def test_malformed_json_and_a_body_that_is_no_object_name_the_body(
        world: ApiWorld, draft: str, endpoint: Endpoint) -> None:
    for raw in ('{"title": ', "[1, 2]", '"text"', "\xff"):
        response = world.call("authority", endpoint.method, url(endpoint, draft),
                              data=raw.encode("latin-1"),
                              headers={"Content-Type": "application/json"})
        problem = assert_problem(response, 400, "body")
        assert problem["rule"] in ("must be a JSON document", "must be a JSON object")


@pytest.mark.parametrize("raw", [
    pytest.param('{"tender_deadline": ' + "1" * 5000 + "}", id="more-digits-than-python-reads"),
    pytest.param("[" * 100_000 + "]" * 100_000, id="nested-deeper-than-the-decoder-goes"),
    pytest.param('{"tender_deadline": "\\ud800"}', id="a-lone-surrogate"),
    pytest.param('{"\\udfff": 1}', id="a-lone-surrogate-as-a-key"),
])
def test_json_python_cannot_take_is_400_not_500(world: ApiWorld, draft: str, raw: str) -> None:
    response = world.post("authority", f"{API}/procurements/{draft}/publish", data=raw,
                          headers={"Content-Type": "application/json"})
    assert_problem(response, 400, "body")


@pytest.mark.parametrize(("endpoint", "name"), PATH_IDS)
def test_a_malformed_id_in_the_path_is_400_naming_the_parameter(
        world: ApiWorld, draft: str, endpoint: Endpoint, name: str) -> None:
    path = url(endpoint, draft, **{name: "not-a-uuid"})
    response = world.call("authority", endpoint.method, path, json=endpoint.body)
    problem = assert_problem(response, 400, name)
    assert problem["rule"] == "must be an id (UUID)"


def test_a_missing_body_is_400_naming_the_first_required_field(world: ApiWorld,
                                                               draft: str) -> None:
    response = world.call("authority", "POST", API + "/procurements")
    problem = assert_problem(response, 400, "title")
    assert [e["field"] for e in problem["errors"]] == ["title", "reference"]


def test_every_failing_field_is_listed_in_schema_order(world: ApiWorld) -> None:
    body = {**SETUP, "title": 1, "contract_start": "x", "colour": "blue"}
    problem = assert_problem(world.post("authority", API + "/procurements", json=body), 400,
                             "title")
    assert [e["field"] for e in problem["errors"]] == ["title", "contract_start", "colour"]


def test_a_command_without_input_takes_no_body_or_an_empty_object(world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    for body in (None, {}):
        response = world.call("authority", "POST",
                              f"{API}/procurements/{procurement_id}/close-tendering", json=body)
        assert_problem(response, 409)  # a draft's tendering is not open: the body was fine


def test_an_unknown_path_and_a_wrong_method_are_problems_too(world: ApiWorld,
                                                             draft: str) -> None:
    assert_problem(world.get("authority", f"{API}/nothing-here"), 404)
    response = world.call("authority", "DELETE", f"{API}/procurements/{draft}")
    assert_problem(response, 405)


def test_the_api_answers_json_even_to_a_browser(world: ApiWorld, draft: str) -> None:
    response = world.call("authority", "PUT", f"{API}/procurements/{draft}/requirement",
                          json={}, headers={"Accept": "text/html"})
    assert response.mimetype == PROBLEM_JSON
    assert response.status_code == 400
