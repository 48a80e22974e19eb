"""Release and record packages, the documents the export serves.

The record's compiled release is made by the standard's reference merger (`ocdsmerge`)
from the releases and the patched release schema (schema.py), never by merging by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import ocdsmerge

from domain.procurement import events
from projections.ocds import releases as ocds_releases
from projections.ocds.schema import SUSTAINABILITY_EXTENSION, VERSION, release_schema

PUBLISHER = "Sysselsättningskrav – ärendehantering"


@cache
def _merger() -> ocdsmerge.Merger:
    """Built once per process: it dereferences the whole schema, and merging changes it not."""
    return ocdsmerge.Merger(release_schema())


def _head(uri: str, published: datetime) -> dict[str, Any]:
    return {"uri": uri, "version": VERSION, "publishedDate": published.isoformat(),
            "publisher": {"name": PUBLISHER}, "extensions": [SUSTAINABILITY_EXTENSION]}


def release_package(prefix: str, history: Iterable[events.ProcurementEvent],
                    organisations: ocds_releases.Organisations, *, uri: str,
                    published: datetime) -> dict[str, Any]:
    """Every release of the case, in a release package."""
    found = ocds_releases.releases(prefix, history, organisations)
    return {**_head(uri, published), "releases": found}


def record_package(prefix: str, procurement_id: UUID,
                   history: Iterable[events.ProcurementEvent],
                   organisations: ocds_releases.Organisations, *, uri: str,
                   published: datetime) -> dict[str, Any]:
    """The case's record: its releases and the compiled release (the state now)."""
    found = ocds_releases.releases(prefix, history, organisations)
    record = {"ocid": ocds_releases.ocid(prefix, procurement_id), "releases": found,
              "compiledRelease": _merger().create_compiled_release(found)}
    return {**_head(uri, published), "records": [record]}
