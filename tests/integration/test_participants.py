"""The participant register on a real store (SQLite and PostgreSQL): each person's data is
encrypted under a key of their own, erasure deletes the key, and the raw database never
holds the name or the identity number in plain text, before erasure or after."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from domain.clock import FixedClock
from domain.errors import ParticipantErased, ParticipantNotFound, RuleViolation
from domain.examples import Parties, place_person, walk_to
from domain.participants.sealing import PersonalDetails
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import Actor, Role, TargetGroup
from projections import audit_trail
from projections.db import Database
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from tests.conftest import _pg_params
from tests.integration.conftest import TODAY
from web.bootstrap import build_service

GROUP = TargetGroup.LONG_TERM_UNEMPLOYED  # one of the requirement's
NAME = "Zlatan Qwertyson"
NUMBER = "19811218-9876"  # the Swedish Tax Agency's test-number series: valid check digit
DETAILS = PersonalDetails(name=NAME, personal_number=NUMBER, email="zq@example.se",
                          phone="070-123 45 67", target_group=GROUP,
                          eligibility_attested=True)


@pytest.fixture
def service(durable_env: dict[str, str]) -> Iterator[ProcurementService]:
    service = build_service(durable_env, FixedClock(TODAY))
    yield service
    service.close()


def _place(service: ProcurementService, parties: Parties, reference: str
           ) -> tuple[UUID, list[tuple[int, str, datetime]]]:
    """A case in delivery that employs the person; its id and its history."""
    start = add_months(add_months(service.clock.today(), -26), 1)
    pid = place_person(service, parties, reference, GROUP, start).procurement_id
    return pid, _history(service, parties, pid)


def _history(service: ProcurementService, parties: Parties, pid: UUID
             ) -> list[tuple[int, str, datetime]]:
    return [(e.version, e.event_type, e.recorded_at)
            for e in service.history(parties.authority, pid)]


def _raw_bytes(service: ProcurementService, env: dict[str, str]) -> bytes:
    """Everything the database holds, as stored: the SQLite file and its write-ahead log,
    or a dump of the PostgreSQL schema."""
    for projection in PROJECTIONS.values():
        ProjectionRunner(service, projection).catch_up()
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        files = [Path(env["SQLITE_DBNAME"] + suffix) for suffix in ("", "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    params = _pg_params()
    return subprocess.run(
        ["pg_dump", "-h", str(params["host"]), "-p", str(params["port"]),
         "-U", str(params["user"]), "-n", env["POSTGRES_SCHEMA"], env["POSTGRES_DBNAME"]],
        check=True, capture_output=True, env={"PGPASSWORD": str(params["password"])},
    ).stdout


def _plain_text_of_the_person(raw: bytes) -> list[str]:
    found = [text for text in (NAME, NUMBER, NUMBER.replace("-", ""), "zq@example.se")
             if text.encode() in raw]
    return found


def test_the_raw_database_never_holds_the_person_in_plain_text(
        service: ProcurementService, parties: Parties, durable_env: dict[str, str]) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    pid, history = _place(service, parties, reference)
    assert service.read_participant(parties.matcher, participant_id, where="test").name == NAME
    raw = _raw_bytes(service, durable_env)
    assert _plain_text_of_the_person(raw) == []
    assert reference.encode() in raw  # the case and the trail hold the pseudonym

    service.erase_participant(parties.matcher, participant_id, "asked_to_be_erased")

    with pytest.raises(ParticipantErased):
        service.read_participant(parties.matcher, participant_id, where="test")
    with pytest.raises(ParticipantErased):
        service.read_participant(parties.supplier, participant_id, pid, where="test")
    assert _history(service, parties, pid) == history
    assert service.get_case(parties.authority, pid).candidates
    assert _plain_text_of_the_person(_raw_bytes(service, durable_env)) == []
    assert service.key_store is not None and service.key_store.get(participant_id) is None


def test_the_audit_trail_shows_the_erasure_by_pseudonym_only(
        service: ProcurementService, parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    service.erase_participant(None, participant_id, "retention_period_passed")
    ProjectionRunner(service, audit_trail.AuditTrail).catch_up()
    rows = [e for e in audit_trail.entries(Database.of(service), limit=1000).entries
            if e.aggregate_type == "participant"]
    assert [(r.event_type, r.summary_en) for r in rows] == [
        ("Participant.Registered", f"Participant registered: {reference}"),
        ("Participant.Erased", f"Participant erased: {reference}")]
    assert rows[0].changes == {"reference": reference,
                               "registered_by": str(parties.matcher.organisation_id),
                               "redacted": ["sealed"]}
    assert rows[1].changes == {"reference": reference, "reason": "retention_period_passed"}
    assert rows[1].user_id is None  # the operator's console


def test_a_person_is_erased_once(service: ProcurementService, parties: Parties) -> None:
    participant_id, _ = service.register_participant(parties.matcher, DETAILS)
    service.erase_participant(parties.matcher, participant_id, "asked_to_be_erased")
    with pytest.raises(RuleViolation, match="erased already"):
        service.erase_participant(None, participant_id, "asked_to_be_erased")


Reader = Callable[[ProcurementService, Parties], Actor]


@pytest.mark.parametrize(("reader", "sees"), [
    (lambda s, p: p.matcher, "all"),
    (lambda s, p: Actor(uuid4(), p.matcher.organisation_id, Role.MATCHER), "all"),
    (lambda s, p: p.supplier, "contact"),
    (lambda s, p: p.other_supplier, None),
    (lambda s, p: Actor(uuid4(), uuid4(), Role.MATCHER), None),
    (lambda s, p: p.authority, None),
    (lambda s, p: p.auditor, None),
    (lambda s, p: p.social_enterprise, None),
], ids=["registering matcher", "its colleague", "employing supplier", "another supplier",
        "another matcher", "authority", "auditor", "partner"])
def test_who_may_read_what(service: ProcurementService, parties: Parties,
                           reader: Reader, sees: str | None) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    pid, _ = _place(service, parties, reference)
    actor = reader(service, parties)
    if sees is None:
        with pytest.raises(ParticipantNotFound):
            service.read_participant(actor, participant_id, pid, where="test")
        return
    view = service.read_participant(actor, participant_id, pid, where="test")
    assert (view.reference, view.name, view.email, view.phone) == (
        reference, NAME, "zq@example.se", "070-123 45 67")
    if sees == "all":
        assert (view.personal_number, view.target_group) == (NUMBER, GROUP)
    else:
        assert (view.personal_number, view.target_group, view.eligibility_attested) == (
            None, None, None)


def test_the_supplier_reads_only_through_a_case_that_employs_the_person(
        service: ProcurementService, parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    _place(service, parties, reference)
    other_case = walk_to(service, parties, State.DELIVERY, placements=1).procurement_id
    with pytest.raises(ParticipantNotFound):
        service.read_participant(parties.supplier, participant_id, where="test")
    with pytest.raises(ParticipantNotFound):
        service.read_participant(parties.supplier, participant_id, other_case, where="test")


def test_only_the_registering_matcher_or_the_operator_erases(
        service: ProcurementService, parties: Parties) -> None:
    participant_id, reference = service.register_participant(parties.matcher, DETAILS)
    _place(service, parties, reference)
    for actor in (parties.supplier, parties.authority, Actor(uuid4(), uuid4(), Role.MATCHER)):
        with pytest.raises(ParticipantNotFound):
            service.erase_participant(actor, participant_id, "left_programme")
    assert service.read_participant(parties.matcher, participant_id, where="test").name == NAME
    operator = Actor(uuid4(), uuid4(), Role.ADMIN)
    service.erase_participant(operator, participant_id, "asked_to_be_erased")
    with pytest.raises(ParticipantErased):
        service.read_participant(parties.matcher, participant_id, where="test")
