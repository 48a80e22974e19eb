"""The scheduler against real stores: reminders over a whole contract with a clock that
travels, one reminder per due item and stage however many schedulers run or die, catching
up after a stop, and the `procurement scheduler` commands."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from click.testing import CliRunner, Result

from domain.clock import FixedClock, SystemClock
from domain.errors import ConfigurationError
from domain.examples import Parties, walk_to
from domain.procurement import events as ev
from domain.procurement.followup_plan import add_months
from domain.procurement.lifecycle import State
from domain.procurement.reminders import Reminder, Stage, reminders_due, stage_day
from domain.service import ProcurementService
from domain.values import Role
from projections import notices, reminders
from projections.db import Database
from projections.notices import Notices
from projections.reminders import Reminders
from projections.runner import ProjectionRunner
from scheduler import runner
from scheduler.leader import AdvisoryLock, FileLock, leadership, lock_file_for
from scheduler.reminding import CatchUpHere, RemindersJob, due_item
from tests.integration.conftest import ServiceFactory
from web.cli import main

ROOT = Path(__file__).resolve().parents[2]


def sent(service: ProcurementService, procurement_id: UUID) -> list[Reminder]:
    """The reminders in the case history, in the order they were recorded."""
    return [e.reminder for e in service.events.get(procurement_id)
            if isinstance(e, ev.ReminderSent)]


def sent_once_each(service: ProcurementService, ids: list[UUID]) -> set[tuple[str, Stage]]:
    """Every (due item, stage) recorded in these cases, checked to be there once."""
    recorded = Counter((r.reminder_key, r.stage) for pid in ids for r in sent(service, pid))
    twice = {k: n for k, n in recorded.items() if n > 1}
    assert not twice, f"recorded more than once: {twice}"
    return set(recorded)


def due_now(service: ProcurementService) -> set[tuple[str, Stage]]:
    """What the domain's rules say is due today, from an up-to-date reminders read model."""
    ProjectionRunner(service, Reminders).catch_up()
    today = service.clock.today()
    return {(r.reminder_key, r.stage)
            for row in reminders.to_remind(Database.of(service), today)
            for r in reminders_due(due_item(row), today)}


def case_in_delivery(service: ProcurementService, parties: Parties | None = None,
                     **kwargs: Any) -> UUID:
    return walk_to(service, parties or Parties(), State.DELIVERY, **kwargs).procurement_id


# -- time travel over a whole contract -------------------------------------------------------------

class Plan:
    """What the parties do on which day during the time travel, and so which reminders
    each item should get."""

    def __init__(self) -> None:
        self.actions: dict[date, list[Callable[[], None]]] = {}
        self.done_on: dict[str, date] = {}  # due item's key -> the day it became done

    def on(self, day: date, action: Callable[[], None], completes: str | None = None,
           *, before_first_run: bool = False) -> None:
        self.actions.setdefault(day, []).append(action)
        if completes is not None:
            # Done before the scheduler ever ran: it had no day on which to remind.
            self.done_on[completes] = date.min if before_first_run else day


