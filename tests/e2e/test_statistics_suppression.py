"""No statistics output shows a suppressed cell: not a count of 1 to 4, nor one that the
others would give away. The same seeded small groups are read from every output: the
statistics page, the JSON API, the CSV and XLSX downloads of every table, and the annual
report's PDF (its text read back)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from openpyxl import load_workbook

from domain.procurement.followup_plan import EMPLOYMENT_STATUSES
from projections.statistics import SUPPRESSED_MARK
from tests.e2e.api_helpers import API, PASSWORD, ApiWorld
from tests.e2e.conftest import Browser
from tests.e2e.reports_seed import YEAR, Seeded
from tests.e2e.test_reports import pdf_text

# The columns that count people (or tenders): each must be 0, 5 or more, or suppressed.
COUNT_COLUMNS = {"Anställda personer", "Anbud", "Anbud från SMF", "Tilldelningar",
                 "Tilldelningar till SMF", "Totalt", "Anställd hos samma arbetsgivare",
                 "Anställd hos annan arbetsgivare", "Studerar", "Arbetslös", "I annan insats",
                 "Okänt"}


def _signed_in(world: ApiWorld, party: str) -> Browser:
    browser = Browser(world.app.test_client())
    email = f"{party}@{party.replace('_', '-')}.example.se"
    assert browser.sign_in(email, PASSWORD).status_code == 302
    return browser


def _is_shown_safely(text: str) -> bool:
    """A count cell as written: suppressed, 0, or 5 and more."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    return text == SUPPRESSED_MARK or int(text) == 0 or int(text) >= 5


def _check_rows(header: list[str], rows: list[list[str]]) -> int:
    checked = 0
    for row in rows:
        for name, value in zip(header, row, strict=False):
            if name in COUNT_COLUMNS:
                assert _is_shown_safely(str(value)), (name, value, row)
                checked += 1
    return checked


def test_no_output_shows_a_suppressed_cell(seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, _ = seeded_world
    for party in ("authority", "auditor"):
        _api_holds_back_small_groups(opened, party)
        browser = _signed_in(opened, party)
        authority = opened["authority"].organisation_id
        query = f"?authority={authority}&year={YEAR}"
        assert _page_holds_back_small_groups(browser.page(f"/statistics{query}")) > 20
        for key in ("industries", "outcomes", "sme"):
            # Each download has count cells, every one of them checked: none is unsafe.
            assert _csv_holds_back_small_groups(
                browser.get(f"/statistics/{key}.csv{query}")) > 0, key
            assert _xlsx_holds_back_small_groups(
                browser.get(f"/statistics/{key}.xlsx{query}")) > 0, key
        assert _pdf_holds_back_small_groups(pdf_text(
            browser.get(f"/statistics/annual-report.pdf{query}"), layout=True)) == 3


def _pdf_holds_back_small_groups(text: str) -> int:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    outcome_rows = [line for line in lines if line.startswith("Långtidsarbetslösa ")]
    assert len(outcome_rows) == 3, outcome_rows  # start, during, exit
    for row in outcome_rows:
        counts = [token for token in row.split() if re.fullmatch(r"[\d.]+", token)]
        assert counts and all(_is_shown_safely(c) for c in counts), row
    mark = SUPPRESSED_MARK
    start, during, leaving = (r.split()[-7:] for r in outcome_rows)  # 6 statuses, total
    assert start == ["9", "0", "0", "0", "0", "0", "9"]
    assert during == [mark, "0", mark, "0", "0", "0", mark]  # 6 and 3: both hidden
    assert leaving == [mark] * 7  # a group of 2
    building = next(line for line in lines if line.startswith("CPV 45 "))
    assert building.split()[-3:] == [SUPPRESSED_MARK] * 3, building  # people and months
    return len(outcome_rows)


def _api_holds_back_small_groups(opened: ApiWorld, party: str) -> None:
    outcomes = opened.get(party, f"{API}/statistics/outcomes?year={YEAR}")
    assert outcomes.status_code == 200, outcomes.get_data(as_text=True)
    groups = {g["checkpoint_kind"]: g for g in outcomes.get_json()}
    assert groups["start"]["counts"]["same_employer"] == 9  # a group of 9 is shown
    assert groups["start"]["total"] == 9
    during = groups["during"]
    assert during["counts"]["same_employer"] is None  # 6, but it would give the 3 away
    assert during["counts"]["studies"] is None  # 3
    assert during["total"] is None
    assert all(v is None for v in groups["exit"]["counts"].values())  # a group of 2
    for group in groups.values():
        values = [group["counts"][s] for s in EMPLOYMENT_STATUSES] + [group["total"]]
        assert all(v is None or v == 0 or v >= 5 for v in values), group
        hidden = [s for s in EMPLOYMENT_STATUSES if group["counts"][s] is None]
        assert len(hidden) != 1 or group["total"] is None, group
    sme = opened.get(party, f"{API}/statistics/sme-shares?year={YEAR}").get_json()
    assert len(sme) == 1
    assert sme[0]["tenders"] is None and sme[0]["sme_tenders"] is None
    assert sme[0]["sme_tender_share"] is None and sme[0]["awards"] is None


def _page_holds_back_small_groups(page: str) -> int:
    tables = re.findall(r'<table class="cases statistics">(.*?)</table>', page, re.S)
    assert len(tables) == 3, "industries, outcomes and SME tables"
    checked = 0
    for table in tables:
        header = [_plain(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)]
        rows = [[_plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
        checked += _check_rows(header, [r for r in rows if r])
    assert "Under anställningen" in page
    return checked


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def _csv_holds_back_small_groups(response: Any) -> int:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")),
                           delimiter=";"))
    assert len(rows) >= 2
    return _check_rows(rows[0], rows[1:])


def _xlsx_holds_back_small_groups(response: Any) -> int:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = book.worksheets[0]
    values = [[("" if v is None else str(v)) for v in row]
              for row in sheet.iter_rows(values_only=True)]
    header, body = values[1], [r for r in values[2:] if any(r)][:-1]  # the last: the note
    return _check_rows(header, body)


def test_a_supplier_has_no_statistics_anywhere(seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, _ = seeded_world
    for path in (f"{API}/statistics/outcomes", f"{API}/statistics/sme-shares"):
        assert opened.get("supplier", path).status_code == 404
    browser = _signed_in(opened, "supplier")
    authority = opened["authority"].organisation_id
    for path in ("/statistics", f"/statistics?authority={authority}",
                 "/statistics/outcomes.csv", f"/statistics/outcomes.xlsx?authority={authority}"):
        response = browser.get(path)
        assert response.status_code == 404, path
        assert "Långtidsarbetslösa" not in response.get_data(as_text=True)
