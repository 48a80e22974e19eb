"""The participant register through the JSON API: the matcher registers, lists, reads and
erases people; the employing supplier reads name and contact through its case and never
the target group; the others are told the person does not exist; every read is logged and
the owning authority's auditor reads that log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.examples import place_person
from domain.procurement.followup_plan import add_months
from domain.values import TargetGroup
from tests.e2e.api_helpers import API, ApiWorld, assert_problem, case_path, open_world, parties

PERSON = {"name": "Zlatan Qwertyson", "personal_number": "19811218-9876",
          "email": "zq@example.se", "phone": "070-123 45 67",
          "target_group": "young", "eligibility_attested": True}


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(sqlite_env) as world:
        yield world


def _register(world: ApiWorld, body: dict[str, Any] | None = None) -> tuple[str, str]:
    response = world.post("matcher", f"{API}/participants", json=body or PERSON)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"] == f"{API}/participants/{created['id']}"
    return created["id"], created["reference"]


def _placed(world: ApiWorld, reference: str) -> str:
    """A case in delivery at "supplier" in which the person is placed; its id."""
    start = add_months(world.service.clock.today(), -2)
    return str(place_person(world.service, parties(world), reference, TargetGroup.YOUNG,
                            start).procurement_id)


def _log(world: ApiWorld) -> list[Any]:
    return world.service.console_read_log()


def test_the_matcher_registers_lists_reads_and_erases(world: ApiWorld) -> None:
    participant_id, reference = _register(world)
    listed = world.get("matcher", f"{API}/participants")
    assert listed.status_code == 200
    assert [p["reference"] for p in listed.get_json()] == [reference]
    assert "Zlatan" not in listed.get_data(as_text=True)
    assert _log(world) == []  # listing decrypts nothing: no read

    read = world.get("matcher", f"{API}/participants/{participant_id}")
    assert read.status_code == 200
    person = read.get_json()
    assert {k: person[k] for k in PERSON} == PERSON
    assert person["reference"] == reference
    [entry] = _log(world)
    assert (entry.reference, entry.place, entry.ground.value) == (
        reference, "API GET /api/v1/participants/<api_id:participant_id>",
        "registering_matcher")

    erased = world.post("matcher", f"{API}/participants/{participant_id}/erasure",
                        json={"reason": "asked_to_be_erased"})
    assert erased.status_code == 204
    gone = world.get("matcher", f"{API}/participants/{participant_id}")
    problem = assert_problem(gone, 410)
    assert "Zlatan" not in gone.get_data(as_text=True)
    assert problem["type"].endswith(":erased")
    assert world.get("matcher", f"{API}/participants").get_json() == []
    assert len(_log(world)) == 1  # the refused read read nothing


def test_the_employing_supplier_reads_name_and_contact_only_through_its_case(
        world: ApiWorld) -> None:
    participant_id, reference = _register(world)
    case_id = _placed(world, reference)
    path = f"{API}/participants/{participant_id}"

    read = world.get("supplier", path, query_string={"case_id": case_id})
    assert read.status_code == 200
    person = read.get_json()
    assert (person["name"], person["email"], person["phone"]) == (
        PERSON["name"], PERSON["email"], PERSON["phone"])
    assert person["target_group"] is None
    assert person["personal_number"] is None
    assert person["eligibility_attested"] is None
    assert "young" not in read.get_data(as_text=True)
    [entry] = _log(world)
    assert (entry.ground.value, entry.case_id) == ("employer", UUID(case_id))

    # Without the case, or through a case it does not employ them in: as if no such person.
    unknown = world.get("supplier", f"{API}/participants/{uuid4()}").get_json()
    for query in ({}, {"case_id": str(uuid4())}):
        refused = world.get("supplier", path, query_string=query)
        assert_problem(refused, 404)
        assert refused.get_json()["title"] == unknown["title"]
    for party in ("other_supplier", "authority", "auditor", "partner"):
        refused = world.get(party, path, query_string={"case_id": case_id})
        assert_problem(refused, 404)
        assert "Zlatan" not in refused.get_data(as_text=True)
    assert len(_log(world)) == 1


def test_only_the_registering_matcher_erases_and_lists(world: ApiWorld) -> None:
    participant_id, _ = _register(world)
    for party in ("supplier", "authority", "auditor"):
        assert_problem(world.post(party, f"{API}/participants/{participant_id}/erasure",
                                  json={"reason": "asked_to_be_erased"}), 404)
        assert_problem(world.get(party, f"{API}/participants"), 403)
        assert_problem(world.post(party, f"{API}/participants", json=PERSON), 403)
    assert world.get("matcher", f"{API}/participants/{participant_id}").status_code == 200


@pytest.mark.parametrize(("change", "field"), [
    ({"personal_number": "19811218-9875"}, "personal_number"),  # wrong check digit
    ({"eligibility_attested": False}, "eligibility_attested"),
    ({"target_group": "tall"}, "target_group"),
    ({"name": ""}, "name"),
    ({"email": "not an address"}, "email"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
])
def test_bad_input_names_the_field_and_registers_nobody(
        world: ApiWorld, change: dict[str, Any], field: str) -> None:
    response = world.post("matcher", f"{API}/participants", json={**PERSON, **change})
    assert_problem(response, 400, field)
    assert world.get("matcher", f"{API}/participants").get_json() == []


def test_a_bad_erasure_reason_names_the_field_and_erases_nothing(world: ApiWorld) -> None:
    participant_id, _ = _register(world)
    response = world.post("matcher", f"{API}/participants/{participant_id}/erasure",
                          json={"reason": "Zlatan asked by phone"})
    assert_problem(response, 400, "reason")
    assert world.get("matcher", f"{API}/participants/{participant_id}").status_code == 200


def test_the_auditor_reads_who_read_the_people_of_a_case(world: ApiWorld) -> None:
    participant_id, reference = _register(world)
    case_id = _placed(world, reference)
    world.get("supplier", f"{API}/participants/{participant_id}",
              query_string={"case_id": case_id})

    log = world.get("auditor", case_path(case_id, "read-log"))
    assert log.status_code == 200
    [entry] = log.get_json()
    assert entry["reference"] == reference
    assert entry["organisation_id"] == str(world["supplier"].organisation_id)
    assert entry["ground"] == "employer"
    assert entry["case_id"] == case_id
    assert "Zlatan" not in log.get_data(as_text=True)
    for party in ("supplier", "matcher", "authority"):
        assert_problem(world.get(party, case_path(case_id, "read-log")), 403)
    assert_problem(world.get("other_authority", case_path(case_id, "read-log")), 404)