def test_over_a_two_year_contract_every_reminder_is_sent_once_on_its_day_to_its_party(
        open_service: ServiceFactory, durable_env: dict[str, str]) -> None:
    clock = FixedClock(datetime(2026, 5, 20, 7, 0, tzinfo=UTC))
    service = open_service(durable_env, clock=clock)
    parties = Parties()
    walked = walk_to(service, parties, State.DELIVERY, placements=2,
                     contract_start=date(2026, 4, 1))
    pid = walked.procurement_id
    case = service.inspect(pid)[0]
    assert case.plan is not None and case.contract is not None
    placements = [case.placements[str(p)] for p in walked.placement_ids]
    policy = case.reminder_policy

    def checkpoint_key(placement_id: UUID, checkpoint: str, role: Role, due: date) -> str:
        return f"{pid}/checkpoint/{placement_id}:{checkpoint}:{role.value}/{due.isoformat()}"

    def record(actor_role: Role, placement_id: UUID, checkpoint: str, day: date
               ) -> Callable[[], None]:
        actor = parties.matcher if actor_role is Role.MATCHER else parties.supplier
        values: dict[str, object] = ({"employment_status": "same_employer"}
                                     if actor_role is Role.MATCHER else {"hours_per_week": 40})
        return lambda: service.record_checkpoint(actor, pid, placement_id, checkpoint, day,
                                                 values)

    plan = Plan()
    first, second = placements
    # The supplier's start checkpoints are recorded (late) before the scheduler first runs.
    for p in placements:
        key = checkpoint_key(p.placement_id, "start", Role.SUPPLIER, p.terms.start)
        plan.on(clock.today(), record(Role.SUPPLIER, p.placement_id, "start", clock.today()),
                key, before_first_run=True)
    # The during_3 checkpoints: done well ahead, inside the "before" window, on the day,
    # and late.
    during_3 = {p.placement_id: add_months(p.terms.start, 3) for p in placements}
    for placement, role, days_early in ((first, Role.MATCHER, 10), (first, Role.SUPPLIER, 2),
                                        (second, Role.MATCHER, 0), (second, Role.SUPPLIER, -5)):
        due = during_3[placement.placement_id]
        day = due - timedelta(days=days_early)
        plan.on(day, record(role, placement.placement_id, "during_3", day),
                checkpoint_key(placement.placement_id, "during_3", role, due))
    # Each placement ends as planned; the authority ends the contract on its last day.
    for p in placements:
        plan.on(p.terms.planned_end, lambda p=p: service.end_placement(
            parties.supplier, pid, p.placement_id, p.terms.planned_end))
    contract_end = case.contract.end
    plan.on(contract_end, lambda: service.end_contract(parties.authority, pid, contract_end),
            f"{pid}/contract_end//{contract_end.isoformat()}")

    last_checkpoint = max(due for p in placements for _, due in case.plan.due_dates(
        p.terms.start, None, p.terms.planned_end))
    last_day = last_checkpoint + timedelta(days=policy.escalate_after_days + 1)
    job = RemindersJob(service)
    reports = []
    started = time.monotonic()
    while True:
        for action in plan.actions.pop(clock.today(), []):
            action()
        reports.append(job())
        if clock.today() >= last_day:
            break
        clock.advance(timedelta(days=1))
    elapsed = time.monotonic() - started
    logging.getLogger(__name__).info("time travel: %d days in %.1f s", len(reports), elapsed)
    assert not plan.actions  # every action ran on its day

    history = sent(service, pid)
    assert sum(r.recorded for r in reports) == len(history) > 0
    assert all(r.fresh and not r.refused and r.already == 0 for r in reports)
    assert sent_once_each(service, [pid]) == {(r.reminder_key, r.stage) for r in history}
    # In order, each on its own day (none late), stamped with the day it was sent.
    assert [r.sent_on for r in history] == sorted(r.sent_on for r in history)
    events = [e for e in service.events.get(pid) if isinstance(e, ev.ReminderSent)]
    assert [e.timestamp.date() for e in events] == [r.sent_on for r in history]
    for reminder in history:
        assert not reminder.late
        assert reminder.sent_on == stage_day(reminder.stage, reminder.due_on, policy)

    # Every item the read model knows: exactly the stages whose day came before it was done.
    db = Database.of(service)
    items = reminders.for_procurement(db, pid)
    by_key = {}
    for reminder in history:
        by_key.setdefault(reminder.reminder_key, []).append(reminder)
    organisation = {Role.MATCHER: parties.matcher.organisation_id,
                    Role.SUPPLIER: parties.supplier.organisation_id,
                    Role.AUTHORITY: parties.authority.organisation_id}
    never = date.max
    checked = 0
    for item in items:
        done_day = plan.done_on.get(item.key, never if item.status == "open" else date.min)
        stages = [Stage.BEFORE, Stage.DUE]
        if item.party != Role.AUTHORITY.value:
            stages.append(Stage.ESCALATION)
        expected = [s for s in stages if stage_day(s, item.due_on, policy) < done_day
                    and stage_day(s, item.due_on, policy) <= last_day]
        got = by_key.pop(item.key, [])
        assert [r.stage for r in got] == expected, (item.key, item.status)
        for reminder in got:
            to = Role.AUTHORITY if reminder.stage is Stage.ESCALATION else Role(item.party)
            assert (reminder.recipient_role, reminder.recipient_id) == (to, organisation[to])
            assert reminder.participant_ref == item.participant_ref
        checked += item.kind == "checkpoint"
    assert by_key == {}  # nothing was sent about an item the read model does not hold

    # Every checkpoint of every participant, for the matcher and the supplier (the default
    # plan's two reporting parties), each placement's own participant.
    checkpoints = {(p.placement_id, name, role) for p in placements
                   for name, _ in case.plan.due_dates(p.terms.start, None, p.terms.planned_end)
                   for role in (Role.MATCHER, Role.SUPPLIER)}
    assert checked == len(checkpoints) == 2 * 2 * 9
    reminded = {(r.subject.split(":")[0], r.subject.split(":")[1], r.subject.split(":")[2])
                for r in history if r.kind == "checkpoint"}
    assert reminded == {(str(p), n, r.value) for p, n, r in checkpoints} - {
        (str(p.placement_id), "start", role.value) for p in placements
        for role in (Role.MATCHER, Role.SUPPLIER)} - {
        (str(first.placement_id), "during_3", Role.MATCHER.value)}
    # Done in time: only the "before" one, or none when done before its day; done late:
    # no escalation.
    assert [r.stage for r in by_stage(history, first.placement_id, "during_3")] == [
        (Role.SUPPLIER, Stage.BEFORE)]
    assert [r.stage for r in by_stage(history, second.placement_id, "during_3")] == [
        (Role.MATCHER, Stage.BEFORE), (Role.SUPPLIER, Stage.BEFORE),
        (Role.SUPPLIER, Stage.DUE)]
    # An item never done: all three, the last to the owner.
    exit_stages = by_stage(history, first.placement_id, "exit")
    assert [s for role, s in (r.stage for r in exit_stages) if role is Role.MATCHER] == [
        Stage.BEFORE, Stage.DUE, Stage.ESCALATION]

    # The inbox notices: one per reminder, to the same organisation, on the same day.
    ProjectionRunner(service, Notices).catch_up()
    rows = db.fetch("SELECT * FROM {notices} WHERE procurement_id = %s", [str(pid)])
    assert {(r["notice_id"], r["organisation_id"], r["stage"], r["sent_on"], r["late"])
            for r in rows} == {
        (f"{r.reminder_key}#{r.stage.value}", str(r.recipient_id), r.stage.value,
         r.sent_on.isoformat(), 0) for r in history}
    inbox = notices.for_organisation(db, parties.authority.organisation_id,
                                     since=date(2026, 1, 1), limit=1000)
    escalations = [r for r in history if r.stage is Stage.ESCALATION]
    assert len([n for n in inbox if n.stage == "escalation"]) == len(escalations) > 0
    # Its own item, ended on the day: told before, never escalated to itself.
    assert {(n.kind, n.stage) for n in inbox if n.stage != "escalation"} == {
        ("contract_end", "before")}


