"""Where events are stored, from environment variables, with no silent fallback.

The eventsourcing library stores events in memory when PERSISTENCE_MODULE is unset, and
loses them at exit. We never let that happen by accident: unset means an SQLite file in
PROCUREMENT_DATA_DIR (default ./var), and the in-memory store must be asked for twice.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from domain.errors import ConfigurationError

SQLITE = "eventsourcing.sqlite"
POSTGRES = "eventsourcing.postgres"
IN_MEMORY = "eventsourcing.popo"
ALLOW_IN_MEMORY = "PROCUREMENT_ALLOW_IN_MEMORY"
DATA_DIR = "PROCUREMENT_DATA_DIR"
DEFAULT_DATA_DIR = "./var"
EVENTS_FILE = "events.sqlite3"
# The library reads PROCUREMENT_<KEY> (the application's name) before <KEY>.
APP_PREFIX = "PROCUREMENT_"
STORE_KEYS = ("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_", "CIPHER_")
# The library's own cipher for every event and snapshot payload (optional; README).
AES_CIPHER = "eventsourcing.cryptography:AESCipher"


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
        if missing:
            raise ConfigurationError(f"{', '.join(missing)}: required with {POSTGRES}")
        settings.setdefault("POSTGRES_PORT", "5432")
        settings.setdefault("POSTGRES_PASSWORD", "")
    elif module == IN_MEMORY:
        _require_in_memory_allowed(settings, f"PERSISTENCE_MODULE={IN_MEMORY}")
    else:
        raise ConfigurationError(
            f"PERSISTENCE_MODULE: '{module}' is not supported; use {SQLITE} or {POSTGRES}")
    _check_cipher(settings)
    # ...and make the library read what was checked, under either name.
    settings.update({APP_PREFIX + key: value for key, value in list(settings.items())
                     if key.startswith(STORE_KEYS)})
    return settings


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
