"""One procurement through its whole life over the JSON API only, each party with its own
token: create → requirement → plan → publish → two tenders → close → award → sign →
kick-off → matcher → position → candidate → accept → placement → checkpoints → end →
report → verify → deviation → decide → end contract → close."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from typing import Any
from uuid import uuid4

import pytest

from domain.views import CaseView
from tests.e2e.api_helpers import (
    API,
    REQUIREMENT,
    SETUP,
    ApiWorld,
    assert_problem,
    case_path,
    open_world,
    plan_json,
    tender_json,
)


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(sqlite_env) as opened:
        yield opened


def _created(response: Any, location_prefix: str) -> str:
    assert response.status_code == 201, response.get_json()
    new_id = str(response.get_json()["id"])
    assert response.headers["Location"] == f"{location_prefix}/{new_id}"
    return new_id


def _ok(response: Any) -> None:
    assert response.status_code == 204, response.get_data(as_text=True)
    assert response.get_data() == b""


def test_a_procurement_lives_its_whole_life_through_the_api(world: ApiWorld) -> None:
    w = world
    # -- set-up by the authority ---------------------------------------------------------
    pid = _created(w.post("authority", f"{API}/procurements", json=SETUP),
                   f"{API}/procurements")
    case = case_path(pid)
    _ok(w.put("authority", f"{case}/requirement", json=REQUIREMENT))
    _ok(w.put("authority", f"{case}/follow-up-plan", json=plan_json()))
    _ok(w.post("authority", f"{case}/dialogue-notes", json={
        "counterpart": "union", "organisation_name": "Fastighetsanställdas Förbund",
        "held_on": "2025-11-20", "summary": "Visstid med kollektivavtal och handledning."}))
    draft = w.get("authority", case).get_json()
    assert draft["state"] == "draft"
    assert draft["parts"] == ["owner"]
    assert draft["setup"] == {**SETUP, "cpv_division": "90"}
    assert draft["requirement"]["minimum_full_time_months"] == "12"
    assert draft["requirement"]["completion_threshold"] == "0.75"
    assert draft["requirement"]["first_placement_deadline_months"] == 6
    assert [i["key"] for i in draft["plan"]["items"]][:2] == ["employment_status",
                                                              "hours_per_week"]
    assert draft["dialogue_notes"][0]["counterpart"] == "union"
    assert w.get("supplier", case).status_code == 404  # a draft is the owner's alone

    # -- tendering: two suppliers, sealed from each other -----------------------------------
    _ok(w.post("authority", f"{case}/publish", json={"tender_deadline": "2026-02-01"}))
    supplier_org = str(w["supplier"].organisation_id)
    other_org = str(w["other_supplier"].organisation_id)
    assert _created(w.post("supplier", f"{case}/tenders", json=tender_json(sme=True)),
                    f"{case}/tenders") == supplier_org
    assert _created(w.post("other_supplier", f"{case}/tenders",
                           json=tender_json(sme=False)), f"{case}/tenders") == other_org
    own = w.get("supplier", f"{case}/tenders/{supplier_org}").get_json()
    assert own["is_sme"] is True
    assert own["sme"]["balance_sheet_total_meur"] == "4"
    assert own["revision"] == 1
    assert_problem(w.get("supplier", f"{case}/tenders/{other_org}"), 404)
    sealed = w.get("authority", case).get_json()
    assert sealed["tenders"] == [] and sealed["tender_count"] is None
    history = w.get("authority", f"{case}/history").get_json()
    assert "TenderSubmitted" not in [e["event_type"] for e in history]
    _ok(w.post("authority", f"{case}/close-tendering"))
    opened = w.get("authority", case).get_json()
    assert {t["supplier_id"] for t in opened["tenders"]} == {supplier_org, other_org}
    assert opened["tender_count"] == 2
    assert [t["supplier_id"] for t in w.get("other_supplier", case).get_json()["tenders"]
            ] == [other_org]
    history = w.get("authority", f"{case}/history").get_json()
    assert {e["actor"]["organisation_id"] for e in history
            if e["event_type"] == "TenderSubmitted"} == {supplier_org, other_org}

    # -- award, contract, kick-off, the matcher and a partner ------------------------------
    _ok(w.post("authority", f"{case}/award", json={
        "supplier_id": supplier_org, "decided_on": "2026-03-01",
        "standstill_end": "2026-03-11"}))
    _ok(w.post("authority", f"{case}/sign-contract", json={
        "signed_on": "2026-03-12", "contract_start": "2026-04-01",
        "contract_end": "2028-03-31"}))
    tomorrow = w.post("authority", f"{case}/kick-off", json={
        "held_on": "2028-06-16", "attendees": ["Kommunen"]})
    assert assert_problem(tomorrow, 400, "held_on")["rule"] == \
        "must not be after today (2028-06-15)"
    _ok(w.post("authority", f"{case}/kick-off", json={
        "held_on": "2026-04-01", "attendees": ["Kommunen", "Leverantören",
                                               "Arbetsförmedlingen"]}))
    _ok(w.put("authority", f"{case}/matcher",
              json={"matcher_id": str(w["matcher"].organisation_id)}))
    _ok(w.post("supplier", f"{case}/partners",
               json={"partner_id": str(w["partner"].organisation_id)}))
    signed = w.get("supplier", case).get_json()
    assert signed["state"] == "delivery"
    assert signed["contract"] == {"signed_on": "2026-03-12", "contract_start": "2026-04-01",
                                  "contract_end": "2028-03-31", "ended_on": None}
    assert signed["kick_off"]["attendees"][2] == "Arbetsförmedlingen"
    assert "awarded_supplier" in signed["parts"] and "tenderer" in signed["parts"]

    # -- matching: position, candidate, preparation, accept ---------------------------------
    position_id = _created(w.post("supplier", f"{case}/positions", json={
        "position_type": "fixed_term_employment", "fte": 1, "start": "2026-05-01",
        "duration_months": 12, "supervisor": "Lena Berg", "title": "Lokalvårdare"}),
        f"{case}/positions")
    position = w.get("supplier", f"{case}/positions/{position_id}").get_json()
    assert position["fte"] == "1" and position["training"] == ""
    candidate_id = str(uuid4())  # chosen by the client this time
    assert _created(w.post("matcher", f"{case}/candidates", json={
        "candidate_id": candidate_id, "position_id": position_id,
        "participant_ref": "P-0001", "target_group": "long_term_unemployed",
        "eligibility_attested": True}), f"{case}/candidates") == candidate_id
    _ok(w.post("partner", f"{case}/candidates/{candidate_id}/preparations", json={
        "description": "Arbetsträning i två veckor", "start": "2026-04-10",
        "end": "2026-04-24"}))
    as_matcher = w.get("matcher", f"{case}/candidates/{candidate_id}").get_json()
    as_supplier = w.get("supplier", f"{case}/candidates/{candidate_id}").get_json()
    assert as_matcher["target_group"] == "long_term_unemployed"
    assert as_supplier["target_group"] is None  # never the supplier's to see
    assert as_supplier["preparations"][0]["provider_id"] == str(w["partner"].organisation_id)
    _ok(w.post("supplier", f"{case}/candidates/{candidate_id}/accept"))
    assert w.get("supplier", f"{case}/candidates/{candidate_id}").get_json()[
        "status"] == "accepted"

    # -- the placement and its checkpoints ---------------------------------------------------
    placement_id = _created(w.post("supplier", f"{case}/placements", json={
        "candidate_id": candidate_id, "employment_form": "fixed_term_employment",
        "start": "2026-05-01", "planned_end": "2027-04-30", "working_time_percent": "100",
        "collective_agreement": True, "supervisor": "Lena Berg", "insurance_confirmed": True,
        "training_plan": "Introduktion och lokalvårdsutbildning"}), f"{case}/placements")
    placement = f"{case}/placements/{placement_id}"
    _ok(w.post("matcher", f"{placement}/checkpoints", json={
        "checkpoint": "start", "observed_on": "2026-05-01",
        "values": {"employment_status": "same_employer", "wage_subsidy": False}}))
    _ok(w.post("supplier", f"{placement}/checkpoints", json={
        "checkpoint": "start", "observed_on": "2026-05-01",
        "values": {"hours_per_week": 40, "employment_form": "fixed_term",
                   "training_completed": False}}))
    _ok(w.post("supplier", f"{placement}/checkpoints", json={
        "checkpoint": "during_3", "observed_on": "2026-08-01",
        "values": {"hours_per_week": "37.5", "training_completed": True}}))
    _ok(w.post("supplier", f"{placement}/end", json={"ended_on": "2027-04-30"}))
    ended = w.get("supplier", placement).get_json()
    assert ended["end_kind"] == "planned" and ended["ended_on"] == "2027-04-30"
    assert ended["terms"]["working_time_percent"] == "100"
    assert ended["terms"]["wage_subsidy"] is False
    _ok(w.post("matcher", f"{placement}/checkpoints", json={
        "checkpoint": "after_exit_3", "observed_on": "2027-07-30",
        "values": {"employment_status": "other_employer"}}))
    checkpoints = w.get("authority", case).get_json()["checkpoints"]
    assert [(c["checkpoint"], c["recorded_by"]) for c in checkpoints] == [
        ("start", "matcher"), ("start", "supplier"), ("during_3", "supplier"),
        ("after_exit_3", "matcher")]
    assert checkpoints[2]["values"] == {"hours_per_week": "37.5", "training_completed": True}

    # -- a report, queried then verified; a deviation, decided ------------------------------
    report_id = _created(w.post("supplier", f"{case}/reports", json={
        "period_start": "2026-04-01", "period_end": "2026-06-30",
        "summary": "En placering startad 1 maj."}), f"{case}/reports")
    _ok(w.post("authority", f"{case}/reports/{report_id}/query",
               json={"comment": "Ange handledarens utbildning."}))
    _ok(w.post("authority", f"{case}/reports/{report_id}/verify", json={}))
    report = w.get("authority", f"{case}/reports/{report_id}").get_json()
    assert report["status"] == "verified"
    deviation_id = _created(w.post("authority", f"{case}/deviations", json={
        "description": "Kvartalsrapporten kom tre veckor sent."}), f"{case}/deviations")
    _ok(w.post("authority", f"{case}/deviations/{deviation_id}/decision", json={
        "kind": "sanction", "motivation": "Enligt avtalets vitesklausul.",
        "sanction_amount_sek": "5000"}))
    deviation = w.get("supplier", f"{case}/deviations/{deviation_id}").get_json()
    assert deviation["noted_by"] == "authority"
    assert deviation["decision"] == {"kind": "sanction", "motivation":
                                     "Enligt avtalets vitesklausul.",
                                     "sanction_amount_sek": "5000"}

    # -- the contract ends; compliance; close ------------------------------------------------
    _ok(w.post("authority", f"{case}/end-contract", json={"ended_on": "2028-03-31"}))
    compliance = w.get("authority", f"{case}/compliance").get_json()
    assert compliance["outcome"] == "met"
    assert compliance["required_months"] == "12"
    assert compliance["delivered_months"] == "12.00"
    assert compliance["share_delivered"] == "1.0000"
    assert compliance["deadline_status"] == "met"
    assert compliance["first_placement_start"] == "2026-05-01"
    _ok(w.post("authority", f"{case}/close", json={"decision": "met"}))
    closed = w.get("auditor", case).get_json()
    assert set(closed) == {f.name for f in fields(CaseView)} - {"procurement_id"} | {"id"}
    assert closed["state"] == "closed"
    assert closed["parts"] == ["auditor"]
    assert closed["candidates"][0]["target_group"] == "long_term_unemployed"
    events = [e["event_type"] for e in w.get("auditor", f"{case}/history").get_json()]
    assert events[0] == "Created" and events[-1] == "Closed"
    assert events.count("CheckpointRecorded") == 4

    # -- who lists it ----------------------------------------------------------------------
    summary = {"id": pid, "reference": SETUP["reference"], "title": SETUP["title"],
               "state": "closed",
               "owner_id": str(w["authority"].organisation_id),
               "tender_deadline": closed["tender_deadline"],
               "contract_start": closed["contract"]["contract_start"],
               "contract_end": closed["contract"]["contract_end"]}
    parts = {"authority": ["owner"], "supplier": ["awarded_supplier", "tenderer"],
             "other_supplier": ["tenderer"], "matcher": ["matcher"], "partner": ["partner"],
             "auditor": ["auditor"]}
    for party, its_parts in parts.items():
        (listed,) = w.get(party, f"{API}/procurements").get_json()
        assert {k: listed[k] for k in summary} == summary, party
        assert listed["parts"] == its_parts, party
        # Only the owner and the auditor know how many tendered, as on the case itself.
        assert listed["tender_count"] == (2 if party in ("authority", "auditor") else None)
    assert w.get("other_authority", f"{API}/procurements").get_json() == []


def test_a_declined_candidate_a_revised_setup_an_amended_plan_and_a_cancellation(
        world: ApiWorld) -> None:
    w = world
    pid = _created(w.post("authority", f"{API}/procurements", json=SETUP),
                   f"{API}/procurements")
    case = case_path(pid)
    _ok(w.put("authority", f"{case}/setup", json={**SETUP, "title": "Lokalvård, etapp 2"}))
    assert w.get("authority", case).get_json()["setup"]["title"] == "Lokalvård, etapp 2"
    _ok(w.post("authority", f"{case}/cancel", json={"reason": "Behovet har upphört"}))
    assert w.get("authority", case).get_json()["state"] == "cancelled"
    assert_problem(w.post("authority", f"{case}/publish",
                          json={"tender_deadline": "2026-02-01"}), 409)


def test_a_candidate_is_declined_with_a_reason_and_the_frozen_plan_is_amended(
        world: ApiWorld) -> None:
    w = world
    case = _signed_case(w)
    position_id = _created(w.post("supplier", f"{case}/positions", json={
        "position_type": "internship", "fte": "0.5", "start": "2026-05-01",
        "duration_months": 6, "supervisor": "Ola Ek"}), f"{case}/positions")
    candidate_id = _created(w.post("matcher", f"{case}/candidates", json={
        "position_id": position_id, "participant_ref": "P-0002", "target_group": "young",
        "eligibility_attested": True}), f"{case}/candidates")
    _ok(w.post("supplier", f"{case}/candidates/{candidate_id}/decline",
               json={"reason": "Tjänsten kräver körkort."}))
    declined = w.get("matcher", f"{case}/candidates/{candidate_id}").get_json()
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "Tjänsten kräver körkort."
    assert_problem(w.post("supplier", f"{case}/candidates/{candidate_id}/accept"), 409)
    amended = {**plan_json(), "after_exit_months": [6, 12]}
    _ok(w.post("authority", f"{case}/follow-up-plan/amendments",
               json={"plan": amended, "reason": "Kortare uppföljning enligt avtal."}))
    assert w.get("authority", case).get_json()["plan"]["after_exit_months"] == [6, 12]
    assert_problem(w.put("authority", f"{case}/follow-up-plan", json=plan_json()), 409)


def _signed_case(w: ApiWorld) -> str:
    """A case in delivery, awarded to "supplier", with "matcher" appointed; its path."""
    pid = _created(w.post("authority", f"{API}/procurements", json=SETUP),
                   f"{API}/procurements")
    case = case_path(pid)
    _ok(w.put("authority", f"{case}/requirement", json=REQUIREMENT))
    _ok(w.put("authority", f"{case}/follow-up-plan", json=plan_json()))
    _ok(w.post("authority", f"{case}/publish", json={"tender_deadline": "2026-02-01"}))
    assert w.post("supplier", f"{case}/tenders", json=tender_json(sme=True)).status_code == 201
    _ok(w.post("authority", f"{case}/close-tendering", json={}))
    _ok(w.post("authority", f"{case}/award", json={
        "supplier_id": str(w["supplier"].organisation_id), "decided_on": "2026-03-01",
        "standstill_end": "2026-03-11"}))
    _ok(w.post("authority", f"{case}/sign-contract", json={
        "signed_on": "2026-03-12", "contract_start": "2026-04-01",
        "contract_end": "2028-03-31"}))
    _ok(w.put("authority", f"{case}/matcher",
              json={"matcher_id": str(w["matcher"].organisation_id)}))
    return case
