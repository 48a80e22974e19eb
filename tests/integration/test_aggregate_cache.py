"""Each process keeps the cases it has loaded (AGGREGATE_CACHE_MAXSIZE), and that must never
show a case other than the store holds: another process's change is there on the next load,
a refused command leaves nothing behind, a command's copy is its own, and a snapshot taken
from the case just saved is the one the store's events make."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from domain.errors import InvalidState
from domain.examples import Parties, example_setup
from domain.procurement import Procurement
from domain.procurement.dialogue import Counterpart, DialogueNote
from domain.service import ProcurementService
from tests.integration.conftest import ServiceFactory


def _note(number: int) -> DialogueNote:
    return DialogueNote(Counterpart.UNION, "Byggnads", date(2028, 1, 1 + number % 28),
                        f"Samtal {number}")


def _replayed(service: ProcurementService, case_id: UUID, up_to: int | None = None) -> Any:
    """The case from its stored events alone: no cache, no snapshot."""
    case = None
    for stored in service.events.get(case_id, lte=up_to):
        case = stored.mutate(case)
    return case


def test_a_case_cached_in_one_process_shows_another_process_s_change_on_the_next_load(
        durable_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    first, second = open_service(durable_env), open_service(durable_env)
    assert first.repository.cache is not None and second.repository.cache is not None
    case_id = first.create_procurement(parties.authority, example_setup())
    assert second.get_case(parties.authority, case_id).dialogue_notes == ()  # now cached
    first.add_dialogue_note(parties.authority, case_id, _note(1))
    assert [n.summary for n in second.get_case(parties.authority, case_id).dialogue_notes] \
        == ["Samtal 1"]
    # ...and a command there runs on that newest version, not on what it had cached.
    second.add_dialogue_note(parties.authority, case_id, _note(2))
    assert first.repository.get(case_id).version == 3
    assert [n.summary for n in first.get_case(parties.authority, case_id).dialogue_notes] \
        == ["Samtal 1", "Samtal 2"]


def test_a_refused_command_leaves_the_cached_case_as_the_store_has_it(
        durable_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(durable_env)
    case_id = service.create_procurement(parties.authority, example_setup())
    service.add_dialogue_note(parties.authority, case_id, _note(1))
    with pytest.raises(InvalidState):
        service.close_tendering(parties.authority, case_id)  # a draft has no tendering
    loaded = service.repository.get(case_id)
    assert vars(loaded) == vars(_replayed(service, case_id))
    assert loaded.version == 2


def test_a_command_s_copy_of_a_cached_case_is_its_own(parties: Parties) -> None:
    case = Procurement.create(parties.authority, example_setup())
    case.add_dialogue_note(parties.authority, _note(1))
    case.collect_events()
    copied = copy.deepcopy(case)
    assert vars(copied) == vars(case) and copied is not case
    copied.add_dialogue_note(parties.authority, _note(2))
    copied.tenders["x"] = None  # type: ignore[assignment]
    assert len(case.dialogue_notes) == 1 and case.tenders == {}
    assert case.pending_events == [] and len(copied.pending_events) == 1
    # The frozen values themselves are shared, never copied one by one.
    assert copied.dialogue_notes[0] is case.dialogue_notes[0]
    assert copied.setup is case.setup


def test_a_snapshot_from_the_saved_case_equals_one_from_its_events(
        durable_env: dict[str, str], open_service: ServiceFactory, parties: Parties) -> None:
    service = open_service(durable_env)
    case_id = service.create_procurement(parties.authority, example_setup())
    interval = service.snapshotting_intervals[Procurement]
    for number in range(interval + 1):
        service.add_dialogue_note(parties.authority, case_id, _note(number))
    assert service.snapshots is not None
    stored = list(service.snapshots.get(case_id))
    assert [s.originator_version for s in stored] == [interval]
    from_events = Procurement.Snapshot.take(_replayed(service, case_id, up_to=interval))
    assert stored[0].state == from_events.state
    # A fresh process loads from that snapshot to the same case as the whole history gives.
    fresh = open_service(durable_env)
    assert vars(fresh.repository.get(case_id)) == vars(_replayed(service, case_id))
