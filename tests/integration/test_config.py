"""Where the service stores its events is decided by configuration, with no silent fallback
to the in-memory store."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain import config
from domain.errors import ConfigurationError
from domain.examples import Parties, example_setup
from domain.service import ProcurementService


def test_no_settings_means_an_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "procurement"
    settings = config.persistence_settings(None, {config.DATA_DIR: str(data_dir)})
    assert settings["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert settings["SQLITE_DBNAME"] == str(data_dir / config.EVENTS_FILE)
    assert data_dir.is_dir(), "the data directory is created, so SQLite can open the file"


def test_no_data_directory_means_the_default_one(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = config.persistence_settings({}, {})
    assert Path(settings["SQLITE_DBNAME"]) == Path(config.DEFAULT_DATA_DIR) / config.EVENTS_FILE
    assert (tmp_path / "var").is_dir()


def test_the_service_with_no_settings_writes_its_events_to_the_data_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("PERSISTENCE_MODULE", "SQLITE_DBNAME", "PROCUREMENT_PERSISTENCE_MODULE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv(config.DATA_DIR, str(tmp_path))
    parties = Parties()
    service = ProcurementService()
    try:
        pid = service.create_procurement(parties.authority, example_setup())
    finally:
        service.close()
    assert (tmp_path / config.EVENTS_FILE).stat().st_size > 0
    reopened = ProcurementService()
    try:
        assert reopened.get_case(parties.authority, pid).setup == example_setup()
    finally:
        reopened.close()


def test_overrides_win_over_the_environment(tmp_path: Path) -> None:
    settings = config.persistence_settings(
        {"SQLITE_DBNAME": str(tmp_path / "chosen.db")},
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": "/elsewhere/x.db"})
    assert settings["SQLITE_DBNAME"] == str(tmp_path / "chosen.db")


@pytest.mark.parametrize("flag", [None, "", "no", "0", "false"])
def test_the_in_memory_store_is_refused_without_the_flag(flag: str | None) -> None:
    environ = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if flag is not None:
        environ[config.ALLOW_IN_MEMORY] = flag
    with pytest.raises(ConfigurationError, match=config.ALLOW_IN_MEMORY):
        config.persistence_settings(None, environ)


@pytest.mark.parametrize("flag", ["yes", "y", "1", "true", "YES"])
def test_the_in_memory_store_is_allowed_with_the_flag(flag: str) -> None:
    settings = config.persistence_settings(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, {config.ALLOW_IN_MEMORY: flag})
    assert settings["PERSISTENCE_MODULE"] == "eventsourcing.popo"


def test_an_unknown_store_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="PERSISTENCE_MODULE") as info:
        config.persistence_settings({"PERSISTENCE_MODULE": "eventsourcing.mysql"}, {})
    assert "eventsourcing.mysql" in str(info.value)


@pytest.mark.parametrize("missing", ["POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_USER"])
def test_postgres_without_a_required_setting_is_refused_naming_it(missing: str) -> None:
    environ = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "cases",
               "POSTGRES_HOST": "127.0.0.1", "POSTGRES_USER": "postgres"}
    del environ[missing]
    with pytest.raises(ConfigurationError, match=missing) as info:
        config.persistence_settings(None, environ)
    named = [key for key in ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_USER")
             if key in str(info.value)]
    assert named == [missing]


def test_postgres_gets_the_default_port_and_an_empty_password() -> None:
    settings = config.persistence_settings(None, {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "cases",
        "POSTGRES_HOST": "db", "POSTGRES_USER": "app"})
    assert settings["POSTGRES_PORT"] == "5432"
    assert settings["POSTGRES_PASSWORD"] == ""


def test_sqlite_without_a_file_name_is_refused_naming_it() -> None:
    with pytest.raises(ConfigurationError, match="SQLITE_DBNAME"):
        config.persistence_settings({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                     "SQLITE_DBNAME": " "}, {})


def test_the_service_refuses_to_start_on_the_in_memory_store_without_the_flag(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ALLOW_IN_MEMORY, raising=False)
    with pytest.raises(ConfigurationError, match=config.ALLOW_IN_MEMORY):
        ProcurementService({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_the_service_starts_on_the_in_memory_store_when_asked_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ALLOW_IN_MEMORY, raising=False)
    service = ProcurementService({"PERSISTENCE_MODULE": "eventsourcing.popo",
                                  config.ALLOW_IN_MEMORY: "yes"})
    try:
        assert type(service.recorder).__module__ == "eventsourcing.popo"
    finally:
        service.close()


# The library reads PROCUREMENT_<KEY> (the application's name) before <KEY>: a store chosen
# that way must pass the same checks as one chosen by the plain name.

def test_the_in_memory_store_chosen_by_the_application_prefix_is_refused_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(config.ALLOW_IN_MEMORY, raising=False)
    environ = {"PROCUREMENT_PERSISTENCE_MODULE": "eventsourcing.popo",
               config.DATA_DIR: str(tmp_path)}
    with pytest.raises(ConfigurationError, match=config.ALLOW_IN_MEMORY):
        config.persistence_settings(None, environ)
    with pytest.raises(ConfigurationError, match=config.ALLOW_IN_MEMORY):
        ProcurementService(environ)


def test_a_store_chosen_by_the_application_prefix_is_the_one_checked_and_used(
        tmp_path: Path) -> None:
    chosen = tmp_path / "prefixed" / "events.db"
    settings = config.persistence_settings(None, {
        "PROCUREMENT_PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "PROCUREMENT_SQLITE_DBNAME": str(chosen), config.DATA_DIR: str(tmp_path / "unused")})
    assert chosen.parent.is_dir()
    service = ProcurementService(settings)
    try:
        service.create_procurement(Parties().authority, example_setup())
    finally:
        service.close()
    assert chosen.stat().st_size > 0
    assert not (tmp_path / "unused" / config.EVENTS_FILE).exists()
    with pytest.raises(ConfigurationError, match="POSTGRES_DBNAME"):
        config.persistence_settings(None, {
            "PROCUREMENT_PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": "db", "POSTGRES_USER": "app"})


def test_an_in_memory_sqlite_database_is_refused_without_the_flag() -> None:
    environ = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    with pytest.raises(ConfigurationError, match="SQLITE_DBNAME=:memory:"):
        config.persistence_settings(environ=environ)
    allowed = config.persistence_settings(environ={**environ, config.ALLOW_IN_MEMORY: "yes"})
    assert allowed["SQLITE_DBNAME"] == ":memory:"
