"""Statistics of the authorities the caller may read (reports/service.py asks the access
policy): follow-up outcomes per target group and checkpoint, and the SMEs' share of
tenders and awards, per authority and year, with every count under 5 suppressed (null).

A caller with no statistics to read (a supplier, a matcher, ...) or asking for an
authority it may not read gets 404, as for an authority that does not exist."""

from __future__ import annotations

from typing import Any

from projections import statistics
from reports.service import Reports
from web.api.blueprint import actor, bp, operation, service
from web.api.schemas import statistics as schemas
from web.extension import current_read_models

TAGS = ["statistics"]
BY = ("authority", "year")


def _reports() -> Reports:
    return Reports(service(), current_read_models().db)


@bp.route("/statistics/outcomes", methods=["GET"], tags=TAGS)
@bp.arguments(schemas.StatisticsQuery, location="query")
@bp.response(200, schemas.OutcomeGroupView(many=True))
@operation("statistics_outcomes", 404)
def outcomes(query: dict[str, Any]) -> list[statistics.OutcomeGroup]:
    """Employment status per target group and checkpoint, per authority and year"""
    reports = _reports()
    scope = reports.statistics_scope(actor(), query["authority_id"])
    return statistics.outcomes(reports.db, group_by=BY, authority_ids=scope, year=query["year"])


@bp.route("/statistics/sme-shares", methods=["GET"], tags=TAGS)
@bp.arguments(schemas.StatisticsQuery, location="query")
@bp.response(200, schemas.SmeShareView(many=True))
@operation("statistics_sme_shares", 404)
def sme_shares(query: dict[str, Any]) -> list[statistics.SmeShare]:
    """The SMEs' share of tenders and of awards, per authority and year"""
    reports = _reports()
    scope = reports.statistics_scope(actor(), query["authority_id"])
    return statistics.sme_shares(reports.db, group_by=BY, authority_ids=scope,
                                 year=query["year"])
