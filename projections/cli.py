"""`projections run | status | rebuild`: the commands an operator runs read models with.

`projections_group(build_service)` makes the click group; the `procurement` command
attaches it (web/cli.py) with its own service builder. `python -m projections.cli ...`
runs the same group on the store the environment names, for a projection process of its
own (and for the tests that kill one).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click
from eventsourcing.application import Application
from eventsourcing.persistence import PersistenceError

from domain.errors import ConfigurationError
from projections.registry import PROJECTIONS, named
from projections.runner import (
    BATCH_SIZE,
    RUNNER_MIN_INTERVAL,
    Follower,
    ProjectionRunner,
    status,
)

ServiceBuilder = Callable[[], Application[Any]]
EXIT_CONFIGURATION = 2


def projections_group(build_service: ServiceBuilder) -> click.Group:
    """The `projections` command group, on services made by `build_service`."""

    @contextmanager
    def service() -> Iterator[Application[Any]]:
        try:
            app = build_service()
        except ConfigurationError as error:
            click.echo(f"Configuration error: {error}", err=True)
            raise SystemExit(EXIT_CONFIGURATION) from None
        except PersistenceError as error:
            click.echo(f"Cannot open the event store: {error}", err=True)
            raise SystemExit(1) from None
        try:
            yield app
        finally:
            app.close()

    def projection_names(names: tuple[str, ...]) -> list[str]:
        try:
            return [p.name for p in named(names)]
        except KeyError as error:
            raise click.BadParameter(str(error.args[0]), param_hint="NAMES") from None

    @click.group("projections")
    def group() -> None:
        """Read models: audit trail, case lists and inboxes, compliance, statistics,
        reminders. Each follows the event store and records how far it has come."""

    @group.command("run")
    @click.argument("names", nargs=-1)
    @click.option("--batch-size", default=BATCH_SIZE, show_default=True,
                  type=click.IntRange(1, 5000), help="Events applied per transaction.")
    @click.option("--poll-interval", type=click.FloatRange(0.01, 60), default=None,
                  help="Seconds between looks at the log [SQLite 0.1, PostgreSQL 1.0, "
                       "which is also woken by LISTEN/NOTIFY].")
    @click.option("--min-interval", type=click.FloatRange(0, 60),
                  default=RUNNER_MIN_INTERVAL, show_default=True,
                  help="Under load, seconds between one projection's batches: the lists "
                       "lag up to this much more, for fewer and larger transactions.")
    def run(names: tuple[str, ...], batch_size: int, poll_interval: float | None,
            min_interval: float) -> None:
        """Follow the log with the named projections (all without names) until stopped
        (Ctrl+C or SIGTERM finish the current batch, then stop)."""
        chosen = projection_names(names)
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        with service() as app:
            follower = Follower(app, named(chosen), batch_size=batch_size,
                                poll_interval=poll_interval, min_interval=min_interval)

            def stop(signum: int, frame: FrameType | None) -> None:
                follower.stopped.set()

            signal.signal(signal.SIGTERM, stop)
            follower.start()
            click.echo(f"Following with {', '.join(chosen)} (Ctrl+C stops)", err=True)
            try:
                while not follower.stopped.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                follower.stop()
            click.echo("Stopped.", err=True)

    @group.command("status")
    def status_command() -> None:
        """Position, head of the log and lag (events, seconds) of every projection."""
        with service() as app:
            rows = status(app, named())
        header = ("PROJECTION", "POSITION", "HEAD", "LAG (EVENTS)", "LAG (SECONDS)")
        table = [(s.name, str(s.position), str(s.head), str(s.lag_events),
                  f"{s.lag_seconds:.1f}") for s in rows]
        widths = [max(len(r[i]) for r in (header, *table)) for i in range(len(header))]
        for row in (header, *table):
            click.echo("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                 for i, (c, w) in enumerate(zip(row, widths, strict=True))))

    @group.command("rebuild")
    @click.argument("name", type=click.Choice(list(PROJECTIONS)))
    @click.option("--batch-size", default=BATCH_SIZE, show_default=True,
                  type=click.IntRange(1, 5000), help="Events applied per transaction.")
    def rebuild(name: str, batch_size: int) -> None:
        """Drop one projection's tables and position and replay the whole log into it.
        A follower of the same projection elsewhere notices and carries on from there."""
        with service() as app:
            runner = ProjectionRunner(app, PROJECTIONS[name], batch_size=batch_size)
            head = runner.reader.head()
            with click.progressbar(length=head, label=f"Rebuilding {name}",
                                   show_pos=True) as bar:
                runner.rebuild(progress=bar.update)
            click.echo(f"{name}: {runner.position()} events applied from the start.")

    return group


def _service_from_environment() -> Application[Any]:
    from domain.service import ProcurementService

    return ProcurementService()


if __name__ == "__main__":
    projections_group(_service_from_environment)()
