"""The case as the API answers it: who works on it, why it was cancelled, how it was
decided, each only to the parties that may know."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.examples import walk_to
from domain.procurement.lifecycle import State
from tests.e2e.api_helpers import ApiWorld, case_path, open_world, parties


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(sqlite_env) as made:
        yield made


def test_the_closed_case_carries_the_decision_the_matcher_and_partners(world: ApiWorld) -> None:
    case_id = walk_to(world.service, parties(world), State.CLOSED).procurement_id
    owner = world.get("authority", case_path(case_id)).get_json()
    assert owner["compliance_decision"] == owner["compliance"]["outcome"]
    assert owner["matcher_id"] == str(world["matcher"].organisation_id)
    assert owner["partner_ids"] == [str(world["partner"].organisation_id)]
    loser = world.get("other_supplier", case_path(case_id)).get_json()
    assert loser["compliance_decision"] is None
    assert loser["matcher_id"] is None and loser["partner_ids"] == []


def test_a_cancelled_case_says_why(world: ApiWorld) -> None:
    case_id = walk_to(world.service, parties(world), State.CANCELLED).procurement_id
    answer = world.get("authority", case_path(case_id)).get_json()
    assert answer["cancellation_reason"] == "Upphandlingen avbryts: behovet har upphört"
