"""Exactly one active scheduler per event store: the leader, elected by a database lock.

Several scheduler processes may run against one store (a second one started by mistake,
one per web worker, a stand-by on another host). Jobs run only in the process that holds
the lock; the others try again at every round and take over when the leader goes away.
Recording a reminder is idempotent anyway (the case refuses a second recording); the lock
is what keeps an e-mail from going out twice.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of
  its own, made with the same settings as the service's pool. The lock lasts as long as
  that session: a leader that dies, or whose connection drops, loses it, and the server
  gives it to the next one that asks. Each round first checks the connection is alive; a
  dead one is dropped and the lock asked for again on a new one. The key is derived from
  the schema and the application's name, so schemas in one database elect their own.
- SQLite: an exclusive, non-blocking `flock` on a lock file beside the database file,
  held by an open file description: the kernel releases it when the process ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from domain.errors import ConfigurationError
from domain.service import ProcurementService

log = logging.getLogger("scheduler.leader")


class Leadership(Protocol):
    def lead(self) -> bool:
        """Hold the lock (take it if free, check it is still held if taken); True while
        this process is the leader. Raises if the store cannot be reached."""

    def someone_leads(self) -> bool:
        """Whether any process holds the lock now (this one included)."""

    def release(self) -> None:
        """Let the lock go (at a clean stop), so a stand-by takes over at once."""

    @property
    def description(self) -> str:
        """What is locked, in words, for the operator."""


def leadership(service: ProcurementService) -> Leadership:
    """The lock for the service's store."""
    datastore = getattr(service.factory, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        return AdvisoryLock(datastore, service.name)
    if isinstance(datastore, SQLiteDatastore) and not datastore.pool.is_sqlite_memory_mode:
        return FileLock(lock_file_for(datastore.pool.db_name))
    raise ConfigurationError("the scheduler needs the events in an SQLite file or PostgreSQL "
                             "(it reads the read models, which live beside the events)")


def lock_file_for(db_name: str) -> Path:
    path = db_name.removeprefix("file:").split("?", 1)[0]
    return Path(f"{path}.scheduler.lock")


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._lock = threading.Lock()  # two jobs of one process ask at the same time

    @property
    def description(self) -> str:
        return f"file lock {self.path}"

    def lead(self) -> bool:
        with self._lock:
            if self._file is not None:
                return True
            handle = self._try(self.path)
            if handle is None:
                return False
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n".encode())
            handle.flush()
            self._file = handle
            log.info("this process is now the active scheduler (%s)", self.description)
            return True

    def someone_leads(self) -> bool:
        with self._lock:
            if self._file is not None:
                return True
            handle = self._try(self.path)
            if handle is None:
                return True
            handle.close()
            return False

    def release(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()  # closing the description releases the flock
                self._file = None

    @staticmethod
    def _try(path: Path) -> IO[bytes] | None:
        # Not truncated on open: the holder's pid stays readable for the operator.
        handle = open(path, "ab+")  # noqa: SIM115 - held open while leading
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        return handle


class AdvisoryLock:
    def __init__(self, datastore: PostgresDatastore, application_name: str) -> None:
        pool: Any = datastore.pool
        self._connect_kwargs = {k: v for k, v in dict(pool.kwargs).items()
                                if k != "row_factory"}
        self._get_password = getattr(pool, "get_password_func", None)
        self._timeout = float(pool.timeout)
        self.schema = datastore.schema
        self.key = advisory_key(f"procurement-scheduler/{self.schema}/{application_name}")
        self._connection: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return f"PostgreSQL advisory lock {self.key} (schema {self.schema})"

    def lead(self) -> bool:
        with self._lock:
            if self._connection is not None:
                if self._alive(self._connection):
                    return True
                log.warning("lost the scheduler lock's connection; asking for it again")
                self._drop()
            connection = self._connect()  # the store unreachable: the round fails, logged
            if not self._try_lock(connection):
                connection.close()
                return False
            self._connection = connection
            log.info("this process is now the active scheduler (%s)", self.description)
            return True

    def someone_leads(self) -> bool:
        with self._lock:
            if self._connection is not None and self._alive(self._connection):
                return True
            connection = self._connect()
            try:
                if not self._try_lock(connection):
                    return True
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                return False
            finally:
                connection.close()

    def release(self) -> None:
        with self._lock:
            if self._connection is not None:
                # A dead session holds nothing any more.
                with contextlib.suppress(psycopg.Error):
                    self._connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                self._drop()

    def backend_pid(self) -> int | None:
        """The server process of the lock's session (tests end it to play a dropped
        connection)."""
        return None if self._connection is None else int(self._connection.info.backend_pid)

    def _connect(self) -> psycopg.Connection[Any]:
        kwargs = dict(self._connect_kwargs)
        if self._get_password is not None:
            kwargs["password"] = self._get_password()
        # Autocommit: an idle session, never "idle in transaction", which a server setting
        # may end (and the lock with it).
        return psycopg.connect(autocommit=True, connect_timeout=max(1, int(self._timeout)),
                               application_name="procurement-scheduler", **kwargs)

    def _try_lock(self, connection: psycopg.Connection[Any]) -> bool:
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        return bool(row and row[0])

    @staticmethod
    def _alive(connection: psycopg.Connection[Any]) -> bool:
        if connection.closed:
            return False
        try:
            connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
            self._connection = None


def advisory_key(text: str) -> int:
    """A stable signed 64-bit key (what pg_try_advisory_lock takes) for a name."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