class _Staged:
    def __init__(self, reminder: Reminder) -> None:
        self.stage = (Role(reminder.subject.split(":")[2]), reminder.stage)


def by_stage(history: list[Reminder], placement_id: UUID, checkpoint: str) -> list[_Staged]:
    """One checkpoint's reminders as (reporting party, stage), in recorded order."""
    return [_Staged(r) for r in history if r.kind == "checkpoint"
            and r.subject.startswith(f"{placement_id}:{checkpoint}:")]


# -- several schedulers, one store -----------------------------------------------------------------

@pytest.fixture
def open_scheduler(open_service: ServiceFactory) -> Iterator[Callable[..., runner.Scheduler]]:
    """Schedulers, each on a service of its own, stopped (their locks let go) after the
    test."""
    made: list[runner.Scheduler] = []

    def open_(env: dict[str, str], **kwargs: Any) -> runner.Scheduler:
        made.append(runner.Scheduler(open_service(env), **kwargs))
        return made[-1]

    yield open_
    for scheduler in made:
        scheduler.stop()


def _admin(env: dict[str, str]) -> psycopg.Connection[Any]:
    return psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                           port=int(env["POSTGRES_PORT"]), user=env["POSTGRES_USER"],
                           password=env["POSTGRES_PASSWORD"], autocommit=True)


