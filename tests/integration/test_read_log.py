"""The read log on a real store (SQLite and PostgreSQL): every read of a person's data
writes one entry, in the same call, naming who, when, which person (by reference), where
and on what ground; a refused read writes none; the log holds no personal data; the
operator and the owning authority's auditors read it; no code changes or removes an entry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from click.testing import CliRunner

from domain.clock import FixedClock
from domain.errors import AccessDenied, ParticipantErased, ParticipantNotFound, ProcurementNotFound
from domain.examples import Parties, walk_to
from domain.participants.read_log import ReadGround, ReadLogEntry
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections.db import Database
from tests.integration.conftest import TODAY
from tests.integration.test_participants import DETAILS, NAME, NUMBER, _place
from tests.integration.test_service import grants
from web.bootstrap import build_service
from web.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def service(durable_env: dict[str, str], parties: Parties, clock: FixedClock
            ) -> Iterator[ProcurementService]:
    service = build_service(durable_env, clock, audit_grants=grants(parties))
    yield service
    service.close()


def _reads_of_personal_data() -> set[str]:
    """The service's public methods that return a person's decrypted data."""
    found = set()
    for name in dir(ProcurementService):
        member = getattr(ProcurementService, name)
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        if "ParticipantView" in str(member.__annotations__.get("return", "")):
            found.add(name)
    return found


# Each read path: how the registering matcher and the employing supplier read through it.
Read = Callable[[ProcurementService, Actor, UUID, UUID | None, str], object]
READS: dict[str, Read] = {
    "read_participant": lambda service, actor, participant_id, case_id, where:
        service.read_participant(actor, participant_id, case_id, where=where),
}


def test_the_table_of_read_paths_is_every_method_that_returns_personal_data() -> None:
    assert _reads_of_personal_data() == set(READS)


@pytest.mark.parametrize("method", sorted(READS))
def test_every_read_writes_one_entry_with_who_when_whom_where_and_why(
        service: ProcurementService, parties: Parties, clock: FixedClock,
        method: str) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    pid, _ = _place(service, parties, reference)
    assert service.console_read_log(reference) == []

    clock.advance(timedelta(minutes=5))
    READS[method](service, parties.matcher, participant_id, None, "register page")
    clock.advance(timedelta(minutes=5))
    READS[method](service, parties.supplier, participant_id, pid, "case page")

    matcher, supplier = parties.matcher, parties.supplier
    assert [_fields(e) for e in service.console_read_log(reference)] == [
        (TODAY + timedelta(minutes=5), matcher.user_id, matcher.organisation_id,
         Role.MATCHER, participant_id, reference, "register page",
         ReadGround.REGISTERING_MATCHER, None),
        (TODAY + timedelta(minutes=10), supplier.user_id, supplier.organisation_id,
         Role.SUPPLIER, participant_id, reference, "case page", ReadGround.EMPLOYER, pid),
    ]


def _fields(entry: ReadLogEntry) -> tuple[object, ...]:
    return (entry.read_at, entry.user_id, entry.organisation_id, entry.role,
            entry.participant_id, entry.reference, entry.place, entry.ground,
            entry.case_id)


def test_a_refused_read_writes_no_entry(service: ProcurementService,
                                        parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    pid, _ = _place(service, parties, reference)
    refused = [(parties.other_supplier, pid), (parties.supplier, None),
               (parties.authority, pid), (parties.auditor, pid),
               (Actor(uuid4(), uuid4(), Role.MATCHER), None)]
    for actor, case_id in refused:
        with pytest.raises(ParticipantNotFound):
            service.read_participant(actor, participant_id, case_id, where="case page")
    service.erase_participant(parties.matcher, participant_id, "asked_to_be_erased")
    with pytest.raises(ParticipantErased):  # nothing left to read: nothing read
        service.read_participant(parties.matcher, participant_id, where="register page")
    assert service.console_read_log(reference) == []


def test_the_log_holds_no_name_or_identity_number(service: ProcurementService,
                                                  parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    pid, _ = _place(service, parties, reference)
    service.read_participant(parties.matcher, participant_id, where="register page")
    service.read_participant(parties.supplier, participant_id, pid, where="case page")
    rows = Database.of(service).fetch("SELECT * FROM {participant_read_log}")
    assert len(rows) == 2
    text = repr(rows)
    assert reference in text
    for personal in (NAME, NUMBER, NUMBER.replace("-", ""), DETAILS.email, DETAILS.phone,
                     DETAILS.target_group.value):
        assert personal not in text


def test_the_authoritys_auditor_reads_the_log_of_the_people_in_its_cases(
        service: ProcurementService, parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    other_id, other_reference = service.register_participant(parties.matcher, DETAILS)
    pid, _ = _place(service, parties, reference)
    service.read_participant(parties.supplier, participant_id, pid, where="case page")
    service.read_participant(parties.matcher, other_id, where="register page")

    entries = service.read_log_of_case(parties.auditor, pid)
    assert [(e.reference, e.place) for e in entries] == [(reference, "case page")]
    assert other_reference not in {e.reference for e in entries}
    with pytest.raises(AccessDenied):  # the owner sees its case, not who read its people
        service.read_log_of_case(parties.authority, pid)
    for actor in (Actor(uuid4(), uuid4(), Role.SUPPLIER), Actor(uuid4(), uuid4(), Role.AUDITOR)):
        with pytest.raises(ProcurementNotFound):
            service.read_log_of_case(actor, pid)
    for actor in (parties.supplier, parties.other_supplier, parties.matcher):
        with pytest.raises(AccessDenied):
            service.read_log_of_case(actor, pid)


def test_a_case_with_no_people_has_an_empty_log(service: ProcurementService,
                                                parties: Parties) -> None:
    pid = walk_to(service, parties, State.DELIVERY, placements=0).procurement_id
    assert service.read_log_of_case(parties.auditor, pid) == []


def test_the_operator_reads_the_log_at_the_console(
        service: ProcurementService, parties: Parties, durable_env: dict[str, str]) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    service.read_participant(parties.matcher, participant_id, where="register page")
    result = CliRunner().invoke(main, ["admin", "read-log", "--reference", reference],
                                env=durable_env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert reference in result.output
    assert "register page" in result.output and "registering_matcher" in result.output
    assert NAME not in result.output


def test_no_code_changes_or_removes_a_log_entry() -> None:
    """Append-only by construction: only projections/read_log.py names the table, and it
    only INSERTs and SELECTs."""
    naming = sorted(str(path.relative_to(ROOT))
                    for folder in ("domain", "projections", "scheduler", "web")
                    for path in (ROOT / folder).rglob("*.py")
                    if "participant_read_log" in path.read_text(encoding="utf-8"))
    assert naming == ["projections/read_log.py"]
    source = (ROOT / "projections/read_log.py").read_text(encoding="utf-8").upper()
    for verb in ("UPDATE", "DELETE", "DROP", "TRUNCATE", "ALTER", "UPSERT_KEY"):
        assert verb not in source
