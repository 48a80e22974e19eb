"""The case's past through the API: `?as_of=` / `?version=` on the case, the diff between
two moments, and the hash chain's check and head; each for the owner and auditors only,
with sealed tenders kept sealed."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote
from uuid import UUID

import pytest

from domain.examples import example_tender, walk_to
from domain.past import MOMENT_RULE, VERSION_RULE, Moment
from domain.procurement.contract import Contract, KickOff
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.views import case_view
from tests.e2e.api_helpers import NOW, PROBLEM_JSON, ApiWorld, case_path, open_world
from tests.e2e.api_helpers import parties as parties_of
from web.api.schemas.views import CaseView as CaseViewSchema

AWARDED_AT = NOW
AFTER = timedelta(days=3)


@pytest.fixture
def world(sqlite_env: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(sqlite_env) as made:
        yield made


def _changed_after_award(world: ApiWorld) -> tuple[UUID, int]:
    """A case awarded at AWARDED_AT, then signed, kicked off and given a matcher three
    days later; the case's id and its version at award."""
    parties = parties_of(world)
    case_id = walk_to(world.service, parties, State.STANDSTILL).procurement_id
    award_version = world.service.inspect(case_id)[0].version
    world.clock.advance(AFTER)
    a, today = parties.authority, world.clock.today()
    world.service.sign_contract(a, case_id, Contract(today, today + timedelta(days=10),
                                                     add_months(today, 24)))
    world.service.hold_kick_off(a, case_id, KickOff(today, ("Kommunen", "Leverantören")))
    world.service.appoint_matcher(a, case_id, parties.matcher.organisation_id)
    return case_id, award_version


def test_the_as_of_view_at_award_equals_the_case_replayed_to_that_version(
        world: ApiWorld) -> None:
    case_id, award_version = _changed_after_award(world)
    auditor = world["auditor"].actor
    replayed = world.service.repository.get(case_id, version=award_version)
    parts = frozenset(world.service.get_case(auditor, case_id).parts)
    expected = case_view(replayed, auditor, parts, AWARDED_AT.date())

    past = world.service.case_as_of(auditor, case_id, Moment(as_of=AWARDED_AT))
    for field in dataclasses.fields(expected):
        if field.name != "version":
            assert getattr(past.view, field.name) == getattr(expected, field.name), field.name
    assert past.view.version == award_version
    assert past.view.contract is None and past.view.matcher_id is None
    assert world.service.get_case(auditor, case_id).contract is not None  # changed since

    # The same through the API: at award, by time or by version, and just before the
    # first change after it (where compliance is assessed on that later day).
    just_before = AWARDED_AT + AFTER - timedelta(seconds=1)
    for query, day in ((f"as_of={quote(AWARDED_AT.isoformat())}", AWARDED_AT.date()),
                       (f"version={award_version}", AWARDED_AT.date()),
                       (f"as_of={quote(just_before.isoformat())}", just_before.date())):
        expected_json = CaseViewSchema().dump(case_view(replayed, auditor, parts, day))
        answer = world.get("auditor", f"{case_path(case_id)}?{query}")
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body.keys() == expected_json.keys()
        for name, value in expected_json.items():
            assert body[name] == (award_version if name == "version" else value), (query, name)
    now = world.get("auditor", case_path(case_id)).get_json()
    assert now["contract"] is not None and now["version"] == award_version + 3


@pytest.mark.parametrize(("query", "field", "rule"), [
    ("as_of=yesterday", "as_of", MOMENT_RULE),
    ("as_of=2028-06-15T09:30:00", "as_of", MOMENT_RULE),  # no time zone
    ("as_of=0001-01-01T00:00:00%2B14:00", "as_of", MOMENT_RULE),  # before year 1 in UTC
    ("as_of=2000-01-01T00:00:00Z", "as_of", "must not be before the case was created"),
    ("as_of=2999-01-01T00:00:00Z", "as_of", "must not be in the future"),
    ("version=0", "version", "must be a version of the case, from 1 to "),
    ("version=999", "version", "must be a version of the case, from 1 to "),
    ("version=-1", "version", VERSION_RULE),
    ("version=two", "version", VERSION_RULE),
    ("version=3&as_of=2028-06-15T09:30:00Z", "as_of", "give either as_of or version"),
])
def test_a_bad_moment_is_a_problem_naming_the_parameter_and_rule(
        world: ApiWorld, query: str, field: str, rule: str) -> None:
    case_id, _ = _changed_after_award(world)
    answer = world.get("authority", f"{case_path(case_id)}?{query}")
    assert answer.status_code == 400
    assert answer.mimetype == PROBLEM_JSON
    problem = answer.get_json()
    assert problem["field"] == field
    assert problem["rule"].startswith(rule)


def test_only_the_owner_and_auditors_see_the_past(world: ApiWorld) -> None:
    case_id, _ = _changed_after_award(world)
    for path in (f"{case_path(case_id)}?version=1", f"{case_path(case_id, 'diff')}?"
                 "from_version=1", case_path(case_id, "chain"), case_path(case_id, "chain",
                                                                       "head")):
        for party in ("authority", "auditor"):
            assert world.get(party, path).status_code == 200, (party, path)
        assert world.get("supplier", path).status_code == 403, path  # sees the case now
        assert world.get("other_authority", path).status_code == 404, path  # does not


