"""Where events are stored, from environment variables, with no silent fallback.

The eventsourcing library stores events in memory when PERSISTENCE_MODULE is unset, and
loses them at exit. We never let that happen by accident: unset means an SQLite file in
PROCUREMENT_DATA_DIR (default ./var), and the in-memory store must be asked for twice.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from domain.errors import ConfigurationError
from domain.routing import ROUTING_SETTING, load_routing

SQLITE = "eventsourcing.sqlite"
POSTGRES = "eventsourcing.postgres"
IN_MEMORY = "eventsourcing.popo"
ALLOW_IN_MEMORY = "PROCUREMENT_ALLOW_IN_MEMORY"
DATA_DIR = "PROCUREMENT_DATA_DIR"
DEFAULT_DATA_DIR = "./var"
EVENTS_FILE = "events.sqlite3"
# The library reads PROCUREMENT_<KEY> (the application's name) before <KEY>.
APP_PREFIX = "PROCUREMENT_"
STORE_KEYS = ("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_", "CIPHER_", "AGGREGATE_CACHE_",
              "DEEPCOPY_FROM_AGGREGATE_CACHE")
# The library's own cipher for every event and snapshot payload (optional; README).
AES_CIPHER = "eventsourcing.cryptography:AESCipher"
# Cases (and directory entries) each process keeps in memory between commands. The library
# brings a cached one up to date from the store on every load (fast-forward), so a cache
# is never stale, whatever other processes wrote; it only saves decoding the snapshot and
# the events after it again.
CACHE_SIZE = "AGGREGATE_CACHE_MAXSIZE"
DEFAULT_CACHE_SIZE = "1000"
CACHE_SIZE_RANGE = (1, 1_000_000)


def persistence_settings(overrides: Mapping[str, str] | None = None,
                         environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The library settings to run with: the environment, then overrides, then defaults."""
    settings = dict(os.environ if environ is None else environ)
    settings.update(overrides or {})
    # Check the store the library will use, whichever of the two names chose it.
    for key, value in list(settings.items()):
        if key.startswith(APP_PREFIX) and key.removeprefix(APP_PREFIX).startswith(STORE_KEYS):
            settings[key.removeprefix(APP_PREFIX)] = value
    module = settings.get("PERSISTENCE_MODULE", "").strip()
    if not module:
        data_dir = Path(settings.get(DATA_DIR) or DEFAULT_DATA_DIR)
        settings["PERSISTENCE_MODULE"] = SQLITE
        settings["SQLITE_DBNAME"] = str(data_dir / EVENTS_FILE)
        module = SQLITE
    if module == SQLITE:
        dbname = settings.get("SQLITE_DBNAME", "").strip()
        if not dbname:
            raise ConfigurationError("SQLITE_DBNAME: set the SQLite file (or unset "
                                     "PERSISTENCE_MODULE to use PROCUREMENT_DATA_DIR)")
        if dbname == ":memory:" or "mode=memory" in dbname:
            _require_in_memory_allowed(settings, f"SQLITE_DBNAME={dbname}")
        else:
            Path(dbname).parent.mkdir(parents=True, exist_ok=True)
    elif module == POSTGRES:
        missing = [key for key in ("POSTGRES_DBNAME", "POSTGRES_HOST", "POSTGRES_USER")
                   if not settings.get(key)]
        problems = [f"{', '.join(missing)}: required with {POSTGRES}"] if missing else []
        problems += _postgres_numbers(settings)
        if problems:
            raise ConfigurationError("\n".join(problems))
        settings.setdefault("POSTGRES_PORT", "5432")
        settings.setdefault("POSTGRES_PASSWORD", "")
    elif module == IN_MEMORY:
        _require_in_memory_allowed(settings, f"PERSISTENCE_MODULE={IN_MEMORY}")
    else:
        raise ConfigurationError(
            f"PERSISTENCE_MODULE: '{module}' is not supported; use {SQLITE} or {POSTGRES}")
    _check_cipher(settings)
    _check_cache(settings)
    # ...and make the library read what was checked, under either name.
    settings.update({APP_PREFIX + key: value for key, value in list(settings.items())
                     if key.startswith(STORE_KEYS)})
    return settings


