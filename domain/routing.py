"""Which store each authority's procurements live in: scale-out past one events table.

The library serialises every writer of one events table (each insert takes `LOCK TABLE ...
IN EXCLUSIVE MODE`, so that notification ids follow commit order). A national deployment
therefore spreads authorities over several stores: PostgreSQL schemas of one database, or
databases on other machines (`POSTGRES_SCHEMA`, `POSTGRES_HOST`, ...). The routing file
names the stores and which authority lives in which:

    # /etc/procurement/routing.toml, named by PROCUREMENT_ROUTING
    [stores.north]                       # settings laid over the process's own
    POSTGRES_SCHEMA = "north"
    [stores.south]
    POSTGRES_DBNAME = "procurement_south"
    POSTGRES_HOST = "db2.example"

    [authorities]                        # authority organisation id = store name
    "0b5c9a6e-8d7e-4c41-9a43-6f2e3d1c2b10" = "north"

The *home* store is the one the process's own settings name. It keeps the directory
(organisations, users), the participant register and the cases of every authority the
file does not list. A case is created in its owning authority's store and stays there:
later commands and queries find it by asking each store once (one primary-key lookup
each) and remember the answer for the life of the process, so changing the file never
loses a case; it only decides where new cases go.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import Application

from domain.errors import ConfigurationError

ROUTING_SETTING = "PROCUREMENT_ROUTING"
HOME = "home"
# Only where the events go may differ per store; everything else is the process's.
STORE_KEYS = ("POSTGRES_", "SQLITE_DBNAME", "PERSISTENCE_MODULE", "READ_REPLICA_")

S = TypeVar("S", bound=Application[UUID])


@dataclass(frozen=True)
class Routing:
    """The stores besides home (name → settings laid over the process's own) and the
    authorities that live in them."""

    stores: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    authorities: Mapping[UUID, str] = field(default_factory=dict)


def load_routing(path: str | Path) -> Routing:
    """The routing file, checked: every mistake is named with the key it is in."""
    where = Path(path)
    try:
        data = tomllib.loads(where.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{ROUTING_SETTING}: cannot read {where}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{ROUTING_SETTING}: {where} is not TOML: {exc}") from None
    unknown = set(data) - {"stores", "authorities"}
    if unknown:
        raise ConfigurationError(f"{ROUTING_SETTING}: unknown section(s) "
                                 f"{', '.join(sorted(unknown))} in {where}; "
                                 "there are [stores.NAME] and [authorities]")
    return Routing(_stores(data.get("stores", {})), _authorities(data.get("authorities", {}),
                                                                 data.get("stores", {})))


def _stores(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{ROUTING_SETTING}: [stores] must hold [stores.NAME] tables")
    stores: dict[str, dict[str, str]] = {}
    for name, settings in raw.items():
        if name == HOME:
            raise ConfigurationError(f"{ROUTING_SETTING}: stores.{HOME} is the process's own "
                                     "settings; give the other stores other names")
        if not isinstance(settings, dict) or not settings:
            raise ConfigurationError(f"{ROUTING_SETTING}: stores.{name} must set where its "
                                     "events go (e.g. POSTGRES_SCHEMA)")
        for key, value in settings.items():
            if not key.startswith(STORE_KEYS):
                raise ConfigurationError(
                    f"{ROUTING_SETTING}: stores.{name}.{key} is not a store setting "
                    "(allowed: POSTGRES_*, SQLITE_DBNAME, PERSISTENCE_MODULE, READ_REPLICA_*)")
            if not isinstance(value, str | int):
                raise ConfigurationError(f"{ROUTING_SETTING}: stores.{name}.{key} must be "
                                         "a string or a number")
        stores[name] = {key: str(value) for key, value in settings.items()}
    return stores


def _authorities(raw: Any, stores: Mapping[str, Any]) -> dict[UUID, str]:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{ROUTING_SETTING}: [authorities] must map authority ids "
                                 "to store names")
    authorities: dict[UUID, str] = {}
    for key, store in raw.items():
        try:
            authority_id = UUID(key)
        except ValueError:
            raise ConfigurationError(f"{ROUTING_SETTING}: authorities.{key} is not an "
                                     "organisation id (a UUID)") from None
        if store != HOME and store not in stores:
            raise ConfigurationError(f"{ROUTING_SETTING}: authorities.{key} names store "
                                     f"{store!r}, which [stores] does not define")
        authorities[authority_id] = store
    return authorities


class CaseStores(Generic[S]):
    """The application services a case may live in, each on a store of its own, and which
    one holds a given case."""

    def __init__(self, home: S, others: Mapping[str, S],
                 authorities: Mapping[UUID, str]) -> None:
        self.by_name: dict[str, S] = {HOME: home, **others}
        self._authorities = dict(authorities)
        self._case_store: dict[UUID, S] = {}
        self._lock = threading.Lock()

    @property
    def home(self) -> S:
        return self.by_name[HOME]

    def all(self) -> list[S]:
        """Home first, then the others in the file's order."""
        return list(self.by_name.values())

    def name_of(self, store: S) -> str:
        return next(name for name, s in self.by_name.items() if s is store)

    def of_authority(self, authority_id: UUID) -> S:
        """Where the authority's new cases go: its store, or home if the file does not
        list it."""
        return self.by_name[self._authorities.get(authority_id, HOME)]

    def of_case(self, procurement_id: UUID) -> S | None:
        """The store holding the case, None if none does. Cases never move, so an answer
        found is kept; a miss is not (the case may be created the next moment)."""
        found = self._case_store.get(procurement_id)
        if found is not None:
            return found
        for store in self.all():
            if store.recorder.select_events(procurement_id, limit=1):
                self.remember(procurement_id, store)
                return store
        return None

    def for_saving(self, procurement_id: UUID, owner_id: UUID) -> S:
        """Where a case's new events go: where it was loaded from, or, for a case being
        created (never loaded), its owning authority's store."""
        with self._lock:
            store = self._case_store.get(procurement_id) or self.of_authority(owner_id)
            self._case_store[procurement_id] = store
        return store

    def remember(self, procurement_id: UUID, store: S) -> None:
        with self._lock:
            self._case_store[procurement_id] = store

    def close(self) -> None:
        for name, store in self.by_name.items():
            if name != HOME:
                store.close()
