"""Double counts across procurements: two contracts that claim the same person (the same
participant reference) for overlapping months are flagged to both authorities, without
naming the person, and statistics across procurements count the months once."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.examples import Parties, walk_to
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from tests.e2e.api_helpers import PASSWORD, ApiWorld, open_world, settle
from tests.e2e.conftest import Browser
from web.extension import current_read_models
from web.reports.service import Reports


def _parties(world: ApiWorld, authority: str) -> Parties:
    p = world.parties
    return Parties(authority=p[authority].actor, supplier=p["supplier"].actor,
                   other_supplier=p["other_supplier"].actor, matcher=p["matcher"].actor,
                   social_enterprise=p["partner"].actor, auditor=p["auditor"].actor)


def _flag(world: ApiWorld, party: str, case_id: object) -> str:
    """The double-count section of the case page, as the party's browser shows it."""
    settle(world.app)
    browser = Browser(world.app.test_client())
    assert browser.sign_in(f"{party}@{party.replace('_', '-')}.example.se",
                           PASSWORD).status_code == 302
    page = browser.page(f"/procurements/{case_id}")
    found = re.search(r'id="double-count-heading".*?</section>', page, re.S)
    return found.group(0) if found else ""


def test_the_same_person_claimed_by_two_contracts_is_flagged_and_counted_once(
        store: dict[str, str]) -> None:
    """On SQLite and PostgreSQL (the `store` fixture)."""
    with open_world(store) as world:
        today = world.service.clock.today()
        # The same person (walk_to places "P-0001") in two authorities' contracts, full
        # time for 12 months each; the second starts two months after the first.
        first = walk_to(world.service, _parties(world, "authority"), State.DELIVERY,
                        contract_start=add_months(today, -26)).procurement_id
        second = walk_to(world.service, _parties(world, "other_authority"), State.DELIVERY,
                         contract_start=add_months(today, -24)).procurement_id
        for party, case_id in (("authority", first), ("other_authority", second)):
            flag = _flag(world, party, case_id)
            assert "10 månader överlappar med en annan upphandling" in flag, party
            assert "P-0001" not in flag and str(first) not in flag and str(second) not in flag
        assert _flag(world, "supplier", first) == ""  # the authorities concerned only
        with world.app.app_context():
            read = current_read_models()
            both = read.counted_once(today)
            assert (both.claimed, both.counted, both.claims_overlapping) == (
                Decimal(24), Decimal(14), 1)
            earlier = read.counted_once(today, [world["authority"].organisation_id])
            later = read.counted_once(today, [world["other_authority"].organisation_id])
        # The earlier placement keeps its months; the later loses the ten it shares.
        assert (earlier.claimed, earlier.counted) == (Decimal(12), Decimal(12))
        assert (later.claimed, later.counted) == (Decimal(12), Decimal(2))
        assert later.double_counted == Decimal(10)


def test_a_person_placed_in_one_contract_only_raises_no_flag(
        sqlite_env: dict[str, str]) -> None:
    with open_world(sqlite_env) as world:
        case_id = walk_to(world.service, _parties(world, "authority"), State.DELIVERY,
                          placements=2).procurement_id
        assert _flag(world, "authority", case_id) == ""
        with world.app.app_context():
            counted = current_read_models().counted_once(world.service.clock.today())
        assert counted.claimed == counted.counted == Decimal(24)


def test_the_statistics_table_counts_each_persons_months_once(
        sqlite_env: dict[str, str]) -> None:
    """Five people (enough not to be suppressed) placed by both authorities: the later
    authority's industry row shows its delivered months and, beside them, what is left
    once the earlier placements keep the months they share."""
    with open_world(sqlite_env) as world:
        today = world.service.clock.today()
        walk_to(world.service, _parties(world, "authority"), State.DELIVERY, placements=5,
                contract_start=add_months(today, -14))
        walk_to(world.service, _parties(world, "other_authority"), State.DELIVERY,
                placements=5, contract_start=add_months(today, -12))
        settle(world.app)
        rows = {}
        for party in ("authority", "other_authority"):
            authority = world[party].organisation_id
            with world.app.app_context():
                stats = Reports(world.service).statistics(world[party].actor, authority,
                                                          today.year)
                expected = current_read_models().counted_once(today, [authority])
            (row,) = stats.industries.rows
            columns = [c.key for c in stats.industries.columns]
            rows[party] = dict(zip(columns, row, strict=True))
            assert rows[party]["people"] == 5
            assert rows[party]["delivered_months"] == expected.claimed
            assert rows[party]["counted_once_months"] == expected.counted
        earlier, later = rows["authority"], rows["other_authority"]
        assert earlier["counted_once_months"] == earlier["delivered_months"]
        assert later["counted_once_months"] < later["delivered_months"]
