"""The one place that wires the object graph: settings in, a ready service out.

Entry points (the web app, the CLI, later the scheduler and projection workers) call
`build_service`; nothing else constructs `ProcurementService`. Tests call it with other
settings (an SQLite file of their own, PostgreSQL, a fixed clock).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import config
from domain.clock import Clock
from domain.service import ProcurementService


def build_service(env: Mapping[str, str] | None = None,
                  clock: Clock | None = None) -> ProcurementService:
    """The application service on the store the settings name.

    `env` overrides the process environment (PERSISTENCE_MODULE, SQLITE_DBNAME,
    POSTGRES_*, PROCUREMENT_DATA_DIR); domain/config.py resolves them and raises
    `ConfigurationError` when they are wrong.
    """
    return ProcurementService(dict(env) if env is not None else None, clock=clock)


def describe_store(env: Mapping[str, str] | None = None) -> str:
    """Where events are kept, in words, for people starting a command (no password)."""
    settings = config.persistence_settings(env)
    module = settings["PERSISTENCE_MODULE"]
    if module == config.SQLITE:
        return f"SQLite file {settings['SQLITE_DBNAME']}"
    if module == config.POSTGRES:
        where = f"{settings['POSTGRES_HOST']}:{settings['POSTGRES_PORT']}"
        schema = settings.get("POSTGRES_SCHEMA")
        suffix = f", schema {schema}" if schema else ""
        return (f"PostgreSQL database {settings['POSTGRES_DBNAME']} on {where} "
                f"as {settings['POSTGRES_USER']}{suffix}")
    return "memory only (lost at exit)"
