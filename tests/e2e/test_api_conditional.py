"""Conditional and idempotent writes over the JSON API, on SQLite and PostgreSQL.

- Every answer about one case carries its version as `ETag`; a write answers the new one.
- `If-Match` with a version the case is no longer at is 412, and nothing is recorded, also
  when two clients race with the same version.
- `Idempotency-Key`: the same key and request records once and answers alike; another
  request under the key is 422; a key still in flight is 409; keys are per user.
- Malformed headers are 400 problems naming the header.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from werkzeug.test import TestResponse

from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from tests.e2e.api_helpers import (
    API,
    SETUP,
    ApiWorld,
    assert_problem,
    case_path,
    draft_case,
    open_world,
    tender_json,
)
from web.api.idempotency import IN_FLIGHT_TYPE, REUSED_TYPE

NOTE = {"counterpart": "union", "organisation_name": "Kommunal", "held_on": "2025-11-20",
        "summary": "Samtal om handledning."}
PRECONDITION_FAILED_TYPE = "urn:sysselsattning:problem:precondition-failed"


@pytest.fixture
def world(store: dict[str, str]) -> Iterator[ApiWorld]:
    with open_world(store, ("authority", "other_authority", "supplier")) as opened:
        yield opened


def etag(response: TestResponse) -> int:
    """The version an answer's ETag gives: a strong tag, in quotes."""
    tag = response.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"'), tag
    return int(tag[1:-1])


def history(world: ApiWorld, case: str) -> list[str]:
    response = world.get("authority", f"{case}/history")
    assert response.status_code == 200
    return [entry["event_type"] for entry in response.get_json()]


def add_note(world: ApiWorld, case: str, **headers: str) -> TestResponse:
    return world.post("authority", f"{case}/dialogue-notes", json=NOTE,
                      headers={k.replace("_", "-"): v for k, v in headers.items()})


# -- ETag ---------------------------------------------------------------------------------

