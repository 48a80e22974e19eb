"""One error handler: every refusal becomes an RFC 9457 problem document.

Domain errors are mapped by class (never by message text) to a status and a problem type.
A browser (Accept prefers text/html) gets the same problem as a readable page with the
same status; every other client gets `application/problem+json`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import psycopg.errors
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from flask import Flask, Response, render_template, request
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from domain import errors

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:sysselsattning:problem:"


@dataclass(frozen=True)
class ProblemKind:
    status: int
    title: str


# Most specific first: the first class an error is an instance of decides.
DOMAIN_ERRORS: tuple[tuple[type[errors.DomainError], ProblemKind], ...] = (
    (errors.ValidationError, ProblemKind(400, "Invalid input")),
    (errors.AccessDenied, ProblemKind(403, "Not allowed")),
    (errors.ParticipantErased, ProblemKind(410, "Gone")),
    (errors.NotFound, ProblemKind(404, "Not found")),
    (errors.InvalidState, ProblemKind(409, "Not allowed in the current state")),
    (errors.RuleViolation, ProblemKind(409, "Breaks a rule of the case")),
    (errors.ConcurrencyConflict, ProblemKind(409, "Changed by others")),
    (errors.VersionMismatch, ProblemKind(412, "Precondition failed")),
    (errors.DomainError, ProblemKind(400, "Refused")),
)

# What a person reads on the error page (title, explanation), in the page's language. The
# problem's own detail is the API's English: only an English page shows it (error.html).
PAGE_TITLES = {
    400: (lazy_gettext("Uppgifterna kunde inte tas emot"),
          lazy_gettext("Något i det som skickades kan inte tas emot. Gå tillbaka, rätta "
                       "uppgifterna och försök igen.")),
    401: (lazy_gettext("Du behöver logga in"),
          lazy_gettext("Sidan visas bara för den som har loggat in.")),
    403: (lazy_gettext("Du saknar behörighet"),
          lazy_gettext("Din organisation har inte behörighet att göra det här.")),
    404: (lazy_gettext("Sidan finns inte"),
          lazy_gettext("Adressen leder ingenstans, eller till något som du inte har "
                       "behörighet att se.")),
    405: (lazy_gettext("Det går inte att göra så här"),
          lazy_gettext("Sidan kan inte användas på det sättet. Gå tillbaka och använd sidans "
                       "knappar och länkar.")),
    409: (lazy_gettext("Det går inte just nu"),
          lazy_gettext("Ärendets läge eller regler tillåter inte det här, eller så har någon "
                       "annan just ändrat ärendet. Ladda om sidan och se efter.")),
    500: (lazy_gettext("Något gick fel hos oss"),
          lazy_gettext("Felet är loggat. Försök igen om en stund.")),
}
# A form whose token is missing or stale is the one 400 a person can fix alone.
CSRF_EXPLANATION = lazy_gettext("Formulärets säkerhetskod (CSRF) saknas eller har gått ut. "
                                "Ladda om sidan och försök igen.")


# The store refusing or not answering: the request may be retried later, so 503 (with
# Retry-After), never the 500 of a bug. Read-only (a standby, or the operator's switch) and
# a full disk refuse writes at the database; nothing half-written is left either way.
STORE_UNAVAILABLE = "store-unavailable"
STORE_READ_ONLY = "store-read-only"
STORE_FULL = "store-full"
STORE_PROBLEMS = {
    STORE_UNAVAILABLE: "The database did not answer; the request may not have been carried "
                       "out. Try again shortly (an API write with the same Idempotency-Key "
                       "is carried out once).",
    STORE_READ_ONLY: "The database accepts no changes at the moment (read-only); nothing was "
                     "stored. Reading still works.",
    STORE_FULL: "The database has no room for changes (disk full); nothing was stored.",
}
RETRY_AFTER_SECONDS = 5


def store_problem_code(error: PersistenceError) -> str | None:
    """Which of the store's refusals this is, or None for any other failure (a bug)."""
    cause = error.__cause__
    text = str(error).lower()
    if isinstance(cause, psycopg.errors.ReadOnlySqlTransaction) or "readonly database" in text:
        return STORE_READ_ONLY
    if isinstance(cause, psycopg.errors.DiskFull) or "disk is full" in text:
        return STORE_FULL
    if isinstance(error, OperationalError | InterfaceError):
        return STORE_UNAVAILABLE
    return None


def init_app(app: Flask) -> None:
    app.register_error_handler(errors.DomainError, _domain_error)
    app.register_error_handler(PersistenceError, _store_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def problem_for(error: errors.DomainError) -> dict[str, Any]:
    """The problem document of a domain error."""
    kind = next(k for cls, k in DOMAIN_ERRORS if isinstance(error, cls))
    problem: dict[str, Any] = {"type": TYPE_PREFIX + error.code, "title": kind.title,
                               "status": kind.status, "detail": error.message}
    if isinstance(error, errors.ValidationError):
        problem.update(field=error.field, rule=error.rule)
    elif isinstance(error, errors.InvalidState):
        problem.update(state=error.state, rule=error.rule)
    elif isinstance(error, errors.RuleViolation):
        problem.update(rule=error.rule)
    return problem


def _domain_error(error: errors.DomainError) -> Response:
    return respond(problem_for(error))


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    return respond({"type": "about:blank", "title": error.name, "status": status,
                    "detail": error.description or error.name},
                   explanation=CSRF_EXPLANATION if isinstance(error, CSRFError) else None)


def store_problem(error: PersistenceError) -> dict[str, Any] | None:
    """The 503 problem of the store failing (logged), or None for a failure that is a bug."""
    code = store_problem_code(error)
    if code is None:
        return None
    logger.warning("%s on %s %s: %s", code, request.method, request.path, error)
    return {"type": TYPE_PREFIX + code, "title": "Service Unavailable", "status": 503,
            "detail": STORE_PROBLEMS[code]}


def _store_error(error: PersistenceError) -> Response:
    problem = store_problem(error)
    if problem is None:
        return _unexpected_error(error)
    response = respond(problem)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unexpected_error(error: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return respond({"type": "about:blank", "title": "Internal Server Error", "status": 500,
                    "detail": "The server failed to answer; the error is logged."})


def respond(problem: dict[str, Any], explanation: Any = None) -> Response:
    """The problem as a page or a document; `explanation` replaces the status's own one."""
    status = int(problem["status"])
    problem["instance"] = request.path
    if wants_html():
        title, usual = PAGE_TITLES.get(status, PAGE_TITLES[500 if status >= 500 else 400])
        page = render_template("error.html", problem=problem, title=title,
                               explanation=explanation or usual)
        return Response(page, status=status, mimetype="text/html")
    return Response(json.dumps(problem, ensure_ascii=False), status=status,
                    mimetype=PROBLEM_JSON)


def wants_html() -> bool:
    """A browser: it prefers an HTML page to a problem document."""
    offered = [PROBLEM_JSON, "application/json", "text/html"]
    return request.accept_mimetypes.best_match(offered) == "text/html"
