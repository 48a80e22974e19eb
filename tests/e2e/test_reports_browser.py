"""The statistics page and the reports' browser views in a real browser (Debian's
Chromium, Playwright), checked with axe-core (WCAG 2.1 AA): no serious or critical
violation. Screenshots go to test-output/screenshots/ for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.e2e.api_helpers import settle
from tests.e2e.conftest import EnvDict
from tests.e2e.test_browser import OUTPUT, Person, Site, chromium
from web import demo

__all__ = ["chromium"]  # the module's browser, shared from test_browser


@pytest.fixture
def demo_site(sqlite_env: EnvDict) -> Iterator[Site]:
    made = Site(sqlite_env)
    made.cases = {c.state.value: c.procurement_id  # type: ignore[attr-defined]
                  for c in demo.seed(made.service)}
    settle(made.app)
    yield made
    made.close()


def test_the_statistics_page_shows_tables_charts_and_downloads(
        demo_site: Site, chromium: Browser) -> None:
    year = demo_site.clock.today().year - 1
    for party in (demo.NORRVIK, demo.AUDITOR):
        person = Person(demo_site, chromium, party)
        person.page.click("nav >> text=Statistik")
        person.page.select_option("#statistics-year", str(year))
        with person.page.expect_navigation():
            person.page.click("form.filters button[type=submit]")
        person.check()
        page = person.page
        assert page.locator("svg[role=img] title").count() == 2
        assert page.locator("table.statistics").count() == 3
        assert page.locator("a[href*='/statistics/outcomes.xlsx']").count() == 1
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / f"statistics-{party.role.value}.png"),
                        full_page=True)
        person.context.close()
    supplier = Person(demo_site, chromium, demo.SME_SUPPLIER)
    assert supplier.page.locator("nav >> text=Statistik").count() == 0
    supplier.context.close()


def test_the_follow_up_report_reads_in_the_browser(demo_site: Site, chromium: Browser) -> None:
    case_id = demo_site.cases["delivery"]  # type: ignore[attr-defined]
    person = Person(demo_site, chromium, demo.NORRVIK)
    person.open_case(str(case_id))
    with person.page.expect_navigation():
        person.page.click("text=Uppföljningsrapport i webbläsaren")
    person.check()
    assert person.page.locator("svg[role=img]").count() == 2
    assert person.page.locator("h1").inner_text().startswith("Uppföljningsrapport")
    person.page.screenshot(path=str(OUTPUT / "follow-up-report.png"), full_page=True)
    person.context.close()
