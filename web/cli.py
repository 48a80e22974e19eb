"""The `procurement` command: serve the web app, load demo data, look at cases, manage the
directory.

Every command reads its store settings from the environment (PERSISTENCE_MODULE,
SQLITE_DBNAME, POSTGRES_*, PROCUREMENT_DATA_DIR) through web/bootstrap.py. Wrong settings
print what is wrong and exit with status 2.

`list`, `show` and `admin` are the operator's console on the server: they read through
the service's console-only methods (`all_case_ids`, `inspect`) and run directory commands
with no acting user (`actor=None`), which no access policy guards.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from uuid import UUID

import click
from eventsourcing.persistence import PersistenceError

from domain import config
from domain.directory.credentials import check_password_rules
from domain.directory.user import OrgRole
from domain.errors import ConfigurationError, DomainError, ProcurementNotFound
from domain.procurement import Procurement
from domain.service import ProcurementService
from domain.values import Role
from domain.views import HistoryEntry
from projections.cli import projections_group
from projections.store_copy import copy_store
from scheduler.cli import embedded_mode_or_exit, embedded_scheduler, scheduler_group
from web import bootstrap, demo, labels, logs, ops_cli
from web.chain_cli import verify_command
from web.extension import EXTENSION_KEY, MODE_SETTING
from web.formatting import day, local_time, money, number, percent
from web.presenters import CaseRow, Names, OrganisationNames
from web.read_models import BACKGROUND, EXTERNAL

EXIT_CONFIGURATION = 2
NO_BREAK_SPACE = "\u00a0"


@click.group()
def main() -> None:
    """Case management for procurements with employment requirements (sysselsättningskrav)."""
    # Every command checks every setting, so a mistake shows at the first start of any
    # process, each mistake on a line of its own.
    ops_cli.refuse_wrong_settings()
    logs.configure(config.operations_settings())


@contextmanager
def _service(env: dict[str, str] | None = None) -> Iterator[ProcurementService]:
    """The service on the configured store (or the one `env` names); wrong settings end
    the command with status 2."""
    try:
        where = bootstrap.describe_store(env)
        service = bootstrap.build_service(env)
    except ConfigurationError as error:
        click.echo(f"Configuration error: {error}", err=True)
        raise SystemExit(EXIT_CONFIGURATION) from None
    except PersistenceError as error:
        click.echo(f"Cannot open the event store ({where}): {error}", err=True)
        raise SystemExit(1) from None
    try:
        yield service
    finally:
        service.close()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--projections/--no-projections", "follow", default=True, show_default=True,
              help="Keep the read models up to date in a background thread of this process "
                   "(the embedded default; production runs `procurement projections run`).")
def serve(host: str, port: int, follow: bool) -> None:
    """Serve the web application (Flask's built-in server, threaded), and the scheduler in
    a background thread unless PROCUREMENT_SCHEDULER=off."""
    from web.app import create_app

    scheduler_mode = embedded_mode_or_exit()
    # The store is opened here, before listening, so wrong settings fail at once.
    with _service() as service:
        app = create_app({MODE_SETTING: BACKGROUND if follow else EXTERNAL}, service=service)
        click.echo(f"Events: {bootstrap.describe_store()}")
        holder = app.extensions[EXTENSION_KEY]
        holder.read_models()  # follow the log from now on, not from the first request
        try:
            with embedded_scheduler(service, holder.read_models().follower, scheduler_mode):
                click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C stops)")
                app.run(host=host, port=port, threaded=True, use_reloader=False)
        finally:
            holder.close()


main.add_command(projections_group(bootstrap.build_service))
main.add_command(scheduler_group(bootstrap.build_service))
main.add_command(ops_cli.db_group)
main.add_command(ops_cli.web_command)
main.add_command(ops_cli.check_config)
main.add_command(verify_command(_service))


@main.command("demo")
@click.option("--force", is_flag=True,
              help="Add another demo set even though the store already holds cases.")
def demo_command(force: bool) -> None:
    """Load demo data: one procurement in every lifecycle state."""
    with _service() as service:
        existing = len(service.all_case_ids())
        if existing and not force:
            click.echo(f"The store already holds {existing} procurement(s): nothing added. "
                       "Use --force to add another demo set.")
            return
        created = demo.seed(service)
        click.echo(f"Created {len(created)} procurements in {bootstrap.describe_store()}:")
        _table(("STATE", "REFERENCE", "TITLE", "ID"),
               [(c.state.value, c.reference, c.title, str(c.procurement_id)) for c in created])
        click.echo()
        click.echo("Demo users (for the demo only: these passwords are published):")
        _table(("PARTY", "ORGANISATION", "E-MAIL", "PASSWORD"),
               [(p.party, p.name, p.email, p.password) for p in demo.PARTIES])


@main.command("list")
def list_command() -> None:
    """List every procurement (operator's console)."""
    with _service() as service:
        names = OrganisationNames(service)
        rows = [CaseRow.of_case(service.inspect(case_id)[0], names)
                for case_id in service.all_case_ids()]
        if not rows:
            click.echo("No procurements yet (load the demo with: procurement demo).")
            return
        _table(("STATE", "REFERENCE", "TITLE", "OWNER", "ID"),
               [(r.state.value, r.reference, r.title, r.owner, str(r.procurement_id))
                for r in rows])


@main.command()
@click.argument("procurement_id", type=click.UUID)
def show(procurement_id: UUID) -> None:
    """Show one procurement with its full history (operator's console)."""
    with _service() as service:
        try:
            case, history = service.inspect(procurement_id)
        except ProcurementNotFound as error:
            click.echo(str(error), err=True)
            raise SystemExit(1) from None
        names = OrganisationNames(service)
        _show_case(case, service, names)
        _show_history(history, names)


# -- the directory: organisations and users ---------------------------------------------

PARTY_TYPES = {
    "authority": Role.AUTHORITY, "supplier": Role.SUPPLIER, "matcher": Role.MATCHER,
    "social_enterprise": Role.SOCIAL_ENTERPRISE, "audit": Role.AUDITOR,
    "auditor": Role.AUDITOR, "operator": Role.ADMIN, "admin": Role.ADMIN,
}


@main.group()
def admin() -> None:
    """Organisations and users (operator's console: no access check, server only)."""


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal of the service ends the command with its message and status 1."""
    try:
        yield
    except DomainError as error:
        click.echo(f"Refused: {error}", err=True)
        raise SystemExit(1) from None


@admin.command("create-cipher-key")
def create_cipher_key() -> None:
    """Print a new key for encrypting every event at rest (CIPHER_KEY; see the README).
    Nothing is stored: put it in your secret store, never beside the database."""
    from eventsourcing.cryptography import AESCipher

    click.echo(AESCipher.create_key(32))


@admin.command("copy-store")
def copy_store_command() -> None:
    """Copy every event, participant key and read-log entry into a new, empty store named
    by TARGET_ settings (e.g. TARGET_SQLITE_DBNAME, TARGET_CIPHER_KEY): how the key of
    the encryption at rest is rotated. Stop every other process first (see the README)."""
    try:
        target_env = bootstrap.target_store_env()
    except ConfigurationError as error:
        click.echo(f"Configuration error: {error}", err=True)
        raise SystemExit(EXIT_CONFIGURATION) from None
    with _service() as source, _service(target_env) as target:
        total = source.recorder.max_notification_id() or 0
        click.echo(f"From: {bootstrap.describe_store()}\nTo:   "
                   f"{bootstrap.describe_store(target_env)}")
        with click.progressbar(length=total, label="Events") as bar, _refusals():
            try:
                report = copy_store(source, target, progress=lambda n: bar.update(
                    n - bar.pos))
            except ConfigurationError as error:
                click.echo(f"\nRefused: {error}", err=True)
                raise SystemExit(1) from None
    click.echo(f"Copied {report.events} events, {report.participant_keys} participant "
               f"keys and {report.read_log_entries} read-log entries. Start the processes "
               "on the new store; the projections build its read models from the start.")


@admin.command("create-organisation")
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--org-number", required=True, help="Organisationsnummer, NNNNNN-NNNN.")
@click.option("--type", "party_type", required=True, type=click.Choice(list(PARTY_TYPES)),
              help="Its party type (audit = auditor, operator = admin).")
def create_organisation(name: str, org_number: str, party_type: str) -> None:
    """Register an organisation and print its id."""
    with _service() as service, _refusals():
        organisation_id = service.register_organisation(None, name, org_number,
                                                        PARTY_TYPES[party_type])
        organisation = service.organisation(organisation_id)
    click.echo(f"Registered {organisation.name} ({organisation.org_number}, "
               f"{organisation.party_type.value}): {organisation_id}")


@admin.command("create-user")
@click.option("--organisation-id", required=True, type=click.UUID)
@click.option("--name", required=True, help="The person's name.")
@click.option("--email", required=True, help="The address they sign in with.")
@click.option("--org-admin", is_flag=True, help="May invite and deactivate the "
              "organisation's users (and, for an authority, grant audit access).")
@click.option("--password", default=None,
              help="Set this password at once instead of printing an invitation link "
                   "(it shows in the shell history: for test and demo set-ups).")
def create_user(organisation_id: UUID, name: str, email: str, org_admin: bool,
                password: str | None) -> None:
    """Invite a user: prints the one-time invitation link, or with --password sets it."""
    role = OrgRole.ORG_ADMIN if org_admin else OrgRole.MEMBER
    with _service() as service, _refusals():
        if password is not None:
            check_password_rules(password)  # before the user exists, not after
        user_id, secret = service.invite_user(None, organisation_id, name, email, role)
        if password is not None:
            service.accept_invitation(user_id, secret, password)
        user = service.user(user_id)
    click.echo(f"User {user.name} <{user.email}> ({role.value}): {user_id}")
    if password is None:
        click.echo("Invitation link (shown once, valid for 7 days; put the site's address "
                   "in front):")
        click.echo(f"/invitations/{user_id}/{secret}")
    else:
        click.echo("The password is set: the user can sign in now.")


@admin.command("grant-audit")
@click.option("--authority-id", required=True, type=click.UUID,
              help="The contracting authority whose procurements may be read.")
@click.option("--auditor-id", required=True, type=click.UUID,
              help="The audit organisation that may read them.")
def grant_audit(authority_id: UUID, auditor_id: UUID) -> None:
    """Let an audit organisation read every procurement of an authority."""
    with _service() as service, _refusals():
        service.console_grant_audit_access(authority_id, auditor_id)
        names = OrganisationNames(service)
        click.echo(f"{names(auditor_id)} may now read the procurements of "
                   f"{names(authority_id)}.")


@admin.command("read-log")
@click.option("--reference", default=None, help="Only this person's reads (P-XXXXXXXX).")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1),
              help="The newest this many entries.")
def read_log(reference: str | None, limit: int) -> None:
    """Who read participants' personal data: when, where, on what ground (oldest first)."""
    with _service() as service, _refusals():
        entries = service.console_read_log(reference, limit)
        names = OrganisationNames(service)
        rows = [(entry.read_at.isoformat(timespec="seconds"), entry.reference,
                 names(entry.organisation_id), entry.role.value, str(entry.user_id),
                 entry.place, entry.ground.value,
                 "" if entry.case_id is None else str(entry.case_id))
                for entry in entries]
    if not rows:
        click.echo("No reads logged.")
        return
    _table(("read at", "person", "organisation", "role", "user", "where", "ground", "case"),
           rows)


def _show_case(case: Procurement, service: ProcurementService, names: Names) -> None:
    setup, requirement = case.setup, case.requirement
    _section(f"{setup.reference}  {setup.title}")
    _fields([
        ("State", f"{case.state.value} ({labels.of(case.state, labels.STATES).sv})"),
        ("Owner", names(case.owner_id)),
        ("Industry", setup.industry or "-"),
        ("CPV codes", ", ".join(setup.cpv_codes) or "-"),
        ("Estimated value", money(setup.estimated_value_sek)),
        ("Planned period", f"{day(setup.contract_start)} to {day(setup.contract_end)}"),
    ])
    if case.award:
        _fields([("Awarded to", names(case.award.supplier_id))])
    if case.contract:
        _fields([("Contract", f"{day(case.contract.start)} to {day(case.contract.end)}"
                              + (f", ended {day(case.contract.ended_on)}"
                                 if case.contract.ended_on else ""))])
    if case.cancellation_reason:
        _fields([("Cancelled", case.cancellation_reason)])
    _section("Employment requirement")
    if requirement is None:
        click.echo("  none yet")
    else:
        _fields([
            ("Level", requirement.level.value),
            ("Minimum", f"{number(requirement.minimum_full_time_months, 2)} full-time months"),
            ("Target groups", ", ".join(g.value for g in requirement.target_groups)),
            ("First placement", f"within {requirement.first_placement_deadline_months} months "
                                "of the contract start"),
            ("Completion threshold", percent(requirement.completion_threshold)),
        ])
    if requirement is not None and case.contract is not None:
        a = case.assess_compliance(service.clock.today())
        _section(f"Compliance as of {day(a.as_of)}")
        _fields([
            ("Delivered", f"{number(a.delivered_months, 2)} of {number(a.required_months, 2)} "
                          f"full-time months ({percent(a.share_delivered)})"),
            ("First placement", f"deadline {day(a.first_placement_deadline)}, "
                                f"{a.deadline_status.value}"),
            ("Placements", f"{a.placements} ({a.ended_early} ended early)"),
            ("Open deviations", str(a.open_deviations)),
            ("Outcome", a.outcome.value + (f" (decided: {case.compliance_decision.value})"
                                           if case.compliance_decision else "")),
        ])


def _show_history(history: list[HistoryEntry], names: Names) -> None:
    _section(f"History ({len(history)} events)")
    _table(("VERSION", "TIME", "EVENT", "ROLE", "ORGANISATION"),
           [(str(e.version), local_time(e.recorded_at), e.event_type, e.actor.role.value,
             names(e.actor.organisation_id)) for e in history])


def _section(title: str) -> None:
    click.echo()
    click.echo(click.style(title, bold=True))


def _fields(pairs: Sequence[tuple[str, str]]) -> None:
    for name, value in pairs:
        # The page formats keep numbers and units together with no-break spaces; a
        # terminal (and grep) is better served by plain ones.
        click.echo(f"  {name + ':':<22}{value.replace(NO_BREAK_SPACE, ' ')}")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows,
                                                                        strict=False)]
    for line in (header, *rows):
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths,
                                                                           strict=True))
                   .rstrip())


if __name__ == "__main__":
    main()
