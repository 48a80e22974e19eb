"""One procurement's whole life in a real browser: Debian's Chromium driven by
Playwright, signing in as each party in turn and clicking what a person clicks.

Every page the walk opens is checked with axe-core (WCAG 2.1 A and AA rules): no serious
or critical violation. A screenshot of each portal's start page is kept under
test-output/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from domain.clock import FixedClock
from tests.e2e.api_helpers import settle
from tests.e2e.conftest import SECRET_KEY, EnvDict
from web import demo
from web.app import create_app
from web.extension import current_service

CHROMIUM = "/usr/bin/chromium"
OUTPUT = Path(os.environ.get("PROCUREMENT_TEST_OUTPUT", "test-output")) / "screenshots"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)

@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


class Site:
    """The app served over HTTP on a free port, with a clock the test moves."""

    def __init__(self, env: EnvDict) -> None:
        self.clock = FixedClock(START)
        self.app = create_app({"PROCUREMENT_ENV": env, "PROCUREMENT_CLOCK": self.clock,
                               "SECRET_KEY": SECRET_KEY})
        with self.app.app_context():
            self.service = current_service()
            self.orgs = {p: a.organisation_id
                         for p, a in demo.seed_directory(self.service).items()}
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.checked: list[str] = []  # every page axe looked at

    def close(self) -> None:
        self.server.shutdown()
        self.app.extensions["procurement"].close()


@pytest.fixture
def site(sqlite_env: EnvDict) -> Iterator[Site]:
    made = Site(sqlite_env)
    yield made
    made.close()


class Person:
    """One party at its own browser window, signed in."""

    def __init__(self, site: Site, chromium: Browser, party: demo.DemoParty) -> None:
        self.site, self.party = site, party
        self.context = chromium.new_context(locale="sv-SE")
        self.page: Page = self.context.new_page()
        self.page.goto(f"{site.url}/sign-in")
        self.page.fill("#email", party.email)
        self.page.fill("#password", party.password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{site.url}/")
        self.check()

    def check(self) -> None:
        """No serious or critical WCAG 2.1 AA violation on the page shown now."""
        results = Axe().run(self.page, options=WCAG)
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == [], (self.page.url, bad)
        self.site.checked.append(self.page.url)

    def open_case(self, case_id: str) -> None:
        self.page.goto(f"{self.site.url}/procurements/{case_id}")
        self.check()

    def act(self, case_id: str, slug: str, fill: dict[str, Any] | None = None) -> None:
        """From the case page, the action's button, its form, and back to the case."""
        self.open_case(case_id)
        self.page.click(f"#actions-heading ~ ul a[href$='/{slug}']")
        self.page.wait_for_url(f"**/{slug}")
        self.check()
        for selector, value in (fill or {}).items():
            element = self.page.locator(selector)
            kind = element.evaluate("e => e.tagName + ':' + (e.type || '')")
            if kind.startswith("SELECT"):
                element.select_option(value)
            elif kind == "INPUT:checkbox":
                element.set_checked(bool(value))
            else:
                element.fill(value)
        with self.page.expect_navigation():
            self.page.click("form.form button[type=submit]")
        if self.page.url != f"{self.site.url}/procurements/{case_id}":
            summary = self.page.locator(".error-summary")
            raise AssertionError((slug, summary.inner_text() if summary.count() else
                                  self.page.content()[:2000]))
        assert self.page.locator(".notice-done").count() == 1

    def screenshot(self, name: str) -> Path:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{name}.png"
        self.page.goto(f"{self.site.url}/")
        self.check()
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


