"""The one place that wires the object graph: settings in, a ready service out.

Entry points (the web app, the CLI, later the scheduler and projection workers) call
`build_service`; nothing else constructs `ProcurementService`. Tests call it with other
settings (an SQLite file of their own, PostgreSQL, a fixed clock).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from domain import config
from domain.clock import Clock
from domain.errors import ConfigurationError
from domain.participants.read_log import InMemoryReadLog, ReadLog
from domain.participants.sealing import InMemoryKeyStore, KeyStore
from domain.routing import ROUTING_SETTING, CaseStores, load_routing
from domain.service import AuditGrants, ProcurementService
from projections.db import Database
from projections.history_chain import SqlChainLinks
from projections.key_store import SqlKeyStore
from projections.read_log import SqlReadLog
from projections.registry import PROJECTIONS
from projections.view import open_view


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
    for store in service.case_stores.all() if service.case_stores else [service]:
        if _durable(store):  # each store's cases are chained in its own database
            store.history_chain = SqlChainLinks(Database.of(store))
    return service


def _store_env(env: Mapping[str, str] | None, store: Mapping[str, str]) -> dict[str, str]:
    """The process's settings with the store's laid over them, under both names the
    library reads (PROCUREMENT_POSTGRES_SCHEMA would otherwise beat POSTGRES_SCHEMA)."""
    prefixed = {config.APP_PREFIX + key: value for key, value in store.items()}
    return {**(env or {}), **store, **prefixed}


TARGET_PREFIX = "TARGET_"


def target_store_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings of the store `procurement admin copy-store` writes to: each
    TARGET_<setting> (or PROCUREMENT_TARGET_<setting>) of the environment, laid over the
    process's own settings so that it wins under either name the library reads."""
    environ = os.environ if environ is None else environ
    target = {}
    for key, value in environ.items():
        name = key.removeprefix(config.APP_PREFIX)
        if name.startswith(TARGET_PREFIX):
            target[name.removeprefix(TARGET_PREFIX)] = value
    if not target:
        raise ConfigurationError("name the target store with TARGET_ settings, e.g. "
                                 "TARGET_SQLITE_DBNAME and TARGET_CIPHER_KEY")
    return _store_env({k: v for k, v in environ.items()
                       if not k.removeprefix(config.APP_PREFIX).startswith(TARGET_PREFIX)},
                      target)


def _participant_stores(service: ProcurementService) -> tuple[KeyStore, ReadLog]:
    """Beside the events wherever they outlive the process; in memory only where the events
    do not either (a key lost while its person's events remain would erase the person)."""
    if not _durable(service):
        return InMemoryKeyStore(), InMemoryReadLog()
    db = Database.of(service)
    return SqlKeyStore(db), SqlReadLog(db)


def _durable(service: ProcurementService) -> bool:
    datastore = getattr(service.factory, "datastore", None)
    return datastore is not None and not (isinstance(datastore, SQLiteDatastore)
                                          and datastore.pool.is_sqlite_memory_mode)


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


def check_settings(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every mistake in the settings a process reads at start, one line each (empty: all
    fine), so an operator fixes them in one go rather than one per restart."""
    from projections.ocds import releases as ocds
    from scheduler import mailer, runner
    from web import extension, sessions

    env = dict(os.environ if environ is None else environ)
    checks: list[Callable[[], Any]] = [
        lambda: config.persistence_settings(environ=env),
        lambda: config.operations_settings(env),
        lambda: extension.read_settings(env),
        lambda: sessions.check_settings(env),
        lambda: runner.Settings.from_env(env),
        lambda: runner.embedded_mode(env),
        lambda: mailer.MailSettings.from_env(env),
        lambda: ocds.ocid_prefix(env.get(ocds.OCID_PREFIX_SETTING)),
    ]
    if env.get(ROUTING_SETTING):
        checks.append(lambda: load_routing(env[ROUTING_SETTING]))
    problems: list[str] = []
    for check in checks:
        try:
            check()
        except ConfigurationError as error:
            problems += str(error).splitlines()
    return problems


def initialise_database(env: Mapping[str, str] | None = None) -> list[str]:
    """Create every table the service and its read models use, once, before the workers
    (which then run with CREATE_TABLE=n): the library's events, snapshots and tracking
    tables, each projection's tables, the participants' keys and read log, the scheduler's
    journal and mail deliveries, the API's idempotency keys. Safe to run again (IF NOT
    EXISTS). The names of the tables there."""
    from scheduler import mailer, runner
    from web.api import idempotency

    settings = {**(dict(env) if env is not None else dict(os.environ)), "CREATE_TABLE": "y"}
    service = build_service(settings)
    try:
        db = Database.of(service)
        # With routing (domain/routing.py) every store has its own read models.
        for store in service.case_stores.all() if service.case_stores else [service]:
            for projection in PROJECTIONS.values():
                open_view(store, projection.name, projection.tables)
        db.create_tables([*runner.RUNS.ddl(), *idempotency.KEYS.ddl()])
        mailer.status(service)  # creates its table under its own lock
        return _table_names(db)
    finally:
        service.close()


def _table_names(db: Database) -> list[str]:
    if db.is_postgres:
        rows = db.fetch("SELECT table_name AS name FROM information_schema.tables "
                        "WHERE table_schema = %s ORDER BY table_name",
                        (db.datastore.schema or "public",))  # type: ignore[union-attr]
    else:
        rows = db.fetch("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [str(r["name"]) for r in rows]
