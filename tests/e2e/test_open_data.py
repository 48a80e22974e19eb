"""Open data: every demo case as OCDS 1.1 releases and a compiled record that pass the
standard's own schema (with the sustainability extension), the employment requirement as
the extension's goal and strategy, the figures as aggregates, never a person; and the
public reads only what the owner marked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.errors import ConfigurationError
from domain.examples import Parties, example_setup, walk_to
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import TargetGroup
from projections.ocds import schema
from projections.ocds.releases import OCID_PREFIX_SETTING, TEST_OCID_PREFIX, ocid_prefix
from tests.e2e.api_helpers import case_path, open_world
from tests.e2e.conftest import Browser, settle
from web import bootstrap, demo, labels
from web.app import create_app
from web.extension import current_service

SECRET_KEY = "open-data-tests-secret-key-000000000000"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Flask, ProcurementService, dict[State, demo.Created]]]:
    """One app with the demo set, every case but the draft marked for publication (the
    draft stays unmarked, to show that the public cannot read it)."""
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
           "SQLITE_DBNAME": str(tmp_path_factory.mktemp("open-data") / "events.db")}
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": env, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        service = current_service()
    created = {c.state: c for c in demo.seed(service)}
    owner = demo.NORRVIK.actor(service)
    for state, case in created.items():
        if state is not State.DRAFT:
            service.mark_for_publication(owner, case.procurement_id)
    settle(app)
    yield app, service, created
    app.extensions["procurement"].close()


def _public(app: Flask, path: str) -> Any:
    client: FlaskClient = app.test_client()
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _paths(case: demo.Created) -> tuple[str, str]:
    base = f"/open-data/procurements/{case.procurement_id}"
    return f"{base}/releases.json", f"{base}/record.json"


def test_every_demo_case_passes_the_standards_schema_with_the_sustainability_extension(
        world: tuple[Flask, ProcurementService, dict[State, demo.Created]]) -> None:
    app, _, created = world
    for state, case in created.items():
        if state is State.DRAFT:  # not marked: the public reads nothing of it
            continue
        releases, record = (_public(app, path) for path in _paths(case))
        assert schema.release_package_errors(releases) == [], state
        assert schema.record_package_errors(record) == [], state
        ocid = f"{TEST_OCID_PREFIX}-{case.procurement_id}"
        assert {r["ocid"] for r in releases["releases"]} == {ocid}
        assert record["records"][0]["compiledRelease"]["tag"] == ["compiled"]
    tags = [r["tag"][0] for r in _public(app, _paths(created[State.CLOSED])[0])["releases"]]
    assert tags[:6] == ["planning", "planningUpdate", "tender", "tenderUpdate", "award",
                        "contract"]
    assert tags[6] == "implementation" and set(tags[7:]) <= {"implementationUpdate"}
    cancelled = [r["tag"] for r in _public(app, _paths(created[State.CANCELLED])[0])["releases"]]
    assert cancelled[-1] == ["tenderCancellation"]


def test_the_requirement_is_the_sustainability_goal_and_the_figures_are_the_domains(
        world: tuple[Flask, ProcurementService, dict[State, demo.Created]]) -> None:
    app, service, created = world
    case_id = created[State.CLOSED].procurement_id
    compiled = _public(app, _paths(created[State.CLOSED])[1])["records"][0]["compiledRelease"]
    tender = compiled["tender"]
    assert tender["hasSustainability"] is True
    (sustainability,) = tender["sustainability"]
    assert sustainability["goal"] == "social.disadvantagedEmploymentOpportunities"
    assert sustainability["strategies"] == ["contractPerformanceConditions"]
    assert "BT-06 soc-obj" in sustainability["description"]
    assert "BT-775 opp" in sustainability["description"]
    case, _ = service.inspect(case_id)
    assert case.contract is not None and case.contract.ended_on is not None
    expected = case.assess_compliance(case.contract.ended_on)
    (contract,) = compiled["contracts"]
    assert contract["status"] == "terminated"
    metrics = {m["id"]: m for m in contract["implementation"]["metrics"]}
    months = {o["id"]: o["measure"] for o in metrics["fullTimeMonths"]["observations"]}
    assert Decimal(str(months["required"])) == expected.required_months
    assert Decimal(str(months["delivered"])) == expected.delivered_months > 0
    # Fewer than 5 people placed: the count is suppressed, not given.
    (placed,) = metrics["participants"]["observations"]
    assert len(case.placements) < 5
    assert "measure" not in placed and placed["notes"].startswith("Undertryckt")
    outcomes = metrics["outcomes"]["observations"]
    assert outcomes and all("measure" not in o for o in outcomes)


def test_a_published_release_names_no_person_reference_or_target_group(
        world: tuple[Flask, ProcurementService, dict[State, demo.Created]]) -> None:
    app, service, created = world
    forbidden: set[str] = {party.user_name for party in demo.PARTIES}
    forbidden |= {group.value for group in TargetGroup}
    forbidden |= {text for group in TargetGroup for text in labels.TARGET_GROUPS[group]}
    published = []
    for state, case in created.items():
        if state is State.DRAFT:
            continue
        procurement, _ = service.inspect(case.procurement_id)
        forbidden |= {c.participant_ref for c in procurement.candidates.values()}
        forbidden |= {p.terms.supervisor for p in procurement.placements.values()}
        if procurement.kick_off:
            forbidden |= set(procurement.kick_off.attendees)
        published.extend(json.dumps(_public(app, path), ensure_ascii=False)
                         for path in _paths(case))
    assert any(c.participant_ref for c in service.inspect(
        created[State.CLOSED].procurement_id)[0].candidates.values())
    text = "\n".join(published)
    leaks = sorted(word for word in forbidden if word and word in text)
    assert leaks == []


def test_the_public_reads_only_what_the_owner_marked(
        world: tuple[Flask, ProcurementService, dict[State, demo.Created]]) -> None:
    app, _, created = world
    stranger = app.test_client()
    unmarked = created[State.DRAFT].procurement_id
    unknown = uuid4()
    for name in ("releases.json", "record.json"):
        answers = set()
        for case_id in (unmarked, unknown):
            response = stranger.get(f"/open-data/procurements/{case_id}/{name}")
            assert response.status_code == 404
            answers.add(response.get_data(as_text=True).replace(str(case_id), "ID"))
        assert len(answers) == 1
    assert stranger.get(_paths(created[State.DELIVERY])[0]).status_code == 200


def test_the_owner_marks_a_case_in_the_portal_and_its_draft_is_then_public(
        world: tuple[Flask, ProcurementService, dict[State, demo.Created]]) -> None:
    app, service, _ = world
    draft_id = service.create_procurement(demo.NORRVIK.actor(service),
                                          example_setup(reference="KS 2026/9999"))
    settle(app)
    path = f"/procurements/{draft_id}"
    public_path = f"/open-data/procurements/{draft_id}/releases.json"
    assert app.test_client().get(public_path).status_code == 404
    supplier = Browser(app.test_client()).sign_in_as(demo.SME_SUPPLIER)
    assert supplier.post(f"{path}/open-data", {}).status_code == 404
    owner = Browser(app.test_client()).sign_in_as(demo.NORRVIK)
    action = f'href="{path}/open-data"'
    assert action in owner.page(path)
    assert owner.post(f"{path}/open-data", {}).status_code in (302, 303)
    page = owner.page(path)
    assert action not in page and f'href="{public_path}"' in page
    releases = _public(app, public_path)
    assert [r["tag"] for r in releases["releases"]] == [["planning"]]
    assert releases["releases"][0]["tender"]["status"] == "planning"
    assert releases["releases"][0]["tender"]["hasSustainability"] is False


def test_the_owner_and_auditors_export_any_case_of_theirs_through_the_api(
        sqlite_env: dict[str, str]) -> None:
    with open_world(sqlite_env) as world:
        p = world.parties
        parties = Parties(authority=p["authority"].actor, supplier=p["supplier"].actor,
                          other_supplier=p["other_supplier"].actor, matcher=p["matcher"].actor,
                          social_enterprise=p["partner"].actor, auditor=p["auditor"].actor)
        case_id = walk_to(world.service, parties, State.DELIVERY).procurement_id
        ocds = f"{case_path(case_id)}/ocds"
        for party in ("authority", "auditor"):
            releases = world.get(party, f"{ocds}/releases")
            assert releases.status_code == 200, releases.get_data(as_text=True)
            assert schema.release_package_errors(releases.get_json()) == []
            record = world.get(party, f"{ocds}/record").get_json()
            assert schema.record_package_errors(record) == []
        assert world.get("supplier", f"{ocds}/releases").status_code == 403
        assert world.get("other_authority", f"{ocds}/releases").status_code == 404
        assert world.get(None, f"{ocds}/releases").status_code == 401
        public = f"/open-data/procurements/{case_id}/record.json"
        assert world.client.get(public).status_code == 404
        refused = world.post("supplier", f"{case_path(case_id)}/publication")
        assert refused.status_code == 403
        assert world.post("authority", f"{case_path(case_id)}/publication").status_code == 204
        assert world.client.get(public).status_code == 200
        again = world.post("authority", f"{case_path(case_id)}/publication")
        assert again.status_code == 409


def test_the_ocid_prefix_is_the_test_prefix_unless_set_and_a_malformed_one_is_named(
        tmp_path: Path) -> None:
    assert ocid_prefix(None) == TEST_OCID_PREFIX
    assert ocid_prefix("ocds-a1b2c3") == "ocds-a1b2c3"
    env = {"PERSISTENCE_MODULE": "eventsourcing.popo", "PROCUREMENT_ALLOW_IN_MEMORY": "yes",
           "PROCUREMENT_DATA_DIR": str(tmp_path)}
    assert bootstrap.check_settings(env) == []
    problems = bootstrap.check_settings({**env, OCID_PREFIX_SETTING: "ocds-Norrvik"})
    assert len(problems) == 1 and OCID_PREFIX_SETTING in problems[0]
    with pytest.raises(ConfigurationError, match=OCID_PREFIX_SETTING):
        create_app({"TESTING": True, "PROCUREMENT_ENV": env, OCID_PREFIX_SETTING: "ocds-x"})
