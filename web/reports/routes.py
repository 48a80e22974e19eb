"""Statistics and reports in the portal, for those the access policy lets have them
(web/reports/service.py asks it).

    GET /statistics?authority=&year=                 an authority's statistics: tables and
                                                     charts, with the downloads
    GET /statistics/<table>.csv|.xlsx?authority=&year=   one table as CSV or Excel
    GET /statistics/annual-report[.pdf]?authority=&year=   the annual report (browser, PDF)
    GET /procurements/<id>/reports/follow-up         the follow-up report in the browser
    GET /procurements/<id>/reports/follow-up.pdf     ... as a PDF (WeasyPrint)
    GET /reports/report.css                          the reports' stylesheet
    POST /procurements/<id>/reports/audit-extract    an audit extract of one case, and
    POST /reports/audit-extract                      of an authority's cases in a period:
                                                     queued for the background worker
    GET /reports/jobs/<job>                          its progress (refreshes itself)
    GET /reports/jobs/<job>/extract.pdf|history.jsonl   its files, when ready

An authority the user may not read, or statistics for a party that has none (suppliers,
matchers, social enterprises, the operator), answer 404 like a page that does not exist.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from domain import errors
from domain.values import Actor
from projections.labels import Label
from projections.statistics import SUPPRESSED_MARK
from web.auth import current_actor
from web.extension import current_read_models, current_service
from web.formatting import number
from web.i18n import language, pick
from web.presenters import OrganisationNames
from web.reports import jobs, rendering, spreadsheets
from web.reports.audit_extract import Scope
from web.reports.service import Reports
from web.reports.statistics import TABLE_KEYS, Cell, Statistics, charts

bp = Blueprint("reports", __name__)
FORMATS = {"csv": (spreadsheets.to_csv, spreadsheets.CSV_TYPE),
           "xlsx": (spreadsheets.to_xlsx, spreadsheets.XLSX_TYPE)}


class StatisticsQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    authority = fields.UUID(load_default=None)
    year = fields.Integer(load_default=None, validate=validate.Range(min=2000, max=2100))


def reports() -> Reports:
    read = current_read_models()
    return Reports(current_service(), read.reads_of_authority, read.all_reads)


def _query() -> tuple[UUID | None, int]:
    try:
        chosen: dict[str, Any] = StatisticsQuery().load(
            {k: v for k, v in request.args.items() if v != ""})
    except SchemaError as refusal:
        name = sorted(refusal.messages_dict)[0]
        raise errors.ValidationError(name, "format", f"{name}: {refusal.messages_dict[name][0]}"
                                     ) from None
    return chosen["authority"], chosen["year"] or current_service().clock.today().year


def _statistics(actor: Actor) -> Statistics:
    authority, year = _query()
    return reports().statistics(actor, authority, year)


def cell_text(cell: Cell) -> str:
    """A table cell as the page shows it: suppressed as "..", numbers in the locale."""
    if cell is None:
        return SUPPRESSED_MARK
    if isinstance(cell, Label):
        return pick(cell)
    if isinstance(cell, str):
        return cell
    return number(cell, 1)


@bp.get("/statistics")
def statistics() -> str:
    actor = current_actor()
    stats = _statistics(actor)
    names = OrganisationNames(current_service())
    authorities = [(a, names(a)) for a in reports().authorities(actor)]
    this_year = current_service().clock.today().year
    return render_template(
        "reports/statistics.html", stats=stats, charts=charts(stats, language()),
        authorities=authorities, authority_name=names(stats.authority_id),
        years=list(range(this_year, this_year - 6, -1)), cell_text=cell_text,
        formats=FORMATS, args={"authority": str(stats.authority_id), "year": stats.year})


@bp.get("/statistics/annual-report")
def annual_report_html() -> str:
    authority, year = _query()
    return reports().annual_html(current_actor(), authority, year, language(),
                                 stylesheet_href=url_for("reports.stylesheet"),
                                 back_href=url_for("reports.statistics", year=year,
                                                   authority=authority))


@bp.get("/statistics/annual-report.pdf")
def annual_report() -> Response:
    authority, year = _query()
    body = reports().annual_pdf(current_actor(), authority, year, language())
    return _pdf(body, f"arsrapport-{year}.pdf")


@bp.get("/statistics/<key>.<fmt>")
def download(key: str, fmt: str) -> Response:
    if key not in TABLE_KEYS or fmt not in FORMATS:
        abort(404)
    stats = _statistics(current_actor())
    write, mimetype = FORMATS[fmt]
    body = write(stats.table(key), language())
    name = f"{key}-{stats.year}.{fmt}"
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, mimetype=rendering.PDF_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/procurements/<uuid:procurement_id>/reports/follow-up")
def follow_up_html(procurement_id: UUID) -> str:
    return reports().follow_up_html(
        current_actor(), procurement_id, language(),
        stylesheet_href=url_for("reports.stylesheet"),
        back_href=url_for("start.procurement", procurement_id=procurement_id))


@bp.get("/procurements/<uuid:procurement_id>/reports/follow-up.pdf")
def follow_up_pdf(procurement_id: UUID) -> Response:
    body = reports().follow_up_pdf(current_actor(), procurement_id, language())
    return _pdf(body, f"uppfoljning-{procurement_id}.pdf")


@bp.get("/reports/report.css")
def stylesheet() -> Response:
    # Signed-in only, like the reports that link it (no route is public by accident).
    return Response(rendering.STYLESHEET.read_bytes(), mimetype="text/css")


@bp.app_template_global()
def report_links(case: Any) -> list[tuple[str, str]]:
    """The reports the case page offers the signed-in party: (label, address)."""
    from domain import access
    from domain.access import Command

    links: list[tuple[str, str]] = []
    if access.allows(Command.PRODUCE_FOLLOW_UP_REPORT, case.parts):
        pid = case.procurement_id
        links.append((pick(Label("Uppföljningsrapport (PDF)", "Follow-up report (PDF)")),
                      url_for("reports.follow_up_pdf", procurement_id=pid)))
        links.append((pick(Label("Uppföljningsrapport i webbläsaren",
                                 "Follow-up report in the browser")),
                      url_for("reports.follow_up_html", procurement_id=pid)))
    return links


@bp.app_template_global()
def audit_extract_allowed(case: Any) -> bool:
    from domain import access
    from domain.access import Command

    return access.allows(Command.PRODUCE_AUDIT_EXTRACT, case.parts)


# -- the audit extract, in the background ---------------------------------------------------

class PeriodForm(Schema):
    class Meta:
        unknown = EXCLUDE

    authority = fields.UUID(required=True)
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


@bp.post("/procurements/<uuid:procurement_id>/reports/audit-extract")
def request_case_extract(procurement_id: UUID) -> ResponseReturnValue:
    job_id = reports().request_audit_extract(current_actor(), Scope(procurement_id),
                                             language())
    return redirect(url_for("reports.job", job_id=job_id), 303)


@bp.post("/reports/audit-extract")
def request_period_extract() -> ResponseReturnValue:
    try:
        chosen: dict[str, Any] = PeriodForm().load(
            {k: v for k, v in request.form.items() if v != "" and k != "csrf_token"})
    except SchemaError as refusal:
        name = sorted(refusal.messages_dict)[0]
        raise errors.ValidationError(name, "format", f"{name}: {refusal.messages_dict[name][0]}"
                                     ) from None
    if chosen["since"] and chosen["until"] and chosen["until"] < chosen["since"]:
        raise errors.ValidationError("until", "not before since",
                                     "until: the period cannot end before it starts")
    scope = Scope(authority_id=chosen["authority"], since=chosen["since"],
                  until=chosen["until"])
    job_id = reports().request_audit_extract(current_actor(), scope, language())
    return redirect(url_for("reports.job", job_id=job_id), 303)


STAGES = {"queued": Label("Väntar på att starta", "Waiting to start"),
          "reading": Label("Läser händelserna", "Reading the events"),
          "layout": Label("Sätter sidorna", "Laying out the pages"),
          "writing": Label("Skriver PDF-filen", "Writing the PDF"),
          "done": Label("Klart", "Done"), "failed": Label("Misslyckades", "Failed")}


def _own_job(job_id: UUID) -> jobs.Job:
    job = reports().job_store().get(job_id, current_actor().user_id)
    if job is None:
        abort(404)
    return job


@bp.get("/reports/jobs/<uuid:job_id>")
def job(job_id: UUID) -> str:
    found = _own_job(job_id)
    return render_template("reports/job.html", job=found,
                           stage=pick(STAGES.get(found.stage, Label(found.stage, found.stage))))


@bp.get("/reports/jobs/<uuid:job_id>/extract.pdf")
def job_pdf(job_id: UUID) -> Response:
    return _job_file(job_id, "pdf")


@bp.get("/reports/jobs/<uuid:job_id>/history.jsonl")
def job_history(job_id: UUID) -> Response:
    return _job_file(job_id, "jsonl")


def _job_file(job_id: UUID, which: str) -> Response:
    _own_job(job_id)
    body = reports().job_store().file(job_id, current_actor().user_id, which)
    if body is None:
        abort(404)
    mimetype = rendering.PDF_TYPE if which == "pdf" else "application/jsonl"
    filename = f"granskningsutdrag-{job_id}.{'pdf' if which == 'pdf' else 'jsonl'}"
    return Response(body, content_type=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