@pytest.mark.postgres
def test_two_schedulers_racing_past_the_lock_still_record_each_reminder_once(
        open_service: ServiceFactory, fresh_postgres_env: dict[str, str]) -> None:
    """The backstop: even two jobs at once (no lock between them) cannot send twice."""
    first, second = open_service(fresh_postgres_env), open_service(fresh_postgres_env)
    ids = [case_in_delivery(first) for _ in range(3)]
    expected = due_now(first)
    start = threading.Barrier(2, timeout=30)
    reports = []

    def run(job: RemindersJob) -> None:
        start.wait()
        reports.append(job())

    # Built one after the other: opening the read models' tables is not meant to race.
    jobs = [RemindersJob(first), RemindersJob(second)]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reports) == 2 and all(r.fresh and not r.refused for r in reports)
    assert sum(r.recorded for r in reports) == len(expected) > 50
    assert sent_once_each(first, ids) == expected


@pytest.mark.postgres
def test_one_scheduler_leads_and_another_takes_over_when_its_connection_goes(
        open_scheduler: Callable[..., runner.Scheduler], fresh_postgres_env: dict[str, str],
        clock: FixedClock) -> None:
    first = open_scheduler(fresh_postgres_env)
    second = open_scheduler(fresh_postgres_env)
    contract_start = add_months(clock.today(), -2)  # reminders fall due for years to come
    ids = [case_in_delivery(first.service, contract_start=contract_start) for _ in range(2)]
    expected = due_now(first.service)
    assert first.run_reminders().outcome == runner.DONE
    assert second.run_reminders() == runner.Run(runner.REMINDERS, runner.SKIPPED,
                                                "another scheduler is active")
    assert first.leader.someone_leads() and second.leader.someone_leads()
    assert sent_once_each(first.service, ids) == expected

    # The leader's session ends (a dropped connection, a restarted server): the lock goes
    # with it, and the stand-by takes it at its next round.
    clock.advance(timedelta(days=40))
    more = due_now(first.service)
    assert isinstance(first.leader, AdvisoryLock)
    pid = first.leader.backend_pid()
    with _admin(fresh_postgres_env) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    taken = second.run_reminders()
    assert taken.outcome == runner.DONE and taken.report.recorded == len(more) > 0
    # The old leader reconnects and asks again, but now stands by.
    assert first.run_reminders().outcome == runner.SKIPPED
    # A clean stop lets the lock go at once.
    second.stop()
    clock.advance(timedelta(days=40))
    again = due_now(first.service)
    assert first.run_reminders().report.recorded == len(again) > 0
    assert sent_once_each(first.service, ids) == expected | more | again


@pytest.mark.postgres
def test_each_schema_elects_its_own_scheduler(
        open_service: ServiceFactory,
        postgres_schema_factory: Callable[[], dict[str, str]]) -> None:
    one, other = (leadership(open_service(postgres_schema_factory())) for _ in range(2))
    try:
        assert one.lead() and other.lead()
    finally:
        one.release()
        other.release()


