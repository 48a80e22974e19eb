"""How numbers, money, shares and times are written, in the page's locale (Jinja filters).

Swedish pages write 12 345,5 and 2026-11-26, English ones 12,345.5 and 26 Nov 2026; times
are Swedish local time either way. Outside a request (the CLI) the format is Swedish.
Rounding is half up, as a person rounds, before Babel lays the figure out.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel import dates, numbers
from flask import Flask

from web.i18n import current_locale

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
_NBSP = "\u00a0"
# Swedish writes dates as ISO 8601 (the short form); the English short form (26/11/2026)
# is read the other way round by Americans, so English pages spell the month.
_DATE_WIDTH = {"sv": "short", "en": "medium"}


def _rounded(value: Decimal | int | float, places: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def number(value: Decimal | int | float, places: int = 0) -> str:
    """12345.5 -> '12 345,5' or '12,345.5': at most `places` decimals, trailing zeros cut."""
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return numbers.format_decimal(_rounded(value, places), pattern, locale=current_locale())


def money(value: Decimal | int | None) -> str:
    """Whole kronor: '12 345 kr' or 'SEK 12,345'."""
    if value is None:
        return "–"
    locale = current_locale()
    pattern = locale.currency_formats["standard"].pattern.split(";")[0]
    # No öre; and where the currency comes first (English), a space after its code, as
    # CLDR's currency spacing asks and Babel does not do.
    pattern = pattern.replace(".00", "").replace("¤#", "¤" + _NBSP + "#")
    return numbers.format_currency(_rounded(value, 0), "SEK", pattern, locale=locale,
                                   currency_digits=False)


def percent(share: Decimal | float) -> str:
    """0.755 -> '76 %' or '76%' (whole percent)."""
    whole = _rounded(Decimal(str(share)) * 100, 0) / 100
    return numbers.format_percent(whole, locale=current_locale())


def day(value: date | None) -> str:
    if value is None:
        return "–"
    locale = current_locale()
    return dates.format_date(value, _DATE_WIDTH[locale.language], locale=locale)


def local_time(value: datetime) -> str:
    """An event's UTC timestamp as Swedish local time, to the minute."""
    locale = current_locale()
    date_pattern = locale.date_formats[_DATE_WIDTH[locale.language]].pattern
    return dates.format_datetime(value.astimezone(LOCAL_TIME), f"{date_pattern} HH:mm",
                                 tzinfo=LOCAL_TIME, locale=locale)


def init_app(app: Flask) -> None:
    app.add_template_filter(number)
    app.add_template_filter(money)
    app.add_template_filter(percent)
    app.add_template_filter(day)
    app.add_template_filter(local_time)
