"""The access matrix, written by hand: every party × every command and query of a case,
checked against the running service through HTTP (the JSON API), on SQLite and PostgreSQL.

The expectations below are NOT derived from domain/access.py: they are what DESIGN.md §2
says each party may do, written out cell by cell, so a change to the policy table that
breaks the design fails here. A cell is one of:

    ok     allowed: the request reaches the case (2xx, or 409 where the case's state refuses)
    403    the party sees the case but may not do this
    404    the party has no part in the case: the answer is the one an unknown id gets

The case is in delivery: a contract signed with the winning supplier, a loser that
tendered, an appointed matcher, an invited social enterprise, a granted auditor, one
active placement, an open position with a proposed candidate, a submitted report and an
open deviation. Outsiders are one of each kind with no part in it, and the operator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.examples import Parties, example_position, walk_to
from domain.procurement.deviations import Deviation
from domain.procurement.followup_plan import ItemType, PlanItem, default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate
from domain.procurement.reports import SupplierReport
from domain.values import Role, TargetGroup
from tests.e2e.api_helpers import (
    API,
    REQUIREMENT,
    SETUP,
    ApiWorld,
    open_world,
    plan_json,
    register_party,
    tender_json,
)

# The parties of the case (names as in api_helpers.PARTIES), then the outsiders.
INSIDERS = ("authority", "supplier", "other_supplier", "matcher", "partner", "auditor")
OUTSIDERS = ("other_authority", "bystander_supplier", "other_matcher", "other_partner",
             "other_auditor", "operator")
EXTRA_PARTIES = {
    "bystander_supplier": ("Målarna i Norrvik AB", Role.SUPPLIER),
    "other_matcher": ("Söderby kommun, arbetsmarknadsförvaltningen", Role.MATCHER),
    "other_partner": ("Nya Steg ideell förening", Role.SOCIAL_ENTERPRISE),
    "other_auditor": ("Söderby revision", Role.AUDITOR),
    "operator": ("Tjänsteleverantören (drift)", Role.ADMIN),
}
OK, DENIED, HIDDEN = "ok", 403, 404

# Columns: authority, supplier (the winner), other_supplier (lost), matcher, partner, auditor.
# Every outsider gets 404 on every row (the last column group is checked separately).
MATRIX: dict[str, tuple[object, object, object, object, object, object]] = {
    # set-up and tendering: the owning authority alone (submitting is a supplier's)
    "revise_setup":         (OK, 403, 403, 403, 403, 403),
    "set_requirement":      (OK, 403, 403, 403, 403, 403),
    "set_follow_up_plan":   (OK, 403, 403, 403, 403, 403),
    "amend_follow_up_plan": (OK, 403, 403, 403, 403, 403),
    "add_dialogue_note":    (OK, 403, 403, 403, 403, 403),
    "publish":              (OK, 403, 403, 403, 403, 403),
    "submit_tender":        (403, OK, OK, 403, 403, 403),
    "close_tendering":      (OK, 403, 403, 403, 403, 403),
    "award_contract":       (OK, 403, 403, 403, 403, 403),
    "sign_contract":        (OK, 403, 403, 403, 403, 403),
    "hold_kick_off":        (OK, 403, 403, 403, 403, 403),
    "appoint_matcher":      (OK, 403, 403, 403, 403, 403),
    "invite_partner":       (OK, OK, 403, 403, 403, 403),
    # matching and placements: the awarded supplier, the matcher proposes, the partner prepares
    "offer_position":       (403, OK, 403, 403, 403, 403),
    "propose_candidate":    (403, 403, 403, OK, 403, 403),
    "accept_candidate":     (403, OK, 403, 403, 403, 403),
    "decline_candidate":    (403, OK, 403, 403, 403, 403),
    "record_preparation":   (403, 403, 403, 403, OK, 403),
    "start_placement":      (403, OK, 403, 403, 403, 403),
    "end_placement":        (403, OK, 403, 403, 403, 403),
    # follow-up
    "record_checkpoint":    (403, OK, 403, OK, OK, 403),
    "submit_report":        (403, OK, 403, 403, 403, 403),
    "verify_report":        (OK, 403, 403, 403, 403, 403),
    "query_report":         (OK, 403, 403, 403, 403, 403),
    "note_deviation":       (OK, OK, 403, OK, 403, 403),
    "decide_deviation":     (OK, 403, 403, 403, 403, 403),
    "end_contract":         (OK, 403, 403, 403, 403, 403),
    "close_procurement":    (OK, 403, 403, 403, 403, 403),
    "cancel":               (OK, 403, 403, 403, 403, 403),
    # queries
    "view_case":            (OK, OK, OK, OK, OK, OK),
    "view_history":         (OK, 403, 403, 403, 403, OK),
    "view_compliance":      (OK, OK, 403, OK, 403, OK),
    # items of the delivery: only those who work on it; a losing tenderer sees none of it
    "view_winning_tender":  (OK, OK, 404, 404, 404, OK),
    "view_position":        (OK, OK, 404, OK, OK, OK),
    "view_candidate":       (OK, OK, 404, OK, OK, OK),
    "view_placement":       (OK, OK, 404, OK, OK, OK),
    "view_report":          (OK, OK, 404, OK, OK, OK),
    "view_deviation":       (OK, OK, 404, OK, OK, OK),
}


@dataclass
class Case:
    """The ids a request needs."""

    id: UUID
    position: UUID  # open, with a proposed candidate
    candidate: UUID  # proposed
    accepted_candidate: UUID  # accepted, on an open position of its own
    placement: UUID  # active
    report: UUID  # submitted
    deviation: UUID  # open


Request = tuple[str, str, dict[str, Any] | None]


# Each party reports only the plan items it is responsible for; every party sends one so
# that only access decides who may record.
CHECKPOINT_VALUES: dict[str, dict[str, object]] = {name: {"hours_per_week": 40} for name in
                                                    INSIDERS + OUTSIDERS}
CHECKPOINT_VALUES |= {
    "supplier": {"hours_per_week": 40}, "matcher": {"employment_status": "same_employer"},
    "partner": {"supervision_hours": 6}}


def requests_for(command: str, case: Case, world: ApiWorld, party: str) -> Request:
    """The HTTP request by `party` that runs `command`, with a body valid for the case."""
    today = world.clock.today()
    root = f"{API}/procurements/{case.id}"
    table: dict[str, Callable[[], Request]] = {
        "revise_setup": lambda: ("PUT", f"{root}/setup", SETUP),
        "set_requirement": lambda: ("PUT", f"{root}/requirement", REQUIREMENT),
        "set_follow_up_plan": lambda: ("PUT", f"{root}/follow-up-plan", plan_json()),
        "amend_follow_up_plan": lambda: ("POST", f"{root}/follow-up-plan/amendments",
                                         {"plan": plan_json(), "reason": "Ny punkt"}),
        "add_dialogue_note": lambda: ("POST", f"{root}/dialogue-notes", {
            "counterpart": "union", "organisation_name": "Kommunal",
            "held_on": today.isoformat(), "summary": "Avstämning"}),
        "publish": lambda: ("POST", f"{root}/publish", {"tender_deadline": "2030-01-01"}),
        "submit_tender": lambda: ("POST", f"{root}/tenders", tender_json(sme=True)),
        "close_tendering": lambda: ("POST", f"{root}/close-tendering", None),
        "award_contract": lambda: ("POST", f"{root}/award", {
            "supplier_id": str(world["supplier"].organisation_id),
            "decided_on": today.isoformat(), "standstill_end": today.isoformat()}),
        "sign_contract": lambda: ("POST", f"{root}/sign-contract", {
            "signed_on": today.isoformat(), "contract_start": today.isoformat(),
            "contract_end": (today + timedelta(days=365)).isoformat()}),
        "hold_kick_off": lambda: ("POST", f"{root}/kick-off", {
            "held_on": today.isoformat(), "attendees": ["Kommunen", "Leverantören"]}),
        "appoint_matcher": lambda: ("PUT", f"{root}/matcher", {
            "matcher_id": str(world["other_matcher"].organisation_id)}),
        "invite_partner": lambda: ("POST", f"{root}/partners", {
            "partner_id": str(world["other_partner"].organisation_id)}),
        "offer_position": lambda: ("POST", f"{root}/positions", {
            "position_type": "fixed_term_employment", "fte": "1",
            "start": today.isoformat(), "duration_months": 6, "supervisor": "Lena Berg"}),
        "propose_candidate": lambda: ("POST", f"{root}/candidates", {
            "position_id": str(case.position), "participant_ref": f"P-{uuid4().hex[:6]}",
            "target_group": "young", "eligibility_attested": True}),
        "accept_candidate": lambda: ("POST", f"{root}/candidates/{case.candidate}/accept",
                                     None),
        "decline_candidate": lambda: ("POST", f"{root}/candidates/{case.candidate}/decline",
                                      {"reason": "Passar inte tjänsten"}),
        "record_preparation": lambda: (
            "POST", f"{root}/candidates/{case.candidate}/preparations",
            {"description": "Förberedande arbetsträning", "start": today.isoformat()}),
        "start_placement": lambda: ("POST", f"{root}/placements", {
            "candidate_id": str(case.accepted_candidate),
            "employment_form": "fixed_term_employment", "start": today.isoformat(),
            "planned_end": (today + timedelta(days=180)).isoformat(),
            "working_time_percent": "100", "collective_agreement": True,
            "supervisor": "Lena Berg", "insurance_confirmed": True}),
        "end_placement": lambda: ("POST", f"{root}/placements/{case.placement}/end",
                                  {"ended_on": today.isoformat(), "reason": "Nytt jobb"}),
        "record_checkpoint": lambda: ("POST", f"{root}/placements/{case.placement}/checkpoints",
                                      {"checkpoint": "during_3", "observed_on": today.isoformat(),
                                       "values": CHECKPOINT_VALUES[party]}),
        "submit_report": lambda: ("POST", f"{root}/reports", {
            "period_start": (today - timedelta(days=90)).isoformat(),
            "period_end": today.isoformat(), "summary": "Kvartalsrapport"}),
        "verify_report": lambda: ("POST", f"{root}/reports/{case.report}/verify",
                                  {"comment": "Stämmer"}),
        "query_report": lambda: ("POST", f"{root}/reports/{case.report}/query",
                                 {"comment": "Hur många timmar?"}),
        "note_deviation": lambda: ("POST", f"{root}/deviations",
                                   {"description": "Rapporten kom sent"}),
        "decide_deviation": lambda: ("POST", f"{root}/deviations/{case.deviation}/decision",
                                     {"kind": "waiver", "motivation": "Ringa"}),
        "end_contract": lambda: ("POST", f"{root}/end-contract",
                                 {"ended_on": today.isoformat()}),
        "close_procurement": lambda: ("POST", f"{root}/close", {"decision": "met"}),
        "cancel": lambda: ("POST", f"{root}/cancel", {"reason": "Behovet har upphört"}),
        "view_case": lambda: ("GET", root, None),
        "view_history": lambda: ("GET", f"{root}/history", None),
        "view_compliance": lambda: ("GET", f"{root}/compliance", None),
        "view_winning_tender": lambda: (
            "GET", f"{root}/tenders/{world['supplier'].organisation_id}", None),
        "view_position": lambda: ("GET", f"{root}/positions/{case.position}", None),
        "view_candidate": lambda: ("GET", f"{root}/candidates/{case.candidate}", None),
        "view_placement": lambda: ("GET", f"{root}/placements/{case.placement}", None),
        "view_report": lambda: ("GET", f"{root}/reports/{case.report}", None),
        "view_deviation": lambda: ("GET", f"{root}/deviations/{case.deviation}", None),
    }
    return table[command]()


# -- the world ----------------------------------------------------------------------------

@pytest.fixture(params=[
    pytest.param("sqlite_env", id="sqlite"),
    pytest.param("fresh_postgres_env", id="postgres", marks=pytest.mark.postgres),
])
def world(request: pytest.FixtureRequest) -> Iterator[ApiWorld]:
    env: dict[str, str] = request.getfixturevalue(request.param)
    with open_world(env) as made:
        for key, (name, role) in EXTRA_PARTIES.items():
            made.parties[key] = register_party(made.service, key, name, role)
        made.service.grant_audit_access(made["other_authority"].actor,
                                        made["other_auditor"].organisation_id)
        yield made


def delivery_case(world: ApiWorld) -> Case:
    service, p = world.service, world.parties
    parties = Parties(authority=p["authority"].actor, supplier=p["supplier"].actor,
                      other_supplier=p["other_supplier"].actor, matcher=p["matcher"].actor,
                      social_enterprise=p["partner"].actor, auditor=p["auditor"].actor)
    walked = walk_to(service, parties, State.DELIVERY)
    case_id, today = walked.procurement_id, world.clock.today()
    plan = default_plan()
    supervision = PlanItem("supervision_hours", "Handledningstimmar", "Supervision hours",
                           ItemType.NUMBER, Role.SOCIAL_ENTERPRISE)
    service.amend_follow_up_plan(parties.authority, case_id,
                                 replace(plan, items=(*plan.items, supervision)),
                                 "Det sociala företaget rapporterar handledningen")
    supplier, matcher = parties.supplier, parties.matcher
    open_position, accepted_position = example_position(today), example_position(today)
    proposed = Candidate(uuid4(), open_position.position_id, "P-9001", TargetGroup.YOUNG, True)
    accepted = Candidate(uuid4(), accepted_position.position_id, "P-9002",
                         TargetGroup.YOUNG, True)
    for position, candidate in ((open_position, proposed), (accepted_position, accepted)):
        service.offer_position(supplier, case_id, position)
        service.propose_candidate(matcher, case_id, candidate)
    service.accept_candidate(supplier, case_id, accepted.candidate_id)
    report = SupplierReport(uuid4(), today - timedelta(days=90), today, "Kvartal 1")
    service.submit_report(supplier, case_id, report)
    deviation = Deviation(uuid4(), "Handledare saknades en vecka", Role.AUTHORITY)
    service.note_deviation(parties.authority, case_id, deviation)
    return Case(case_id, open_position.position_id, proposed.candidate_id,
                accepted.candidate_id, walked.placement_ids[0], report.report_id,
                deviation.deviation_id)


def _hidden_answer(world: ApiWorld, party: str, method: str, path: str,
                   body: dict[str, Any] | None, case: Case) -> None:
    """A party with no part gets exactly what a case that does not exist gets."""
    response = world.call(party, method, path, json=body)
    unknown = uuid4()
    response_unknown = world.call(party, method, path.replace(str(case.id), str(unknown)),
                                  json=body)
    assert response.status_code == 404, (party, path, response.get_data(as_text=True))
    assert response_unknown.status_code == 404
    seen = response.get_data(as_text=True).replace(str(case.id), "ID")
    assert seen == response_unknown.get_data(as_text=True).replace(str(unknown), "ID")


def test_every_party_may_do_exactly_what_the_design_says(world: ApiWorld) -> None:
    cells = 0
    for command, row in MATRIX.items():
        case = delivery_case(world)
        # Refusals first, so an allowed command cannot change what the others see.
        cells_of_row = list(zip(INSIDERS, row, strict=True))
        for party, expected in cells_of_row:
            if expected != OK:
                method, path, body = requests_for(command, case, world, party)
                response = world.call(party, method, path, json=body)
                assert response.status_code == expected, (
                    command, party, response.status_code, response.get_data(as_text=True))
                cells += 1
        for party in OUTSIDERS:
            method, path, body = requests_for(command, case, world, party)
            _hidden_answer(world, party, method, path, body, case)
            cells += 1
        method, path, body = requests_for(command, case, world, "authority")
        anonymous = world.call(None, method, path, json=body)
        assert anonymous.status_code == 401, (command, anonymous.status_code)
        cells += 1
        for party, expected in cells_of_row:
            if expected == OK:
                method, path, body = requests_for(command, case, world, party)
                response = world.call(party, method, path, json=body)
                assert response.status_code in (200, 201, 204, 409), (
                    command, party, response.status_code, response.get_data(as_text=True))
                cells += 1
    assert cells == len(MATRIX) * (len(INSIDERS) + len(OUTSIDERS) + 1)


def test_only_authorities_start_a_procurement(world: ApiWorld) -> None:
    expected = {"authority": 201, "other_authority": 201, "supplier": 403,
                "other_supplier": 403, "matcher": 403, "partner": 403, "auditor": 403,
                "bystander_supplier": 403, "other_matcher": 403, "other_partner": 403,
                "other_auditor": 403, "operator": 403}
    answers = {party: world.post(party, f"{API}/procurements", json=SETUP).status_code
               for party in expected}
    assert answers == expected
    assert world.post(None, f"{API}/procurements", json=SETUP).status_code == 401


def test_each_party_lists_the_case_only_where_it_has_a_part(world: ApiWorld) -> None:
    case = delivery_case(world)
    listed = {}
    for party in INSIDERS + OUTSIDERS:
        response = world.get(party, f"{API}/procurements")
        assert response.status_code == 200
        listed[party] = str(case.id) in response.get_data(as_text=True)
    assert listed == {party: party in INSIDERS for party in INSIDERS + OUTSIDERS}
