"""A world for the JSON API tests: the app on an SQLite file of its own, a fixed clock, and
one organisation per party with a user and a personal API token, all made through the
service's own directory commands (as the operator's console would).

    with open_world(sqlite_env) as world:
        response = world.post("authority", "/api/v1/procurements", json={...})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from domain.clock import FixedClock
from domain.directory.user import OrgRole
from domain.examples import Parties, example_position, walk_to
from domain.procurement.deviations import Deviation
from domain.procurement.followup_plan import default_plan
from domain.procurement.lifecycle import State
from domain.procurement.matching import Candidate
from domain.procurement.reports import SupplierReport
from domain.service import ProcurementService
from domain.values import Actor, Role, TargetGroup
from web.app import create_app
from web.extension import current_read_models, current_service

API = "/api/v1"
PROBLEM_JSON = "application/problem+json"
NOW = datetime(2028, 6, 15, 9, 30, tzinfo=UTC)
TODAY = NOW.date()
PASSWORD = "ett långt lösenord 42"
ORG_NUMBER = "212000-1124"  # a valid number; the directory does not require it unique

PARTIES: dict[str, tuple[str, Role]] = {
    "authority": ("Norrviks kommun", Role.AUTHORITY),
    "other_authority": ("Söderby kommun", Role.AUTHORITY),
    "supplier": ("Städbolaget Norr AB", Role.SUPPLIER),
    "other_supplier": ("Fönsterputs i Norrvik AB", Role.SUPPLIER),
    "matcher": ("Arbetsförmedlingen", Role.MATCHER),
    "partner": ("Steget Vidare ekonomisk förening", Role.SOCIAL_ENTERPRISE),
    "auditor": ("Norrviks revisionskontor", Role.AUDITOR),
}


@dataclass(frozen=True)
class Party:
    name: str
    actor: Actor
    token_id: UUID
    token: str

    @property
    def organisation_id(self) -> UUID:
        return self.actor.organisation_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class ApiWorld:
    app: Flask
    client: FlaskClient
    service: ProcurementService
    clock: FixedClock
    parties: dict[str, Party]

    def __getitem__(self, name: str) -> Party:
        return self.parties[name]

    def call(self, party: str | None, method: str, path: str, *,
             json: object = None, headers: Mapping[str, str] | None = None,
             **kwargs: Any) -> TestResponse:
        sent = dict(self.parties[party].headers) if party else {}
        sent.update(headers or {})
        if json is not None:
            kwargs["json"] = json
        return self.client.open(path, method=method, headers=sent, **kwargs)

    def get(self, party: str | None, path: str, **kwargs: Any) -> TestResponse:
        """A read comes after every write before it, here: the tests seed cases through
        the service directly, which no request waits for (a request waits for its own
        writes; tests/e2e/test_read_models.py)."""
        settle(self.app)
        return self.call(party, "GET", path, **kwargs)

    def post(self, party: str | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call(party, "POST", path, **kwargs)

    def put(self, party: str | None, path: str, **kwargs: Any) -> TestResponse:
        return self.call(party, "PUT", path, **kwargs)


@contextmanager
def open_world(env: Mapping[str, str], parties: tuple[str, ...] = tuple(PARTIES),
               **settings: Any) -> Iterator[ApiWorld]:
    clock = FixedClock(NOW)
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": dict(env),
                      "PROCUREMENT_CLOCK": clock, **settings})
    with app.app_context():
        service = current_service()
    try:
        made = {name: register_party(service, name, *PARTIES[name]) for name in parties}
        if "authority" in made and "auditor" in made:
            service.grant_audit_access(made["authority"].actor,
                                       made["auditor"].organisation_id)
        yield ApiWorld(app, app.test_client(), service, clock, made)
    finally:
        app.extensions["procurement"].close()


def settle(app: Flask) -> None:
    """Wait until the app's read models show everything stored so far."""
    with app.app_context():
        assert current_read_models().wait_for_head(timeout=20), "read models stuck"


def register_party(service: ProcurementService, key: str, name: str, role: Role) -> Party:
    """An organisation with one user (its admin) who holds a 90-day API token."""
    organisation_id = service.register_organisation(None, name, ORG_NUMBER, role)
    user_id, secret = service.invite_user(None, organisation_id, f"Handläggare {name}",
                                          f"{key}@{key.replace('_', '-')}.example.se",
                                          OrgRole.ORG_ADMIN)
    service.accept_invitation(user_id, secret, PASSWORD)
    actor = service.actor_for(user_id)
    assert actor is not None
    token_id, token = service.issue_token(actor, "API-test",
                                          service.clock.now() + timedelta(days=90))
    return Party(name, actor, token_id, token)


# -- bodies, as a client writes them --------------------------------------------------------

def iso(day: date) -> str:
    return day.isoformat()


