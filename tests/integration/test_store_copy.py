"""Rotating the key of the encryption at rest: `procurement admin copy-store` copies every
event (read with the old key, written with the new), the participants' keys and the read
log into a new, empty store; the copy reads the same under the new key and not at all
under the old one. The same copy moves a store from SQLite to PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from eventsourcing.persistence import MapperDeserialisationError

from domain.examples import Parties, example_setup, walk_to
from domain.participants.sealing import PersonalDetails
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from domain.values import TargetGroup
from projections.store_copy import copy_store
from web.bootstrap import build_service
from web.cli import main

TITLE = "Lokalvård i Ängsbacka förskola, nyckelbyte"
PERSON = PersonalDetails("Zlatan Qwertyson", TargetGroup.YOUNG, eligibility_attested=True,
                         personal_number="19811218-9876")


def _key() -> str:
    from eventsourcing.cryptography import AESCipher
    return AESCipher.create_key(32)


def _seed(env: dict[str, str]) -> dict[str, Any]:
    """A case in delivery and a registered person, read once (one read-log entry); what
    the copy must give back."""
    parties = Parties()
    service = build_service(env)
    try:
        walked = walk_to(service, parties, State.DELIVERY,
                         setup=example_setup(title=TITLE, reference="KS 2027/0998"))
        participant_id, reference = service.register_participant(parties.matcher, PERSON)
        service.read_participant(parties.matcher, participant_id, where="test")
        return {"case_id": walked.procurement_id, "participant_id": participant_id,
                "reference": reference, "parties": parties,
                "events": service.recorder.max_notification_id(),
                "state": _state(service, walked.procurement_id),
                "log": _log(service)}
    finally:
        service.close()


def _state(service: ProcurementService, case_id: Any) -> tuple[Any, ...]:
    case, version = service.inspect(case_id)
    return version, case.state, case.setup.title, len(case.placements)


def _log(service: ProcurementService) -> list[tuple[Any, ...]]:
    return [(e.read_at, e.user_id, e.reference, e.place, e.ground)
            for e in service.console_read_log()]


def _check_copy(target_env: dict[str, str], seeded: dict[str, Any]) -> None:
    target = build_service(target_env)
    try:
        assert target.recorder.max_notification_id() == seeded["events"]
        assert _state(target, seeded["case_id"]) == seeded["state"]
        person = target.read_participant(seeded["parties"].matcher, seeded["participant_id"],
                                         where="test after the copy")
        assert (person.name, person.reference) == (PERSON.name, seeded["reference"])
        assert _log(target)[:1] == seeded["log"]
    finally:
        target.close()


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _file_bytes(dbname: str) -> bytes:
    path = Path(dbname)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_the_key_is_rotated_by_copying_into_a_new_store(
        sqlite_env: dict[str, str], tmp_path: Path) -> None:
    old_key, new_key = _key(), _key()
    source_env = {**sqlite_env, "CIPHER_KEY": old_key}
    seeded = _seed(source_env)
    target_file = str(tmp_path / "rotated.sqlite3")

    result = _run({**source_env, "TARGET_SQLITE_DBNAME": target_file,
                   "TARGET_CIPHER_KEY": new_key}, "admin", "copy-store")
    assert result.exit_code == 0, result.output
    assert f"Copied {seeded['events']} events, 1 participant keys and 1 read-log" \
           in result.output

    target_env = {**sqlite_env, "SQLITE_DBNAME": target_file, "CIPHER_KEY": new_key}
    _check_copy(target_env, seeded)
    assert TITLE.encode() not in _file_bytes(target_file)  # encrypted with the new key
    with pytest.raises(MapperDeserialisationError, match="Invalid cipher tag"):
        stale = build_service({**target_env, "CIPHER_KEY": old_key})
        try:
            stale.inspect(seeded["case_id"])
        finally:
            stale.close()


def test_a_target_that_holds_events_is_refused_and_left_as_it_was(
        sqlite_env: dict[str, str], tmp_path: Path) -> None:
    target_file = str(tmp_path / "taken.sqlite3")
    seeded = _seed(sqlite_env)
    _seed({**sqlite_env, "SQLITE_DBNAME": target_file})
    before = _file_bytes(target_file)
    result = _run({**sqlite_env, "TARGET_SQLITE_DBNAME": target_file}, "admin", "copy-store")
    assert result.exit_code == 1
    assert "already holds events" in result.output
    assert _file_bytes(target_file) == before
    source = build_service(sqlite_env)
    try:
        assert source.recorder.max_notification_id() == seeded["events"]  # untouched too
    finally:
        source.close()


def test_without_target_settings_the_command_says_what_to_set(
        sqlite_env: dict[str, str]) -> None:
    result = _run(sqlite_env, "admin", "copy-store")
    assert result.exit_code == 2
    assert "TARGET_SQLITE_DBNAME" in result.output


@pytest.mark.postgres
def test_a_store_moves_from_sqlite_to_postgresql(
        sqlite_env: dict[str, str], fresh_postgres_env: dict[str, str]) -> None:
    seeded = _seed(sqlite_env)
    source, target = build_service(sqlite_env), build_service(fresh_postgres_env)
    copied: list[int] = []
    try:
        report = copy_store(source, target, progress=copied.append)
    finally:
        source.close()
        target.close()
    assert (report.events, report.participant_keys, report.read_log_entries) == (
        seeded["events"], 1, 1)
    assert copied[-1] == seeded["events"]
    _check_copy(fresh_postgres_env, seeded)
