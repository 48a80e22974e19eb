"""The reminder e-mail: its templates (this directory) and the one function that fills
them, for scheduler/mailer.py.

Every text is written in both languages where it is used, `t("svenska", "English")`, and
the recipient's language picks one; names of tasks, stages and checkpoints come from
projections/labels.py, as the portal shows them. A participant appears only by their
pseudonym (the notice carries no name).

- subject.txt: one line, e.g. "Påminnelse: Registrera uppföljning för P-0042 senast
  2027-03-01 (KS 2026/0117)";
- reminder.txt and reminder.html: the plain text and HTML parts (multipart/alternative);
- _texts.jinja: what both parts say (the stage's sentence, lateness, the facts, the link).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date

from projections import labels
from projections.notices import Notice, Recipient

LOCALES = {"sv": "sv_SE", "en": "en_GB"}  # as the portal's (web/i18n.py)
DEFAULT_LANGUAGE = "sv"

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",),
                                        default_for_string=False),
    undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True)


def compose(notice: Notice, recipient: Recipient, *, sender: str, link: str,
            message_id: str, now: datetime) -> EmailMessage:
    """The e-mail about one notice to one user, in the user's language."""
    language = recipient.language if recipient.language in LOCALES else DEFAULT_LANGUAGE
    context = _context(notice, recipient, link, language)
    message = EmailMessage()
    message["Subject"] = " ".join(_render("subject.txt", context).split())
    message["From"] = sender
    message["To"] = formataddr((recipient.name, recipient.email))
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    # Quoted-printable keeps the message 7-bit, for servers without 8BITMIME.
    message.set_content(_render("reminder.txt", context), cte="quoted-printable")
    message.add_alternative(_render("reminder.html", context), subtype="html",
                            cte="quoted-printable")
    message["Content-Language"] = language  # after the parts: set_content clears Content-*
    return message


def _render(name: str, context: dict[str, Any]) -> str:
    return _TEMPLATES.get_template(name).render(context)


def _context(notice: Notice, recipient: Recipient, link: str,
             language: str) -> dict[str, Any]:
    def t(sv: str, en: str) -> str:
        return en if language == "en" else sv

    def pick(label: labels.Label) -> str:
        return t(label.sv, label.en)

    checkpoint = None
    if notice.kind == "checkpoint" and ":" in notice.subject:
        # The subject is "<placement id>:<checkpoint>:<party>" (projections/obligations.py).
        checkpoint = pick(labels.checkpoint(notice.subject.split(":")[1]))
    sent_after_the_day = notice.stage == "due" and notice.sent_on > notice.due_on
    return {
        "lang": language, "t": t, "name": recipient.name, "stage": notice.stage,
        "overdue": sent_after_the_day or notice.stage == "escalation", "late": notice.late,
        "task": pick(labels.task(notice.kind)), "checkpoint": checkpoint,
        "participant": notice.participant_ref, "reference": notice.reference,
        "title": notice.title, "due_iso": notice.due_on.isoformat(),
        "due": format_date(notice.due_on, "long", locale=LOCALES[language]),
        "link": link,
    }
