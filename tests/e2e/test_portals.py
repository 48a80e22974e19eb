"""Every party does its part of a procurement through the portals' forms (the Flask test
client; tests/e2e/test_browser.py walks the same road in Chromium).

The forms post the API's bodies and the API's schemas check them (web/portals/forms.py),
so these tests look at what is particular to the browser: defaults pre-filled, errors
beside their fields with nothing written, actions offered only to the right party in the
right state, and one whole life of a case, party by party.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from domain import errors
from domain.clock import FixedClock
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from tests.e2e.conftest import Browser, EnvDict
from web import demo
from web.extension import current_service
from web.portals import forms as portal_forms

START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(store: EnvDict, make_app: Callable[..., Flask], clock: FixedClock) -> Flask:
    return make_app(store, PROCUREMENT_CLOCK=clock)


@pytest.fixture
def people(service: ProcurementService) -> dict[demo.DemoParty, Any]:
    return demo.seed_directory(service)


def _as(app: Flask, party: demo.DemoParty) -> Browser:
    return Browser(app.test_client()).sign_in_as(party)


def _do(app: Flask, party: demo.DemoParty, case_id: UUID | str, slug: str,
        data: dict[str, Any]) -> str:
    """Open the action's form as the party, send it, land on the case page."""
    browser = _as(app, party)
    path = f"/procurements/{case_id}/{slug}"
    form = browser.page(path)
    assert 'name="csrf_token"' in form
    response = browser.post(path, data)
    assert response.status_code == 302, (slug, _errors(response.get_data(as_text=True)))
    assert response.headers["Location"] == f"/procurements/{case_id}"
    return browser.page(f"/procurements/{case_id}")


def _errors(page: str) -> list[str]:
    return re.findall(r'<p class="field-error" id="([^"]+)-error">([^<]*)</p>', page) or \
        re.findall(r'<div class="error-summary".*?</div>', page, flags=re.S)


def _create(app: Flask, service: ProcurementService, clock: FixedClock) -> UUID:
    today = clock.today()
    browser = _as(app, demo.NORRVIK)
    response = browser.post("/procurements/new", {
        "title": "Lokalvård i kommunens skolor", "reference": "KS 2027/0001",
        "cpv_codes": "90910000-9\n90911200-8", "industry": "Lokalvård",
        "estimated_value_sek": "12 500 000",
        "contract_start": (today + timedelta(days=60)).isoformat(),
        "contract_end": (today + timedelta(days=60 + 730)).isoformat()})
    assert response.status_code == 302
    return UUID(response.headers["Location"].rsplit("/", 1)[1])


def _case(service: ProcurementService, party: demo.DemoParty, case_id: UUID) -> Any:
    return service.get_case(party.actor(service), case_id)


