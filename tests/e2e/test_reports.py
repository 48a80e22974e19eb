"""The PDF reports, produced from seeded cases through the portal and read back: the text
of every page (pypdf) must show the figures the report is for; the first page of each is
also turned into a PNG (pdftoppm) under test-output/reports/ for a person to look at."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from tests.e2e.api_helpers import PASSWORD, ApiWorld
from tests.e2e.conftest import Browser
from tests.e2e.reports_seed import Seeded

OUTPUT = Path(os.environ.get("PROCUREMENT_TEST_OUTPUT", "test-output")) / "reports"
TARGET_GROUP_WORDS = ("Långtidsarbetslösa", "Long-term unemployed", "Målgrupp",
                      "Target group")


def signed_in(world: ApiWorld, party: str, language: str = "sv") -> Browser:
    browser = Browser(world.app.test_client())
    browser.client.set_cookie("lang", language)
    email = f"{party}@{party.replace('_', '-')}.example.se"
    assert browser.sign_in(email, PASSWORD).status_code == 302
    return browser


def pdf_text(response: object, layout: bool = False) -> str:
    """The PDF's text; `layout`: each table row on one line, as laid out."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]  # type: ignore[attr-defined]
    assert response.mimetype == "application/pdf"  # type: ignore[attr-defined]
    reader = PdfReader(io.BytesIO(response.get_data()))  # type: ignore[attr-defined]
    mode = "layout" if layout else "plain"
    return "\n".join(page.extract_text(extraction_mode=mode) for page in reader.pages)


def keep_first_page(response: object, name: str) -> Path:
    """The PDF's first page as a PNG, kept for a person to look at."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = OUTPUT / f"{name}.pdf"
    pdf.write_bytes(response.get_data())  # type: ignore[attr-defined]
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is installed by .ci/run"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(OUTPUT / name)], check=True, timeout=60)
    png = OUTPUT / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return png


def test_the_follow_up_report_shows_the_requirement_delivery_and_people(
        seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    owner = signed_in(opened, "authority")
    response = owner.get(f"/procurements/{seeded.case_a}/reports/follow-up.pdf")
    text = pdf_text(response)
    flat = " ".join(text.split())
    assert "Uppföljningsrapport" in flat and "KS 2026/0117" in flat
    assert "Minst heltidsmånader 24" in flat  # the requirement
    assert re.search(r"Levererat, heltidsmånader [\d,]+ \(\d+ %\)", flat), flat[:3000]
    for number in range(1, 10):
        assert f"P-{number:04d}" in flat  # every placement, by pseudonym
    assert "Anställningar: 9" in flat
    assert "Första anställningen" in flat and "I tid" in flat  # deadline met
    assert "Krav: 24" in flat and "Levererat: " in flat  # the chart, labelled in words
    assert "Vid start" in flat and "Under anställningen, 3 månader" in flat  # outcomes chart
    assert "Handläggare Norrviks kommun" in flat  # the producing user, on every page
    assert "Sida 1 av" in flat
    assert "Långtidsarbetslösa" in flat  # the owner may see target groups
    keep_first_page(response, "follow-up-sv")
    english = pdf_text(signed_in(opened, "authority", "en").get(
        f"/procurements/{seeded.case_a}/reports/follow-up.pdf"))
    assert "Follow-up report" in english and "Page 1 of" in english
    html = owner.page(f"/procurements/{seeded.case_a}/reports/follow-up")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in html
    assert "/reports/report.css" in html


def test_a_supplier_gets_no_target_group_from_any_report(
        seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    supplier = signed_in(opened, "supplier")
    text = pdf_text(supplier.get(f"/procurements/{seeded.case_a}/reports/follow-up.pdf"))
    assert "P-0001" in text
    html = supplier.page(f"/procurements/{seeded.case_a}/reports/follow-up")
    for words in TARGET_GROUP_WORDS:
        assert words not in text and words not in html, words
    case_page = supplier.page(f"/procurements/{seeded.case_a}")
    assert "/reports/follow-up.pdf" in case_page
    # An organisation with no part in the case learns nothing, not even that it exists.
    stranger = signed_in(opened, "other_authority")
    for path in (f"/procurements/{seeded.case_a}/reports/follow-up.pdf",
                 f"/procurements/{seeded.case_a}/reports/follow-up"):
        assert stranger.get(path).status_code == 404


def test_the_annual_report_shows_the_authoritys_year(seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, _ = seeded_world
    authority = opened["authority"].organisation_id
    query = f"?authority={authority}&year=2027"
    for party in ("authority", "auditor"):
        response = signed_in(opened, party).get(f"/statistics/annual-report.pdf{query}")
        text = pdf_text(response, layout=True)
        rows = {line.split()[0] + " " + line.split()[1]: line.split()
                for line in text.splitlines() if line.strip().startswith("CPV ")}
        assert rows["CPV 90"][2:5] == ["1", "24", "9"]  # contracts, required, people
        flat = " ".join(text.split())
        assert "Årsrapport 2027 Norrviks kommun" in flat and "Sida 1 av" in flat
        assert "Vid start" in flat and "Små och medelstora företags andel" in flat
    keep_first_page(response, "annual-report-sv")
    english = pdf_text(signed_in(opened, "authority", "en").get(
        f"/statistics/annual-report.pdf{query}"))
    assert "Annual report 2027" in english and "Page 1 of" in english
    assert signed_in(opened, "supplier").get(
        f"/statistics/annual-report.pdf{query}").status_code == 404
