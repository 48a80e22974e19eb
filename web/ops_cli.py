"""The operator's commands for a production set-up (docs/deployment.md):

    procurement check-config     every mistake in the settings, one line each
    procurement db init          create every table once, before the workers start
    procurement web              the web app under gunicorn (web/gunicorn_conf.py)

The projection runner (`procurement projections run`) and the scheduler (`procurement
scheduler run`) are the two other processes; all of them read the same environment.
"""

from __future__ import annotations

import os
import sys

import click
from eventsourcing.persistence import PersistenceError

from domain.errors import ConfigurationError
from web import bootstrap

EXIT_CONFIGURATION = 2


def refuse_wrong_settings() -> None:
    """Print each mistake and exit with status 2, or return when all is well."""
    problems = bootstrap.check_settings()
    if problems:
        for problem in problems:
            click.echo(f"Configuration error: {problem}", err=True)
        raise SystemExit(EXIT_CONFIGURATION)


@click.command("check-config")
def check_config() -> None:
    """Check every setting the processes read; exit 2 naming each mistake (the check every
    command makes first)."""
    click.echo(f"Settings are valid. Events: {bootstrap.describe_store()}")


@click.group("db")
def db_group() -> None:
    """The database: create the tables before the workers start."""


@db_group.command("init")
def db_init() -> None:
    """Create the event store's tables and every read model's, once (safe to repeat).
    Run it before starting workers with CREATE_TABLE=n, and after an upgrade."""
    where = bootstrap.describe_store()
    try:
        tables = bootstrap.initialise_database()
    except ConfigurationError as error:
        click.echo(f"Configuration error: {error}", err=True)
        raise SystemExit(EXIT_CONFIGURATION) from None
    except PersistenceError as error:
        click.echo(f"Cannot create the tables in {where}: {error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{len(tables)} tables ready in {where}:")
    click.echo("  " + ", ".join(tables))


@click.command("web")
def web_command() -> None:
    """Serve the web app under gunicorn: PROCUREMENT_BIND, PROCUREMENT_WEB_WORKERS,
    PROCUREMENT_WEB_THREADS, PROCUREMENT_WEB_TIMEOUT (docs/deployment.md). Each worker
    builds its own service and connection pool after the fork."""
    # exec: gunicorn becomes this process, so a service manager's signals reach it.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn",  # noqa: S606
                              "--config", "python:web.gunicorn_conf", "web.app:create_app()"])
