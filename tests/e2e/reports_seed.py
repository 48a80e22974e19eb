"""Cases for the report tests, seeded through the service in an API world (fixed clock,
2028-06-15): small groups on purpose, so that suppression has work to do.

In 2027, for the authority (all candidates are long-term unemployed, as walk_to makes them):
- case A (CPV 90, delivery): 9 placements started in 2027, each with a start checkpoint
  "same_employer" (a group of 9: shown), and a 3-month checkpoint: 6 "same_employer", 3
  "studies" (3 is under 5; then 6 alone would give 3 away from the total: both hidden);
- case B (CPV 45, follow-up): 2 placements, ended early in 2027 with an exit checkpoint
  "unemployed" (a group of 2: hidden whole); its industry has 2 people (hidden);
- case C (CPV 90, evaluation): 2 tenders, one from an SME, deadline in 2027 (hidden).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.examples import example_setup, walk_to
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.setup import CaseSetup
from tests.e2e.api_helpers import ApiWorld, parties

YEAR = 2027
DURING = {"same_employer": 6, "studies": 3}


@dataclass(frozen=True)
class Seeded:
    case_a: UUID
    case_b: UUID
    case_c: UUID
    placements_a: list[UUID]


def seed_small_groups(world: ApiWorld) -> Seeded:
    service, cast = world.service, parties(world)
    start_a = date(YEAR, 1, 1)
    a = walk_to(service, cast, State.DELIVERY, placements=9, contract_start=start_a)
    statuses = [s for s, n in DURING.items() for _ in range(n)]
    for number, (placement_id, status) in enumerate(zip(a.placement_ids, statuses,
                                                        strict=True)):
        placed = add_months(start_a, 1) + (date(2000, 1, 15) - date(2000, 1, 1)) * number
        service.record_checkpoint(cast.matcher, a.procurement_id, placement_id, "during_3",
                                  add_months(placed, 3), {"employment_status": status})
    setup_b = CaseSetup(title="Ombyggnad av kök", reference="BUN 2026/0001",
                        cpv_codes=("45453000-7",), estimated_value_sek=example_setup()
                        .estimated_value_sek, contract_start=date(YEAR - 1, 1, 1),
                        contract_end=date(YEAR, 12, 31), industry="Bygg")
    b = walk_to(service, cast, State.FOLLOW_UP, placements=2, setup=setup_b,
                contract_start=date(YEAR - 1, 1, 1))
    case_b = service.get_case(cast.authority, b.procurement_id)
    for placement in case_b.placements:
        service.record_checkpoint(cast.matcher, b.procurement_id, placement.placement_id,
                                  "exit", placement.ended_on,
                                  {"employment_status": "unemployed"})
    c = walk_to(service, cast, State.EVALUATION, contract_start=date(YEAR + 1, 1, 1))
    return Seeded(a.procurement_id, b.procurement_id, c.procurement_id, a.placement_ids)
