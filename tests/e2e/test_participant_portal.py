"""The participant register in the portal: the matcher registers, reads and erases people;
the employing supplier sees the name and contact of the people it placed on the case page,
never their target group; the authority and its auditor see references only; and every
page that shows a person's data writes one read-log entry."""

from __future__ import annotations

import html
import re
from typing import Any
from uuid import UUID

from flask import Flask

from domain.examples import Parties, example_position, place_person
from domain.procurement.followup_plan import add_months
from domain.service import ProcurementService
from domain.values import TargetGroup
from tests.e2e.conftest import Browser
from web import demo

NAME = "Zlatan Qwertyson"
NUMBER = "19811218-9876"  # the Swedish Tax Agency's test series: a valid check digit
GROUP = TargetGroup.LONG_TERM_UNEMPLOYED
GROUP_SV = "Långtidsarbetslösa"  # how a page names the group in Swedish
FORM = {"name": NAME, "personal_number": NUMBER, "email": "zq@example.se",
        "phone": "070-123 45 67", "target_group": GROUP.value, "eligibility_attested": "on"}


def _as(app: Flask, party: demo.DemoParty) -> Browser:
    return Browser(app.test_client()).sign_in_as(party)


def _register(app: Flask, data: dict[str, str] | None = None) -> tuple[Browser, str]:
    matcher = _as(app, demo.MATCHER)
    response = matcher.post("/participants/new", data or FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    return matcher, response.headers["Location"]


def _placed(service: ProcurementService, actors: dict[demo.DemoParty, Any],
            reference: str) -> UUID:
    """A case in delivery at the demo supplier in which the person is placed."""
    parties = Parties(authority=actors[demo.NORRVIK], supplier=actors[demo.SME_SUPPLIER],
                      other_supplier=actors[demo.FACILITY_SUPPLIER],
                      matcher=actors[demo.MATCHER],
                      social_enterprise=actors[demo.SOCIAL_ENTERPRISE],
                      auditor=actors[demo.AUDITOR])
    start = add_months(add_months(service.clock.today(), -26), 1)
    return place_person(service, parties, reference, GROUP, start).procurement_id


def test_the_matcher_registers_sees_and_erases_a_person(
        app: Flask, service: ProcurementService, directory: object) -> None:
    matcher, person_path = _register(app)
    start = matcher.page("/")
    assert 'href="/participants"' in start

    page = matcher.page(person_path)
    for shown in (NAME, NUMBER, "zq@example.se", "070-123 45 67", GROUP_SV):
        assert shown in page
    reference = re.search(r"P-[A-Z0-9]{8}", page)
    assert reference
    register = matcher.page("/participants")
    assert reference.group(0) in register and NAME not in register

    response = matcher.post(person_path + "/erase", {"reason": "asked_to_be_erased"})
    assert response.status_code == 302
    assert matcher.get(person_path).status_code == 410
    assert "raderad" in matcher.get(person_path).get_data(as_text=True)
    register = matcher.page("/participants")
    assert reference.group(0) not in register and NAME not in register
    assert service.console_read_log(reference.group(0))[-1].place == "participant page"


def test_an_erasure_takes_only_a_reason_from_the_list(app: Flask, directory: object) -> None:
    matcher, person_path = _register(app)
    response = matcher.post(person_path + "/erase", {"reason": f"{NAME} bad om det"})
    assert response.status_code == 400
    assert NAME in matcher.page(person_path)  # still readable: nothing was erased


def test_a_bad_identity_number_is_shown_beside_its_field_and_nothing_is_written(
        app: Flask, service: ProcurementService, directory: object) -> None:
    matcher = _as(app, demo.MATCHER)
    response = matcher.post("/participants/new", {**FORM, "personal_number": "19811218-9875"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(r'id="f-personal_number-error">([^<]+)<', page)
    assert error and error.group(1).strip()
    assert 'aria-invalid="true"' in page
    assert 'id="f-name-error"' not in page
    actor = directory[demo.MATCHER]  # type: ignore[index]
    assert service.registered_references(actor) == []


def test_each_page_read_writes_one_read_log_entry(
        app: Flask, service: ProcurementService, directory: object) -> None:
    matcher, person_path = _register(app)
    reference = service.registered_references(
        directory[demo.MATCHER])[0].reference  # type: ignore[index]
    assert service.console_read_log(reference) == []
    matcher.page("/participants")  # references only: no read
    assert service.console_read_log(reference) == []
    matcher.page(person_path)
    matcher.page(person_path)
    entries = service.console_read_log(reference)
    assert [e.place for e in entries] == ["participant page", "participant page"]


def test_the_supplier_sees_its_placed_person_by_name_never_the_target_group(
        app: Flask, service: ProcurementService,
        directory: dict[demo.DemoParty, Any]) -> None:
    _register(app)
    reference = service.registered_references(directory[demo.MATCHER])[0].reference
    case_id = _placed(service, directory, reference)

    page = _as(app, demo.SME_SUPPLIER).page(f"/procurements/{case_id}")
    assert NAME in page and "zq@example.se" in page and NUMBER not in page
    # The requirement lists the groups the case takes; the person's own group is not shown.
    row = re.search(rf'class="pseudonym">{reference}</td><td>[^<]*</td>\s*<td>([^<]*)</td>',
                    page)
    assert row and row.group(1) == "Visas inte för er"
    contact = re.search(r'<p class="contact">([^<]*)</p>', page)
    assert contact and GROUP_SV not in contact.group(1)
    [entry] = service.console_read_log(reference)
    assert (entry.place, entry.case_id) == ("case page", case_id)

    for party in (demo.NORRVIK, demo.AUDITOR):
        other = _as(app, party).page(f"/procurements/{case_id}")
        assert reference in other and NAME not in other
    assert len(service.console_read_log(reference)) == 1  # they read no one


def test_a_free_text_reference_shows_bare_to_the_supplier(
        app: Flask, service: ProcurementService,
        directory: dict[demo.DemoParty, Any]) -> None:
    case_id = _placed(service, directory, "AF-2027-0042")
    page = _as(app, demo.SME_SUPPLIER).page(f"/procurements/{case_id}")
    assert "AF-2027-0042" in page


def test_only_a_matcher_keeps_a_register(app: Flask, directory: object) -> None:
    for party in (demo.SME_SUPPLIER, demo.NORRVIK, demo.AUDITOR):
        browser = _as(app, party)
        assert browser.get("/participants").status_code == 403
        assert 'href="/participants"' not in browser.page("/")


def test_proposing_a_candidate_offers_the_matchers_registered_people(
        app: Flask, service: ProcurementService,
        directory: dict[demo.DemoParty, Any]) -> None:
    matcher, _ = _register(app)
    reference = service.registered_references(directory[demo.MATCHER])[0].reference
    case_id = _placed(service, directory, "AF-2027-0042")
    open_position = example_position(service.clock.today())  # the placed one is filled
    service.offer_position(directory[demo.SME_SUPPLIER], case_id, open_position)
    form = matcher.page(f"/procurements/{case_id}/propose-candidate")
    assert f'<option value="{reference}"' in form and NAME not in form
    response = matcher.post(f"/procurements/{case_id}/propose-candidate", {
        "position_id": str(open_position.position_id), "participant_ref": reference,
        "target_group": GROUP.value, "eligibility_attested": "on"})
    assert response.status_code == 302, response.get_data(as_text=True)
    refs = [c.participant_ref for c in service.get_case(directory[demo.MATCHER],
                                                        case_id).candidates]
    assert reference in refs


def test_the_auditor_reads_who_read_the_people_of_a_case(
        app: Flask, service: ProcurementService,
        directory: dict[demo.DemoParty, Any]) -> None:
    _register(app)
    reference = service.registered_references(directory[demo.MATCHER])[0].reference
    case_id = _placed(service, directory, reference)
    _as(app, demo.SME_SUPPLIER).page(f"/procurements/{case_id}")  # reads the person's name

    auditor = _as(app, demo.AUDITOR)
    assert f'href="/procurements/{case_id}/read-log"' in auditor.page(
        f"/procurements/{case_id}")
    log = auditor.page(f"/procurements/{case_id}/read-log")
    row = re.search(r"<tbody>(.*?)</tbody>", log, re.S)
    assert row
    cells = [html.unescape(c.strip())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells[1] == demo.SME_SUPPLIER.user_name
    assert cells[2].startswith(demo.SME_SUPPLIER.name)
    assert cells[3:] == [reference, "case page", "Arbetsgivare i ärendet"]
    assert NAME not in log and GROUP_SV not in log

    for party in (demo.NORRVIK, demo.SME_SUPPLIER, demo.MATCHER):
        browser = _as(app, party)
        assert browser.get(f"/procurements/{case_id}/read-log").status_code == 403
        assert "/read-log" not in browser.page(f"/procurements/{case_id}")
    # A supplier with no part in the case (it did not tender) is told there is no case.
    assert _as(app, demo.BUILDING_SUPPLIER).get(
        f"/procurements/{case_id}/read-log").status_code == 404
