"""The timeline of one case from the audit trail: the owner and its auditors read it,
filtered by party, period and kind of event, newest first, paged."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from domain.service import ProcurementService
from tests.e2e.conftest import Browser
from web import demo
from web.portals import timeline


def _positions(page: str) -> list[int]:
    return [int(p) for p in re.findall(r'id="event-(\d+)"', page)]


def test_the_auditor_reads_every_event_newest_first_in_pages(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser],
        service: ProcurementService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timeline, "PAGE_SIZE", 10)
    case = seeded["closed"]
    auditor = browser().sign_in_as(demo.AUDITOR)
    first = auditor.page(f"/procurements/{case.procurement_id}/timeline")
    shown = _positions(first)
    history = service.history(demo.AUDITOR.actor(service), case.procurement_id)
    assert len(shown) == 10 and shown == sorted(shown, reverse=True)
    pages = [first]
    while older := re.search(r'href="([^"]*before=\d+[^"]*)"', pages[-1]):
        pages.append(auditor.page(older.group(1).replace("&amp;", "&")))
        shown += _positions(pages[-1])
    assert len(pages) == -(-len(history) // 10)
    assert shown == sorted(set(shown), reverse=True)  # newest first, none twice
    assert len(shown) == len(history)  # every fact of the case
    assert "Avtal tecknat" in "".join(pages)


def test_filters_by_event_type_party_and_period(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser],
        service: ProcurementService) -> None:
    case = seeded["closed"]
    path = f"/procurements/{case.procurement_id}/timeline"
    owner = browser().sign_in_as(demo.NORRVIK)
    signed = owner.page(f"{path}?event_type=ContractSigned")
    assert len(_positions(signed)) == 1
    matcher_org = demo.MATCHER.actor(service).organisation_id
    by_matcher = owner.page(f"{path}?organisation={matcher_org}")
    history = service.history(demo.NORRVIK.actor(service), case.procurement_id)
    assert len(_positions(by_matcher)) == min(timeline.PAGE_SIZE, sum(
        1 for e in history if e.actor.organisation_id == matcher_org))
    assert _positions(owner.page(f"{path}?until=2000-01-01")) == []
    assert "Inga händelser matchar filtret" in owner.page(f"{path}?since=2999-01-01")


def test_a_bad_filter_is_named_and_no_unfiltered_list_is_shown(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> None:
    case = seeded["closed"]
    owner = browser().sign_in_as(demo.NORRVIK)
    response = owner.get(f"/procurements/{case.procurement_id}/timeline?since=yesterday"
                         "&event_type=Nonsense")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="f-since-error"' in page and 'id="f-event_type-error"' in page
    assert _positions(page) == []


def test_parties_without_the_history_part_cannot_read_the_timeline(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> None:
    case = seeded["closed"]
    path = f"/procurements/{case.procurement_id}/timeline"
    for party in (demo.SME_SUPPLIER, demo.MATCHER, demo.SOCIAL_ENTERPRISE):
        assert browser().sign_in_as(party).get(path).status_code == 403
    assert browser().sign_in_as(demo.BUILDING_SUPPLIER).get(path).status_code in (403, 404)
