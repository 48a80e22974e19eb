"""How numbers, money and times are written on Swedish pages (Jinja filters)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import Flask

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
_NBSP = "\u00a0"


def number(value: Decimal | int | float, places: int = 0) -> str:
    """12345.5 -> '12 345,5': space between thousands, decimal comma, trailing zeros cut."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:,.{places}f}".partition(".")
    fraction = fraction.rstrip("0")
    whole = whole.replace(",", _NBSP)
    return f"{whole},{fraction}" if fraction else whole


def money(value: Decimal | int | None) -> str:
    return "–" if value is None else f"{number(value)}{_NBSP}kr"


def percent(share: Decimal | float) -> str:
    return f"{number(Decimal(str(share)) * 100)}{_NBSP}%"


def day(value: date | None) -> str:
    return "–" if value is None else value.isoformat()


def local_time(value: datetime) -> str:
    """An event's UTC timestamp as Swedish local time, to the minute."""
    return value.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")


def init_app(app: Flask) -> None:
    app.add_template_filter(number)
    app.add_template_filter(money)
    app.add_template_filter(percent)
    app.add_template_filter(day)
    app.add_template_filter(local_time)