def test_sealed_tenders_stay_sealed_at_every_past_moment(world: ApiWorld) -> None:
    parties = parties_of(world)
    case_id = walk_to(world.service, parties, State.TENDERING).procurement_id
    published = world.service.get_case(parties.authority, case_id).version
    world.clock.advance(timedelta(hours=1))
    world.service.submit_tender(parties.supplier, case_id, example_tender(parties.supplier))
    world.service.submit_tender(parties.other_supplier, case_id,
                                example_tender(parties.other_supplier))
    tendering = world.clock.now()
    # While tendering: the owner's versions do not count the tenders, nor can it ask
    # for a version past its own.
    answer = world.get("authority", f"{case_path(case_id)}?version={published}")
    assert answer.status_code == 200
    assert world.get("authority", f"{case_path(case_id)}?version={published + 1}"
                     ).get_json()["rule"] == f"must be a version of the case, from 1 to {published}"
    past = world.get("authority", f"{case_path(case_id)}?as_of={quote(tendering.isoformat())}")
    assert past.get_json()["tenders"] == [] and past.get_json()["tender_count"] is None
    assert past.get_json()["version"] == published
    head = world.get("authority", case_path(case_id, "chain", "head")).get_json()
    assert head["version"] == published
    assert world.get("authority", case_path(case_id, "chain")).get_json()["checked"] == (
        published)

    world.clock.advance(timedelta(hours=1))
    world.service.close_tendering(parties.authority, case_id)
    # Closed now, but at that moment the tenders were sealed: still hidden then.
    then = world.get("auditor", f"{case_path(case_id)}?as_of={quote(tendering.isoformat())}")
    assert then.get_json()["tenders"] == [] and then.get_json()["tender_count"] is None
    now = world.get("auditor", case_path(case_id)).get_json()
    assert now["tender_count"] == 2


def test_the_diff_from_award_lists_each_change_and_what_was_recorded(world: ApiWorld) -> None:
    case_id, award_version = _changed_after_award(world)
    answer = world.get("auditor", f"{case_path(case_id, 'diff')}?from_as_of="
                                  f"{quote(AWARDED_AT.isoformat())}")
    assert answer.status_code == 200, answer.get_json()
    diff = answer.get_json()
    assert diff["from"]["version"] == award_version
    assert diff["to"]["version"] == award_version + 3
    changes = {c["field"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changes["state"] == ("standstill", "delivery")
    assert changes["contract.start"][0] is None
    assert changes["kick_off.attendees[2]"] == (None, "Leverantören")
    assert changes["matcher_id"] == (None, str(world["matcher"].organisation_id))
    assert "award.supplier_id" not in changes  # unchanged since award
    assert [e["event_type"] for e in diff["events"]] == [
        "ContractSigned", "KickOffHeld", "MatcherAppointed"]
    back = world.get("auditor", f"{case_path(case_id, 'diff')}?from_version="
                                f"{award_version + 3}&to_version={award_version}").get_json()
    assert {c["field"]: (c["after"], c["before"]) for c in back["changes"]} == changes
    missing = world.get("auditor", case_path(case_id, "diff"))
    assert missing.status_code == 400
    assert missing.get_json()["field"] == "from_as_of"


def test_the_chain_endpoint_reports_clean_then_the_event_changed_in_the_database(
        world: ApiWorld, sqlite_env: dict[str, str]) -> None:
    case_id, award_version = _changed_after_award(world)
    report = world.get("auditor", case_path(case_id, "chain")).get_json()
    head = world.get("auditor", case_path(case_id, "chain", "head")).get_json()
    assert report["clean"] is True and report["break"] is None
    assert report["head"] == head and head["version"] == award_version + 3
    assert report["checked"] == award_version + 3

    where = (case_id.hex, award_version)
    with sqlite3.connect(sqlite_env["SQLITE_DBNAME"]) as db:  # one space more: still JSON
        (state,) = db.execute("SELECT state FROM stored_events WHERE originator_id = ? AND "
                              "originator_version = ?", where).fetchone()
        db.execute("UPDATE stored_events SET state = ? WHERE originator_id = ? AND "
                   "originator_version = ?", (bytes(state) + b" ", *where))
    broken = world.get("auditor", case_path(case_id, "chain")).get_json()
    assert broken["clean"] is False
    assert broken["break"]["version"] == award_version
    assert broken["break"]["expected"] != broken["break"]["found"]
    assert broken["head"]["version"] == award_version - 1  # the last link that verified


def test_a_link_printed_at_a_version_can_be_asked_for_again_after_the_case_moved_on(
        world: ApiWorld) -> None:
    parties = parties_of(world)
    case_id = walk_to(world.service, parties, State.STANDSTILL).procurement_id
    printed = world.get("auditor", case_path(case_id, "chain", "head")).get_json()
    world.clock.advance(AFTER)
    today = world.clock.today()
    world.service.sign_contract(parties.authority, case_id, Contract(
        today, today + timedelta(days=10), add_months(today, 24)))
    now = world.get("auditor", case_path(case_id, "chain", "head")).get_json()
    assert now["version"] == printed["version"] + 1 and now["link"] != printed["link"]
    again = world.get("auditor", f"{case_path(case_id, 'chain', 'head')}?version="
                                 f"{printed['version']}")
    assert again.status_code == 200 and again.get_json() == printed
    beyond = world.get("auditor", f"{case_path(case_id, 'chain', 'head')}?version=99")
    assert beyond.status_code == 400
    assert (beyond.get_json()["field"], beyond.get_json()["rule"]) == (
        "version", f"must be a version with a recorded link, from 1 to {now['version']}")
