"""Every refusal under /api/v1 as an RFC 9457 problem document (`application/problem+json`).

The handlers are registered on the API blueprint, so they answer for API routes only and
always in JSON (a browser asking the API gets JSON too); the portals keep the app's own
handler (web/errors.py), whose mapping of domain errors this module reuses.

- Input that fails a schema (webargs/marshmallow) or a value object's own rule (a domain
  ValidationError) is 400 with `field` and `rule` of the first failing field; schema
  failures also list every failing field in `errors`.
- No or a bad bearer token is 401 with `WWW-Authenticate: Bearer`.
- Domain refusals keep their status from web/errors.py: 403, 404, 409, and 412 when the
  case is not at the version `If-Match` named.
- Anything unexpected is logged and answered 500 without details.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Blueprint, Response, g, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from domain import errors as domain_errors
from web.auth import SignInRequired, bearer_token
from web.errors import PROBLEM_JSON, RETRY_AFTER_SECONDS, TYPE_PREFIX, problem_for, store_problem

logger = logging.getLogger(__name__)

VALIDATION_TYPE = TYPE_PREFIX + domain_errors.ValidationError.code
_TYPES = {
    400: VALIDATION_TYPE,
    401: TYPE_PREFIX + "unauthorized",
    404: TYPE_PREFIX + domain_errors.NotFound.code,
    405: TYPE_PREFIX + "method-not-allowed",
    413: TYPE_PREFIX + "payload-too-large",
    415: TYPE_PREFIX + "unsupported-media-type",
}
_BODY = "body"  # the field named when the body as a whole is wrong (not JSON, not an object)
_REFUSAL = "api_domain_refusal"


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"description": "Dotted path in the body"})
    rule = fields.String(required=True)


class ProblemSchema(Schema):
    """An RFC 9457 problem document; validation problems name the field and the rule."""

    type = fields.String(required=True, metadata={"example": VALIDATION_TYPE})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String(metadata={"description": "The path that was asked for"})
    field = fields.String(metadata={"description": "The first failing field (400)"})
    rule = fields.String(metadata={"description": "What the value must satisfy (400, 409)"})
    state = fields.String(metadata={"description": "The case's state, when it refused (409)"})
    errors = fields.List(fields.Nested(FieldErrorSchema), metadata={
        "description": "The failing fields (400): every one the schema found, or the one "
                       "rule of a value the domain refused"})


def register(bp: Blueprint) -> None:
    bp.register_error_handler(domain_errors.DomainError, _domain_error)
    bp.register_error_handler(SignInRequired, _sign_in_required)
    # By code as well as by class: an app handler for one code must not win over ours.
    for code in default_exceptions:
        bp.register_error_handler(code, _http_error)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(PersistenceError, _store_error)
    bp.register_error_handler(Exception, _unexpected_error)


def respond(problem: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    problem["instance"] = request.path
    return Response(json.dumps(problem, ensure_ascii=False), status=int(problem["status"]),
                    mimetype=PROBLEM_JSON, headers=headers)


def refusal() -> domain_errors.DomainError | None:
    """The domain's refusal this request was answered with, if it was."""
    error: domain_errors.DomainError | None = g.get(_REFUSAL)
    return error


def _domain_error(error: domain_errors.DomainError) -> Response:
    setattr(g, _REFUSAL, error)
    problem = problem_for(error)
    if isinstance(error, domain_errors.ValidationError):
        # The domain stops at the first broken rule: `errors` lists that one.
        problem["errors"] = [{"field": error.field, "rule": error.rule}]
    return respond(problem)


def _sign_in_required(error: SignInRequired) -> Response:
    sent = bearer_token() is not None
    challenge = 'Bearer error="invalid_token"' if sent else 'Bearer realm="api"'
    detail = ("The bearer token is unknown, revoked or expired" if sent else
              "Send a personal API token as 'Authorization: Bearer <token>'")
    return respond({"type": _TYPES[401], "title": "Sign-in required", "status": 401,
                    "detail": detail}, {"WWW-Authenticate": challenge})


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if status < 400:  # a redirect raised by routing is not an error
        return error
    problem: dict[str, Any] = {"type": _TYPES.get(status, "about:blank"),
                               "title": error.name, "status": status,
                               "detail": error.description or error.name}
    data = getattr(error, "data", None)
    if isinstance(data, dict) and "messages" in data:
        failures = list(field_errors(data["messages"]))
        first_field, first_rule = failures[0] if failures else (_BODY, "is invalid")
        problem.update(title="Invalid input", status=400, type=VALIDATION_TYPE,
                       detail=f"{first_field}: {first_rule}", field=first_field,
                       rule=first_rule,
                       errors=[{"field": f, "rule": r} for f, r in failures])
    headers = None
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        headers = {"Allow": ", ".join(error.valid_methods)}
    return respond(problem, headers)


def _store_error(error: PersistenceError) -> Response:
    """The database out of reach, read-only or full (web/errors.py): 503, to retry."""
    problem = store_problem(error)
    if problem is None:
        return _unexpected_error(error)
    return respond(problem, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _unexpected_error(error: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.path)
    return respond({"type": "about:blank", "title": "Internal Server Error", "status": 500,
                    "detail": "The server failed to answer; the error is logged."})


def field_errors(messages: object) -> Iterator[tuple[str, str]]:
    """(dotted field path, rule) for every failure webargs reports, in schema order.

    webargs keys the messages by location first ({"json": {"plan": {"alternative": [...]}}});
    the body's fields are named without it, other locations keep it ("query.limit")."""
    if isinstance(messages, dict):
        for location, nested in messages.items():
            prefix = "" if location == "json" else str(location)
            yield from _walk(nested, prefix)
    else:
        yield from _walk(messages, "")


def _walk(messages: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(messages, dict):
        for key, nested in messages.items():
            name = str(key)
            if name == "_schema":
                yield from _walk(nested, path)
            else:
                yield from _walk(nested, f"{path}.{name}" if path else name)
    elif isinstance(messages, list | tuple):
        for message in messages:
            yield from _walk(message, path)
    else:
        yield (path or _BODY, _rule(str(messages)))


def _rule(message: str) -> str:
    """marshmallow's message as a rule: 'Missing data for required field.' → 'is required'."""
    known = {
        "Missing data for required field.": "is required",
        "Unknown field.": "is not a field of this request",
        "Field may not be null.": "must not be null",
        "Invalid JSON body.": "must be a JSON document",
        "Invalid input type.": "must be a JSON object",
        "Text must be valid Unicode.": "text must be valid Unicode (no lone surrogates)",
    }
    return known.get(message, message.rstrip("."))
