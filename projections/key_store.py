"""The participants' keys (domain/participants/sealing.py `KeyStore`), in a table of their
own in the events' database: never in an event, a snapshot or a read model.

Deleting a key is erasing the person, so a delete must leave no copy of the key's bytes in
the file: on SQLite with `secure_delete` (freed pages are overwritten with zeros) and a
checkpoint that truncates the write-ahead log, where the key's earlier pages still lay.
PostgreSQL keeps a deleted row's bytes until the table is vacuumed, which the erasure
asks for after the delete (VACUUM cannot run inside a transaction); even then the freed
space is only marked reusable, so the database's disk should itself be encrypted.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.postgres import PostgresDatastore

from domain.participants.sealing import new_key
from projections.db import Database
from projections.tables import Table

KEYS = Table("participant_keys", (
    ("participant_id", "TEXT NOT NULL"),
    ("key_bytes", "{blob} NOT NULL"),
), key=("participant_id",))


class SqlKeyStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._create_table()

    def create(self, participant_id: UUID) -> bytes:
        key = new_key()
        with self.db.transaction() as cursor:
            cursor.execute("INSERT INTO {participant_keys} (participant_id, key_bytes) "
                           "VALUES (%s, %s)", (str(participant_id), key))
        return key

    def get(self, participant_id: UUID) -> bytes | None:
        rows = self.db.fetch("SELECT key_bytes FROM {participant_keys} "
                             "WHERE participant_id = %s", (str(participant_id),))
        return bytes(rows[0]["key_bytes"]) if rows else None

    def all_keys(self) -> list[tuple[UUID, bytes]]:
        """Every key, for copying the store (projections/store_copy.py)."""
        rows = self.db.fetch("SELECT participant_id, key_bytes FROM {participant_keys} "
                             "ORDER BY participant_id")
        return [(UUID(row["participant_id"]), bytes(row["key_bytes"])) for row in rows]

    def put(self, participant_id: UUID, key: bytes) -> None:
        """Keeps a key made elsewhere (the store being copied)."""
        with self.db.transaction() as cursor:
            cursor.execute("INSERT INTO {participant_keys} (participant_id, key_bytes) "
                           "VALUES (%s, %s)", (str(participant_id), key))

    def delete(self, participant_id: UUID) -> None:
        with self.db.transaction() as cursor:
            if not self.db.is_postgres:
                cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute("DELETE FROM {participant_keys} WHERE participant_id = %s",
                           (str(participant_id),))
        self._purge_freed_space()

    def _purge_freed_space(self) -> None:
        datastore = self.db.datastore
        if isinstance(datastore, PostgresDatastore):
            with datastore.get_connection() as connection:  # autocommit
                connection.execute(self.db.text("VACUUM {participant_keys}"))
            return
        # Outside any transaction (the library's connections are in autocommit mode): a
        # checkpoint cannot run inside one.
        with datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _create_table(self) -> None:
        self.db.create_tables(KEYS.ddl())