def test_every_read_of_one_case_carries_its_version_and_a_write_the_new_one(
        world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    read = world.get("authority", case)
    version = read.get_json()["version"]
    assert etag(read) == version == 3  # created, requirement set, plan set
    assert etag(world.get("authority", f"{case}/history")) == version
    assert etag(world.get("authority", f"{case}/compliance")) == version

    written = add_note(world, case)
    assert written.status_code == 204
    assert etag(written) == version + 1
    assert etag(world.get("authority", case)) == version + 1

    published = world.post("authority", f"{case}/publish", json={"tender_deadline": "2029-01-01"})
    assert etag(published) == version + 2
    tendered = world.post("supplier", f"{case}/tenders", json=tender_json(sme=True))
    assert tendered.status_code == 201
    assert etag(tendered) == version + 3
    tender = world.get("supplier", tendered.headers["Location"])
    assert tender.status_code == 200
    assert etag(tender) == version + 3


def test_creation_answers_the_new_case_s_first_version_and_lists_carry_none(
        world: ApiWorld) -> None:
    created = world.post("authority", f"{API}/procurements", json=SETUP)
    assert created.status_code == 201
    assert etag(created) == 1
    assert etag(world.get("authority", created.headers["Location"])) == 1
    listed = world.get("authority", f"{API}/procurements")
    assert listed.status_code == 200 and "ETag" not in listed.headers


def test_refusals_carry_no_etag(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    refused = world.post("authority", f"{case}/close-tendering", json={})
    assert_problem(refused, 409)
    assert "ETag" not in refused.headers


# -- If-Match -----------------------------------------------------------------------------

def test_a_stale_if_match_is_412_and_records_nothing(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    seen = etag(world.get("authority", case))
    assert add_note(world, case).status_code == 204  # someone else moved the case on
    before = history(world, case)

    stale = add_note(world, case, If_Match=f'"{seen}"')
    problem = assert_problem(stale, 412)
    assert problem["type"] == PRECONDITION_FAILED_TYPE
    assert problem["title"] == "Precondition failed"
    assert f"is at version {seen + 1}, not version {seen}" in problem["detail"]
    assert "ETag" not in stale.headers
    assert history(world, case) == before
    assert etag(world.get("authority", case)) == seen + 1


def test_if_match_is_checked_after_access_and_before_the_case_s_rules(
        world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    stale = {"If-Match": '"1"'}
    # Not the owner's: 404 (the case is not theirs to see), whatever the version.
    assert_problem(world.post("other_authority", f"{case}/dialogue-notes", json=NOTE,
                              headers=stale), 404)
    # A command the state refuses: with the wrong version, the version is what is wrong.
    assert_problem(world.post("authority", f"{case}/close-tendering", json={},
                              headers=stale), 412)


def test_a_star_or_the_current_version_lets_the_write_through(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    current = etag(world.get("authority", case))
    by_version = add_note(world, case, If_Match=f'"{current}"')
    assert by_version.status_code == 204
    assert etag(by_version) == current + 1
    by_star = add_note(world, case, If_Match="*")
    assert by_star.status_code == 204
    assert etag(by_star) == current + 2
    assert history(world, case).count("DialogueNoteAdded") == 2


def test_if_match_on_a_case_that_does_not_exist_is_404(world: ApiWorld) -> None:
    missing = case_path("6b1f3f58-3f43-4f1c-9d55-0f8b1c1e0a11")
    assert_problem(world.post("authority", f"{missing}/dialogue-notes", json=NOTE,
                              headers={"If-Match": "*"}), 404)


def _meet_before_saving(service: ProcurementService, monkeypatch: pytest.MonkeyPatch,
                        parties: int) -> None:
    """Each request's first save waits until every party has reached its own, so that all
    of them have read the case at the same version before any of them stores."""
    meeting = threading.Barrier(parties, timeout=10)
    met = threading.local()
    save = service.save

    def save_after_meeting(*objs: Any, **kwargs: Any) -> Any:
        if not getattr(met, "done", False):
            met.done = True
            meeting.wait()
        return save(*objs, **kwargs)

    monkeypatch.setattr(service, "save", save_after_meeting)


def _race(world: ApiWorld, send: Callable[[], TestResponse], times: int = 2
          ) -> list[TestResponse]:
    with ThreadPoolExecutor(times) as pool:
        return list(pool.map(lambda _: send(), range(times)))


def test_two_clients_racing_with_the_same_if_match_one_wins_the_other_gets_412(
        world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_path(draft_case(world))
    seen = etag(world.get("authority", case))
    _meet_before_saving(world.service, monkeypatch, 2)

    def send() -> TestResponse:
        client = world.app.test_client()  # a client of its own, as two programs would be
        return client.post(f"{case}/dialogue-notes", json=NOTE, headers={
            **world["authority"].headers, "If-Match": f'"{seen}"'})

    answers = sorted(_race(world, send), key=lambda r: r.status_code)
    assert [a.status_code for a in answers] == [204, 412]
    assert etag(answers[0]) == seen + 1
    assert "changed by others while your command ran" in answers[1].get_json()["detail"]
    assert history(world, case).count("DialogueNoteAdded") == 1


def test_without_if_match_the_loser_of_a_race_is_re_run_on_the_newer_case(
        world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_path(draft_case(world))
    seen = etag(world.get("authority", case))
    _meet_before_saving(world.service, monkeypatch, 2)

    def send() -> TestResponse:
        return world.app.test_client().post(f"{case}/dialogue-notes", json=NOTE,
                                            headers=world["authority"].headers)

    answers = _race(world, send)
    assert [a.status_code for a in answers] == [204, 204]
    assert sorted(etag(a) for a in answers) == [seen + 1, seen + 2]
    assert history(world, case).count("DialogueNoteAdded") == 2


# -- Idempotency-Key ----------------------------------------------------------------------

def _same_answer(first: TestResponse, again: TestResponse) -> None:
    assert again.status_code == first.status_code
    assert again.get_data() == first.get_data()
    assert again.mimetype == first.mimetype
    for header in ("Location", "ETag"):
        assert again.headers.get(header) == first.headers.get(header), header
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_twice_creates_one_case_and_answers_alike(world: ApiWorld) -> None:
    key = {"Idempotency-Key": "create-1"}
    first = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    again = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    assert first.status_code == 201 and first.headers["Location"]
    _same_answer(first, again)
    listed = world.get("authority", f"{API}/procurements").get_json()
    assert [row["id"] for row in listed] == [first.get_json()["id"]]


def test_the_same_key_twice_records_one_event_in_a_case(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    before = history(world, case)
    first = add_note(world, case, Idempotency_Key="note-1")
    again = add_note(world, case, Idempotency_Key="note-1")
    assert first.status_code == 204
    _same_answer(first, again)
    assert history(world, case) == [*before, "DialogueNoteAdded"]


def test_the_same_key_with_another_body_is_422_and_records_nothing(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    assert add_note(world, case, Idempotency_Key="note-1").status_code == 204
    before = history(world, case)
    other = world.post("authority", f"{case}/dialogue-notes", json={**NOTE, "summary": "Annat"},
                       headers={"Idempotency-Key": "note-1"})
    problem = assert_problem(other, 422)
    assert problem["type"] == REUSED_TYPE
    assert "used for another request" in problem["detail"]
    elsewhere = world.post("authority", f"{case}/cancel", json={"reason": "Fel"},
                           headers={"Idempotency-Key": "note-1"})
    assert assert_problem(elsewhere, 422)["type"] == REUSED_TYPE
    assert history(world, case) == before


def test_users_keep_their_keys_apart(world: ApiWorld) -> None:
    key = {"Idempotency-Key": "same-key"}
    mine = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    theirs = world.post("other_authority", f"{API}/procurements", json=SETUP, headers=key)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert mine.get_json()["id"] != theirs.get_json()["id"]
    assert world.get("other_authority", theirs.headers["Location"]).status_code == 200


def test_a_key_still_in_flight_is_409(world: ApiWorld,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_path(draft_case(world))
    running, finish = threading.Event(), threading.Event()
    add = world.service.add_dialogue_note

    def slow_add(*args: Any) -> None:
        running.set()
        assert finish.wait(10)
        add(*args)

    monkeypatch.setattr(world.service, "add_dialogue_note", slow_add)
    key = {**world["authority"].headers, "Idempotency-Key": "slow-1"}
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(world.app.test_client().post, f"{case}/dialogue-notes",
                            json=NOTE, headers=key)
        assert running.wait(10)
        meanwhile = world.post("authority", f"{case}/dialogue-notes", json=NOTE,
                               headers={"Idempotency-Key": "slow-1"})
        finish.set()
        answered = first.result(timeout=20)
    problem = assert_problem(meanwhile, 409)
    assert problem["type"] == IN_FLIGHT_TYPE
    assert answered.status_code == 204
    _same_answer(answered, add_note(world, case, Idempotency_Key="slow-1"))
    assert history(world, case).count("DialogueNoteAdded") == 1


def test_a_refusal_the_case_decided_is_kept_for_its_key(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    key = {"Idempotency-Key": "close-1"}
    first = world.post("authority", f"{case}/close-tendering", json={}, headers=key)
    assert_problem(first, 409)
    _same_answer(first, world.post("authority", f"{case}/close-tendering", json={},
                                   headers=key))


def test_a_412_is_not_kept_so_the_key_may_be_sent_again_with_the_current_version(
        world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    current = etag(world.get("authority", case))
    stale = add_note(world, case, Idempotency_Key="note-2", If_Match=f'"{current - 1}"')
    assert_problem(stale, 412)
    fresh = add_note(world, case, Idempotency_Key="note-2", If_Match=f'"{current}"')
    assert fresh.status_code == 204
    assert "Idempotent-Replayed" not in fresh.headers
    assert history(world, case).count("DialogueNoteAdded") == 1


def test_a_failure_is_not_kept_so_a_retry_runs_again(world: ApiWorld,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    case = case_path(draft_case(world))
    add = world.service.add_dialogue_note
    failures = [RuntimeError("the database went away")]

    def failing_once(*args: Any) -> None:
        if failures:
            raise failures.pop()
        add(*args)

    monkeypatch.setattr(world.service, "add_dialogue_note", failing_once)
    assert_problem(add_note(world, case, Idempotency_Key="note-3"), 500)
    retried = add_note(world, case, Idempotency_Key="note-3")
    assert retried.status_code == 204
    assert "Idempotent-Replayed" not in retried.headers
    assert history(world, case).count("DialogueNoteAdded") == 1


def test_input_refused_before_the_command_is_not_kept(world: ApiWorld) -> None:
    case = case_path(draft_case(world))
    bad = world.post("authority", f"{case}/dialogue-notes", json={**NOTE, "held_on": "x"},
                     headers={"Idempotency-Key": "note-4"})
    assert_problem(bad, 400, "held_on")
    # The key is free again: the corrected request is another request, and it runs.
    assert add_note(world, case, Idempotency_Key="note-4").status_code == 204


def test_a_key_is_forgotten_after_a_day(world: ApiWorld) -> None:
    key = {"Idempotency-Key": "daily"}
    first = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    world.clock.advance(timedelta(hours=23, minutes=59))
    assert world.post("authority", f"{API}/procurements", json=SETUP,
                      headers=key).headers.get("Idempotent-Replayed") == "true"
    world.clock.advance(timedelta(minutes=1))
    later = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["id"] != first.get_json()["id"]


def test_a_replay_writes_nothing_even_when_the_case_moved_on(world: ApiWorld) -> None:
    procurement_id = draft_case(world)
    case = case_path(procurement_id)
    first = add_note(world, case, Idempotency_Key="note-5")
    world.service.add_dialogue_note(world["authority"].actor, UUID(procurement_id),
                                    DialogueNote(Counterpart.UNION, "Kommunal",
                                                 date(2025, 11, 21), "Ett samtal till."))
    before = history(world, case)
    again = add_note(world, case, Idempotency_Key="note-5")
    _same_answer(first, again)  # the ETag of the first answer, not the case's now
    assert history(world, case) == before


# -- malformed headers --------------------------------------------------------------------

@pytest.mark.parametrize("value", ["7", 'W/"7"', '"7", "8"', '"seven"', '""', '"-1"',
                                   '"1234567890123456789"', "**"])
def test_a_malformed_if_match_is_400_naming_the_header(world: ApiWorld, value: str) -> None:
    case = case_path(draft_case(world))
    before = history(world, case)
    problem = assert_problem(add_note(world, case, If_Match=value), 400, "If-Match")
    assert "version in quotes" in problem["rule"]
    assert history(world, case) == before


@pytest.mark.parametrize("value", ["", " key", "key ", "x" * 256, "tab\there", "åäö",
                                   "line\u0085"])
def test_a_malformed_idempotency_key_is_400_naming_the_header(world: ApiWorld,
                                                              value: str) -> None:
    case = case_path(draft_case(world))
    before = history(world, case)
    problem = assert_problem(add_note(world, case, Idempotency_Key=value), 400,
                             "Idempotency-Key")
    assert "printable ASCII" in problem["rule"]
    assert history(world, case) == before


def test_the_longest_key_is_taken(world: ApiWorld) -> None:
    key = {"Idempotency-Key": "k" + " " * 253 + "k"}
    first = world.post("authority", f"{API}/procurements", json=SETUP, headers=key)
    assert first.status_code == 201
    _same_answer(first, world.post("authority", f"{API}/procurements", json=SETUP,
                                   headers=key))