def test_a_new_procurement_form_refuses_bad_input_naming_fields_and_writes_nothing(
        app: Flask, service: ProcurementService, people: object) -> None:
    browser = _as(app, demo.NORRVIK)
    page = browser.page("/procurements/new")
    assert 'id="f-title"' in page and 'for="f-title"' in page
    before = len(service.all_case_ids())
    response = browser.post("/procurements/new", {
        "title": "", "reference": "KS 1", "cpv_codes": "not-a-cpv",
        "contract_start": "2027-13-01"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'href="#f-title"' in page  # the summary links to the field
    assert 'id="f-title-error"' in page and 'aria-invalid="true"' in page
    assert 'id="f-contract_start-error"' in page
    assert 'value="KS 1"' in page  # what was typed is kept
    assert len(service.all_case_ids()) == before


def test_a_domain_rule_is_shown_beside_its_field(
        app: Flask, service: ProcurementService, people: object) -> None:
    response = _as(app, demo.NORRVIK).post("/procurements/new", {
        "title": "Fönsterputs", "reference": "KS 2", "cpv_codes": "123"})
    assert response.status_code == 400
    assert 'id="f-cpv_codes-error"' in response.get_data(as_text=True)
    assert service.all_case_ids() == []


def test_only_an_authority_may_start_a_procurement(app: Flask, people: object) -> None:
    for party in (demo.SME_SUPPLIER, demo.MATCHER, demo.SOCIAL_ENTERPRISE, demo.AUDITOR):
        browser = _as(app, party)
        assert browser.get("/procurements/new").status_code == 403
        assert browser.post("/procurements/new", {"title": "x", "reference": "y"}
                            ).status_code == 403


def test_actions_are_offered_to_their_party_in_their_state_and_refused_otherwise(
        app: Flask, service: ProcurementService, clock: FixedClock, people: object) -> None:
    case_id = _create(app, service, clock)
    owner = _as(app, demo.NORRVIK)
    page = owner.page(f"/procurements/{case_id}/requirement")
    assert 'value="12"' in page  # the default minimum, pre-filled
    assert owner.get(f"/procurements/{case_id}/publish").status_code == 409  # no plan yet
    assert owner.get(f"/procurements/{case_id}/award").status_code == 409  # not now
    assert owner.get(f"/procurements/{case_id}/no-such-action").status_code == 404
    supplier = _as(app, demo.SME_SUPPLIER)
    assert supplier.get(f"/procurements/{case_id}/requirement").status_code == 404  # a draft
    _do(app, demo.NORRVIK, case_id, "requirement", _defaults(owner, case_id, "requirement"))
    _do(app, demo.NORRVIK, case_id, "follow-up-plan",
        _defaults(owner, case_id, "follow-up-plan"))
    _do(app, demo.NORRVIK, case_id, "publish", {"tender_deadline": "2027-02-15"})
    assert supplier.get(f"/procurements/{case_id}/publish").status_code == 403
    assert supplier.get(f"/procurements/{case_id}/tender").status_code == 200
    version = _case(service, demo.NORRVIK, case_id).version
    refused = supplier.post(f"/procurements/{case_id}/publish", {"tender_deadline": "x"})
    assert refused.status_code == 403
    assert _case(service, demo.NORRVIK, case_id).version == version


def _defaults(browser: Browser, case_id: UUID, slug: str) -> dict[str, Any]:
    """What the form holds before the user changes anything (as a browser would send it)."""
    page = browser.page(f"/procurements/{case_id}/{slug}")
    data: dict[str, Any] = {}
    for name, value in re.findall(r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', page):
        data[name] = value
    for name, value in re.findall(
            r'<input type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]+)" checked>', page):
        data.setdefault(name, []).append(value)
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page,
                                 flags=re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', body)
        if chosen:
            data[name] = chosen.group(1)
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>',
                                 page):
        data[name] = text
    return data


def test_one_procurement_lives_its_whole_life_through_the_portals(
        app: Flask, service: ProcurementService, clock: FixedClock,
        people: dict[demo.DemoParty, Any]) -> None:
    orgs = {party: actor.organisation_id for party, actor in people.items()}
    case_id = _create(app, service, clock)
    owner = _as(app, demo.NORRVIK)
    _do(app, demo.NORRVIK, case_id, "requirement", _defaults(owner, case_id, "requirement"))
    _do(app, demo.NORRVIK, case_id, "follow-up-plan",
        _defaults(owner, case_id, "follow-up-plan"))
    _do(app, demo.NORRVIK, case_id, "dialogue-note", {
        "counterpart": "union", "organisation_name": "Fastighets", "held_on": "2027-01-05",
        "summary": "Vill se handledare med utbildning."})
    page = _do(app, demo.NORRVIK, case_id, "publish",
               {"tender_deadline": (clock.today() + timedelta(days=30)).isoformat()})
    assert _case(service, demo.NORRVIK, case_id).state is State.TENDERING

    for supplier, sme in ((demo.SME_SUPPLIER, True), (demo.FACILITY_SUPPLIER, False)):
        _do(app, supplier, case_id, "tender", {
            "plan.alternative": "Två platser med handledare", "plan.planned_positions": "2",
            "plan.planned_full_time_months": "14", "plan.supervision_capacity": "2",
            "sme.staff_headcount": "40" if sme else "900",
            "sme.annual_turnover_meur": "6" if sme else "120",
            "sme.balance_sheet_total_meur": "3" if sme else "80",
            "partner_ids": [str(orgs[demo.SOCIAL_ENTERPRISE])] if sme else []})
    clock.advance(timedelta(days=31))
    _do(app, demo.NORRVIK, case_id, "close-tendering", {})
    page = _do(app, demo.NORRVIK, case_id, "award", {
        "supplier_id": str(orgs[demo.SME_SUPPLIER]), "decided_on": clock.today().isoformat(),
        "standstill_end": (clock.today() + timedelta(days=10)).isoformat()})
    assert _case(service, demo.NORRVIK, case_id).state is State.STANDSTILL
    clock.advance(timedelta(days=29))  # past the standstill, and the contract has started
    contract = _defaults(_as(app, demo.NORRVIK), case_id, "sign")
    _do(app, demo.NORRVIK, case_id, "sign", contract)
    _do(app, demo.NORRVIK, case_id, "kick-off", {
        "held_on": clock.today().isoformat(), "attendees": "Anna Lindqvist\nOmar Haddad"})
    _do(app, demo.NORRVIK, case_id, "appoint-matcher", {"matcher_id": str(orgs[demo.MATCHER])})
    _do(app, demo.NORRVIK, case_id, "invite-partner",
        {"partner_id": str(orgs[demo.SOCIAL_ENTERPRISE])})

    _do(app, demo.SME_SUPPLIER, case_id, "offer-position", {
        "position_type": "fixed_term_employment", "title": "Lokalvårdare", "fte": "1",
        "start": clock.today().isoformat(), "duration_months": "12",
        "supervisor": "Omar Haddad"})
    position_id = _case(service, demo.SME_SUPPLIER, case_id).positions[0].position_id
    _do(app, demo.MATCHER, case_id, "propose-candidate", {
        "position_id": str(position_id), "participant_ref": "AF-2027-0042",
        "target_group": "long_term_unemployed", "eligibility_attested": "on"})
    candidate = _case(service, demo.SME_SUPPLIER, case_id).candidates[0]
    assert candidate.target_group is None  # the supplier never sees it
    _do(app, demo.SOCIAL_ENTERPRISE, case_id, "preparation", {
        "candidate_id": str(candidate.candidate_id), "description": "Introduktion, 2 veckor",
        "start": clock.today().isoformat()})
    _do(app, demo.SME_SUPPLIER, case_id, "accept-candidate",
        {"candidate_id": str(candidate.candidate_id)})
    _do(app, demo.SME_SUPPLIER, case_id, "start-placement", {
        "candidate_id": str(candidate.candidate_id), "employment_form": "fixed_term_employment",
        "start": clock.today().isoformat(),
        "planned_end": (clock.today() + timedelta(days=365)).isoformat(),
        "working_time_percent": "100", "collective_agreement": "on",
        "supervisor": "Omar Haddad", "insurance_confirmed": "on"})
    placement_id = _case(service, demo.SME_SUPPLIER, case_id).placements[0].placement_id
    _do(app, demo.MATCHER, case_id, "checkpoint", {
        "placement_id": str(placement_id), "checkpoint": "start",
        "observed_on": clock.today().isoformat(), "values.employment_status": "same_employer",
        "values.wage_subsidy": "false"})
    _do(app, demo.SME_SUPPLIER, case_id, "checkpoint", {
        "placement_id": str(placement_id), "checkpoint": "start",
        "observed_on": clock.today().isoformat(), "values.hours_per_week": "40",
        "values.employment_form": "fixed_term", "values.training_completed": "true"})
    clock.advance(timedelta(days=92))
    _do(app, demo.SME_SUPPLIER, case_id, "report", {
        "period_start": (clock.today() - timedelta(days=90)).isoformat(),
        "period_end": clock.today().isoformat(),
        "summary": "En anställd, handledning varje vecka."})
    report_id = _case(service, demo.NORRVIK, case_id).reports[0].report_id
    _do(app, demo.NORRVIK, case_id, "verify-report",
        {"report_id": str(report_id), "comment": "Godkänd."})
    _do(app, demo.MATCHER, case_id, "deviation", {"description": "Uppföljningen kom sent."})
    deviation_id = _case(service, demo.NORRVIK, case_id).deviations[0].deviation_id
    _do(app, demo.NORRVIK, case_id, "decide-deviation", {
        "deviation_id": str(deviation_id), "kind": "waiver", "motivation": "Godtas."})
    clock.advance(timedelta(days=273))
    _do(app, demo.SME_SUPPLIER, case_id, "end-placement", {
        "placement_id": str(placement_id), "ended_on": clock.today().isoformat()})
    _do(app, demo.MATCHER, case_id, "checkpoint", {
        "placement_id": str(placement_id), "checkpoint": "exit",
        "observed_on": clock.today().isoformat(), "values.employment_status": "same_employer",
        "values.wage_subsidy": "false"})
    _do(app, demo.NORRVIK, case_id, "end-contract", {"ended_on": clock.today().isoformat()})
    close = _defaults(_as(app, demo.NORRVIK), case_id, "close")
    assert close["decision"] in ("met", "partly_met", "not_met")  # the computed outcome
    close["motivation"] = "Enligt uppföljningen."
    page = _do(app, demo.NORRVIK, case_id, "close", close)
    closed = _case(service, demo.AUDITOR, case_id)
    assert closed.state is State.CLOSED
    assert closed.compliance_decision is not None
    assert closed.compliance_decision.value == close["decision"]
    assert [p.participant_ref for p in closed.placements] == ["AF-2027-0042"]
    assert len(closed.checkpoints) == 3
    assert len(_case(service, demo.NORRVIK, case_id).dialogue_notes) == 1
    assert page.count("Avslutad") >= 1 or page.count("Closed") >= 1
    # Nothing is left to do: no action is offered any more, to anyone.
    for party in (demo.NORRVIK, demo.SME_SUPPLIER, demo.MATCHER):
        assert _as(app, party).get(f"/procurements/{case_id}/deviation").status_code == 409


def test_unknown_or_invisible_cases_answer_404_on_every_action(
        app: Flask, service: ProcurementService, clock: FixedClock, people: object) -> None:
    case_id = _create(app, service, clock)
    other = _as(app, demo.MATCHER)
    for slug in ("requirement", "tender", "checkpoint", "cancel"):
        assert other.get(f"/procurements/{case_id}/{slug}").status_code == 404
        assert other.post(f"/procurements/{case_id}/{slug}", {}).status_code == 404
    with app.app_context():
        assert current_service().get_case(demo.NORRVIK.actor(service), case_id).state is \
            State.DRAFT


def test_the_owner_amends_the_plan_after_signing_with_a_reason(
        app: Flask, service: ProcurementService, seeded: dict[str, demo.Created]) -> None:
    case_id = seeded["delivery"].procurement_id
    owner = _as(app, demo.NORRVIK)
    data = _defaults(owner, case_id, "amend-plan")
    assert "plan.items" in data and "employment_status" in data["plan.items"]
    missing = owner.post(f"/procurements/{case_id}/amend-plan", data)
    assert missing.status_code == 400
    assert 'id="f-reason-error"' in missing.get_data(as_text=True)
    data["plan.items"] = [i for i in data["plan.items"] if i != "other_interventions"]
    data["plan.report_interval_months"] = "6"
    data["reason"] = "Kvartalsrapporter blev för tätt för leverantören."
    _do(app, demo.NORRVIK, case_id, "amend-plan", data)
    plan = _case(service, demo.NORRVIK, case_id).plan
    assert plan is not None and plan.report_interval_months == 6
    assert "other_interventions" not in [item.key for item in plan.items]


def test_a_domain_rule_is_said_in_the_page_s_language_beside_its_field(
        app: Flask, service: ProcurementService, seeded: dict[str, demo.Created]) -> None:
    case_id = seeded["delivery"].procurement_id
    supplier = _as(app, demo.SME_SUPPLIER)
    response = supplier.post(f"/procurements/{case_id}/report", {
        "period_start": "2026-06-30", "period_end": "2026-06-01", "summary": "Bakvänt."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="f-period_end-error">\s*Datumet får inte ligga före startdatumet.',
                     page)
    assert '<span lang="en">' not in page


def test_a_domain_rule_unknown_to_the_catalog_is_quoted_in_english_marked_as_such(
        app: Flask) -> None:
    """A safety net only: test_i18n.py fails on any rule of the domain left out."""
    with app.test_request_context():
        _, summary = portal_forms.errors_of(errors.RuleViolation("A rule nobody translated"),
                                            [])
    assert summary == ['Regeln säger: <span lang="en">A rule nobody translated</span>']