SETUP = {
    "title": "Städtjänster för kommunens lokaler",
    "reference": "KS 2026/0117",
    "cpv_codes": ["90910000-9"],
    "estimated_value_sek": "14500000",
    "contract_start": "2026-04-01",
    "contract_end": "2028-03-31",
    "industry": "Lokalvård",
}

REQUIREMENT = {
    "level": "requirement",
    "target_groups": ["long_term_unemployed", "young"],
    "minimum_full_time_months": "12",
    "sme_considerations": "Kravet kan uppfyllas tillsammans med ett socialt företag.",
}


def plan_json() -> dict[str, Any]:
    """The default follow-up plan written as a client would send it."""
    plan = default_plan()
    return {
        "items": [{"key": item.key, "label_sv": item.label_sv, "label_en": item.label_en,
                   "type": item.item_type.value, "responsible": item.responsible.value,
                   "options": list(item.options)} for item in plan.items],
        "during_interval_months": plan.during_interval_months,
        "after_exit_months": list(plan.after_exit_months),
        "report_interval_months": plan.report_interval_months,
    }


def tender_json(*, sme: bool) -> dict[str, Any]:
    size = ({"staff_headcount": 35, "annual_turnover_meur": "6", "balance_sheet_total_meur": 4}
            if sme else {"staff_headcount": 900, "annual_turnover_meur": "120",
                         "balance_sheet_total_meur": "80"})
    return {"plan": {"alternative": "Egen visstidsanställning med handledare",
                     "planned_positions": 2, "planned_full_time_months": "24",
                     "supervision_capacity": 2,
                     "description": "Varje anställd får en namngiven handledare."},
            "sme": size}


def case_path(procurement_id: object, *rest: object) -> str:
    return "/".join([f"{API}/procurements/{procurement_id}", *(str(part) for part in rest)])


def draft_case(world: ApiWorld, party: str = "authority") -> str:
    """A draft with its requirement and plan set, ready to publish; its id."""
    response = world.post(party, f"{API}/procurements", json=SETUP)
    assert response.status_code == 201, response.get_json()
    procurement_id = str(response.get_json()["id"])
    assert world.put(party, case_path(procurement_id, "requirement"),
                     json=REQUIREMENT).status_code == 204
    assert world.put(party, case_path(procurement_id, "follow-up-plan"),
                     json=plan_json()).status_code == 204
    return procurement_id


def assert_problem(response: TestResponse, status: int, field: str | None = None) -> dict[
        str, Any]:
    """The answer is a problem document with this status (and, for 400, this field)."""
    assert response.status_code == status, (response.status_code, response.get_data(
        as_text=True))
    assert response.mimetype == PROBLEM_JSON
    problem: dict[str, Any] = response.get_json(force=True)
    assert problem["status"] == status
    assert problem["type"] and problem["title"]
    if field is not None:
        assert problem["field"] == field, problem
        assert problem["rule"], problem
    return problem


# -- cases walked by the service -------------------------------------------------------------

def parties(world: ApiWorld) -> Parties:
    """The world's parties as domain/examples.py names them (its world has them all)."""
    return Parties(authority=world["authority"].actor, supplier=world["supplier"].actor,
                   other_supplier=world["other_supplier"].actor,
                   matcher=world["matcher"].actor, social_enterprise=world["partner"].actor,
                   auditor=world["auditor"].actor)


def case_in(world: ApiWorld, state: State) -> dict[str, str]:
    """A case walked by the service to `state`, awarded (from standstill on) to "supplier";
    once in delivery, with an open position, a proposed and an accepted candidate for it,
    a placement, a report and a deviation to answer: the ids a path or a body may need,
    by the names the API's paths give them."""
    service, cast = world.service, parties(world)
    walked = walk_to(service, cast, state)
    pid = walked.procurement_id
    ids = {"procurement_id": str(pid), "supplier_id": str(world["supplier"].organisation_id)}
    if state is State.DELIVERY:
        position = example_position(date(2026, 5, 1))
        service.offer_position(cast.supplier, pid, position)
        proposed, accepted = (Candidate(uuid4(), position.position_id, ref, TargetGroup.YOUNG,
                                        eligibility_attested=True)
                              for ref in ("P-0100", "P-0101"))
        for candidate in (proposed, accepted):
            service.propose_candidate(cast.matcher, pid, candidate)
        service.accept_candidate(cast.supplier, pid, accepted.candidate_id)
        report = SupplierReport(uuid4(), TODAY, TODAY, "Rapport")
        service.submit_report(cast.supplier, pid, report)
        deviation = Deviation(uuid4(), "Sen rapport", Role.AUTHORITY)
        service.note_deviation(cast.authority, pid, deviation)
        ids.update(candidate_id=str(proposed.candidate_id),
                   accepted_candidate_id=str(accepted.candidate_id),
                   placement_id=str(walked.placement_ids[0]),
                   position_id=str(position.position_id), report_id=str(report.report_id),
                   deviation_id=str(deviation.deviation_id))
    return ids
