"""The case's past in the portals: the case as it stood at a moment (with the award as a
shortcut), and what changed between two moments, for the owner and auditors."""

from __future__ import annotations

import re
from collections.abc import Callable

from domain.service import ProcurementService
from tests.e2e.conftest import Browser
from web import demo
from web.formatting import LOCAL_TIME


def _award_version(service: ProcurementService, case: demo.Created) -> int:
    history = service.history(demo.AUDITOR.actor(service), case.procurement_id)
    (version,) = [e.version for e in history if e.event_type == "Awarded"]
    return version


def test_the_auditor_sees_the_case_as_it_stood_at_award(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser],
        service: ProcurementService) -> None:
    case = seeded["closed"]
    auditor = browser().sign_in_as(demo.AUDITOR)
    live = auditor.page(f"/procurements/{case.procurement_id}")
    assert f"/procurements/{case.procurement_id}/as-of" in live
    assert "<dt>Avtal tecknat</dt>" in live and "Avslutad" in live
    award = _award_version(service, case)
    picker = auditor.page(f"/procurements/{case.procurement_id}/as-of")
    assert f'href="/procurements/{case.procurement_id}/as-of?version={award}"' in picker
    assert "Vid tilldelningsbeslutet" in picker

    then = auditor.page(f"/procurements/{case.procurement_id}/as-of?version={award}")
    assert "Ärendet som det såg ut den" in then
    assert re.search(rf"Version {award} av \d+", then)
    assert "Avtalsspärr</span>" in then  # the state badge then
    assert "Tilldelningsbeslut fattat" in then  # the award is the last event shown...
    assert "<dt>Avtal tecknat</dt>" not in then  # ...nothing after it
    assert '<p class="event-name">Avtal tecknat</p>' not in then
    assert "Att göra i ärendet" not in then  # and nothing to do in the past
    assert f"/changes?from_version={award}" in then


def test_a_picked_time_shows_the_case_at_the_end_of_that_minute(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser],
        service: ProcurementService) -> None:
    case = seeded["closed"]
    auditor = browser().sign_in_as(demo.AUDITOR)
    history = service.history(demo.AUDITOR.actor(service), case.procurement_id)
    first = history[0].recorded_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")
    page = auditor.page(f"/procurements/{case.procurement_id}/as-of?as_of={first}")
    shown = max(e.version for e in history
                if e.recorded_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M") <= first)
    assert re.search(rf"Version {shown} av {len(history)}", page)


def test_a_bad_moment_is_shown_beside_its_field_and_no_case_instead(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> None:
    case = seeded["closed"]
    auditor = browser().sign_in_as(demo.AUDITOR)
    for query, field in (("as_of=igår", "as_of"), ("as_of=1990-01-01T10:00", "as_of"),
                         ("version=999", "version")):
        answer = auditor.get(f"/procurements/{case.procurement_id}/as-of?{query}")
        assert answer.status_code == 400, query
        page = answer.get_data(as_text=True)
        assert f'id="f-{field}-error"' in page, query
        assert 'aria-invalid="true"' in page
        assert "Ärendet som det såg ut" not in page and "Avtal och parter" not in page


def test_the_changes_since_award_are_listed_field_by_field(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser],
        service: ProcurementService) -> None:
    case = seeded["closed"]
    owner = browser().sign_in_as(demo.NORRVIK)
    page = owner.page(f"/procurements/{case.procurement_id}/changes")  # award → now
    award = _award_version(service, case)
    assert f"Från version {award} till version" in page
    state = re.search(r'<tr data-field="state"><th scope="row">Status</th>'
                      r'<td class="before">([^<]*)</td><td class="after">([^<]*)</td>', page)
    assert state is not None and state.groups() == ("Avtalsspärr", "Avslutad")
    assert 'data-field="contract.signed_on"' in page
    assert 'data-field="award.supplier_id"' not in page  # the award stands unchanged
    assert "Registrerat däremellan" in page and "Avtal tecknat" in page


def test_only_the_owner_and_auditors_reach_the_past(
        seeded: dict[str, demo.Created], browser: Callable[[], Browser]) -> None:
    case = seeded["closed"]
    for party, status in ((demo.SME_SUPPLIER, 403), (demo.MATCHER, 403),
                          (demo.BUILDING_SUPPLIER, 403),  # a tenderer that lost
                         (demo.FACILITY_SUPPLIER, 404)):  # no part in this case
        person = browser().sign_in_as(party)
        for path in ("as-of", "changes"):
            answer = person.get(f"/procurements/{case.procurement_id}/{path}")
            assert answer.status_code == status, (party.email, path)
