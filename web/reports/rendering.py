"""Reports as HTML (this package's templates/) and as PDF (WeasyPrint), in the producing
user's language.

The templates are plain Jinja with both languages written where they are used,
`t("svenska", "English")`, as the reminder e-mails do (scheduler/mail_templates): a report
is rendered by a web request or by a background job, with no Flask request around it.
Codes are named from the same label tables as the portal.

The same HTML is a page in the browser (linking the stylesheet by its URL) and the PDF's
source (the stylesheet read from the file, plus the page box: page numbers "Sida 2 av 7",
and on every page the date, time and the user who produced it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import dates, numbers
from weasyprint import CSS, HTML

from projections.labels import Label
from projections.statistics import SUPPRESSED_MARK

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES / "report.css"
LOCALES = {"sv": "sv_SE", "en": "en_GB"}  # as the portal's (web/i18n.py)
LOCAL_TIME = ZoneInfo("Europe/Stockholm")
PDF_TYPE = "application/pdf"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Producer:
    """Who produced a report, when, and in which language it is written."""

    user_name: str
    organisation_name: str
    produced_at: datetime
    language: str = "sv"

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, LOCALES["sv"])

    def t(self, sv: str, en: str) -> str:
        return en if self.language == "en" else sv

    def pick(self, label: Label) -> str:
        return self.t(label.sv, label.en)

    def number(self, value: Decimal | int | float | None, places: int = 1) -> str:
        """12345.5 as '12 345,5' or '12,345.5'; None (suppressed) as '..'."""
        if value is None:
            return SUPPRESSED_MARK
        rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places),
                                               rounding=ROUND_HALF_UP)
        pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
        return numbers.format_decimal(rounded, pattern, locale=self.locale)

    def cell(self, value: object) -> str:
        """A statistics cell: suppressed as "..", a label in the language, a number in the
        locale, text as it is."""
        if value is None:
            return SUPPRESSED_MARK
        if isinstance(value, Label):
            return self.pick(value)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return self.number(value)
        return str(value)

    def day(self, value: date | None) -> str:
        if value is None:
            return "–"
        if self.language != "en":
            return value.isoformat()
        return dates.format_date(value, "medium", locale=self.locale)

    def moment(self) -> str:
        local = self.produced_at.astimezone(LOCAL_TIME)
        return f"{self.day(local.date())} {local.strftime('%H:%M')}"

    def line(self) -> str:
        """The footer line: when and by whom."""
        return self.t(f"Skapad {self.moment()} av {self.user_name}, {self.organisation_name}",
                      f"Produced {self.moment()} by {self.user_name}, "
                      f"{self.organisation_name}")


def render_html(template: str, producer: Producer, *, stylesheet_href: str | None = None,
                back_href: str | None = None, **context: Any) -> str:
    """The report as an HTML document; `stylesheet_href`: the stylesheet's URL for a
    browser (the PDF reads the file instead)."""
    return _ENV.get_template(template).render(
        p=producer, t=producer.t, pick=producer.pick, num=producer.number, day=producer.day,
        lang=producer.language, stylesheet_href=stylesheet_href, back_href=back_href,
        **context)


def to_pdf(html: str, producer: Producer) -> bytes:
    """The HTML as a PDF, with page numbers and the producer on every page."""
    document = HTML(string=html, base_url=str(TEMPLATES))
    return bytes(document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET)),
                                                 CSS(string=page_box(producer))]))


def page_box(producer: Producer) -> str:
    """The margin boxes: the producer line at the left, "Sida n av m" at the right."""
    page, of = producer.t("Sida", "Page"), producer.t("av", "of")
    line = _css_string(producer.line())
    return (f'@page {{ @bottom-left {{ content: "{line}"; }} '
            f'@bottom-right {{ content: "{page} " counter(page) " {of} " counter(pages); }} }}')


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
