"""Copy a whole store into a new, empty one: how the key of the events' encryption at rest
(CIPHER_KEY) is rotated, encryption turned on for a store that holds plaintext, or a store
moved to another database.

The library reads a store with one cipher, so nothing is changed where it lies: every
event is read from the source (decrypted with the source's key, upcast to its current
version) and written to the target in the same order (encrypted with the target's key),
through the library's own mapper and recorder. What is not an event goes along as it is:
the participants' keys and the log of reads of their data. The read models are not
copied; they are derived, and the projections build them in the target from its events
(`procurement projections run`, or `serve`, catches up from the start). Snapshots are
not copied either: the service takes new ones as cases grow.

Writers must be stopped while the copy runs (it refuses a target that holds events, and
copies what the source holds when it reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.errors import ConfigurationError
from domain.service import ProcurementService
from projections.key_store import SqlKeyStore
from projections.read_log import SqlReadLog

BATCH = 500
_ALL = 2**62  # "every entry" for the read log's newest-first limit


@dataclass(frozen=True)
class CopyReport:
    events: int
    participant_keys: int
    read_log_entries: int


def copy_store(source: ProcurementService, target: ProcurementService, *,
               progress: Callable[[int], None] = lambda copied: None) -> CopyReport:
    """Copies every event, participant key and read-log entry of `source` into `target`
    (which must hold no events); `progress` is told the number of events copied so far."""
    if target.recorder.max_notification_id():
        raise ConfigurationError("the target store already holds events: copy into an "
                                 "empty store (a new SQLite file or PostgreSQL schema)")
    (source_keys, source_log), (target_keys, target_log) = _stores(source), _stores(target)
    copied, start = 0, None
    while page := source.recorder.select_notifications(start, BATCH,
                                                         inclusive_of_start=start is None):
        target.recorder.insert_events([
            target.mapper.to_stored_event(source.mapper.to_domain_event(notification))
            for notification in page])
        copied += len(page)
        start = page[-1].id
        progress(copied)
    all_keys = source_keys.all_keys()
    for participant_id, key in all_keys:
        target_keys.put(participant_id, key)
    entries = source_log.entries(None, _ALL)
    for entry in entries:
        target_log.append(entry)
    return CopyReport(copied, len(all_keys), len(entries))


def _stores(service: ProcurementService) -> tuple[SqlKeyStore, SqlReadLog]:
    if not isinstance(service.key_store, SqlKeyStore) or not isinstance(service.read_log,
                                                                        SqlReadLog):
        raise ConfigurationError("copying needs stores on disk: SQLite or PostgreSQL")
    return service.key_store, service.read_log
