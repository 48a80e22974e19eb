"""The follow-up plan (uppföljningsmodell): which statistics items are collected for each
participant, by whom, and at which checkpoints. DESIGN.md §5."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from domain import validation
from domain.errors import ValidationError
from domain.values import Role, parse_enum

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ItemType(Enum):
    ENUMERATION = "enumeration"
    NUMBER = "number"
    YES_NO = "yes_no"
    DATE = "date"
    TEXT = "text"


# The authority verifies what the others report; it records no participant data itself.
RESPONSIBLE_PARTIES = (Role.SUPPLIER, Role.MATCHER, Role.SOCIAL_ENTERPRISE)


@dataclass(frozen=True)
class PlanItem:
    """One statistics item, e.g. employment status, with the party that reports it."""

    key: str
    label_sv: str
    label_en: str
    item_type: ItemType
    responsible: Role
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            raise ValidationError("items.key", "must be lower-case letters, digits and _")
        set_(self, "label_sv", validation.text(self.label_sv, f"items.{self.key}.label_sv",
                                               max_length=200))
        set_(self, "label_en", validation.text(self.label_en, f"items.{self.key}.label_en",
                                               max_length=200))
        set_(self, "item_type", parse_enum(ItemType, self.item_type, f"items.{self.key}.type"))
        responsible = parse_enum(Role, self.responsible, f"items.{self.key}.responsible")
        if responsible not in RESPONSIBLE_PARTIES:
            raise ValidationError(f"items.{self.key}.responsible",
                                  "must be supplier, matcher or social_enterprise")
        set_(self, "responsible", responsible)
        options = tuple(self.options)
        if self.item_type is ItemType.ENUMERATION and not options:
            raise ValidationError(f"items.{self.key}.options", "an enumeration needs options")
        if self.item_type is not ItemType.ENUMERATION and options:
            raise ValidationError(f"items.{self.key}.options", "only enumerations have options")
        set_(self, "options", options)

    def check_value(self, value: Any) -> Any:
        """The value as stored, or a validation error naming this item."""
        field = f"values.{self.key}"
        if self.item_type is ItemType.ENUMERATION:
            if value not in self.options:
                raise ValidationError(field, f"must be one of: {', '.join(self.options)}")
            return value
        if self.item_type is ItemType.NUMBER:
            return validation.decimal(value, field, minimum=Decimal(0))
        if self.item_type is ItemType.YES_NO:
            return validation.flag(value, field)
        if self.item_type is ItemType.DATE:
            return validation.day(value, field)
        return validation.text(value, field, max_length=2000)


def checkpoint_key_after_exit(months: int) -> str:
    return f"after_exit_{months}"


def checkpoint_key_during(months: int) -> str:
    return f"during_{months}"


@dataclass(frozen=True)
class FollowUpPlan:
    items: tuple[PlanItem, ...]
    during_interval_months: int = 3
    after_exit_months: tuple[int, ...] = (3, 6, 12, 24)
    report_interval_months: int = 3

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        items = tuple(self.items)
        if not items:
            raise ValidationError("items", "the plan needs at least one statistics item")
        keys = [item.key for item in items]
        for key in keys:
            if keys.count(key) > 1:
                raise ValidationError("items", f"item '{key}' is listed twice")
        set_(self, "items", items)
        set_(self, "during_interval_months", validation.integer(
            self.during_interval_months, "during_interval_months", minimum=1, maximum=24))
        set_(self, "report_interval_months", validation.integer(
            self.report_interval_months, "report_interval_months", minimum=1, maximum=24))
        after = tuple(self.after_exit_months)
        for months in after:
            validation.integer(months, "after_exit_months", minimum=1, maximum=120)
        if list(after) != sorted(set(after)):
            raise ValidationError("after_exit_months", "must be increasing, without repeats")
        set_(self, "after_exit_months", after)

    def item(self, key: str) -> PlanItem:
        for item in self.items:
            if item.key == key:
                return item
        raise ValidationError(f"values.{key}", "is not an item of the follow-up plan")

    def is_checkpoint(self, key: str) -> bool:
        if key in ("start", "exit"):
            return True
        if key.startswith("during_"):
            months = key.removeprefix("during_")
            # Only the canonical key ("during_3", not "during_03" or "during_³") matches a
            # due date, and str.isdigit alone admits digits that int() refuses.
            if not (months.isascii() and months.isdigit() and len(months) <= 4):
                return False
            return key == checkpoint_key_during(int(months)) and int(months) > 0 and (
                int(months) % self.during_interval_months == 0)
        return key in {checkpoint_key_after_exit(m) for m in self.after_exit_months}

    def check_values(self, values: dict[str, Any], recorder: Role) -> dict[str, Any]:
        """Values keyed by item; each must be the recorder's to give and of the item's type."""
        if not values:
            raise ValidationError("values", "record at least one item")
        checked: dict[str, Any] = {}
        for key, value in values.items():
            item = self.item(key)
            if item.responsible is not recorder:
                raise ValidationError(
                    f"values.{key}", f"is reported by the {item.responsible.value}, not by the "
                    f"{recorder.value}")
            checked[key] = item.check_value(value)
        return checked

    def due_dates(self, start: date, exit_on: date | None,
                  planned_end: date) -> list[tuple[str, date]]:
        """Every checkpoint of one placement with the day it falls due, in time order."""
        due = [("start", start)]
        last_day_in_work = exit_on or planned_end
        months = self.during_interval_months
        while (day := add_months(start, months)) < last_day_in_work:
            due.append((checkpoint_key_during(months), day))
            months += self.during_interval_months
        due.append(("exit", last_day_in_work))
        due.extend((checkpoint_key_after_exit(m), add_months(last_day_in_work, m))
                   for m in self.after_exit_months)
        return due


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate_day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")  # pragma: no cover


EMPLOYMENT_STATUSES = ("same_employer", "other_employer", "studies", "unemployed",
                       "other_intervention", "unknown")
EMPLOYMENT_FORMS = ("fixed_term", "permanent", "internship", "apprenticeship", "none")


def default_plan() -> FollowUpPlan:
    """The plan that ships: the items practice asks for (DESIGN.md §5)."""
    return FollowUpPlan(items=(
        PlanItem("employment_status", "Sysselsättning", "Employment status",
                 ItemType.ENUMERATION, Role.MATCHER, EMPLOYMENT_STATUSES),
        PlanItem("hours_per_week", "Timmar per vecka", "Hours per week",
                 ItemType.NUMBER, Role.SUPPLIER),
        PlanItem("employment_form", "Anställningsform", "Form of employment",
                 ItemType.ENUMERATION, Role.SUPPLIER, EMPLOYMENT_FORMS),
        PlanItem("training_completed", "Genomförd utbildning", "Training completed",
                 ItemType.YES_NO, Role.SUPPLIER),
        PlanItem("other_interventions", "Andra insatser (t.ex. SFI, vuxenutbildning)",
                 "Other interventions (e.g. SFI, adult education)", ItemType.TEXT, Role.MATCHER),
        PlanItem("wage_subsidy", "Lönestöd", "Wage subsidy", ItemType.YES_NO, Role.MATCHER),
    ))
