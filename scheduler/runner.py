"""The scheduler: the reminders job, the mail job, the retention job and the reports job
(queued background reports, web/reports/jobs.py) on APScheduler 3.11, run only by the leader
(scheduler/leader.py).

Jobs are kept in memory under stable ids and rebuilt at every start (a job store cannot be
shared between processes); each is coalesced, never runs twice at once, and has a
generous misfire grace. The reminders job runs at once on start, so a scheduler that was
down catches up with what it missed. A job that raises is logged and runs again at its
next interval; the scheduler keeps running.

The leader journals each run (`scheduler_runs`, one row per job, in the events' database)
so `procurement scheduler status`, another process, can say when a job last ran.

Settings (environment):
- PROCUREMENT_SCHEDULER_INTERVAL: seconds between reminder rounds (default 60);
- PROCUREMENT_MAIL_INTERVAL: seconds between mail rounds (default 60); mail itself is
  configured by scheduler/mailer.py's settings, and skipped while they are missing;
- PROCUREMENT_RETENTION_MONTHS: the retention period of the participant register (default
  36); the retention job (scheduler/retention.py) runs daily, at once on start too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler
from eventsourcing.persistence import OperationalError, ProgrammingError

from domain.errors import ConfigurationError
from domain.service import ProcurementService
from projections.db import Database
from projections.runner import Follower
from projections.tables import Table
from scheduler.leader import Leadership, leadership
from scheduler.reminding import CatchUpHere, Freshness, RemindersJob, WaitForFollower
from scheduler.retention import RetentionJob, retention_months
from web.reports import jobs as report_jobs
from web.reports.service import Reports

log = logging.getLogger("scheduler")
# APScheduler logs every run of every job at INFO, the reports job's every 2 s included: keep
# its warnings and errors (a job that failed or was missed), and our jobs' own lines.
logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)

REMINDERS, MAIL, RETENTION, REPORTS = "reminders", "mail", "retention", "reports"
REPORTS_INTERVAL = 2.0  # seconds: a queued report (web/reports/jobs.py) starts within this
MODE_SETTING = "PROCUREMENT_SCHEDULER"
BACKGROUND, OFF = "background", "off"
MODES = (BACKGROUND, OFF)
INTERVAL_SETTING = "PROCUREMENT_SCHEDULER_INTERVAL"
MAIL_INTERVAL_SETTING = "PROCUREMENT_MAIL_INTERVAL"
DEFAULT_INTERVAL = 60.0
RETENTION_INTERVAL = 86400  # seconds: the retention job runs daily
MISFIRE_GRACE = 3600  # seconds: a round started late is still worth running
DONE, SKIPPED, FAILED = "done", "skipped", "failed"
STOP_TIMEOUT = 60.0  # seconds a stop waits for the round in hand

RUNS = Table("scheduler_runs", (
    ("job", "TEXT NOT NULL"),
    ("started_at", "TEXT NOT NULL"),
    ("finished_at", "TEXT NOT NULL"),
    ("outcome", "TEXT NOT NULL"),  # done, skipped or failed
    ("summary", "TEXT NOT NULL"),
    ("holder", "TEXT NOT NULL"),  # host:pid of the leader that ran it
), key=("job",))


@dataclass(frozen=True)
class Settings:
    reminders_interval: float = DEFAULT_INTERVAL
    mail_interval: float = DEFAULT_INTERVAL
    retention_months: int = 36

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(_seconds(env, INTERVAL_SETTING), _seconds(env, MAIL_INTERVAL_SETTING),
                   retention_months(env))


def _seconds(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 86400:
        raise ConfigurationError(f"{name} must be a number of seconds from 0.1 to 86400; "
                                 f"got {raw!r}")
    return value


def embedded_mode(env: Mapping[str, str] | None = None) -> str:
    """PROCUREMENT_SCHEDULER: whether `procurement serve` runs the scheduler in a background
    thread (the embedded default) or leaves it to `procurement scheduler run`."""
    env = os.environ if env is None else env
    mode = env.get(MODE_SETTING, "").strip().lower() or BACKGROUND
    if mode not in MODES:
        raise ConfigurationError(f"{MODE_SETTING} must be one of {', '.join(MODES)}; "
                                 f"got {env.get(MODE_SETTING)!r}")
    return mode


@dataclass(frozen=True)
class Run:
    job: str
    outcome: str  # done, skipped (not the leader, nothing configured), failed
    summary: str
    report: Any = None


@dataclass(frozen=True)
class LastRun:
    job: str
    started_at: str
    finished_at: str
    outcome: str
    summary: str
    holder: str


class Scheduler:
    """The jobs of one process, run only while it leads."""

    def __init__(self, service: ProcurementService, *, settings: Settings | None = None,
                 fresh: Freshness | None = None, leader: Leadership | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.service = service
        self.settings = settings or Settings.from_env(env)
        self.env = env
        self.leader = leader or leadership(service)
        # Authorities spread over stores (domain/routing.py): each store's read models
        # say what is due and what to mail there; the directory, the register and the
        # leader's lock are home's.
        self.stores = service.case_stores.all() if service.case_stores else [service]
        self.reminders = RemindersJob(service, fresh)
        self.elsewhere = [RemindersJob(service, store=store) for store in self.stores[1:]]
        self.retention = RetentionJob(service, self.settings.retention_months)
        self.db = Database.of(service)
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self.last: dict[str, Run] = {}  # this process's last run of each job
        self._running = 0  # rounds in hand, which `stop` lets finish
        self._idle = threading.Condition()
        self._aps: BackgroundScheduler | None = None
        self._journal_ready = False

    # -- one round ------------------------------------------------------------------------

    def run_reminders(self) -> Run:
        return self._run(REMINDERS, self._reminders)

    def run_mail(self) -> Run:
        return self._run(MAIL, self._mail)

    def run_retention(self) -> Run:
        return self._run(RETENTION, self._retention)

    def run_reports(self) -> Run:
        return self._run(REPORTS, self._reports)

    def once(self) -> list[Run]:
        """One round of reminders, then mail, then retention (for cron or a person)."""
        return [self.run_reminders(), self.run_mail(), self.run_retention()]

    def _run(self, job: str, work: Callable[[], Run]) -> Run:
        with self._idle:
            # Checked under the lock stop() waits with: a round that APScheduler starts
            # after stop() has let the lock go must not take it again (and leak it).
            if self.stopping.is_set():
                return Run(job, SKIPPED, "the scheduler is stopping")
            self._running += 1
        try:
            return self._lead_and_run(job, work)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _lead_and_run(self, job: str, work: Callable[[], Run]) -> Run:
        started = self.service.clock.now()
        try:
            if not self.leader.lead():
                run = Run(job, SKIPPED, "another scheduler is active")
                log.debug("%s: not the leader; skipped", job)
                self.last[job] = run
                return run
            run = work()
        except Exception as error:
            # Logged and left for the next interval: the scheduler keeps running.
            log.exception("%s job failed; it runs again at its next interval", job)
            run = Run(job, FAILED, f"{type(error).__name__}: {error}")
        else:
            log.log(logging.INFO if run.outcome == DONE else logging.DEBUG, "%s: %s", job,
                    run.summary)
        self.last[job] = run
        self._journal(job, started, run)
        return run

    def _reminders(self) -> Run:
        report = self.reminders(stop=self.stopping)
        others = [job(stop=self.stopping) for job in self.elsewhere]
        aps = self._aps
        recorded = report.recorded + sum(other.recorded for other in others)
        if recorded and aps is not None and not self.stopping.is_set():
            # Mail what was just recorded now rather than at the mail job's next interval.
            with contextlib.suppress(JobLookupError, SchedulerNotRunningError):
                aps.modify_job(MAIL, next_run_time=datetime.now(UTC))
        fresh = report.fresh and all(other.fresh for other in others)
        summary = self._per_store([report.summary(), *(o.summary() for o in others)])
        return Run(REMINDERS, DONE if fresh else SKIPPED, summary, report)

    def _retention(self) -> Run:
        report = self.retention(stop=self.stopping)
        return Run(RETENTION, DONE if report.fresh else SKIPPED, report.summary(), report)

    def _reports(self) -> Run:
        reports = Reports(self.service)
        ran = report_jobs.run_pending(self.service, reports.job_store(),
                                      reports.produce_audit_extract)
        if not ran.done and not ran.failed:
            return Run(REPORTS, SKIPPED, "no report queued")
        return Run(REPORTS, DONE, ran.summary(), ran)

    def _mail(self) -> Run:
        mailer = mailer_module()
        if mailer is None:
            return Run(MAIL, SKIPPED, "no mailer in this build (scheduler/mailer.py)")
        settings = mailer.MailSettings.from_env(os.environ if self.env is None else self.env)
        if settings is None:
            return Run(MAIL, SKIPPED, "e-mail is not configured")
        now = self.service.clock.now()
        report = mailer.deliver_pending(self.service, settings, now)
        others = [mailer.deliver_pending(store, settings, now, directory=self.service)
                  for store in self.stores[1:]]
        return Run(MAIL, DONE, self._per_store([describe(r) for r in (report, *others)]),
                   report)

    def _per_store(self, summaries: list[str]) -> str:
        """One store's summary as it is; several, each after its store's name."""
        if len(summaries) == 1 or self.service.case_stores is None:
            return summaries[0]
        names = [self.service.case_stores.name_of(store) for store in self.stores]
        return "; ".join(f"{name}: {text}" for name, text in zip(names, summaries,
                                                                 strict=True))

    # -- the journal ------------------------------------------------------------------------

    def _journal(self, job: str, started: datetime, run: Run) -> None:
        if run.outcome == SKIPPED and run.report is None:
            return  # a stand-by's (or an unconfigured mailer's) round is no news
        try:
            with self.db.transaction() as cursor:
                if not self._journal_ready:
                    for statement in RUNS.ddl():
                        cursor.execute(statement)
                cursor.insert_many(RUNS.name, RUNS.column_names, [(
                    job, started.isoformat(), self.service.clock.now().isoformat(),
                    run.outcome, run.summary[:1000], self.holder)], upsert_key=RUNS.key)
            self._journal_ready = True
        except Exception:
            log.exception("could not journal the %s run", job)

    # -- running on a timer -----------------------------------------------------------------

    def start(self) -> None:
        """Run the jobs in background threads until `stop()`; reminders at once."""
        self.stopping.clear()
        aps = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)}, timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE})
        aps.add_job(self.run_reminders, "interval", id=REMINDERS, name="reminders",
                    seconds=self.settings.reminders_interval,
                    next_run_time=datetime.now(UTC), replace_existing=True)
        aps.add_job(self.run_retention, "interval", id=RETENTION, name="retention",
                    seconds=RETENTION_INTERVAL, next_run_time=datetime.now(UTC),
                    replace_existing=True)
        aps.add_job(self.run_reports, "interval", id=REPORTS, name="reports",
                    seconds=REPORTS_INTERVAL, replace_existing=True)
        if mailer_module() is not None:
            aps.add_job(self.run_mail, "interval", id=MAIL, name="mail",
                        seconds=self.settings.mail_interval, replace_existing=True)
        aps.start()
        self._aps = aps

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """End the round in hand at its next reminder, then let the lock go, so a stand-by
        takes over at its next round."""
        self.stopping.set()
        if self._aps is not None:
            # Not shutdown(wait=True): it holds the scheduler's locks while it waits, and a
            # round that touches its jobs (the mail wake-up) would then never finish.
            self._aps.shutdown(wait=False)
            self._aps = None
        with self._idle:
            if not self._idle.wait_for(lambda: self._running == 0, timeout):
                log.warning("a round is still running after %.0f s; stopping anyway", timeout)
        self.leader.release()

    @property
    def running(self) -> bool:
        return self._aps is not None and bool(self._aps.running)


def embedded(service: ProcurementService, follower: Follower | None,
             env: Mapping[str, str] | None = None) -> Scheduler:
    """The scheduler for the web process: the follower of its background projections keeps
    the read models fresh when there is one; otherwise the scheduler applies them itself."""
    fresh: Freshness = (WaitForFollower(service, follower) if follower is not None
                        else CatchUpHere(service))
    return Scheduler(service, fresh=fresh, env=env)


def last_runs(service: ProcurementService) -> list[LastRun]:
    """The leader's last run of each job, from the journal (none before the first run)."""
    try:
        rows = Database.of(service).fetch("SELECT * FROM {scheduler_runs} ORDER BY job")
    except (OperationalError, ProgrammingError) as error:
        if "scheduler_runs" not in str(error):
            raise
        return []
    return [LastRun(r["job"], r["started_at"], r["finished_at"], r["outcome"], r["summary"],
                    r["holder"]) for r in rows]


def mailer_module() -> ModuleType | None:
    """scheduler/mailer.py, if this build has it (imported late: the reminders need none
    of it)."""
    try:
        return importlib.import_module("scheduler.mailer")
    except ModuleNotFoundError as error:
        if error.name != "scheduler.mailer":
            raise
        return None


def describe(report: Any) -> str:
    """A report of a job in one line, whatever its shape."""
    summary = getattr(report, "summary", None)
    if callable(summary):
        return str(summary())
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(report).items()
                         if v not in (None, [], {}))
    return str(report)
