"""The auditor looks into a case's past in a real browser (Chromium): from the case page to
the case as it stood at award, by the shortcut and by a picked time, then to what changed
since. Every page is checked with axe-core; a screenshot is kept."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser

from domain.examples import Parties, walk_to
from domain.procurement.contract import Contract, KickOff
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from tests.e2e.api_helpers import settle
from tests.e2e.test_browser import OUTPUT, Person, Site, chromium, site  # noqa: F401
from web import demo
from web.formatting import LOCAL_TIME


def test_the_auditor_sees_what_the_authority_knew_at_award(site: Site,  # noqa: F811
                                                           chromium: Browser  # noqa: F811
                                                           ) -> None:
    service, orgs = site.service, site.orgs
    actors = {party: party.actor(service) for party in demo.PARTIES}
    parties = Parties(authority=actors[demo.NORRVIK], supplier=actors[demo.SME_SUPPLIER],
                      other_supplier=actors[demo.FACILITY_SUPPLIER],
                      matcher=actors[demo.MATCHER],
                      social_enterprise=actors[demo.SOCIAL_ENTERPRISE],
                      auditor=actors[demo.AUDITOR])
    case_id = walk_to(service, parties, State.STANDSTILL).procurement_id
    awarded_at = site.clock.now()
    site.clock.advance(timedelta(days=12))
    today = site.clock.today()
    service.sign_contract(parties.authority, case_id, Contract(
        today, today + timedelta(days=20), add_months(today, 24)))
    service.hold_kick_off(parties.authority, case_id, KickOff(today, ("Kommunen",)))
    service.appoint_matcher(parties.authority, case_id, orgs[demo.MATCHER])
    with site.app.app_context():
        settle(site.app)

    auditor = Person(site, chromium, demo.AUDITOR)
    auditor.open_case(str(case_id))
    assert auditor.page.locator(".badge-large").inner_text().strip() == "Leverans"
    auditor.page.click("text=Visa ärendet vid en tidpunkt")
    auditor.page.wait_for_url("**/as-of")
    auditor.check()
    auditor.page.click("text=Vid tilldelningsbeslutet")
    auditor.page.wait_for_url("**/as-of?version=*")
    auditor.check()
    assert "Ärendet som det såg ut den" in auditor.page.locator("#past-heading").inner_text()
    assert auditor.page.locator(".badge-large").inner_text().strip() == "Avtalsspärr"
    assert auditor.page.locator("dt", has_text="Avtal tecknat").count() == 0
    shown = auditor.page.locator("ol.timeline .event-name").all_inner_texts()
    assert shown[-1] == "Tilldelningsbeslut fattat" and "Avtal tecknat" not in shown
    at_award = auditor.page.url

    # The same moment picked as a time, in Swedish local time, to the minute.
    auditor.page.fill("#f-as_of", awarded_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M"))
    auditor.page.select_option("#f-version", "")
    with auditor.page.expect_navigation():
        auditor.page.click("form.filters button[type=submit]")
    auditor.check()
    assert auditor.page.locator(".badge-large").inner_text().strip() == "Avtalsspärr"
    version = at_award.rsplit("=", 1)[1]
    assert f"Version {version} av" in auditor.page.locator(".past-banner").inner_text()

    auditor.page.click("text=Jämför med i dag")
    auditor.page.wait_for_url("**/changes?from_version=*")
    auditor.check()
    state = auditor.page.locator("tr[data-field='state']")
    assert state.locator(".before").inner_text() == "Avtalsspärr"
    assert state.locator(".after").inner_text() == "Leverans"
    matcher = auditor.page.locator("tr[data-field='matcher_id'] .after").inner_text()
    assert matcher == demo.MATCHER.name
    OUTPUT.mkdir(parents=True, exist_ok=True)
    auditor.page.screenshot(path=str(OUTPUT / "changes-since-award.png"), full_page=True)
    auditor.close()
