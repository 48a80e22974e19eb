"""The one place that wires the object graph: settings in, a ready service out.

Entry points (the web app, the CLI, later the scheduler and projection workers) call
`build_service`; nothing else constructs `ProcurementService`. Tests call it with other
settings (an SQLite file of their own, PostgreSQL, a fixed clock).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from eventsourcing.sqlite import SQLiteDatastore

from domain import config
from domain.clock import Clock
from domain.participants.read_log import InMemoryReadLog, ReadLog
from domain.participants.sealing import InMemoryKeyStore, KeyStore
from domain.routing import ROUTING_SETTING, CaseStores, load_routing
from domain.service import AuditGrants, ProcurementService
from projections.db import Database
from projections.key_store import SqlKeyStore
from projections.read_log import SqlReadLog


def build_service(env: Mapping[str, str] | None = None, clock: Clock | None = None,
                  audit_grants: AuditGrants | None = None) -> ProcurementService:
    """The application service on the store the settings name.

    `env` overrides the process environment (PERSISTENCE_MODULE, SQLITE_DBNAME,
    POSTGRES_*, PROCUREMENT_DATA_DIR); domain/config.py resolves them and raises
    `ConfigurationError` when they are wrong. With PROCUREMENT_ROUTING (a routing file,
    domain/routing.py) the service also opens one service per store it names and sends
    each case's commands and queries to its owning authority's store. The participants'
    keys and the log of reads of their data are kept in the events' database, in tables
    of their own.
    """
    service = ProcurementService(dict(env) if env is not None else None, clock=clock,
                                 audit_grants=audit_grants)
    service.key_store, service.read_log = _participant_stores(service)
    routing_file = (env or {}).get(ROUTING_SETTING) or os.environ.get(ROUTING_SETTING)
    if routing_file:
        routing = load_routing(routing_file)
        # The other stores' services hold cases only: the directory and the participant
        # register stay at home, and the home service checks access for every store.
        others = {name: ProcurementService(_store_env(env, settings), clock=clock)
                  for name, settings in routing.stores.items()}
        service.case_stores = CaseStores(service, others, routing.authorities)
    return service


def _store_env(env: Mapping[str, str] | None, store: Mapping[str, str]) -> dict[str, str]:
    """The process's settings with the store's laid over them, under both names the
    library reads (PROCUREMENT_POSTGRES_SCHEMA would otherwise beat POSTGRES_SCHEMA)."""
    prefixed = {config.APP_PREFIX + key: value for key, value in store.items()}
    return {**(env or {}), **store, **prefixed}


def _participant_stores(service: ProcurementService) -> tuple[KeyStore, ReadLog]:
    """Beside the events wherever they outlive the process; in memory only where the events
    do not either (a key lost while its person's events remain would erase the person)."""
    datastore = getattr(service.factory, "datastore", None)
    if datastore is None or (isinstance(datastore, SQLiteDatastore)
                             and datastore.pool.is_sqlite_memory_mode):
        return InMemoryKeyStore(), InMemoryReadLog()
    db = Database.of(service)
    return SqlKeyStore(db), SqlReadLog(db)


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