# The library's own numeric PostgreSQL settings, checked here so that a typo is named with
# its range at start rather than as the library's OSError on the first connection.
_POSTGRES_NUMBERS = {"POSTGRES_PORT": (1, 65535), "POSTGRES_POOL_SIZE": (1, 1000),
                     "POSTGRES_MAX_OVERFLOW": (0, 1000), "POSTGRES_CONNECT_TIMEOUT": (1, 3600),
                     "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": (0, 86400)}


def _postgres_numbers(settings: Mapping[str, str]) -> list[str]:
    problems = []
    for key, (low, high) in _POSTGRES_NUMBERS.items():
        raw = settings.get(key, "").strip()
        if raw and not (raw.isdigit() and low <= int(raw) <= high):
            problems.append(f"{key}: {raw!r} is not a whole number from {low} to {high}")
    pre_ping = settings.get("POSTGRES_PRE_PING", "").strip().lower()
    if pre_ping and pre_ping not in _YES + _NO:
        problems.append(f"POSTGRES_PRE_PING: {pre_ping!r} is neither yes nor no")
    return problems


def _check_cache(settings: dict[str, str]) -> None:
    raw = settings.setdefault(CACHE_SIZE, DEFAULT_CACHE_SIZE).strip()
    low, high = CACHE_SIZE_RANGE
    problems = []
    if not (raw.isdigit() and low <= int(raw) <= high):
        # The library would take 0 for "no limit": a memory leak nobody asked for.
        problems.append(f"{CACHE_SIZE}: {raw!r} is not a whole number from {low:,} to "
                        f"{high:,}")
    # Without fast-forward a process would serve a case as it was when cached; without
    # the copy two requests would change the one cached case; skipping would let a load
    # return before the case is up to date.
    for key, required in (("AGGREGATE_CACHE_FASTFORWARD", "y"),
                          ("DEEPCOPY_FROM_AGGREGATE_CACHE", "y"),
                          ("AGGREGATE_CACHE_FASTFORWARD_SKIPPING", "n")):
        value = settings.get(key, required).strip().lower()
        if value not in (_YES if required == "y" else _NO):
            problems.append(f"{key}: must stay {required!r} (several processes share the "
                            f"store); got {value!r}")
    if problems:
        raise ConfigurationError("\n".join(problems))


def _check_cipher(settings: dict[str, str]) -> None:
    """Encryption at rest is all or nothing: a key without the cipher (or the reverse)
    would store plaintext, or fail on the first event."""
    topic, key = settings.get("CIPHER_TOPIC", "").strip(), settings.get("CIPHER_KEY", "").strip()
    if not topic and not key:
        return
    if not key:
        raise ConfigurationError("CIPHER_KEY: required with CIPHER_TOPIC (make one with "
                                 "`procurement admin create-cipher-key`)")
    if not topic:
        settings["CIPHER_TOPIC"] = AES_CIPHER
    elif topic != AES_CIPHER:
        raise ConfigurationError(f"CIPHER_TOPIC: only {AES_CIPHER} is supported")
    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        size = 0
    if size not in (16, 24, 32):
        raise ConfigurationError("CIPHER_KEY: must be 16, 24 or 32 bytes in base64 (make one "
                                 "with `procurement admin create-cipher-key`)")


def _require_in_memory_allowed(settings: Mapping[str, str], chosen: str) -> None:
    if settings.get(ALLOW_IN_MEMORY, "").lower() not in ("1", "y", "yes", "true"):
        raise ConfigurationError(
            f"{chosen} keeps events only in memory and loses them at exit; "
            f"set {ALLOW_IN_MEMORY}=yes if that is what you want")


