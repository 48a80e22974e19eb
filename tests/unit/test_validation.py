"""Value objects refuse bad values with a ValidationError that names the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain import validation
from domain.errors import ValidationError
from domain.procurement.contract import Contract, KickOff
from domain.procurement.followup_plan import FollowUpPlan, ItemType, PlanItem, default_plan
from domain.procurement.matching import Candidate, Position, Preparation
from domain.procurement.reports import SupplierReport
from domain.procurement.requirement import EmploymentRequirement
from domain.procurement.setup import CaseSetup
from domain.procurement.tenders import EmploymentPlan, SmeStatus, Tender
from domain.values import Actor, PositionType, RequirementLevel, Role, TargetGroup
from tests.unit.builders import terms

D = date(2026, 5, 1)


def field_of(make: Callable[[], object]) -> str:
    with pytest.raises(ValidationError) as info:
        make()
    return info.value.field


def requirement(**changes: Any) -> EmploymentRequirement:
    values: dict[str, Any] = {"level": RequirementLevel.REQUIREMENT,
                              "target_groups": (TargetGroup.YOUNG,),
                              "minimum_full_time_months": Decimal(12)}
    return EmploymentRequirement(**{**values, **changes})


def position(**changes: Any) -> Position:
    values: dict[str, Any] = {"position_id": uuid4(),
                              "position_type": PositionType.INTERNSHIP, "fte": Decimal(1),
                              "start": D, "duration_months": 6, "supervisor": "Lena Berg"}
    return Position(**{**values, **changes})


def setup(**changes: Any) -> CaseSetup:
    values: dict[str, Any] = {"title": "Städtjänster", "reference": "KS 2026/1"}
    return CaseSetup(**{**values, **changes})


# -- months -----------------------------------------------------------------------------------

@pytest.mark.parametrize("months", [-1, Decimal("-0.5"), 0, "tolv", None, True, float("nan")])
def test_required_full_time_months_must_be_positive(months: object) -> None:
    assert field_of(lambda: requirement(minimum_full_time_months=months)) == (
        "minimum_full_time_months")


@pytest.mark.parametrize("months", [-1, 0, Decimal(-12)])
def test_planned_full_time_months_in_a_tender_must_be_positive(months: object) -> None:
    assert field_of(lambda: EmploymentPlan("Egen anställning", 1, months, 1)) == (  # type: ignore[arg-type]
        "plan.planned_full_time_months")


@pytest.mark.parametrize("months", [-3, 0, 121, 1.5])
def test_position_duration_is_a_whole_number_of_months(months: object) -> None:
    assert field_of(lambda: position(duration_months=months)) == "duration_months"


@pytest.mark.parametrize("months", [-1, 121, "6"])
def test_first_placement_deadline_months_must_be_in_range(months: object) -> None:
    assert field_of(lambda: requirement(first_placement_deadline_months=months)) == (
        "first_placement_deadline_months")


@pytest.mark.parametrize("threshold", [0, -0.1, Decimal("1.01"), 75])
def test_the_completion_threshold_is_a_share_above_zero_up_to_one(threshold: object) -> None:
    assert field_of(lambda: requirement(completion_threshold=threshold)) == (
        "completion_threshold")


# -- working time -----------------------------------------------------------------------------

@pytest.mark.parametrize("fte", [Decimal("1.01"), 2, 0, -1, "heltid"])
def test_fte_is_above_zero_and_at_most_one(fte: object) -> None:
    assert field_of(lambda: position(fte=fte)) == "fte"


def test_fte_of_exactly_one_and_half_time_are_accepted() -> None:
    assert position(fte=1).fte == 1
    assert position(fte="0.5").fte == Decimal("0.5")


@pytest.mark.parametrize("percent", [0, -50, 101])
def test_working_time_percent_is_above_zero_and_at_most_100(percent: int) -> None:
    assert field_of(lambda: terms(D, percent=percent)) == "working_time_percent"


# -- codes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("group", ["pensioner", "", "YOUNG", None])
def test_an_unknown_target_group_is_refused_for_a_candidate(group: object) -> None:
    assert field_of(lambda: Candidate(uuid4(), uuid4(), "P-1", group, True)) == (  # type: ignore[arg-type]
        "target_group")


@pytest.mark.parametrize("groups", [("young", "pensioner"), (), "young", ("young", "young")])
def test_requirement_target_groups_are_known_and_distinct(groups: object) -> None:
    assert field_of(lambda: requirement(target_groups=groups)) == "target_groups"


def test_target_groups_are_accepted_by_their_codes() -> None:
    assert requirement(target_groups=("young", "foreign_born")).target_groups == (
        TargetGroup.YOUNG, TargetGroup.FOREIGN_BORN)


@pytest.mark.parametrize("types", [(), ("permanent",)])
def test_requirement_position_types_are_known_and_not_empty(types: object) -> None:
    assert field_of(lambda: requirement(position_types=types)) == "position_types"


def test_an_unknown_requirement_level_is_refused() -> None:
    assert field_of(lambda: requirement(level="must")) == "level"


def test_an_unknown_role_is_refused_for_an_actor() -> None:
    assert field_of(lambda: Actor(uuid4(), uuid4(), "mayor")) == "actor.role"  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["4500000-7", "45000000", "45000000-77", "45000000_7",
                                  "ABCDEFGH-1", " 45000000-7", 45000000])
def test_a_bad_cpv_code_is_refused(code: object) -> None:
    assert field_of(lambda: setup(cpv_codes=("90910000-9", code))) == "cpv_codes"


def test_a_cpv_code_gives_the_industry_division() -> None:
    assert setup(cpv_codes=("45000000-7", "90910000-9")).cpv_division == "45"
    assert setup().cpv_division is None


# -- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "field"), [
    (lambda: Contract(D, date(2026, 4, 1), date(2026, 3, 31)), "contract_end"),
    (lambda: setup(contract_start=date(2026, 4, 1), contract_end=date(2026, 3, 31)),
     "contract_end"),
    (lambda: terms(D, months=0), "planned_end"),
    (lambda: SupplierReport(uuid4(), date(2026, 6, 30), date(2026, 4, 1), "Rapport"),
     "period_end"),
    (lambda: Preparation(uuid4(), "Arbetsträning", D, date(2026, 4, 30)), "end"),
], ids=["contract", "setup", "placement", "report", "preparation"])
def test_an_end_before_its_start_is_refused(make: Callable[[], object], field: str) -> None:
    assert field_of(make) == field


@pytest.mark.parametrize("day", [datetime(2026, 4, 1, 12), "1 april 2026", "2026-13-01", 20260401])
def test_a_day_must_be_a_date(day: object) -> None:
    assert field_of(lambda: setup(contract_start=day)) == "contract_start"


def test_a_day_may_be_given_in_iso_format() -> None:
    assert setup(contract_start="2026-04-01").contract_start == date(2026, 4, 1)


def test_a_kick_off_names_who_took_part() -> None:
    assert field_of(lambda: KickOff(D, ())) == "attendees"


# -- texts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("title", ["", "   ", "x" * 301, None])
def test_a_title_is_required_and_bounded(title: object) -> None:
    assert field_of(lambda: setup(title=title)) == "title"


def test_a_negative_estimated_value_is_refused() -> None:
    assert field_of(lambda: setup(estimated_value_sek=-1)) == "estimated_value_sek"


# -- SMEs (Commission Recommendation 2003/361/EC) ---------------------------------------------

@pytest.mark.parametrize(("staff", "turnover", "balance", "is_sme"), [
    (249, 50, 43, True),
    (249, 50, 1000, True),  # turnover within the ceiling is enough
    (249, 1000, 43, True),  # or the balance sheet within its ceiling
    (249, 51, 44, False),  # both above
    (250, 10, 10, False),  # 250 staff is no longer an SME
    (0, 0, 0, True),
])
def test_sme_status_follows_the_eu_definition(staff: int, turnover: int, balance: int,
                                              is_sme: bool) -> None:
    assert SmeStatus(staff, Decimal(turnover), Decimal(balance)).is_sme is is_sme


@pytest.mark.parametrize(("values", "field"), [
    ((-1, 1, 1), "sme.staff_headcount"),
    ((1.5, 1, 1), "sme.staff_headcount"),
    ((1, -1, 1), "sme.annual_turnover_meur"),
    ((1, 1, "mycket"), "sme.balance_sheet_total_meur"),
])
def test_sme_figures_are_non_negative_numbers(values: tuple[object, object, object],
                                              field: str) -> None:
    assert field_of(lambda: SmeStatus(*values)) == field  # type: ignore[arg-type]


def test_a_tender_lists_each_partner_once() -> None:
    partner = uuid4()
    plan = EmploymentPlan("Egen anställning", 1, Decimal(12), 1)
    assert field_of(lambda: Tender(uuid4(), plan, SmeStatus(1, Decimal(1), Decimal(1)),
                                   (partner, partner))) == "partner_ids"


# -- the follow-up plan -------------------------------------------------------------------------

@pytest.mark.parametrize(("make", "field"), [
    (lambda: PlanItem("Status", "S", "S", ItemType.TEXT, Role.MATCHER), "items.key"),
    (lambda: PlanItem("status", "S", "S", ItemType.ENUMERATION, Role.MATCHER),
     "items.status.options"),
    (lambda: PlanItem("status", "S", "S", ItemType.TEXT, Role.MATCHER, ("a",)),
     "items.status.options"),
    (lambda: PlanItem("status", "S", "S", ItemType.TEXT, Role.AUDITOR),
     "items.status.responsible"),
    (lambda: PlanItem("status", "S", "S", "colour", Role.MATCHER),  # type: ignore[arg-type]
     "items.status.type"),
    (lambda: FollowUpPlan(items=()), "items"),
    (lambda: FollowUpPlan(items=(*default_plan().items, default_plan().items[0])), "items"),
    (lambda: FollowUpPlan(items=default_plan().items, after_exit_months=(12, 6)),
     "after_exit_months"),
    (lambda: FollowUpPlan(items=default_plan().items, during_interval_months=0),
     "during_interval_months"),
], ids=["key", "enum-without-options", "options-on-text", "auditor-responsible",
        "unknown-type", "no-items", "item-twice", "after-exit-order", "interval"])
def test_a_malformed_follow_up_plan_is_refused(make: Callable[[], object], field: str) -> None:
    assert field_of(make) == field


@pytest.mark.parametrize(("value", "rule"), [
    ("1e-999999999", "at most 6 decimals"),
    ("0.0000001", "at most 6 decimals"),
    ("1e15", "must be less than"),
])
def test_numbers_beyond_what_a_case_can_hold_are_refused(value: str, rule: str) -> None:
    with pytest.raises(ValidationError) as error:
        validation.decimal(value, "minimum_full_time_months", minimum=Decimal(0))
    assert error.value.field == "minimum_full_time_months"
    assert rule in error.value.rule


@pytest.mark.parametrize("value", ["9999-12-31", "1899-12-31", date(3000, 1, 1)])
def test_days_outside_1900_to_2999_are_refused(value: object) -> None:
    with pytest.raises(ValidationError) as error:
        validation.day(value, "contract_start")
    assert error.value.field == "contract_start"


def test_a_checkpoint_key_with_an_absurd_number_is_not_a_checkpoint() -> None:
    assert not default_plan().is_checkpoint("during_" + "3" * 5000)
    assert default_plan().is_checkpoint("during_3")
