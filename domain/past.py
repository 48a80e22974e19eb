"""A case as it stood at a past moment, and what changed between two moments.

A moment is named by a version (in the reader's numbering: the one their history and
ETags use) or by a time (`as_of`: the case as it stood after the last event recorded at
or before it). The view at a moment is the live view's rule (domain/views.py) applied to
the case replayed to that version, so what was sealed then is sealed in it too.

A diff compares two such views field by field: each view is flattened into named values
("award.supplier_id", "placements[<id>].ended_on") and the names whose value differs are
listed with the value before and after.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.errors import ValidationError
from domain.views import CaseView, HistoryEntry

MOMENT_RULE = "must be an ISO 8601 timestamp with a time zone, e.g. 2026-03-01T09:30:00+01:00"
VERSION_RULE = "must be a whole number, a version of the case"
# Not state of the case: who is reading (parts) and where the view stands (version).
_NOT_COMPARED = frozenset({"parts", "version"})


@dataclass(frozen=True)
class Seen:
    """One event of a case as a reader may know it: its stored version and its entry
    numbered in the reader's numbering."""

    stored_version: int
    entry: HistoryEntry


@dataclass(frozen=True)
class Moment:
    """A moment asked for: by version or by time (at most one; neither: now). `names` are
    the request's parameter names for them, so a refusal names what the reader sent."""

    version: str | int | None = None
    as_of: str | datetime | None = None
    names: tuple[str, str] = ("version", "as_of")


@dataclass(frozen=True)
class PastCase:
    view: CaseView  # `version` in the reader's numbering
    recorded_at: datetime  # when the last event of the view was recorded
    as_of: datetime | None = None  # the moment asked for, if a time was


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the field was not there
    after: str | None


@dataclass(frozen=True)
class CaseDiff:
    start: PastCase
    end: PastCase
    changes: tuple[FieldChange, ...]
    events: tuple[HistoryEntry, ...]  # what was recorded after start, up to end


def parse_time(value: str | datetime, field: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(field, MOMENT_RULE) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(field, MOMENT_RULE)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # the first or last day of the calendar, shifted past its edge
        raise ValidationError(field, MOMENT_RULE) from None


def parse_version(value: str | int, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ValidationError(field, VERSION_RULE)
    return int(text)


def pick(seen: Sequence[Seen], moment: Moment, now: datetime) -> tuple[Seen, datetime | None]:
    """The event a moment names, and the time asked for (if one was)."""
    version_name, time_name = moment.names
    if moment.version is not None and moment.as_of is not None:
        raise ValidationError(time_name, f"give either {time_name} or {version_name}, "
                                         "not both")
    if moment.version is not None:
        number = parse_version(moment.version, version_name)
        if not 1 <= number <= len(seen):
            raise ValidationError(version_name, f"must be a version of the case, from 1 to "
                                                f"{len(seen)}")
        return seen[number - 1], None
    if moment.as_of is None:
        return seen[-1], None
    when = parse_time(moment.as_of, time_name)
    if when > now:
        raise ValidationError(time_name, "must not be in the future")
    before = [s for s in seen if s.entry.recorded_at <= when]
    if not before:
        created = seen[0].entry.recorded_at.isoformat()
        raise ValidationError(time_name, f"must not be before the case was created "
                                         f"({created})")
    return before[-1], when


def diff(start: CaseView, end: CaseView) -> tuple[FieldChange, ...]:
    """Every field whose value differs between two views of a case, in the order the
    fields of the later view come (fields gone since come last)."""
    before, after = flatten(start), flatten(end)
    names = [*after, *(name for name in before if name not in after)]
    return tuple(FieldChange(name, before.get(name), after.get(name)) for name in names
                 if before.get(name) != after.get(name))


def flatten(view: CaseView) -> dict[str, str | None]:
    """The view as named values; items of a list are named by their id where they have
    one of their own, else by their place (from 1)."""
    values: dict[str, str | None] = {}
    for field in dataclasses.fields(view):
        if field.name not in _NOT_COMPARED:
            _flatten(getattr(view, field.name), field.name, values)
    return values


def _flatten(value: Any, path: str, into: dict[str, str | None]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _flatten(getattr(value, field.name), f"{path}.{field.name}", into)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}", into)
    elif isinstance(value, tuple | list | frozenset | set):
        items = (sorted(value, key=lambda item: _text(item) or "")
                 if isinstance(value, frozenset | set) else value)
        for key, item in zip(_keys(items), items, strict=True):
            _flatten(item, f"{path}[{key}]", into)
    else:
        into[path] = _text(value)


def _keys(items: Sequence[Any]) -> list[str]:
    """Each item's own id (the first `…_id` field that tells the items apart), or its
    place in the list."""
    first = items[0] if items else None
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        for field in dataclasses.fields(first):
            if field.name.endswith("_id"):
                keys = [str(getattr(item, field.name, "")) for item in items]
                if len(set(keys)) == len(keys):
                    return keys
    return [str(place) for place in range(1, len(items) + 1)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | int | str | float):
        return str(value)
    return repr(value)
