"""Statistics of the authorities the caller may read (web/reports/service.py asks the access
policy): follow-up outcomes per target group and checkpoint, and the SMEs' share of
tenders and awards, per authority and year, with every count under 5 suppressed (null).

A caller with no statistics to read (a supplier, a matcher, ...) or asking for an
authority it may not read gets 404, as for an authority that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from marshmallow import RAISE

from projections import statistics
from projections.db import Database
from web.api.blueprint import actor, bp, operation, service
from web.api.schemas import statistics as schemas
from web.extension import current_read_models
from web.reports.service import Reports

TAGS = ["statistics"]
BY = ("authority", "year")
Row = TypeVar("Row")


def _reports() -> Reports:
    return Reports(service(), current_read_models().reads_of_authority)


def _across_stores(query: dict[str, Any], read: Callable[..., list[Row]]) -> list[Row]:
    """`read` (a statistics query) of the authorities the caller may read, asked of each
    store's read models for the authorities whose cases it holds."""
    reports = _reports()
    by_store: dict[Database, list[UUID]] = {}
    for authority in reports.statistics_scope(actor(), query["authority_id"]):
        by_store.setdefault(reports.reads_of(authority), []).append(authority)
    return [row for db, authorities in by_store.items()
            for row in read(db, group_by=BY, authority_ids=authorities, year=query["year"])]


@bp.route("/statistics/outcomes", methods=["GET"], tags=TAGS)
@bp.arguments(schemas.StatisticsQuery, location="query", unknown=RAISE)
@bp.response(200, schemas.OutcomeGroupView(many=True))
@operation("statistics_outcomes", 404)
def outcomes(query: dict[str, Any]) -> list[statistics.OutcomeGroup]:
    """Employment status per target group and checkpoint, per authority and year"""
    return _across_stores(query, statistics.outcomes)


@bp.route("/statistics/sme-shares", methods=["GET"], tags=TAGS)
@bp.arguments(schemas.StatisticsQuery, location="query", unknown=RAISE)
@bp.response(200, schemas.SmeShareView(many=True))
@operation("statistics_sme_shares", 404)
def sme_shares(query: dict[str, Any]) -> list[statistics.SmeShare]:
    """The SMEs' share of tenders and of awards, per authority and year"""
    return _across_stores(query, statistics.sme_shares)
