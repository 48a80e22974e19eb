"""E-mail delivery of notices: every reminder and escalation the scheduler recorded
(ReminderSent, read from projections/notices.py) is mailed once to each reachable user of
the recipient organisation, in the user's language, as plain text and HTML. The portal
inbox shows the notices whether or not e-mail is configured.

Deliveries are a table of their own in the events' database, `mail_deliveries`: one row
per notice and user, keyed by both.

- Planning: the notices after the highest position planned so far become pending rows. A
  notice with nobody to tell (no recipient organisation, no reachable user) or recorded
  longer ago than `max_age` (mail switched on over an old log) gets one row with no user,
  status `skipped` and the reason, so planning moves past it. Rows are inserted with
  ON CONFLICT DO NOTHING: two planners at once write the same rows once.
- Sending: a due pending row is claimed by one conditional UPDATE (still pending, still
  due) that pushes its next attempt a lease ahead and counts the attempt. Of two callers
  only one matches, so nothing is sent twice by concurrent schedulers even without the
  leader lock. It is marked `sent` only after the server accepted the message. A crash
  between acceptance and marking leaves it pending; it is sent again once the lease ends,
  with the same Message-ID, so that one resend is recognisable.
- Failures: a temporary one (4xx, no connection) keeps the row pending with the error
  and a back-off doubling from `first_retry` to `max_retry`; after `max_attempts`, or at
  once for a permanent refusal (5xx), it is `failed`, which `status` shows the operator.

Nothing here reads the wall clock: the caller passes `now` (the service's clock).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import smtplib
import ssl
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from domain.errors import ConfigurationError
from domain.service import ProcurementService
from projections import notices
from projections.audit_trail import timestamp
from projections.db import Database, Many
from projections.notices import Notice, Recipient
from projections.tables import Table
from scheduler.mail_templates import compose

log = logging.getLogger("scheduler.mailer")

PENDING, SENT, FAILED, SKIPPED = "pending", "sent", "failed", "skipped"
STATUSES = (PENDING, SENT, FAILED, SKIPPED)
NOBODY = ""  # the user id of the one row of a notice that goes to no one
SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
PLAN_BATCH = 500

DELIVERIES = Table("mail_deliveries", (
    ("notice_id", "TEXT NOT NULL"),
    ("user_id", "TEXT NOT NULL"),  # NOBODY for a notice that goes to no one
    ("position", "BIGINT NOT NULL"),  # the notice's in the event log: how far planning got
    ("procurement_id", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL"),  # pending, sent, failed, skipped
    ("attempts", "INTEGER NOT NULL"),
    ("next_attempt_at", "TEXT NOT NULL"),  # UTC as sortable text (audit_trail.timestamp)
    ("last_attempt_at", "TEXT"),
    ("last_error", "TEXT"),  # the last failure; for a skipped row, why it was skipped
    ("address", "TEXT"),  # where it was last sent
    ("message_id", "TEXT NOT NULL"),
    ("created_at", "TEXT NOT NULL"),
    ("sent_at", "TEXT"),
), key=("notice_id", "user_id"), indexes=(("status", "next_attempt_at"), ("position",)))

_COLUMNS = ", ".join(DELIVERIES.column_names)
_PLAN = (f"INSERT INTO {{mail_deliveries}} ({_COLUMNS}) "  # noqa: S608 (names are ours)
         f"VALUES ({', '.join(['%s'] * len(DELIVERIES.column_names))}) "
         "ON CONFLICT (notice_id, user_id) DO NOTHING")
_PLANNED_UP_TO = "SELECT MAX(position) AS position FROM {mail_deliveries}"
_DUE = ("SELECT n.*, c.reference, c.title, d.user_id, d.message_id FROM {mail_deliveries} d "
        "JOIN {notices} n ON n.notice_id = d.notice_id "
        "JOIN {notices_cases} c ON c.procurement_id = n.procurement_id "
        "WHERE d.status = 'pending' AND d.next_attempt_at <= %s "
        "ORDER BY d.next_attempt_at, d.position LIMIT %s")
# The users, from the store that holds the directory (home, with routing): not joined above.
_USERS = ("SELECT user_id, name, email, language, reachable FROM {directory_users} "
          "WHERE user_id IN (%s)")
_GONE = {"name": "", "email": "", "language": "sv", "reachable": 0}
_CLAIM = ("UPDATE {mail_deliveries} SET attempts = attempts + 1, next_attempt_at = %s, "
          "last_attempt_at = %s, address = %s WHERE notice_id = %s AND user_id = %s "
          "AND status = 'pending' AND next_attempt_at <= %s RETURNING attempts")
_MARK_SENT = ("UPDATE {mail_deliveries} SET status = 'sent', sent_at = %s, last_error = NULL "
              "WHERE notice_id = %s AND user_id = %s AND status = 'pending'")
_MARK_FAILURE = ("UPDATE {mail_deliveries} SET status = %s, next_attempt_at = %s, "
                 "last_error = %s WHERE notice_id = %s AND user_id = %s "
                 "AND status = 'pending'")
_COUNTS = "SELECT status, COUNT(*) AS n FROM {mail_deliveries} GROUP BY status"
_LAST_ERRORS = ("SELECT * FROM {mail_deliveries} WHERE status IN ('pending', 'failed') "
                "AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT %s")
_NEXT_ATTEMPT = ("SELECT MIN(next_attempt_at) AS at FROM {mail_deliveries} "
                 "WHERE status = 'pending'")
_RETRY_FAILED = ("UPDATE {mail_deliveries} SET status = 'pending', attempts = 0, "
                 "next_attempt_at = %s WHERE status = 'failed' RETURNING notice_id")


# -- settings ----------------------------------------------------------------------------

@dataclass(frozen=True)
class MailSettings:
    """Where and how to send. Built from the environment by `from_env`, which checks it."""

    host: str
    base_url: str  # the portal's address, for links: https://host[:port][/prefix]
    sender: str  # the From address (and the envelope sender)
    port: int = 587
    security: str = "starttls"  # none, starttls or ssl
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0  # seconds, per connection and per server answer (at most 60)
    max_attempts: int = 12
    first_retry: timedelta = timedelta(minutes=1)
    max_retry: timedelta = timedelta(hours=1)
    # Longer than one send can take (connecting and some eight answers of at most a minute
    # each): a claimed row is due again only after it, if its sender died before saying
    # how it went.
    lease: timedelta = timedelta(minutes=15)
    max_age: timedelta = timedelta(days=7)

    @property
    def domain(self) -> str:
        """The right-hand side of Message-IDs: the portal's host."""
        return urlsplit(self.base_url).hostname or "localhost"

    def link(self, procurement_id: UUID) -> str:
        return f"{self.base_url}/procurements/{procurement_id}"

    def retry_after(self, attempts: int) -> timedelta:
        """The back-off after the `attempts`-th failed attempt: doubling, capped."""
        exponent = min(max(attempts - 1, 0), 30)
        return min(self.first_retry * (2 ** exponent), self.max_retry)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MailSettings | None:
        """The settings, or None when PROCUREMENT_SMTP_HOST is unset (no e-mail; the
        notices still reach the portal inbox). Each mistake is a ConfigurationError
        naming its variable."""
        source = os.environ if env is None else env

        def get(name: str) -> str:
            return source.get(f"PROCUREMENT_{name}", "").strip()

        host = get("SMTP_HOST")
        if not host:
            return None
        security = get("SMTP_SECURITY").lower() or "starttls"
        if security not in SECURITY:
            raise ConfigurationError(f"PROCUREMENT_SMTP_SECURITY: {security!r} is not one "
                                     f"of {', '.join(SECURITY)}")
        port = _integer(get("SMTP_PORT"), "PROCUREMENT_SMTP_PORT", 1, 65535,
                        DEFAULT_PORTS[security])
        base_url = _base_url(get("BASE_URL"))
        user, password = get("SMTP_USER") or None, source.get("PROCUREMENT_SMTP_PASSWORD")
        if user and not password:
            raise ConfigurationError("PROCUREMENT_SMTP_PASSWORD: required with "
                                     "PROCUREMENT_SMTP_USER")
        if password and not user:
            raise ConfigurationError("PROCUREMENT_SMTP_USER: required with "
                                     "PROCUREMENT_SMTP_PASSWORD")
        if user and security == "none" and not _loopback(host):
            raise ConfigurationError("PROCUREMENT_SMTP_SECURITY: a login to "
                                     f"{host} needs starttls or ssl, not none (the password "
                                     "would cross the network in clear)")
        sender = get("SMTP_FROM") or f"noreply@{urlsplit(base_url).hostname}"
        if "@" not in parseaddr(sender)[1]:
            raise ConfigurationError(f"PROCUREMENT_SMTP_FROM: {sender!r} is not an e-mail "
                                     "address")
        timeout = _integer(get("SMTP_TIMEOUT"), "PROCUREMENT_SMTP_TIMEOUT", 1, 60, 30)
        attempts = _integer(get("SMTP_MAX_ATTEMPTS"), "PROCUREMENT_SMTP_MAX_ATTEMPTS", 1,
                            100, cls.max_attempts)
        return cls(host=host, base_url=base_url, sender=sender, port=port,
                   security=security, user=user, password=password or None,
                   timeout=float(timeout), max_attempts=attempts)


