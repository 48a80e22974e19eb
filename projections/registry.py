"""Every projection by name, in the order `projections status` lists them."""

from __future__ import annotations

from collections.abc import Sequence

from projections.audit_trail import AuditTrail
from projections.base import Projection
from projections.case_list import CaseList
from projections.compliance import Compliance
from projections.double_counts import DoubleCounts
from projections.history_chain import HistoryChain
from projections.notices import Notices
from projections.reminders import Reminders
from projections.retention import Retention
from projections.statistics import Statistics

PROJECTIONS: dict[str, type[Projection]] = {
    p.name: p for p in (AuditTrail, CaseList, Compliance, Statistics, Reminders, Notices,
                                    Retention, HistoryChain, DoubleCounts)}


def named(names: Sequence[str] | None = None) -> list[type[Projection]]:
    """The projections with these names (all of them for none); KeyError names the unknown."""
    if not names:
        return list(PROJECTIONS.values())
    unknown = [n for n in names if n not in PROJECTIONS]
    if unknown:
        raise KeyError(f"no projection named {', '.join(unknown)}; "
                       f"there are {', '.join(PROJECTIONS)}")
    return [PROJECTIONS[n] for n in dict.fromkeys(names)]
