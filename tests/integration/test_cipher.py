"""Optional encryption at rest of every event and snapshot payload with the library's own
cipher (CIPHER_TOPIC / CIPHER_KEY): nothing of a case is readable in the raw store, and
the service and its read models work as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from domain import config
from domain.errors import ConfigurationError
from domain.examples import Parties, example_setup, walk_to
from domain.procurement.lifecycle import State
from domain.service import ProcurementService
from projections import case_list
from projections.case_list import CaseList
from projections.db import Database
from projections.runner import ProjectionRunner
from web.cli import main

TITLE = "Lokalvård i Ängsbacka förskola, krypterad"


def _new_key() -> str:
    result = CliRunner().invoke(main, ["admin", "create-cipher-key"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _stored_bytes(sqlite_env: dict[str, str]) -> bytes:
    path = Path(sqlite_env["SQLITE_DBNAME"])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_with_a_cipher_key_no_event_is_readable_in_the_raw_store(
        sqlite_env: dict[str, str], encrypted: bool) -> None:
    env = {**sqlite_env, "PROCUREMENT_CIPHER_KEY": _new_key()} if encrypted else sqlite_env
    service = ProcurementService(env)
    try:
        walked = walk_to(service, Parties(), State.DELIVERY,
                         setup=example_setup(title=TITLE, reference="KS 2027/0999"))
        case, _ = service.inspect(walked.procurement_id)
        assert case.setup.title == TITLE  # read back through the cipher
        stored = _stored_bytes(sqlite_env)
        assert (TITLE.encode() in stored) is not encrypted
        assert (b"KS 2027/0999" in stored) is not encrypted
    finally:
        service.close()


def test_the_read_models_follow_an_encrypted_store(sqlite_env: dict[str, str]) -> None:
    env = {**sqlite_env, "CIPHER_KEY": _new_key()}
    service = ProcurementService(env)
    try:
        parties = Parties()
        walk_to(service, parties, State.TENDERING, setup=example_setup(title=TITLE))
        ProjectionRunner(service, CaseList).catch_up()
        (row,) = case_list.cases_for(Database.of(service), parties.authority)
        assert row.title == TITLE
    finally:
        service.close()


def test_a_store_written_with_one_key_cannot_be_read_with_another(
        sqlite_env: dict[str, str]) -> None:
    writer = ProcurementService({**sqlite_env, "CIPHER_KEY": _new_key()})
    walked = walk_to(writer, Parties(), State.DRAFT)
    writer.close()
    reader = ProcurementService({**sqlite_env, "CIPHER_KEY": _new_key()})
    try:
        with pytest.raises(Exception, match=r"[Dd]ecrypt|tag|[Ii]nvalid"):
            reader.inspect(walked.procurement_id)
    finally:
        reader.close()


@pytest.mark.parametrize(("settings", "names"), [
    ({"CIPHER_TOPIC": config.AES_CIPHER}, "CIPHER_KEY: required"),
    ({"CIPHER_KEY": "not base64!"}, "CIPHER_KEY: must be"),
    ({"CIPHER_KEY": "c2hvcnQ="}, "CIPHER_KEY: must be"),
    ({"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": "x"}, "CIPHER_TOPIC"),
])
def test_wrong_cipher_settings_are_refused_naming_the_setting(
        sqlite_env: dict[str, str], settings: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        config.persistence_settings({**sqlite_env, **settings}, environ={})