@pytest.mark.postgres
def test_two_scheduler_processes_on_timers_send_each_reminder_once(
        open_scheduler: Callable[..., runner.Scheduler],
        fresh_postgres_env: dict[str, str]) -> None:
    schedulers = [open_scheduler(fresh_postgres_env, settings=runner.Settings(0.1, 60))
                  for _ in range(2)]
    ids = [case_in_delivery(schedulers[0].service) for _ in range(3)]
    expected = due_now(schedulers[0].service)
    for scheduler in schedulers:
        scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while (len(sent_once_each(schedulers[0].service, ids)) < len(expected)
               and time.monotonic() < deadline):
            time.sleep(0.1)
        time.sleep(0.5)  # a few more rounds of both
    finally:
        for scheduler in schedulers:
            scheduler.stop()
    assert sent_once_each(schedulers[0].service, ids) == expected
    outcomes = [scheduler.last[runner.REMINDERS].outcome for scheduler in schedulers]
    assert sorted(outcomes) == [runner.DONE, runner.SKIPPED]


def test_on_sqlite_a_file_lock_beside_the_database_elects_the_scheduler(
        open_scheduler: Callable[..., runner.Scheduler], sqlite_env: dict[str, str]) -> None:
    first = open_scheduler(sqlite_env)
    second = open_scheduler(sqlite_env)
    assert isinstance(first.leader, FileLock)
    assert first.leader.path == Path(sqlite_env["SQLITE_DBNAME"] + ".scheduler.lock")
    assert lock_file_for(sqlite_env["SQLITE_DBNAME"]) == first.leader.path
    ids = [case_in_delivery(first.service)]
    expected = due_now(first.service)
    assert first.run_reminders().outcome == runner.DONE
    assert second.run_reminders().outcome == runner.SKIPPED
    first.stop()
    assert not first.leader.someone_leads()
    assert second.run_reminders().outcome == runner.DONE
    assert first.run_reminders().outcome == runner.SKIPPED
    assert sent_once_each(first.service, ids) == expected


# -- a scheduler killed mid-run ------------------------------------------------------------------

# A scheduler process on the test's clock; each reminder it records is printed, then it
# pauses, so the test can kill it part-way.
_SCHEDULER_PROCESS = """
import sys, time
from datetime import datetime
from domain.clock import FixedClock
from domain.service import ProcurementService
from scheduler.runner import Scheduler

service = ProcurementService(clock=FixedClock(datetime.fromisoformat(sys.argv[1])))
pause = float(sys.argv[2])
record = service.record_reminder

def recording(procurement_id, reminder):
    done = record(procurement_id, reminder)
    print("recorded" if done else "already", flush=True)
    time.sleep(pause)
    return done

service.record_reminder = recording
run = Scheduler(service).run_reminders()
print(run.outcome, run.summary, flush=True)
service.close()
"""


def _scheduler_process(env: dict[str, str], now: datetime, pause: float
                       ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _SCHEDULER_PROCESS, now.isoformat(), str(pause)],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True)


def test_a_scheduler_killed_mid_run_loses_nothing_and_sends_nothing_twice_on_restart(
        open_service: ServiceFactory, durable_env: dict[str, str],
        clock: FixedClock) -> None:
    service = open_service(durable_env)
    ids = [case_in_delivery(service) for _ in range(3)]
    expected = due_now(service)
    killed = _scheduler_process(durable_env, clock.now(), pause=0.05)
    assert killed.stdout is not None
    lines = 0
    for line in killed.stdout:
        lines += line.startswith("recorded")
        if lines == 10:
            break
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(10)
    killed.stdout.close()
    part = sent_once_each(service, ids)
    assert 10 <= len(part) < len(expected)

    deadline = time.monotonic() + 20
    while True:  # the server notices the killed session's lock is free within moments
        restarted = _scheduler_process(durable_env, clock.now(), pause=0)
        output, _ = restarted.communicate(timeout=60)
        last = output.strip().splitlines()[-1]
        if not last.startswith("skipped") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert restarted.returncode == 0 and last.startswith("done"), output
    lines = output.splitlines()
    assert lines.count("recorded") == len(expected) - len(part)
    assert "already" not in lines
    assert sent_once_each(service, ids) == expected


