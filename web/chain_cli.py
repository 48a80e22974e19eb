"""`procurement verify`: check the hash chain of every procurement (or of those named)
against the events as stored now (operator's console: no reader, every event counted).

It first brings the chain up to the head of the log (links are recorded for events not
chained yet, from their bytes as stored now), then recomputes each case's chain from the
store and compares it with the links recorded when the events were first seen. Exit
status 0: every chain is clean; 1: a break (each broken case's first break is printed:
procurement, version, the link recorded and the link the stored event gives now).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from uuid import UUID

import click

from domain.errors import ProcurementNotFound
from domain.history_chain import ChainReport
from domain.service import ProcurementService
from projections.history_chain import HistoryChain
from projections.runner import ProjectionRunner

EXIT_BROKEN = 1


def verify_command(service: Callable[[], AbstractContextManager[ProcurementService]]
                   ) -> click.Command:
    """The command, on the service the `procurement` command opens."""

    @click.command("verify")
    @click.argument("procurement_ids", nargs=-1, type=click.UUID)
    def verify(procurement_ids: tuple[UUID, ...]) -> None:
        """Check each procurement's hash chain against the stored events: exit 0 if every
        chain is clean, 1 at a break (printed: procurement, version, expected, found)."""
        with service() as opened:
            stores = opened.case_stores.all() if opened.case_stores else [opened]
            for store in stores:  # each store's cases are chained in its own database
                ProjectionRunner(store, HistoryChain).catch_up()
            ids = list(procurement_ids) or list(dict.fromkeys(
                [*opened.chained_case_ids(), *opened.all_case_ids()]))
            reports = []
            for procurement_id in ids:
                try:
                    reports.append(opened.verify_stored_history(procurement_id))
                except ProcurementNotFound as error:
                    click.echo(str(error), err=True)
                    raise SystemExit(EXIT_BROKEN) from None
        broken = [r for r in reports if not r.clean]
        for report in broken:
            click.echo(describe_break(report))
        events = sum(r.checked for r in reports)
        if broken:
            click.echo(f"Broken: {len(broken)} of {len(reports)} procurement(s).")
            raise SystemExit(EXIT_BROKEN)
        click.echo(f"Clean: {len(reports)} procurement(s), {events} event(s) checked.")
        for report in reports:
            if report.head is not None:
                click.echo(f"  {report.procurement_id}  head at version "
                           f"{report.head.version}: {report.head.link}")

    return verify


def describe_break(report: ChainReport) -> str:
    broken = report.broken
    if broken is None:
        return f"{report.procurement_id}: clean"
    found = broken.found or "(the event is missing from the store)"
    expected = broken.expected or "(no link was recorded)"
    return (f"BREAK in procurement {broken.procurement_id} at version {broken.version}: "
            f"expected {expected}, found {found}")