# -- how a production process runs: logs, readiness, the web server ------------------------

_YES = ("1", "y", "yes", "true", "on")
_NO = ("0", "n", "no", "false", "off")
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
T = TypeVar("T")


@dataclass(frozen=True)
class OperationsSettings:
    """What an operator sets for a process beside the store (README, docs/deployment.md)."""

    log_format: str = "text"  # PROCUREMENT_LOG_FORMAT: json in production
    log_level: str = "INFO"  # PROCUREMENT_LOG_LEVEL
    ready_max_lag_seconds: float = 60.0  # PROCUREMENT_READY_MAX_LAG: /readyz's limit
    bind: str = "127.0.0.1:8000"  # PROCUREMENT_BIND: where `procurement web` listens
    workers: int = 2  # PROCUREMENT_WEB_WORKERS: gunicorn worker processes
    threads: int = 4  # PROCUREMENT_WEB_THREADS: threads per worker
    timeout: int = 60  # PROCUREMENT_WEB_TIMEOUT: seconds before a stuck worker is replaced

    @property
    def log_level_number(self) -> int:
        return int(logging.getLevelName(self.log_level))


def operations_settings(environ: Mapping[str, str] | None = None,
                        **defaults: str) -> OperationsSettings:
    """The settings from the environment; every mistake is named (one line each) in one
    ConfigurationError. `defaults` stand in for unset variables (a production process
    logs JSON unless told otherwise)."""
    env = {**defaults, **{k: v for k, v in (os.environ if environ is None else environ).items()
                          if v.strip()}}
    problems: list[str] = []

    def read(name: str, parse: Callable[[str], T], default: T, rule: str) -> T:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError:
            problems.append(f"{name}: {raw!r} {rule}")
            return default

    settings = OperationsSettings(
        log_format=read("PROCUREMENT_LOG_FORMAT", _choice(LOG_FORMATS, str.lower), "text",
                        f"is not one of {', '.join(LOG_FORMATS)}"),
        log_level=read("PROCUREMENT_LOG_LEVEL", _choice(LOG_LEVELS, str.upper), "INFO",
                       f"is not one of {', '.join(LOG_LEVELS)}"),
        ready_max_lag_seconds=read("PROCUREMENT_READY_MAX_LAG", _number(float, 0.1, 86400),
                                   60.0, "is not a number of seconds from 0.1 to 86400"),
        bind=read("PROCUREMENT_BIND", _address, "127.0.0.1:8000",
                  "is not HOST:PORT (a port from 1 to 65535) or unix:PATH"),
        workers=read("PROCUREMENT_WEB_WORKERS", _number(int, 1, 64), 2,
                     "is not a whole number from 1 to 64"),
        threads=read("PROCUREMENT_WEB_THREADS", _number(int, 1, 64), 4,
                     "is not a whole number from 1 to 64"),
        timeout=read("PROCUREMENT_WEB_TIMEOUT", _number(int, 5, 3600), 60,
                     "is not a whole number of seconds from 5 to 3600"),
    )
    if env.get(ROUTING_SETTING, "").strip():
        try:  # read once here so a mistake stops the start, not a worker's first request
            load_routing(env[ROUTING_SETTING].strip())
        except ConfigurationError as error:
            problems.append(str(error))
    if problems:
        raise ConfigurationError("\n".join(problems))
    return settings


def _choice(choices: tuple[str, ...], normal: Callable[[str], str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if normal(raw) not in choices:
            raise ValueError(raw)
        return normal(raw)
    return parse


def _number(kind: Callable[[str], T], low: float, high: float) -> Callable[[str], T]:
    def parse(raw: str) -> T:
        value = kind(raw)
        if not low <= value <= high:  # type: ignore[operator]
            raise ValueError(raw)
        return value
    return parse


def _address(raw: str) -> str:
    if raw.startswith("unix:") and len(raw) > len("unix:"):
        return raw
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(raw)
    return raw
