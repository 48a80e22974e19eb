"""A printed audit extract of one case carries the head of the case's hash chain at its last
event, and the live system gives that link again for that version and checks the chain,
however far the case has moved on since."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from tests.e2e.api_helpers import ApiWorld, case_path, parties, settle
from tests.e2e.reports_seed import Seeded
from tests.e2e.test_audit_extract import _run_scheduler_round
from tests.e2e.test_reports import signed_in

# In the PDF's text with every space and line break taken out (the link breaks over lines).
HEAD = re.compile(r"Hashkedjanshuvudversion(\d+):([0-9a-f]{64})")


def test_the_printed_head_is_the_link_the_live_system_gives_for_that_version_later(
        seeded_world: tuple[ApiWorld, Seeded]) -> None:
    opened, seeded = seeded_world
    owner = signed_in(opened, "authority")
    job_page = owner.post(f"/procurements/{seeded.case_a}/reports/audit-extract"
                          ).headers["Location"]
    _run_scheduler_round(opened)
    pdf = owner.get(f"{job_page}/extract.pdf")
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(
        pdf.get_data())).pages).split())
    found = HEAD.search(text)
    assert found is not None, text[:600]
    version, printed = int(found.group(1)), found.group(2)
    owner_actor = opened["authority"].actor
    assert version == opened.service.get_case(owner_actor, seeded.case_a).version
    assert printed == opened.service.chain_head(owner_actor, seeded.case_a).link  # type: ignore[union-attr]

    # The case moves on; the printed link still checks against the live system.
    cast = parties(opened)
    opened.service.record_checkpoint(cast.matcher, seeded.case_a, seeded.placements_a[0],
                                     "during_6", date(2027, 8, 1),
                                     {"employment_status": "studies"})
    settle(opened.app)
    again = opened.get("auditor", f"{case_path(seeded.case_a, 'chain', 'head')}?version="
                                  f"{version}").get_json()
    assert again == {"version": version, "link": printed}
    now = opened.get("auditor", case_path(seeded.case_a, "chain")).get_json()
    assert now["clean"] is True and now["head"]["version"] == version + 1
    assert now["head"]["link"] != printed

