"""The chain's rule: links over the stored bytes, the first break, and a reader's view
of the chain that never shows the events hidden from them."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from domain.history_chain import GENESIS, StoredFact, chain, check, link

CASE = uuid4()
FACTS = [StoredFact(CASE, version, f"domain.procurement.events:E{version}",
                    f'{{"n": {version}}}'.encode()) for version in range(1, 7)]
RECORDED = {c.version: c.link for c in chain(FACTS)}


def test_each_link_covers_the_previous_link_and_every_stored_field() -> None:
    first = link(GENESIS, FACTS[0])
    assert RECORDED[1] == first
    assert RECORDED[2] == link(first, FACTS[1])
    for changed in (replace(FACTS[0], state=b'{"n": 2}'), replace(FACTS[0], topic="x:Y"),
                    replace(FACTS[0], version=2), replace(FACTS[0], procurement_id=uuid4())):
        assert link(GENESIS, changed) != first
    assert link("f" * 64, FACTS[0]) != first


def test_an_untouched_history_checks_clean_with_its_head() -> None:
    report = check(CASE, FACTS, RECORDED)
    assert report.clean and report.checked == 6
    assert report.head is not None and report.head.link == RECORDED[6]


def test_a_changed_event_is_the_first_break_though_every_later_link_differs_too() -> None:
    stored = [*FACTS[:3], replace(FACTS[3], state=b'{"n": 40}'), *FACTS[4:]]
    report = check(CASE, stored, RECORDED)
    assert report.broken is not None
    assert report.broken.version == 4
    assert report.broken.expected == RECORDED[4]
    assert report.broken.found == link(RECORDED[3], stored[3])
    assert report.checked == 3 and report.head is not None and report.head.version == 3


def test_a_removed_event_is_reported_missing() -> None:
    report = check(CASE, [*FACTS[:2], *FACTS[3:]], RECORDED)
    assert report.broken is not None
    assert (report.broken.version, report.broken.found) == (3, None)
    last_gone = check(CASE, FACTS[:5], RECORDED)
    assert last_gone.broken is not None and last_gone.broken.version == 6


def test_events_not_chained_yet_are_counted_not_compared() -> None:
    report = check(CASE, FACTS, {v: RECORDED[v] for v in range(1, 5)})
    assert report.clean and report.checked == 4 and report.unchained == 2


def test_a_reader_sees_a_hidden_events_change_at_the_next_event_they_may_see() -> None:
    # Versions 3 and 4 are hidden from this reader (others' sealed tenders): their
    # numbering skips them, and a change to one shows at their next own version.
    numbering = {1: 1, 2: 2, 5: 3, 6: 4}
    clean = check(CASE, FACTS, RECORDED, numbering)
    assert clean.clean and clean.checked == 4
    assert clean.head is not None and (clean.head.version, clean.head.link) == (4, RECORDED[6])
    stored = [*FACTS[:3], replace(FACTS[3], state=b"forged"), *FACTS[4:]]
    report = check(CASE, stored, RECORDED, numbering)
    assert report.broken is not None and report.broken.version == 3
    assert report.broken.expected == RECORDED[5]