def _integer(raw: str, name: str, low: int, high: int, default: int) -> int:
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}: {raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigurationError(f"{name}: {value} is not between {low} and {high}")
    return value


def _base_url(raw: str) -> str:
    name = "PROCUREMENT_BASE_URL"
    if not raw:
        raise ConfigurationError(f"{name}: required with PROCUREMENT_SMTP_HOST (the "
                                 "e-mails link to the portal), e.g. https://example.org")
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{name}: {raw!r} is not an http(s) address with a host")
    if parts.query or parts.fragment:
        raise ConfigurationError(f"{name}: {raw!r} has a query or fragment; give the "
                                 "portal's address only")
    return raw.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- delivering ----------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    """What one `deliver_pending` did."""

    planned: int = 0  # deliveries made from new notices
    skipped: int = 0  # notices or deliveries that go to nobody (see the rows' last_error)
    sent: int = 0
    retrying: int = 0  # failed this time, to be tried again
    failed: int = 0  # given up on
    stopped: str | None = None  # why sending stopped early (the server could not be reached)


def deliver_pending(service: ProcurementService, settings: MailSettings, now: datetime, *,
                    batch: int = 100, directory: ProcurementService | None = None
                    ) -> DeliveryReport:
    """Turns new notices of `service`'s store into deliveries, then sends up to `batch` due
    ones. The recipients are read where the directory is: `directory` (the home store, when
    authorities are spread over stores: domain/routing.py), else the same store."""
    if now.tzinfo is None:
        raise ValueError("now: a time without a time zone is ambiguous")
    db = _database(service)
    users = Database.of(directory) if directory is not None else db
    report = DeliveryReport()
    _plan(db, users, settings, now, report)
    due = db.fetch(_DUE, (timestamp(now), batch))
    if due:
        found = {r["user_id"]: r for r in users.fetch(
            _USERS, [Many({row["user_id"] for row in due})])}
        due = [{**row, **found.get(row["user_id"], _GONE)} for row in due]
        with _Outbox(settings) as outbox:
            for row in due:
                if not _deliver(db, settings, outbox, row, now, report):
                    break
    return report


def _plan(db: Database, users: Database, settings: MailSettings, now: datetime,
          report: DeliveryReport) -> None:
    while True:
        found = notices.after(db, _planned_up_to(db), limit=PLAN_BATCH)
        if not found:
            return
        reachable: dict[UUID, list[Recipient]] = {}
        rows: list[tuple[Any, ...]] = []
        for notice in found:
            to: list[Recipient] = []
            reason = "no recipient organisation (nobody held that part)"
            if now - notice.recorded_at > settings.max_age:
                reason = f"recorded more than {settings.max_age.days} days before mailing"
            elif notice.organisation_id is not None:
                if notice.organisation_id not in reachable:
                    reachable[notice.organisation_id] = notices.recipients(
                        users, notice.organisation_id)
                to = reachable[notice.organisation_id]
                reason = "no reachable user in the recipient organisation"
            if to:
                rows += [_row(notice, r.user_id, PENDING, None, settings, now) for r in to]
                report.planned += len(to)
            else:
                rows.append(_row(notice, None, SKIPPED, reason, settings, now))
                report.skipped += 1
        with db.transaction() as cursor:
            cursor.executemany(_PLAN, rows)
        if len(found) < PLAN_BATCH:
            return


def _planned_up_to(db: Database) -> int:
    rows = db.fetch(_PLANNED_UP_TO)
    return int(rows[0]["position"] or 0) if rows else 0


def _row(notice: Notice, user_id: UUID | None, status: str, reason: str | None,
         settings: MailSettings, now: datetime) -> tuple[Any, ...]:
    user = str(user_id) if user_id else NOBODY
    stamp = timestamp(now)
    message_id = message_id_for(notice.notice_id, user_id, settings.domain) if user_id else ""
    return (notice.notice_id, user, notice.position, str(notice.procurement_id), status, 0,
            stamp, None, reason, None, message_id, stamp, None)


def message_id_for(notice_id: str, user_id: UUID, domain: str) -> str:
    """The same for every (re)send of one notice to one user."""
    digest = hashlib.sha256(f"{notice_id}\n{user_id}".encode()).hexdigest()
    return f"<reminder.{digest}@{domain}>"


def _deliver(db: Database, settings: MailSettings, outbox: _Outbox, row: dict[str, Any],
             now: datetime, report: DeliveryReport) -> bool:
    """Claims, sends and marks one delivery; False when sending should stop for now."""
    notice, user_id = notices.notice_of(row), row["user_id"]
    key = (notice.notice_id, user_id)
    if not row["reachable"]:
        _mark(db, key, SKIPPED, now, "the user can no longer be reached (deactivated)")
        report.skipped += 1
        return True
    recipient = Recipient(UUID(user_id), row["name"], row["email"], row["language"])
    try:
        message = compose(notice, recipient, sender=settings.sender,
                          link=settings.link(notice.procurement_id),
                          message_id=row["message_id"], now=now)
    except Exception as error:
        # A template fault would fail every attempt alike; the others still go out.
        log.exception("cannot compose mail %s to user %s", notice.notice_id, user_id)
        _mark(db, key, FAILED, now, f"cannot compose the message: {error!r}")
        report.failed += 1
        return True
    with db.transaction() as cursor:
        claimed = cursor.fetch_one(_CLAIM, (timestamp(now + settings.lease), timestamp(now),
                                            recipient.email, *key, timestamp(now)))
    if claimed is None:
        return True  # another sender has it, or it is no longer due
    attempts = int(claimed["attempts"])
    try:
        outbox.send(message)
    except _Failure as failure:
        final = failure.permanent or attempts >= settings.max_attempts
        _mark(db, key, FAILED if final else PENDING,
              now + settings.retry_after(attempts), f"attempt {attempts}: {failure}")
        if final:
            report.failed += 1
        else:
            report.retrying += 1
        log.warning("mail %s to user %s, attempt %d: %s", notice.notice_id, user_id,
                    attempts, failure)
        if failure.stop:
            report.stopped = str(failure)
        return not failure.stop
    with db.transaction() as cursor:
        cursor.execute(_MARK_SENT, (timestamp(now), *key))
    report.sent += 1
    return True


def _mark(db: Database, key: tuple[str, str], status: str, at: datetime,
          error: str) -> None:
    with db.transaction() as cursor:
        cursor.execute(_MARK_FAILURE, (status, timestamp(at), error[:1000], *key))


# -- SMTP ------------------------------------------------------------------------------------

class _Failure(Exception):
    """A send that did not go through: `permanent` if trying again cannot help, `stop` if
    the server cannot be reached (the rest of the batch waits for the next run)."""

    def __init__(self, message: str, *, permanent: bool = False, stop: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.stop = stop


class _Outbox:
    """One SMTP connection for a run, opened at the first message."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Outbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise _Failure(f"recipient refused: {_answers(error.recipients.values())}",
                           permanent=all(code >= 500 for code in codes)) from None
        except smtplib.SMTPResponseException as error:
            raise _Failure(f"server answered {_answer(error.smtp_code, error.smtp_error)}",
                           permanent=error.smtp_code >= 500) from None
        except smtplib.SMTPServerDisconnected as error:
            self._drop()
            raise _Failure(f"connection lost: {error}", stop=True) from None
        except smtplib.SMTPException as error:  # e.g. the server lacks SMTPUTF8
            raise _Failure(f"{type(error).__name__}: {error}", permanent=True) from None
        except OSError as error:  # after SMTPException, which is an OSError too
            self._drop()
            raise _Failure(f"connection lost: {error or type(error).__name__}",
                           stop=True) from None

    def _drop(self) -> None:
        _close(self._smtp)
        self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        where = f"{s.host}:{s.port}"
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPResponseException as error:
            _close(smtp)
            raise _Failure(f"{where} answered {_answer(error.smtp_code, error.smtp_error)}",
                           stop=True) from None
        except (smtplib.SMTPException, OSError) as error:
            _close(smtp)
            raise _Failure(f"cannot reach {where}: {error or type(error).__name__}",
                           stop=True) from None
        return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        smtp.close()


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _answers(answers: Any) -> str:
    return "; ".join(_answer(code, text) for code, text in answers)


# -- for the operator ------------------------------------------------------------------------

@dataclass(frozen=True)
class FailedDelivery:
    notice_id: str
    user_id: str
    address: str | None
    status: str  # pending (retrying) or failed
    attempts: int
    last_attempt_at: str | None
    next_attempt_at: str
    error: str


@dataclass(frozen=True)
class MailStatus:
    counts: dict[str, int]  # by status, every status present
    next_attempt_at: str | None  # the earliest pending delivery's
    last_errors: list[FailedDelivery]


def status(service: ProcurementService, *, errors: int = 10) -> MailStatus:
    """Deliveries by status and the latest errors, for `procurement scheduler status`."""
    db = _database(service)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({r["status"]: int(r["n"]) for r in db.fetch(_COUNTS)})
    next_rows = db.fetch(_NEXT_ATTEMPT)
    last = [FailedDelivery(r["notice_id"], r["user_id"], r["address"], r["status"],
                           int(r["attempts"]), r["last_attempt_at"], r["next_attempt_at"],
                           r["last_error"])
            for r in db.fetch(_LAST_ERRORS, (errors,))]
    return MailStatus(counts, next_rows[0]["at"] if next_rows else None, last)


def retry_failed(service: ProcurementService, now: datetime) -> int:
    """Makes every failed delivery pending again, due now, with a fresh count of attempts
    (for the operator, once the cause is fixed). The number of deliveries."""
    db = _database(service)
    with db.transaction() as cursor:
        return len(cursor.fetch(_RETRY_FAILED, (timestamp(now),)))


# The table is created once per datastore and process.
_CREATED: weakref.WeakSet[Any] = weakref.WeakSet()
# PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against itself: two at once can both
# miss the table and one fails on the catalog's unique index. A transaction-scoped advisory
# lock (two-int keys: another space than the scheduler's single-bigint leader lock)
# makes the second wait and then find the table.
_CREATING = "SELECT pg_advisory_xact_lock(hashtext('mail_deliveries'), 0)"


def _database(service: ProcurementService) -> Database:
    db = Database.of(service)
    if db.datastore not in _CREATED:
        with db.transaction() as cursor:
            if db.is_postgres:
                cursor.execute(_CREATING)
            for statement in DELIVERIES.ddl():
                cursor.execute(statement)
        _CREATED.add(db.datastore)
    return db

