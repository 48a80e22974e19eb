"""A case's history: the case as it stood at a past moment (`?as_of=` or `?version=` on
the case itself, web/api/routes/queries.py), what changed between two moments, and the
check of its hash chain. The owner and auditors (domain/access.py)."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from flask import request

from domain.errors import NotFound
from domain.history_chain import ChainLink, ChainReport
from domain.past import CaseDiff, Moment
from web.api.blueprint import READ, actor, bp, operation, service
from web.api.routes.setup import CASE
from web.api.schemas import history

TAGS = ["history"]


def moment(args: Mapping[str, str], prefix: str = "") -> Moment:
    """The moment the query names with `<prefix>version` or `<prefix>as_of`."""
    names = (f"{prefix}version", f"{prefix}as_of")
    return Moment(args.get(names[0]), args.get(names[1]), names)


def moment_parameters(prefix: str = "", what: str = "the case") -> list[dict[str, object]]:
    return [
        {"name": f"{prefix}as_of", "in": "query", "required": False,
         "description": f"{what} as it stood at this moment (ISO 8601 with a time zone): "
                        "after the last event recorded at or before it",
         "schema": {"type": "string", "format": "date-time"}},
        {"name": f"{prefix}version", "in": "query", "required": False,
         "description": f"{what} at this version, numbered as your history is "
                        f"(not with {prefix}as_of)",
         "schema": {"type": "integer", "minimum": 1}},
    ]


@bp.route(f"{CASE}/diff", methods=["GET"], tags=TAGS)
@bp.doc(parameters=[*moment_parameters("from_", "From"), *moment_parameters("to_", "To")])
@bp.response(200, history.CaseDiffView)
@operation("case_diff", 400, 403, *READ)
def case_diff(procurement_id: UUID) -> CaseDiff:
    """What changed between two moments, field by field (`to` by default: now), and what
    was recorded in between (the owner and auditors)"""
    return service().case_diff(actor(), procurement_id, moment(request.args, "from_"),
                               moment(request.args, "to_"))


@bp.route(f"{CASE}/chain", methods=["GET"], tags=TAGS)
@bp.response(200, history.ChainReportView)
@operation("verify_history", 403, *READ)
def verify_history(procurement_id: UUID) -> ChainReport:
    """Recompute the case's hash chain from its stored events and report the first break,
    if any, and the head (the owner and auditors)"""
    return service().verify_history(actor(), procurement_id)


@bp.route(f"{CASE}/chain/head", methods=["GET"], tags=TAGS)
@bp.doc(parameters=[{
    "name": "version", "in": "query", "required": False, "schema": {"type": "integer",
                                                                     "minimum": 1},
    "description": "The link at this version (numbered as your history is), e.g. the one "
                   "a printed audit extract shows; without it, the last"}])
@bp.response(200, history.ChainLinkView)
@operation("chain_head", 400, 403, *READ)
def chain_head(procurement_id: UUID) -> ChainLink:
    """The last link of the case's hash chain, or the one at `version`, as recorded (the
    owner and auditors)"""
    head = service().chain_head(actor(), procurement_id, request.args.get("version"))
    if head is None:
        raise NotFound(f"Procurement {procurement_id} has no chained event yet")
    return head