def test_a_procurement_lives_its_whole_life_in_the_browser(site: Site,
                                                          chromium: Browser) -> None:
    today = site.clock.today
    day = lambda delta=0: (today() + timedelta(days=delta)).isoformat()  # noqa: E731

    authority = Person(site, chromium, demo.NORRVIK)
    authority.page.click("a[href='/procurements/new']")
    authority.check()
    authority.page.fill("#f-title", "Lokalvård i kommunens skolor")
    authority.page.fill("#f-reference", "KS 2027/0001")
    authority.page.fill("#f-cpv_codes", "90910000-9")
    authority.page.fill("#f-contract_start", day(60))
    authority.page.fill("#f-contract_end", day(790))
    authority.page.click("form.form button[type=submit]")
    authority.page.wait_for_url("**/procurements/*")
    case_id = authority.page.url.rsplit("/", 1)[1]
    authority.act(case_id, "requirement")  # the defaults are sensible as they stand
    authority.act(case_id, "follow-up-plan")
    authority.act(case_id, "publish", {"#f-tender_deadline": day(30)})
    authority.close()

    for party, headcount in ((demo.SME_SUPPLIER, "40"), (demo.FACILITY_SUPPLIER, "900")):
        supplier = Person(site, chromium, party)
        supplier.act(case_id, "tender", {
            "#f-plan-alternative": "Två platser med handledare",
            "#f-plan-planned_positions": "2", "#f-plan-planned_full_time_months": "14",
            "#f-plan-supervision_capacity": "2", "#f-sme-staff_headcount": headcount,
            "#f-sme-annual_turnover_meur": "6", "#f-sme-balance_sheet_total_meur": "3"})
        supplier.close()

    site.clock.advance(timedelta(days=31))
    authority = Person(site, chromium, demo.NORRVIK)
    authority.act(case_id, "close-tendering")
    authority.act(case_id, "award", {"#f-supplier_id": str(site.orgs[demo.SME_SUPPLIER])})
    authority.close()
    site.clock.advance(timedelta(days=29))  # a session ends after a day without use
    authority = Person(site, chromium, demo.NORRVIK)
    authority.act(case_id, "sign")
    authority.act(case_id, "appoint-matcher", {"#f-matcher_id": str(site.orgs[demo.MATCHER])})
    authority.close()

    supplier = Person(site, chromium, demo.SME_SUPPLIER)
    supplier.act(case_id, "offer-position", {"#f-position_type": "fixed_term_employment",
                                             "#f-supervisor": "Omar Haddad"})
    supplier.close()
    matcher = Person(site, chromium, demo.MATCHER)
    matcher.act(case_id, "propose-candidate", {
        "#f-participant_ref": "AF-2027-0042", "#f-target_group": "long_term_unemployed",
        "#f-eligibility_attested": True})
    matcher.close()
    supplier = Person(site, chromium, demo.SME_SUPPLIER)
    supplier.act(case_id, "accept-candidate")
    supplier.act(case_id, "start-placement", {
        "#f-employment_form": "fixed_term_employment", "#f-supervisor": "Omar Haddad",
        "#f-insurance_confirmed": True, "#f-planned_end": day(365)})
    supplier.act(case_id, "checkpoint", {"#f-checkpoint": "start",
                                         "#f-values-hours_per_week": "40",
                                         "#f-values-employment_form": "fixed_term",
                                         "#f-values-training_completed": "true"})
    supplier.close()
    matcher = Person(site, chromium, demo.MATCHER)
    matcher.act(case_id, "checkpoint", {"#f-checkpoint": "start",
                                        "#f-values-employment_status": "same_employer",
                                        "#f-values-wage_subsidy": "false"})
    matcher.close()

    site.clock.advance(timedelta(days=365))
    supplier = Person(site, chromium, demo.SME_SUPPLIER)
    supplier.act(case_id, "end-placement", {"#f-ended_on": day(-1),
                                            "#f-reason": "Fick fast jobb hos annan."})
    supplier.close()
    matcher = Person(site, chromium, demo.MATCHER)
    matcher.act(case_id, "checkpoint", {"#f-checkpoint": "exit",
                                        "#f-values-employment_status": "other_employer",
                                        "#f-values-wage_subsidy": "false"})
    matcher.close()
    authority = Person(site, chromium, demo.NORRVIK)
    authority.act(case_id, "end-contract")
    authority.act(case_id, "close", {"#f-motivation": "Enligt uppföljningen."})
    assert authority.page.locator(".badge-large").inner_text().strip() in ("Avslutad",
                                                                           "Closed")
    authority.page.goto(f"{site.url}/procurements/{case_id}/timeline")
    authority.check()
    assert authority.page.locator(".event-log-entry").count() >= 20
    authority.close()

    with site.app.app_context():
        settle(site.app)
    shots = []
    for party in (demo.NORRVIK, demo.SME_SUPPLIER, demo.FACILITY_SUPPLIER, demo.MATCHER,
                  demo.SOCIAL_ENTERPRISE, demo.AUDITOR):
        person = Person(site, chromium, party)
        shots.append(person.screenshot(f"start-{party.email.split('@')[0]}"))
        person.close()
    assert all(path.stat().st_size > 10_000 for path in shots)
    assert len(set(site.checked)) >= 20  # every form and page of the walk was checked
