"""`scheduler run | once | status`: the reminders, the mail and the retention of the
participant register on a timer, for operators.

`scheduler_group(build_service)` makes the click group; the `procurement` command attaches
it (web/cli.py) with its own service builder. `procurement serve` runs the same scheduler in
a background thread of the web process (`embedded_scheduler`) unless
PROCUREMENT_SCHEDULER=off; whichever processes run one, only the leader acts.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from types import FrameType
from typing import Any, NoReturn

import click
from eventsourcing.persistence import PersistenceError

from domain.errors import ConfigurationError
from domain.service import ProcurementService
from projections.runner import Follower, status
from scheduler import runner
from scheduler.reminding import READ_MODELS, due_today

ServiceBuilder = Callable[[], ProcurementService]
EXIT_CONFIGURATION = 2
STATUS_FRESHNESS_TIMEOUT = 10.0  # seconds


def scheduler_group(build_service: ServiceBuilder) -> click.Group:
    """The `scheduler` command group, on services made by `build_service`."""

    @contextmanager
    def service() -> Iterator[ProcurementService]:
        try:
            app = build_service()
        except ConfigurationError as error:
            _configuration_error(error)
        except PersistenceError as error:
            click.echo(f"Cannot open the event store: {error}", err=True)
            raise SystemExit(1) from None
        try:
            yield app
        finally:
            app.close()

    @contextmanager
    def scheduler() -> Iterator[runner.Scheduler]:
        with service() as app:
            try:
                yield runner.Scheduler(app)
            except ConfigurationError as error:
                _configuration_error(error)

    @click.group("scheduler")
    def group() -> None:
        """Reminders and escalations when they fall due, and their e-mail. Only one
        scheduler acts at a time (a database lock elects it); the others stand by."""

    @group.command("run")
    def run() -> None:
        """Run the jobs until stopped (Ctrl+C or SIGTERM end the round in hand, then
        stop). Reminders run at once, so what was missed while stopped is sent now."""
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        with scheduler() as jobs:
            def stop(signum: int, frame: FrameType | None) -> None:
                jobs.stopping.set()

            signal.signal(signal.SIGTERM, stop)
            jobs.start()
            click.echo(f"Scheduler started: reminders every "
                       f"{jobs.settings.reminders_interval:g} s, mail every "
                       f"{jobs.settings.mail_interval:g} s, while this process holds the "
                       f"{jobs.leader.description} (Ctrl+C stops)", err=True)
            try:
                while not jobs.stopping.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            finally:
                jobs.stop()
            click.echo("Stopped.", err=True)

    @group.command("once")
    def once() -> None:
        """One round of reminders, mail and retention; prints what it did (the erased
        people by reference only), for cron or a person.
        Does nothing while another scheduler is active."""
        with scheduler() as jobs:
            try:
                runs = jobs.once()
            finally:
                jobs.leader.release()
        for one in runs:
            click.echo(f"{one.job}: {one.outcome}: {one.summary}")
        if any(r.outcome == runner.FAILED for r in runs):
            raise SystemExit(1)

    @group.command("status")
    def status_command() -> None:
        """Whether a scheduler is active, each job's last run, what is due today and the
        mail deliveries."""
        with scheduler() as jobs:
            app = jobs.service
            leads = jobs.leader.someone_leads()
            click.echo(f"Active scheduler: {'yes' if leads else 'none'} "
                       f"({jobs.leader.description})")
            lasts = runner.last_runs(app)
            if not lasts:
                click.echo("Last runs: none yet")
            for last in lasts:
                click.echo(f"Last {last.job} run: {last.finished_at} by {last.holder}: "
                           f"{last.outcome}: {last.summary}")
            # What the next round would find, so the read model is brought up to date first.
            fresh = jobs.reminders.fresh(STATUS_FRESHNESS_TIMEOUT)
            today = app.clock.today()
            click.echo(f"Reminders due today ({today}): {due_today(app, today)}"
                       + ("" if fresh else " (the read model is behind the log)"))
            for lag in status(app, READ_MODELS):
                click.echo(f"Read model {lag.name}: position {lag.position} of {lag.head}")
            mailer = runner.mailer_module()
            if mailer is None:
                click.echo("Mail: no mailer in this build")
            else:
                click.echo(f"Mail: {_lines(mailer.status(app))}")

    return group


def _lines(value: Any) -> str:
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return "".join(f"\n  {k}: {v}" for k, v in value.items())
    return str(value)


def _configuration_error(error: ConfigurationError) -> NoReturn:
    click.echo(f"Configuration error: {error}", err=True)
    raise SystemExit(EXIT_CONFIGURATION) from None


def embedded_mode_or_exit() -> str:
    """PROCUREMENT_SCHEDULER, checked before `serve` opens anything."""
    try:
        return runner.embedded_mode()
    except ConfigurationError as error:
        _configuration_error(error)


@contextmanager
def embedded_scheduler(service: ProcurementService, follower: Follower | None,
                       mode: str) -> Iterator[runner.Scheduler | None]:
    """The scheduler in a background thread of the web process, while the block runs."""
    if mode == runner.OFF:
        click.echo("Scheduler: off (PROCUREMENT_SCHEDULER=off)")
        yield None
        return
    try:
        jobs = runner.embedded(service, follower)
    except ConfigurationError as error:
        _configuration_error(error)
    jobs.start()
    click.echo(f"Scheduler: in this process, active while it holds the "
               f"{jobs.leader.description}")
    try:
        yield jobs
    finally:
        jobs.stop()


def _service_from_environment() -> ProcurementService:
    return ProcurementService()


if __name__ == "__main__":
    scheduler_group(_service_from_environment)()