# -- a scheduler that was down ---------------------------------------------------------------------

def _wait_for_run(scheduler: runner.Scheduler, job: str = runner.REMINDERS,
                  timeout: float = 20) -> runner.Run:
    deadline = time.monotonic() + timeout
    while job not in scheduler.last:
        assert time.monotonic() < deadline, f"no {job} run within {timeout} s"
        time.sleep(0.02)
    return scheduler.last[job]


def test_a_scheduler_down_for_a_while_sends_what_it_missed_on_start_once_and_late(
        open_service: ServiceFactory, durable_env: dict[str, str],
        clock: FixedClock) -> None:
    service = open_service(durable_env)
    contract_start = add_months(clock.today(), -2)
    pid = case_in_delivery(service, contract_start=contract_start)
    before_stop = RemindersJob(service)()
    assert before_stop.fresh
    sent_before = sent_once_each(service, [pid])

    clock.advance(timedelta(days=120))  # the scheduler is down meanwhile
    today = clock.today()
    missed = due_now(service)
    scheduler = runner.Scheduler(service, settings=runner.Settings(3600, 3600))
    scheduler.start()  # the first round runs at once, not in an hour
    try:
        run = _wait_for_run(scheduler)
    finally:
        scheduler.stop()
    assert run.outcome == runner.DONE
    assert run.report.recorded == len(missed) > 0
    new = [r for r in sent(service, pid) if (r.reminder_key, r.stage) not in sent_before]
    assert {(r.reminder_key, r.stage) for r in new} == missed
    policy = service.inspect(pid)[0].reminder_policy
    for reminder in new:
        assert reminder.sent_on == today
        assert reminder.late == (stage_day(reminder.stage, reminder.due_on, policy) < today)
        # A "before" reminder is sent only while the item is still ahead.
        assert reminder.stage is not Stage.BEFORE or reminder.due_on > today
    stages = Counter((r.stage, r.late) for r in new)
    assert stages[(Stage.DUE, True)] and stages[(Stage.ESCALATION, True)]
    assert run.report.late == sum(r.late for r in new)
    assert run.report.escalations == stages[(Stage.ESCALATION, True)] + stages[
        (Stage.ESCALATION, False)]
    assert RemindersJob(service)().recorded == 0  # once
    sent_once_each(service, [pid])


