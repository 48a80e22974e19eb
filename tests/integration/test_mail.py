"""E-mail of notices through a real SMTP server (aiosmtpd on a free port): one message per
reachable user of the recipient organisation, in the user's language, sent once, retried
with back-off while the server is down or busy, failed for the operator to see when the
attempts run out. On SQLite and PostgreSQL, where the delivery table lives."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiosmtpd.controller import Controller

from domain.clock import FixedClock
from domain.errors import ConfigurationError
from domain.examples import example_setup
from domain.procurement.reminders import Reminder, Stage
from domain.service import ProcurementService
from domain.values import Actor, Role
from projections.notices import Notice, Notices, Recipient
from projections.runner import ProjectionRunner
from scheduler import mailer
from scheduler.mail_templates import compose
from scheduler.mailer import MailSettings, deliver_pending, message_id_for
from tests.integration.conftest import ServiceFactory

PASSWORD = "ett långt lösenord 42"
BASE_URL = "https://portal.example.org"
REFERENCE = "KS 2026/0117"


# -- a real SMTP server --------------------------------------------------------------------

class Inbox:
    """aiosmtpd handler: answers DATA with `answer`; keeps what it accepted, and the
    Message-IDs of every message it was offered (accepted or not)."""

    def __init__(self) -> None:
        self.answer = "250 OK"
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.offered: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.offered.append(message["Message-ID"])
            if self.answer.startswith("250"):
                self.received.append((list(envelope.rcpt_tos), message))
        return self.answer

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if rcpt == [address]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Server:
    port: int
    inbox: Inbox = field(default_factory=Inbox)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def server() -> Iterator[Server]:
    """An SMTP server that is listening."""
    running = Server(_free_port())
    running.start()
    yield running
    running.stop()


@pytest.fixture
def down() -> Iterator[Server]:
    """A port with nothing listening yet (`start()` brings the server up)."""
    waiting = Server(_free_port())
    yield waiting
    waiting.stop()


def _settings(port: int, **extra: str) -> MailSettings:
    settings = MailSettings.from_env({
        "PROCUREMENT_SMTP_HOST": "127.0.0.1", "PROCUREMENT_SMTP_PORT": str(port),
        "PROCUREMENT_SMTP_SECURITY": "none", "PROCUREMENT_BASE_URL": BASE_URL,
        "PROCUREMENT_SMTP_FROM": "paminnelser@example.org", "PROCUREMENT_SMTP_TIMEOUT": "5",
        **extra})
    assert settings is not None
    return settings


# -- a case, its parties' users and its notices --------------------------------------------

@dataclass
class World:
    service: ProcurementService
    clock: FixedClock
    procurement_id: UUID
    supplier_id: UUID
    authority_id: UUID
    users: dict[str, UUID] = field(default_factory=dict)  # by e-mail address

    def member(self, organisation_id: UUID, role: Role, name: str, email: str, *,
               accept: bool = True, language: str = "sv") -> UUID:
        user_id, secret = self.service.invite_user(None, organisation_id, name, email)
        if accept:
            self.service.accept_invitation(user_id, secret, PASSWORD)
            if language != "sv":
                self.service.choose_language(Actor(user_id, organisation_id, role), language)
        self.users[email] = user_id
        return user_id

    def remind(self, *, stage: Stage = Stage.BEFORE, recipient: UUID | str | None = "supplier",
               late: bool = False, subject: str | None = None) -> str:
        """Records one reminder as the scheduler does; its notice id."""
        today = self.clock.today()
        due = {Stage.BEFORE: today + timedelta(days=7), Stage.DUE: today,
               Stage.ESCALATION: today - timedelta(days=14)}[stage]
        if recipient == "supplier":
            recipient = self.supplier_id
        role = Role.AUTHORITY if stage is Stage.ESCALATION else Role.SUPPLIER
        subject = subject or f"{uuid4()}:during_3:supplier"
        key = f"{self.procurement_id}/checkpoint/{subject}/{due.isoformat()}"
        assert self.service.record_reminder(self.procurement_id, Reminder(
            key, stage, "checkpoint", subject, due, recipient if isinstance(recipient, UUID)
            else None, role, today, late=late, participant_ref="P-0042"))
        ProjectionRunner(self.service, Notices).catch_up()
        return f"{key}#{stage.value}"

    def deliver(self, settings: MailSettings, **kwargs: Any) -> mailer.DeliveryReport:
        return deliver_pending(self.service, settings, self.clock.now(), **kwargs)

    def rows(self) -> list[dict[str, Any]]:
        return mailer._database(self.service).fetch(
            "SELECT * FROM {mail_deliveries} ORDER BY notice_id, user_id")


def _world(service: ProcurementService, clock: FixedClock) -> World:
    supplier = service.register_organisation(None, "Städbolaget AB", "556677-8899",
                                             Role.SUPPLIER)
    authority = service.register_organisation(None, "Norrviks kommun", "212000-1124",
                                              Role.AUTHORITY)
    pid = service.create_procurement(Actor(uuid4(), authority, Role.AUTHORITY),
                                     example_setup(reference=REFERENCE))
    return World(service, clock, pid, supplier, authority)


@pytest.fixture
def world(durable_env: dict[str, str], open_service: ServiceFactory,
          clock: FixedClock) -> World:
    """A case with a supplier whose one user, Anna, reads Swedish."""
    made = _world(open_service(durable_env), clock)
    made.member(made.supplier_id, Role.SUPPLIER, "Anna Ek", "anna@stadbolaget.se")
    return made


def _text(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()
    return content


# -- the messages ----------------------------------------------------------------------------

def test_each_reachable_user_gets_one_message_in_their_own_language(
        world: World, server: Server) -> None:
    w = world
    w.member(w.supplier_id, Role.SUPPLIER, "John Smith", "john@stadbolaget.se",
             language="en")
    w.member(w.supplier_id, Role.SUPPLIER, "Inte Accepterad", "ny@stadbolaget.se",
             accept=False)
    gone = w.member(w.supplier_id, Role.SUPPLIER, "Har Slutat", "gone@stadbolaget.se")
    w.service.deactivate_user(None, gone, "Har slutat")
    w.member(w.authority_id, Role.AUTHORITY, "Kim Berg", "kim@norrvik.se")
    notice_id = w.remind()

    report = w.deliver(_settings(server.port))

    assert (report.planned, report.sent, report.retrying, report.failed) == (2, 2, 0, 0)
    assert sorted(r for r, _ in server.inbox.received) == [
        ["anna@stadbolaget.se"], ["john@stadbolaget.se"]]
    due = (w.clock.today() + timedelta(days=7)).isoformat()
    link = f"{BASE_URL}/procurements/{w.procurement_id}"

    [swedish] = server.inbox.to("anna@stadbolaget.se")
    assert swedish["Subject"] == (f"Påminnelse: Registrera uppföljning för P-0042 senast "
                                  f"{due} ({REFERENCE})")
    assert swedish["To"] == "Anna Ek <anna@stadbolaget.se>"
    assert swedish["From"] == "paminnelser@example.org"
    assert swedish["Content-Language"] == "sv"
    assert swedish.get_content_type() == "multipart/alternative"
    plain, html = _text(swedish, "plain"), _text(swedish, "html")
    assert "Hej Anna Ek" in plain and link in plain
    assert "Under anställningen, 3 månader" in plain and "P-0042" in plain
    assert f'href="{link}"' in html and '<html lang="sv">' in html
    assert "Det här ska vara gjort senast" in html

    [english] = server.inbox.to("john@stadbolaget.se")
    assert english["Subject"] == (f"Reminder: Record a follow-up checkpoint for P-0042 by "
                                  f"{due} ({REFERENCE})")
    assert english["Content-Language"] == "en"
    plain, html = _text(english, "plain"), _text(english, "html")
    assert "Hello John Smith" in plain and "This is due by" in plain and link in plain
    assert "During the placement, 3 months" in html and '<html lang="en">' in html
    for swedish_word in ("Påminnelse", "Uppgift", "senast", "Hej"):
        assert swedish_word not in plain and swedish_word not in html

    for address, message in (("anna@stadbolaget.se", swedish),
                             ("john@stadbolaget.se", english)):
        digest = hashlib.sha256(f"{notice_id}\n{w.users[address]}".encode()).hexdigest()
        assert message["Message-ID"] == f"<reminder.{digest}@portal.example.org>"
    assert {r["status"] for r in w.rows()} == {"sent"}


def test_stages_and_lateness_are_said_in_the_subject_and_the_text(
        world: World, server: Server) -> None:
    world.remind(stage=Stage.DUE)
    world.remind(stage=Stage.DUE, late=True)
    world.member(world.authority_id, Role.AUTHORITY, "Kim Berg", "kim@norrvik.se",
                 language="en")
    world.remind(stage=Stage.ESCALATION, recipient=world.authority_id, late=True)

    assert world.deliver(_settings(server.port)).sent == 3

    due_today, sent_late = sorted(server.inbox.to("anna@stadbolaget.se"),
                                  key=lambda m: "sent later" in _text(m, "plain") or
                                  "senare än" in _text(m, "plain"))
    assert due_today["Subject"].startswith("Förfaller i dag: Registrera uppföljning")
    assert "senare än den skulle" not in _text(due_today, "plain")
    assert "Påminnelsen skickas senare än den skulle" in _text(sent_late, "plain")
    [escalation] = server.inbox.to("kim@norrvik.se")
    assert escalation["Subject"].startswith("Escalation: Record a follow-up checkpoint")
    plain = _text(escalation, "plain")
    assert "is still not done" in plain and "as the contracting authority" in plain
    assert "sent later than it should have been" in plain


def test_a_notice_that_goes_to_no_one_is_recorded_as_skipped_with_the_reason(
        world: World, server: Server) -> None:
    nobody = world.remind(recipient=None)
    no_users = world.service.register_organisation(None, "Tomma AB", "556677-8899",
                                                   Role.SUPPLIER)
    empty = world.remind(recipient=no_users)

    report = world.deliver(_settings(server.port))

    assert (report.planned, report.skipped, report.sent) == (0, 2, 0)
    assert server.inbox.offered == []
    rows = {r["notice_id"]: r for r in world.rows()}
    assert rows[nobody]["status"] == rows[empty]["status"] == "skipped"
    assert rows[nobody]["user_id"] == rows[empty]["user_id"] == ""
    assert "no recipient organisation" in rows[nobody]["last_error"]
    assert "no reachable user" in rows[empty]["last_error"]
    assert mailer.status(world.service).counts["skipped"] == 2


def test_running_twice_sends_nothing_twice_and_a_new_notice_once(
        world: World, server: Server) -> None:
    settings = _settings(server.port)
    world.remind()
    assert world.deliver(settings).sent == 1
    again = world.deliver(settings)
    assert (again.planned, again.sent) == (0, 0)
    world.clock.advance(timedelta(days=3))
    assert world.deliver(settings).sent == 0

    world.remind(stage=Stage.DUE)
    assert world.deliver(settings).sent == 1
    assert world.deliver(settings).sent == 0
    ids = server.inbox.offered
    assert len(ids) == 2 and len(set(ids)) == 2
    assert mailer.status(world.service).counts == {
        "pending": 0, "sent": 2, "failed": 0, "skipped": 0}


def test_a_user_deactivated_before_the_send_gets_nothing(world: World, server: Server) -> None:
    settings = _settings(server.port)
    world.remind()
    world.deliver(settings, batch=0)  # planned only
    world.service.deactivate_user(None, world.users["anna@stadbolaget.se"], "Har slutat")
    ProjectionRunner(world.service, Notices).catch_up()

    report = world.deliver(settings)

    assert (report.sent, report.skipped) == (0, 1)
    assert server.inbox.offered == []
    [row] = world.rows()
    assert row["status"] == "skipped" and "no longer be reached" in row["last_error"]


def test_notices_older_than_the_mailing_window_are_not_mailed(
        world: World, server: Server) -> None:
    world.remind()
    world.clock.advance(timedelta(days=8))  # mail switched on a week after the fact

    report = world.deliver(_settings(server.port))

    assert (report.planned, report.skipped, report.sent) == (0, 1, 0)
    assert "more than 7 days" in world.rows()[0]["last_error"]


# -- failures and retries ------------------------------------------------------------------

def test_with_the_server_down_the_delivery_waits_with_back_off_then_goes_once(
        world: World, down: Server) -> None:
    settings = _settings(down.port)
    world.remind()

    report = world.deliver(settings)

    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    assert report.stopped is not None and f"127.0.0.1:{down.port}" in report.stopped
    [row] = world.rows()
    assert (row["status"], row["attempts"], row["sent_at"]) == ("pending", 1, None)
    assert f"cannot reach 127.0.0.1:{down.port}" in row["last_error"]
    status = mailer.status(world.service)
    assert status.counts["pending"] == 1 and status.counts["sent"] == 0
    assert status.last_errors[0].error == row["last_error"]
    assert status.next_attempt_at == row["next_attempt_at"]

    down.start()
    world.clock.advance(timedelta(seconds=30))  # the back-off is one minute
    assert world.deliver(settings).sent == 0
    assert down.inbox.offered == []
    world.clock.advance(timedelta(seconds=31))
    assert world.deliver(settings).sent == 1
    assert world.deliver(settings).sent == 0
    assert [r for r, _ in down.inbox.received] == [["anna@stadbolaget.se"]]
    [row] = world.rows()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, None)


def test_a_busy_server_451_keeps_it_pending_and_the_resend_has_the_same_message_id(
        world: World, server: Server) -> None:
    settings = _settings(server.port)
    world.remind()
    server.inbox.answer = "451 4.3.0 Try again later"

    report = world.deliver(settings)

    assert (report.sent, report.retrying) == (0, 1)
    assert report.stopped is None  # the server answered; the connection was fine
    [row] = world.rows()
    assert row["status"] == "pending" and "451" in row["last_error"]
    assert server.inbox.received == []

    server.inbox.answer = "250 OK"
    world.clock.advance(timedelta(minutes=1))
    assert world.deliver(settings).sent == 1
    first, second = server.inbox.offered
    assert first == second == row["message_id"]
    assert row["message_id"] == message_id_for(
        row["notice_id"], world.users["anna@stadbolaget.se"], "portal.example.org")


def test_back_off_doubles_and_the_delivery_fails_when_the_attempts_run_out(
        world: World, server: Server) -> None:
    settings = _settings(server.port, PROCUREMENT_SMTP_MAX_ATTEMPTS="3")
    notice_id = world.remind()
    server.inbox.answer = "451 4.3.0 Try again later"

    waits = []
    for _ in range(3):
        world.deliver(settings)
        [row] = world.rows()
        waits.append(datetime.fromisoformat(row["next_attempt_at"])
                     - world.clock.now())
        world.clock.advance(waits[-1])
    assert waits[:2] == [timedelta(minutes=1), timedelta(minutes=2)]
    [row] = world.rows()
    assert (row["status"], row["attempts"]) == ("failed", 3)

    server.inbox.answer = "250 OK"
    world.clock.advance(timedelta(hours=5))
    assert world.deliver(settings).sent == 0  # given up: the operator decides
    status = mailer.status(world.service)
    assert status.counts["failed"] == 1
    [problem] = status.last_errors
    assert (problem.notice_id, problem.status, problem.attempts) == (notice_id, "failed", 3)
    assert problem.error.startswith("attempt 3: server answered 451")
    assert len(server.inbox.offered) == 3

    assert mailer.retry_failed(world.service, world.clock.now()) == 1
    assert world.deliver(settings).sent == 1
    assert mailer.status(world.service).counts["sent"] == 1


def test_a_permanent_refusal_fails_at_once(world: World, server: Server) -> None:
    world.remind()
    server.inbox.answer = "554 5.7.1 Rejected"

    report = world.deliver(_settings(server.port))

    assert (report.failed, report.retrying) == (1, 0)
    [row] = world.rows()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "554" in row["last_error"]


def test_a_crash_after_the_server_accepted_means_one_resend_with_the_same_message_id(
        world: World, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(server.port)
    world.remind()
    monkeypatch.setattr(mailer, "_MARK_SENT", "UPDATE {mail_deliveries} SET no_such = %s "
                        "WHERE notice_id = %s AND user_id = %s")
    with pytest.raises(Exception, match="no_such"):
        world.deliver(settings)
    monkeypatch.undo()
    assert len(server.inbox.received) == 1
    [row] = world.rows()
    assert row["status"] == "pending"  # nobody knows it went: not marked sent

    world.clock.advance(timedelta(minutes=14))  # still claimed by the crashed sender
    assert world.deliver(settings).sent == 0
    world.clock.advance(timedelta(minutes=1))
    assert world.deliver(settings).sent == 1
    assert world.deliver(settings).sent == 0
    first, second = server.inbox.offered
    assert first == second


def test_two_senders_at_once_send_each_delivery_once(
        durable_env: dict[str, str], open_service: ServiceFactory, clock: FixedClock,
        server: Server) -> None:
    first = _world(open_service(durable_env), clock)
    for n in range(6):
        first.member(first.supplier_id, Role.SUPPLIER, f"Användare {n}",
                     f"user{n}@stadbolaget.se")
    for _ in range(4):
        first.remind()
    second = open_service(durable_env)
    settings = _settings(server.port)
    barrier = threading.Barrier(2)
    reports: list[mailer.DeliveryReport] = []
    errors: list[BaseException] = []

    def run(service: ProcurementService) -> None:
        barrier.wait()
        try:
            reports.append(deliver_pending(service, settings, clock.now(), batch=100))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first.service, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r.sent for r in reports) == 24
    assert len(server.inbox.offered) == len(set(server.inbox.offered)) == 24
    assert mailer.status(second).counts["sent"] == 24


# -- settings ------------------------------------------------------------------------------

def test_no_smtp_host_means_no_email() -> None:
    assert MailSettings.from_env({}) is None
    assert MailSettings.from_env({"PROCUREMENT_SMTP_HOST": "  "}) is None


def test_settings_defaults_follow_the_security() -> None:
    env = {"PROCUREMENT_SMTP_HOST": "smtp.example.org", "PROCUREMENT_BASE_URL":
           "https://portal.example.org/"}
    settings = MailSettings.from_env(env)
    assert settings is not None
    assert (settings.security, settings.port, settings.sender, settings.base_url) == (
        "starttls", 587, "noreply@portal.example.org", "https://portal.example.org")
    ssl = MailSettings.from_env({**env, "PROCUREMENT_SMTP_SECURITY": "SSL",
                                 "PROCUREMENT_SMTP_USER": "u",
                                 "PROCUREMENT_SMTP_PASSWORD": "p"})
    assert ssl is not None and (ssl.security, ssl.port, ssl.user) == ("ssl", 465, "u")
    assert "password=" not in repr(ssl)  # kept out of logs and tracebacks


@pytest.mark.parametrize(("extra", "variable"), [
    ({"PROCUREMENT_BASE_URL": ""}, "PROCUREMENT_BASE_URL"),
    ({"PROCUREMENT_BASE_URL": "portal.example.org"}, "PROCUREMENT_BASE_URL"),
    ({"PROCUREMENT_BASE_URL": "https://portal.example.org/?x=1"}, "PROCUREMENT_BASE_URL"),
    ({"PROCUREMENT_SMTP_SECURITY": "tls"}, "PROCUREMENT_SMTP_SECURITY"),
    ({"PROCUREMENT_SMTP_PORT": "smtp"}, "PROCUREMENT_SMTP_PORT"),
    ({"PROCUREMENT_SMTP_PORT": "70000"}, "PROCUREMENT_SMTP_PORT"),
    ({"PROCUREMENT_SMTP_USER": "u"}, "PROCUREMENT_SMTP_PASSWORD"),
    ({"PROCUREMENT_SMTP_PASSWORD": "p"}, "PROCUREMENT_SMTP_USER"),
    ({"PROCUREMENT_SMTP_USER": "u", "PROCUREMENT_SMTP_PASSWORD": "p",
      "PROCUREMENT_SMTP_SECURITY": "none"}, "PROCUREMENT_SMTP_SECURITY"),
    ({"PROCUREMENT_SMTP_FROM": "påminnelser"}, "PROCUREMENT_SMTP_FROM"),
    ({"PROCUREMENT_SMTP_TIMEOUT": "0"}, "PROCUREMENT_SMTP_TIMEOUT"),
    ({"PROCUREMENT_SMTP_MAX_ATTEMPTS": "-1"}, "PROCUREMENT_SMTP_MAX_ATTEMPTS"),
])
def test_each_settings_mistake_names_its_variable(extra: dict[str, str], variable: str) -> None:
    env = {"PROCUREMENT_SMTP_HOST": "smtp.example.org",
           "PROCUREMENT_BASE_URL": "https://portal.example.org", **extra}
    with pytest.raises(ConfigurationError, match=f"^{re.escape(variable)}:"):
        MailSettings.from_env(env)


def test_a_login_without_tls_is_allowed_only_to_this_machine() -> None:
    env = {"PROCUREMENT_SMTP_HOST": "127.0.0.1", "PROCUREMENT_BASE_URL": BASE_URL,
           "PROCUREMENT_SMTP_SECURITY": "none", "PROCUREMENT_SMTP_USER": "u",
           "PROCUREMENT_SMTP_PASSWORD": "p"}
    settings = MailSettings.from_env(env)
    assert settings is not None and settings.user == "u"


def test_the_delivery_needs_an_aware_now(world: World, server: Server) -> None:
    with pytest.raises(ValueError, match="time zone"):
        deliver_pending(world.service, _settings(server.port),
                        world.clock.now().replace(tzinfo=None))



@pytest.mark.parametrize(("stage", "late", "days_after_due"), [
    ("before", False, -7), ("due", False, 0), ("due", True, 3), ("escalation", True, 20)])
def test_every_text_of_every_stage_is_written_in_both_languages(
        stage: str, late: bool, days_after_due: int) -> None:
    due = datetime(2027, 3, 1).date()
    notice = Notice(f"k#{stage}", 1, uuid4(), "KS 1", "Cleaning", uuid4(), "supplier", stage,
                    "checkpoint", f"{uuid4()}:after_exit_6:supplier", due,
                    due + timedelta(days=days_after_due), late, "P-7",
                    datetime(2027, 3, 1, tzinfo=UTC))
    texts = {}
    for language in ("sv", "en"):
        message = compose(notice, Recipient(uuid4(), "Kim", "kim@example.org", language),
                          sender="a@example.org", link=f"{BASE_URL}/x", message_id="<m@x>",
                          now=notice.recorded_at)
        texts[language] = " ".join((message["Subject"], _text(message, "plain"),
                                    _text(message, "html")))
    # The data above is the same in both and has no Swedish letters: any in the English
    # message would be an untranslated text.
    assert not re.search("[åäöÅÄÖ]", texts["en"])
    assert re.search("[åäöÅÄÖ]", texts["sv"])
    english_words = {"the", "this", "is", "due", "you", "case"}
    assert not english_words & set(re.findall(r"[a-z]+", texts["sv"].lower()))
    assert ("6 months after the end" in texts["en"]) and ("6 månader efter avslut" in
                                                          texts["sv"])
