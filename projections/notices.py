"""Notices: every reminder and escalation the scheduler recorded (ReminderSent), for the
recipient organisation's portal inbox and for the mailer, with what the mailer needs to
address them: each case's reference and title, and the directory's users (e-mail address,
language, whether they can be reached: invitation accepted, not deactivated).

One handler per event type. Rows are keyed by what they describe, so applying an event a
second time (there is no such second time: the runner tracks positions) would change
nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.utils import get_topic

from domain.directory.user import User
from domain.procurement import events as ev
from projections.audit_trail import timestamp
from projections.base import Positioned, Projection, Write
from projections.db import Cursor, Database
from projections.tables import Table

NOTICES = Table("notices", (
    ("notice_id", "TEXT NOT NULL"),  # the due item's key and the stage: one per reminder
    ("position", "BIGINT NOT NULL"),
    ("procurement_id", "TEXT NOT NULL"),
    ("organisation_id", "TEXT"),  # the recipient; none: nobody held the part
    ("recipient_role", "TEXT NOT NULL"),
    ("stage", "TEXT NOT NULL"),  # before, due, escalation
    ("kind", "TEXT NOT NULL"),
    ("subject", "TEXT NOT NULL"),
    ("due_on", "TEXT NOT NULL"),
    ("sent_on", "TEXT NOT NULL"),
    ("late", "INTEGER NOT NULL"),
    ("participant_ref", "TEXT"),
    ("recorded_at", "TEXT NOT NULL"),
), key=("notice_id",), indexes=(("organisation_id", "sent_on"), ("position",)))
CASES = Table("notices_cases", (
    ("procurement_id", "TEXT NOT NULL"),
    ("reference", "TEXT NOT NULL"),
    ("title", "TEXT NOT NULL"),
), key=("procurement_id",))
USERS = Table("directory_users", (
    ("user_id", "TEXT NOT NULL"),
    ("organisation_id", "TEXT NOT NULL"),
    ("name", "TEXT NOT NULL"),
    ("email", "TEXT NOT NULL"),
    ("language", "TEXT NOT NULL"),
    ("reachable", "INTEGER NOT NULL"),  # invitation accepted and not deactivated
), key=("user_id",), indexes=(("organisation_id",),))

_USER_TOPICS = tuple(get_topic(getattr(User, name)) for name in (
    "Invited", "InvitationAccepted", "LanguageChosen", "Deactivated"))


class Notices(Projection):
    name = "notices"
    title = "Notices: reminders and escalations sent, the cases' names, the users to mail"
    tables = (NOTICES, CASES, USERS)
    topics = (get_topic(ev.ReminderSent), get_topic(ev.Created), get_topic(ev.SetupRevised),
              *_USER_TOPICS)

    def prepare(self, cursor: Cursor, events: Sequence[Positioned]) -> Write:
        writes: list[Callable[[Cursor], None]] = []
        for position, event in events:
            self.apply(event, position, writes)

        def write(cursor: Cursor) -> None:
            for one in writes:
                one(cursor)
        return write

    @singledispatchmethod
    def apply(self, event: Any, position: int, writes: list[Callable[[Cursor], None]]) -> None:
        """Events of other types are not read (see topics)."""

    @apply.register
    def _(self, event: ev.ReminderSent, position: int,
          writes: list[Callable[[Cursor], None]]) -> None:
        r = event.reminder
        row = (f"{r.reminder_key}#{r.stage.value}", position, str(event.originator_id),
               str(r.recipient_id) if r.recipient_id else None, r.recipient_role.value,
               r.stage.value, r.kind, r.subject, r.due_on.isoformat(), r.sent_on.isoformat(),
               int(r.late), r.participant_ref, timestamp(event.timestamp))
        writes.append(lambda c: c.insert_many(NOTICES.name, NOTICES.column_names, [row],
                                              upsert_key=NOTICES.key))

    @apply.register
    def _(self, event: ev.Created, position: int,
          writes: list[Callable[[Cursor], None]]) -> None:
        self._case(event.originator_id, event.setup.reference, event.setup.title, writes)

    @apply.register
    def _(self, event: ev.SetupRevised, position: int,
          writes: list[Callable[[Cursor], None]]) -> None:
        self._case(event.originator_id, event.setup.reference, event.setup.title, writes)

    @staticmethod
    def _case(procurement_id: UUID, reference: str, title: str,
              writes: list[Callable[[Cursor], None]]) -> None:
        row = (str(procurement_id), reference, title)
        writes.append(lambda c: c.insert_many(CASES.name, CASES.column_names, [row],
                                              upsert_key=CASES.key))

    @apply.register
    def _(self, event: User.Invited, position: int,  # type: ignore[name-defined]
          writes: list[Callable[[Cursor], None]]) -> None:
        row = (str(event.originator_id), str(event.organisation_id), event.name, event.email,
               "sv", 0)
        writes.append(lambda c: c.insert_many(USERS.name, USERS.column_names, [row],
                                              upsert_key=USERS.key))

    @apply.register
    def _(self, event: User.InvitationAccepted, position: int,  # type: ignore[name-defined]
          writes: list[Callable[[Cursor], None]]) -> None:
        self._set(event.originator_id, "reachable", 1, writes)

    @apply.register
    def _(self, event: User.LanguageChosen, position: int,  # type: ignore[name-defined]
          writes: list[Callable[[Cursor], None]]) -> None:
        self._set(event.originator_id, "language", event.language, writes)

    @apply.register
    def _(self, event: User.Deactivated, position: int,  # type: ignore[name-defined]
          writes: list[Callable[[Cursor], None]]) -> None:
        self._set(event.originator_id, "reachable", 0, writes)

    @staticmethod
    def _set(user_id: UUID, column: str, value: Any,
             writes: list[Callable[[Cursor], None]]) -> None:
        # The column is one of the three above, never input.
        statement = f"UPDATE {{directory_users}} SET {column} = %s WHERE user_id = %s"  # noqa: S608
        writes.append(lambda c: c.execute(statement, (value, str(user_id))))


# -- queries -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    notice_id: str
    position: int
    procurement_id: UUID
    reference: str
    title: str
    organisation_id: UUID | None
    recipient_role: str
    stage: str
    kind: str
    subject: str
    due_on: date
    sent_on: date
    late: bool
    participant_ref: str | None
    recorded_at: datetime


@dataclass(frozen=True)
class Recipient:
    user_id: UUID
    name: str
    email: str
    language: str


_SELECT = ("SELECT n.*, c.reference, c.title FROM {notices} n "
           "JOIN {notices_cases} c ON c.procurement_id = n.procurement_id ")


def notice_of(row: dict[str, Any]) -> Notice:
    """A notice from a row of `notices` joined with `notices_cases` (also the mailer's)."""
    return Notice(
        notice_id=row["notice_id"], position=int(row["position"]),
        procurement_id=UUID(row["procurement_id"]), reference=row["reference"],
        title=row["title"],
        organisation_id=UUID(row["organisation_id"]) if row["organisation_id"] else None,
        recipient_role=row["recipient_role"], stage=row["stage"], kind=row["kind"],
        subject=row["subject"], due_on=date.fromisoformat(row["due_on"]),
        sent_on=date.fromisoformat(row["sent_on"]), late=bool(row["late"]),
        participant_ref=row["participant_ref"],
        recorded_at=datetime.fromisoformat(row["recorded_at"]))


def for_organisation(db: Database, organisation_id: UUID, *, since: date,
                     limit: int = 50) -> list[Notice]:
    """The organisation's notices sent on or after `since`, newest first (its inbox)."""
    rows = db.fetch(_SELECT + "WHERE n.organisation_id = %s AND n.sent_on >= %s "
                    "ORDER BY n.position DESC LIMIT %s",
                    [str(organisation_id), since.isoformat(), limit])
    return [notice_of(r) for r in rows]


def after(db: Database, position: int, limit: int = 500) -> list[Notice]:
    """Notices recorded after a log position, oldest first (the mailer's feed)."""
    rows = db.fetch(_SELECT + "WHERE n.position > %s ORDER BY n.position LIMIT %s",
                    [position, limit])
    return [notice_of(r) for r in rows]


def recipients(db: Database, organisation_id: UUID) -> list[Recipient]:
    """The organisation's users who can be reached by e-mail."""
    rows = db.fetch("SELECT * FROM {directory_users} WHERE organisation_id = %s "
                    "AND reachable = 1 ORDER BY email", [str(organisation_id)])
    return [Recipient(UUID(r["user_id"]), r["name"], r["email"], r["language"])
            for r in rows]


def sent_by_stage(db: Database) -> dict[str, int]:
    """How many reminders (before, due) and escalations the cases have recorded (metrics)."""
    rows = db.fetch("SELECT stage, COUNT(*) AS n FROM {notices} GROUP BY stage")
    return {str(r["stage"]): int(r["n"]) for r in rows}
