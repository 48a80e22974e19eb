"""What each party sees in the portals, and what a stranger without an account can reach.

The expectations are written out by hand from DESIGN.md §2 and the demo set (web/demo.py),
not computed from the policy table, so a change to the policy shows up here as a failure
to think about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from uuid import uuid4

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from domain.directory.user import OrgRole
from domain.service import ProcurementService
from domain.values import Role
from tests.e2e.conftest import CSRF_FIELD, Browser
from web import demo

# Reachable without an account. Everything else sends a browser to sign in, or answers 401.
PUBLIC = {
    "signin.sign_in": "/sign-in",
    "signin.invitation": "/invitations/<user_id>/<secret>",
    "healthz": "/healthz",
    "readyz": "/readyz",  # the store answers and how far the read models lag: no case data
    "metrics": "/metrics",  # counts and latencies; kept to the monitoring network by the proxy
    "language.switch": "/language/<code>",  # a cookie with the chosen language only
    "static": "/static/<filename>",
    "api-docs.openapi_json": "/api/v1/openapi.json",  # the API's description, no case data
    # Cases their owners marked for publication; any other id is 404 (test_open_data.py).
    "open_data.releases": "/open-data/procurements/<uuid:procurement_id>/releases.json",
    "open_data.record": "/open-data/procurements/<uuid:procurement_id>/record.json",
}

ALL = {"draft", "tendering", "evaluation", "standstill", "delivery", "follow_up", "closed",
       "cancelled"}
# Which demo cases each party's start page lists: the owner and its auditor all; a supplier
# the open tendering (anyone may tender) and those it tendered in; the matcher and the
# social enterprise the contracts they were appointed or invited to (after signature).
SEES = {
    demo.NORRVIK: ALL,
    demo.AUDITOR: ALL,
    demo.SME_SUPPLIER: {"tendering", "evaluation", "standstill", "delivery", "follow_up",
                        "closed"},
    demo.FACILITY_SUPPLIER: {"tendering", "evaluation", "delivery", "follow_up"},
    demo.BUILDING_SUPPLIER: {"tendering", "standstill", "closed"},
    demo.MATCHER: {"delivery", "follow_up", "closed"},
    demo.SOCIAL_ENTERPRISE: {"delivery", "follow_up", "closed"},
}
READS_HISTORY = {demo.NORRVIK, demo.AUDITOR}
UNKNOWN = "00000000-0000-0000-0000-000000000000"


def _body(response: TestResponse, case_id: str) -> str:
    """The answer with the id asked for put back to UNKNOWN, and the CSRF token of the
    sign-out form (signed with a timestamp) left out."""
    text = response.get_data(as_text=True).replace(case_id, UNKNOWN)
    return CSRF_FIELD.sub("csrf_token", text)


def _example_path(rule: Rule) -> str:
    values = {name: (uuid4() if type(converter).__name__ == "UUIDConverter" else "x")
              for name, converter in rule._converters.items()}
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:>]+:)?{name}>", str(value), path)
    return path


def test_without_an_account_only_sign_in_health_static_and_invitations_answer(
        app: Flask, directory: object) -> None:
    """Every route and method, asked by a stranger (with a CSRF token from the sign-in
    form, which anyone can get): the public ones answer; every other sends a browser to
    sign in and answers anyone else 401."""
    stranger = Browser(app.test_client())
    token = stranger.csrf_token()
    public_seen: set[str] = set()
    checked = 0
    for rule in app.url_map.iter_rules():
        path = _example_path(rule)
        for method in sorted(rule.methods or ()):
            data = {"csrf_token": token} if method in ("POST", "PUT", "PATCH", "DELETE") else None
            as_browser = stranger.client.open(path, method=method, data=data,
                                              headers=Browser.HTML)
            as_program = stranger.client.open(path, method=method, data=data)
            checked += 1
            if rule.endpoint in PUBLIC:
                public_seen.add(rule.endpoint)
                continue
            assert as_program.status_code == 401, (method, rule.rule, as_program.status_code)
            if rule.endpoint.startswith("api."):
                assert as_program.headers["WWW-Authenticate"].startswith("Bearer")
                continue  # the API answers JSON even to a browser
            assert as_browser.status_code == 302, (method, rule.rule)
            assert as_browser.headers["Location"].startswith("/sign-in"), (method, rule.rule)
    assert public_seen == set(PUBLIC)
    assert {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint in PUBLIC} == set(PUBLIC)
    assert checked > 100  # every portal and API route, each method


@pytest.mark.parametrize("party", list(SEES), ids=lambda p: p.email.split("@")[0])
def test_each_party_lists_exactly_the_cases_it_has_a_part_in(
        party: demo.DemoParty, seeded: dict[str, demo.Created],
        browser: Callable[[], Browser]) -> None:
    page = browser().sign_in_as(party).page("/")
    listed = {state for state, created in seeded.items()
              if f"/procurements/{created.procurement_id}" in page}
    assert listed == SEES[party]


@pytest.mark.parametrize("party", list(SEES), ids=lambda p: p.email.split("@")[0])
def test_a_case_without_a_part_answers_like_an_unknown_one(
        party: demo.DemoParty, seeded: dict[str, demo.Created],
        browser: Callable[[], Browser]) -> None:
    signed_in = browser().sign_in_as(party)
    unknown = signed_in.get(f"/procurements/{UNKNOWN}")
    assert unknown.status_code == 404
    for state, created in seeded.items():
        response = signed_in.get(f"/procurements/{created.procurement_id}")
        if state in SEES[party]:
            assert response.status_code == 200, state
            has_timeline = 'id="history-heading"' in response.get_data(as_text=True)
            assert has_timeline is (party in READS_HISTORY), state
        else:
            assert response.status_code == 404, state
            assert (_body(response, str(created.procurement_id))
                    == _body(unknown, UNKNOWN)), state


def test_another_authority_gets_404_for_norrviks_case_as_for_an_unknown_id(
        app: Flask, service: ProcurementService, seeded: dict[str, demo.Created],
        browser: Callable[[], Browser]) -> None:
    other = service.register_organisation(None, "Söderby kommun", "212000-1124",
                                          Role.AUTHORITY)
    user_id, secret = service.invite_user(None, other, "Per Holm", "per.holm@soderby.example",
                                          OrgRole.ORG_ADMIN)
    service.accept_invitation(user_id, secret, "ett långt lösenord")
    soderby = browser()
    assert soderby.sign_in("per.holm@soderby.example", "ett långt lösenord").status_code == 302
    assert "Inga upphandlingar ännu" in soderby.page("/")
    case_id = str(seeded["delivery"].procurement_id)
    for accept in (Browser.HTML, {"Accept": "application/json"}):
        mine = soderby.client.get(f"/procurements/{case_id}", headers=accept)
        unknown = soderby.client.get(f"/procurements/{UNKNOWN}", headers=accept)
        assert mine.status_code == unknown.status_code == 404
        assert mine.headers.get("Content-Type") == unknown.headers.get("Content-Type")
        assert _body(mine, case_id) == _body(unknown, UNKNOWN)


def _tenders(page: str) -> str:
    """The tenders table of a case page, or '' when it shows none."""
    if 'id="tenders-heading"' not in page:
        return ""
    return page.split('id="tenders-heading"', 1)[1].split("</section>", 1)[0]


def test_a_supplier_never_sees_a_competitors_tender(seeded: dict[str, demo.Created],
                                                   browser: Callable[[], Browser]) -> None:
    sme, facility = demo.SME_SUPPLIER, demo.FACILITY_SUPPLIER
    sme_name, facility_name = sme.name.replace("&", "&amp;"), facility.name
    as_sme, as_facility = browser().sign_in_as(sme), browser().sign_in_as(facility)
    for state in ("tendering", "evaluation", "delivery", "follow_up"):
        path = f"/procurements/{seeded[state].procurement_id}"
        seen_by_facility = _tenders(as_facility.page(path))
        assert facility_name in seen_by_facility, state
        assert sme_name not in seen_by_facility, state
        if state in SEES[sme]:
            seen_by_sme = _tenders(as_sme.page(path))
            assert facility_name not in seen_by_sme, state
            assert (sme_name in seen_by_sme) is (state != "tendering"), state


def test_the_authority_sees_every_tender_once_tendering_has_closed(
        authority: Browser, seeded: dict[str, demo.Created]) -> None:
    tendering = _tenders(authority.page(f"/procurements/{seeded['tendering'].procurement_id}"))
    assert tendering == ""
    evaluation = _tenders(authority.page(
        f"/procurements/{seeded['evaluation'].procurement_id}"))
    assert demo.FACILITY_SUPPLIER.name in evaluation
    assert demo.SME_SUPPLIER.name.replace("&", "&amp;") in evaluation
