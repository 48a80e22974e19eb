"""Moments and diffs of a case's past (domain/past.py), in memory."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.access import Part
from domain.errors import ValidationError
from domain.past import MOMENT_RULE, Moment, Seen, diff, parse_time, pick
from domain.procurement.lifecycle import State
from domain.values import Actor, Role
from domain.views import HistoryEntry, case_view
from tests.unit.builders import TODAY, case_in

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ACTOR = Actor(uuid4(), uuid4(), Role.AUTHORITY)
SEEN = [Seen(stored, HistoryEntry(number, T0 + timedelta(hours=number), "E", ACTOR))
        for number, stored in enumerate((1, 2, 4, 5), 1)]  # stored 3 hidden from the reader
NOW = T0 + timedelta(days=1)


def test_a_time_names_the_last_event_at_or_before_it() -> None:
    assert pick(SEEN, Moment(as_of=T0 + timedelta(hours=2)), NOW)[0] == SEEN[1]
    assert pick(SEEN, Moment(as_of=T0 + timedelta(hours=2, minutes=59)), NOW)[0] == SEEN[1]
    assert pick(SEEN, Moment(as_of="2027-03-01T12:00:00+01:00"), NOW)[0] == SEEN[1]
    assert pick(SEEN, Moment(as_of="2027-03-01T13:00:00Z"), NOW)[0] == SEEN[3]


def test_a_version_is_in_the_readers_numbering() -> None:
    chosen, asked = pick(SEEN, Moment(version="3"), NOW)
    assert (chosen.stored_version, chosen.entry.version, asked) == (4, 3, None)
    assert pick(SEEN, Moment(), NOW)[0] == SEEN[-1]


@pytest.mark.parametrize("text", ["2027-03-01", "2027-03-01T10:00:00", "nu", "",
                                  "9999-12-31T23:00:00-14:00"])
def test_a_time_without_a_zone_or_not_a_time_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_time(text, "as_of")
    assert (refused.value.field, refused.value.rule) == ("as_of", MOMENT_RULE)


def test_the_refusals_name_the_parameter_the_reader_sent() -> None:
    names = ("from_version", "from_as_of")
    with pytest.raises(ValidationError) as refused:
        pick(SEEN, Moment(version=5, names=names), NOW)
    assert (refused.value.field, refused.value.rule) == (
        "from_version", "must be a version of the case, from 1 to 4")
    with pytest.raises(ValidationError) as early:
        pick(SEEN, Moment(as_of=T0 - timedelta(seconds=1), names=names), NOW)
    assert early.value.field == "from_as_of"


def test_a_diff_names_each_changed_field_with_items_by_their_own_id() -> None:
    given = case_in(State.DELIVERY, placements=2)
    owner, parts = given.parties.authority, frozenset({Part.OWNER})
    before = case_view(copy.deepcopy(given.case), owner, parts, TODAY)
    ended, running = given.placement_ids
    given.case.end_placement(given.parties.supplier, ended, date(2026, 9, 30), TODAY,
                             "Fick annat arbete")
    after = case_view(given.case, owner, parts, TODAY)

    changes = {c.field: (c.before, c.after) for c in diff(before, after)}
    assert changes[f"placements[{ended}].ended_on"] == (None, "2026-09-30")
    assert changes[f"placements[{ended}].end_reason"] == ("", "Fick annat arbete")
    assert not any(str(running) in name for name in changes)
    assert "version" not in changes and "parts" not in changes
    assert diff(after, after) == ()
    reverse = {c.field: (c.after, c.before) for c in diff(after, before)}
    assert reverse == changes