def test_a_job_that_fails_is_logged_and_runs_again_at_its_next_interval(
        open_service: ServiceFactory, sqlite_env: dict[str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    service = open_service(sqlite_env)
    pid = case_in_delivery(service)
    expected = due_now(service)
    record = service.record_reminder
    failures = iter([RuntimeError("the database went away")])

    def flaky(procurement_id: UUID, reminder: Reminder) -> bool:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return record(procurement_id, reminder)

    service.record_reminder = flaky  # type: ignore[method-assign]
    scheduler = runner.Scheduler(service, settings=runner.Settings(0.2, 60))
    with caplog.at_level(logging.ERROR, logger="scheduler"):
        scheduler.start()
        try:
            assert _wait_for_run(scheduler).outcome == runner.FAILED
            deadline = time.monotonic() + 20
            while scheduler.last[runner.REMINDERS].outcome != runner.DONE:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert scheduler.running
        finally:
            scheduler.stop()
    assert "reminders job failed" in caplog.text
    assert "the database went away" in caplog.text
    assert sent_once_each(service, [pid]) == expected
    (journal,) = [r for r in runner.last_runs(service) if r.job == runner.REMINDERS]
    assert journal.outcome in (runner.DONE, runner.FAILED)


def test_the_web_process_scheduler_waits_for_its_own_background_projections(
        open_service: ServiceFactory, sqlite_env: dict[str, str]) -> None:
    from scheduler.cli import embedded_scheduler
    from web.read_models import ReadModels

    service = open_service(sqlite_env)
    pid = case_in_delivery(service)
    read_models = ReadModels(service, poll_interval=0.05)
    try:
        with embedded_scheduler(service, read_models.follower, runner.BACKGROUND) as jobs:
            assert jobs is not None
            run = _wait_for_run(jobs)
        with embedded_scheduler(service, read_models.follower, runner.OFF) as nothing:
            assert nothing is None
    finally:
        read_models.close()
    assert run.outcome == runner.DONE and run.report.recorded == len(sent(service, pid)) > 0


# -- the commands ----------------------------------------------------------------------------------

def cli(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def real_today_case(open_service: ServiceFactory, sqlite_env: dict[str, str]
                    ) -> Iterator[tuple[ProcurementService, UUID]]:
    """A case with reminders due on the real today: the commands run on the system clock."""
    service = open_service(sqlite_env, clock=SystemClock())
    yield service, case_in_delivery(service)


def test_scheduler_once_records_then_mails_and_says_what_it_did(
        sqlite_env: dict[str, str], real_today_case: tuple[ProcurementService, UUID]) -> None:
    service, pid = real_today_case
    first = cli(sqlite_env, "scheduler", "once")
    assert first.exit_code == 0, first.output
    count = len(sent(service, pid))
    assert count > 0
    assert f"reminders: done: {date.today()}: {count} reminder(s) recorded" in first.output
    assert "mail: skipped: e-mail is not configured" in first.output
    again = cli(sqlite_env, "scheduler", "once")
    assert "reminders: done" in again.output and ": 0 reminder(s) recorded" in again.output
    assert len(sent(service, pid)) == count


def test_scheduler_once_does_nothing_while_another_scheduler_is_active(
        sqlite_env: dict[str, str], real_today_case: tuple[ProcurementService, UUID]) -> None:
    service, pid = real_today_case
    active = leadership(service)
    assert active.lead()
    try:
        result = cli(sqlite_env, "scheduler", "once")
        status = cli(sqlite_env, "scheduler", "status")
    finally:
        active.release()
    assert result.exit_code == 0
    assert "reminders: skipped: another scheduler is active" in result.output
    assert sent(service, pid) == []
    assert "Active scheduler: yes" in status.output


def test_scheduler_status_shows_the_leader_the_last_run_and_what_is_due(
        sqlite_env: dict[str, str], real_today_case: tuple[ProcurementService, UUID]) -> None:
    before = cli(sqlite_env, "scheduler", "status")
    assert before.exit_code == 0, before.output
    assert "Active scheduler: none" in before.output
    assert "Last runs: none yet" in before.output
    due = int(before.output.split(f"Reminders due today ({date.today()}): ")[1].split()[0])
    assert due > 0
    assert "Mail:" in before.output
    cli(sqlite_env, "scheduler", "once")
    after = cli(sqlite_env, "scheduler", "status")
    assert f"Reminders due today ({date.today()}): 0" in after.output
    assert f"Last reminders run: {date.today()}" in after.output
    assert f"{due} reminder(s) recorded" in after.output
    assert "Read model reminders: position" in after.output


def _interruptible() -> None:
    """Ctrl+C for the child even where the test runner's worker ignores SIGINT (an ignored
    signal is inherited, and Python then installs no KeyboardInterrupt for it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _procurement_command() -> str:
    return str(Path(sys.executable).parent / "procurement")


def test_scheduler_run_works_until_sigterm_then_lets_the_lock_go(
        sqlite_env: dict[str, str], real_today_case: tuple[ProcurementService, UUID]) -> None:
    service, pid = real_today_case
    process = subprocess.Popen(
        [_procurement_command(), "scheduler", "run"], cwd=ROOT,
        env={**os.environ, **sqlite_env, runner.INTERVAL_SETTING: "0.5"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not runner.last_runs(service):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        assert leadership(service).someone_leads()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Scheduler started: reminders every 0.5 s" in err and "Stopped." in err
    assert len(sent(service, pid)) > 0
    assert not leadership(service).someone_leads()


def _serve(env: dict[str, str], until: Callable[[int], bool]) -> str:
    """Runs `procurement serve` until `until(port)` holds, then stops it with Ctrl+C; its
    output."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [_procurement_command(), "serve", "--port", str(port)], cwd=ROOT,
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, preexec_fn=_interruptible)
    try:
        deadline = time.monotonic() + 30
        while not until(port):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, out
    return out


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_serve_runs_the_scheduler_in_the_web_process_unless_turned_off(
        sqlite_env: dict[str, str], real_today_case: tuple[ProcurementService, UUID]) -> None:
    service, pid = real_today_case

    def listening_a_while(port: int) -> bool:
        if not _listening(port):
            return False
        time.sleep(0.5)  # long enough for a scheduler, had it started, to take the lock
        return True

    off = _serve({**sqlite_env, runner.MODE_SETTING: "off"}, listening_a_while)
    assert "Scheduler: off (PROCUREMENT_SCHEDULER=off)" in off
    assert sent(service, pid) == []
    assert runner.last_runs(service) == []

    out = _serve(sqlite_env, lambda port: bool(sent(service, pid))
                 and leadership(service).someone_leads())
    assert "Scheduler: in this process, active while it holds the file lock" in out
    assert not leadership(service).someone_leads()


@pytest.mark.postgres
def test_a_store_out_of_reach_fails_the_round_rather_than_standing_by(
        open_service: ServiceFactory, fresh_postgres_env: dict[str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    service = open_service(fresh_postgres_env)
    lock = leadership(service)
    assert isinstance(lock, AdvisoryLock)
    lock._connect_kwargs["port"] = 1  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="scheduler"):
        run = runner.Scheduler(service, leader=lock).run_reminders()
    assert run.outcome == runner.FAILED and "OperationalError" in run.summary
    assert "reminders job failed" in caplog.text


@pytest.mark.parametrize(("setting", "value", "command", "message"), [
    (runner.MODE_SETTING, "sometimes", ("serve",),
     "PROCUREMENT_SCHEDULER must be one of background, off; got 'sometimes'"),
    (runner.INTERVAL_SETTING, "often", ("scheduler", "once"),
     "PROCUREMENT_SCHEDULER_INTERVAL must be a number of seconds"),
    (runner.MAIL_INTERVAL_SETTING, "0", ("scheduler", "run"),
     "PROCUREMENT_MAIL_INTERVAL must be a number of seconds"),
])
def test_a_wrong_scheduler_setting_stops_the_command_with_a_clear_message(
        sqlite_env: dict[str, str], setting: str, value: str, command: tuple[str, ...],
        message: str) -> None:
    result = cli({**sqlite_env, setting: value}, *command)
    assert result.exit_code == 2
    assert f"Configuration error: {message}" in result.output


@pytest.mark.parametrize(("value", "mode"), [
    ("", runner.BACKGROUND), ("background", runner.BACKGROUND), ("OFF", runner.OFF),
    (" off ", runner.OFF)])
def test_the_embedded_scheduler_setting_defaults_to_background(value: str, mode: str) -> None:
    assert runner.embedded_mode({runner.MODE_SETTING: value}) == mode
    assert runner.embedded_mode({}) == runner.BACKGROUND


def test_the_scheduler_refuses_a_store_without_sql(
        open_service: ServiceFactory, memory_env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        runner.Scheduler(open_service(memory_env))


def test_catching_up_here_brings_both_read_models_to_the_head(
        open_service: ServiceFactory, sqlite_env: dict[str, str]) -> None:
    service = open_service(sqlite_env)
    case_in_delivery(service)
    assert CatchUpHere(service)(timeout=30)
    head = service.recorder.max_notification_id()
    from projections.runner import positions
    assert positions(service, [Reminders, Notices]) == {"reminders": head, "notices": head}
