"""The one API blueprint, named "api" (web/auth.py signs its requests in by bearer token
only, and CSRF protection exempts it by that name), and what every request to it passes
before its route runs, in this order:

1. the body limit for the API is set (read lazily, so nothing is read yet);
2. the caller is signed in by bearer token, or the answer is 401;
3. every path parameter is an id: a malformed one is 400 naming the parameter;
4. a write with a body must send JSON (415), of at most the limit (413);
5. the request notes the version of the case it reads or writes, and a write to a case
   holds the command to its `If-Match` (web/api/conditional.py; malformed: 400);
6. a write with an `Idempotency-Key` takes the key, or is answered here: the first answer
   again, or 409/422 (web/api/idempotency.py); a read with a `Log-Position` waits until
   the read models show that write, or is answered 503 (web/api/consistency.py).

Routes then parse their body with a schema, build the domain's value objects, call one
service method and answer. They hold no business rule: those live in domain/. Their
successful answers about one case get its version as `ETag`, a write's answer says where its
events landed (`Log-Position`) and is kept for its key (`answered`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from http import HTTPStatus
from typing import Any, TypeVar
from uuid import UUID

from flask import Request, Response, current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, missing
from webargs.core import is_json
from webargs.flaskparser import FlaskParser, abort
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from domain import validation
from domain.service import ProcurementService
from domain.values import Actor
from web.api import conditional, consistency, idempotency, problems
from web.auth import current_actor
from web.extension import current_service

NAME = "api"
URL_PREFIX = "/api/v1"
MAX_BODY_CONFIG = "API_MAX_CONTENT_LENGTH"
DEFAULT_MAX_BODY = 256 * 1024
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCOPES = "api_scopes"


class Parser(FlaskParser):
    """webargs answers 422 by default; malformed input is 400 here (STACK_NOTES.md).

    Also 400, where webargs would let a 500 through: a number with more digits than Python
    converts, nesting deeper than the decoder recurses, and text that is not Unicode (a
    lone surrogate such as "\\ud800" is valid JSON but cannot be stored)."""

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req: Request, schema: Schema) -> Any:
        try:
            data = super().load_json(req, schema)
        except (ValueError, RecursionError) as error:
            abort(400, exc=error, messages={"json": ["Invalid JSON body."]})
        try:
            if data is not missing:
                json.dumps(data, ensure_ascii=False).encode()
        except UnicodeEncodeError as error:
            abort(400, exc=error, messages={"json": ["Text must be valid Unicode."]})
        return data


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # After the library's own callbacks, so these see each operation's responses.
        self._prepare_doc_cbks += [conditional.document, idempotency.document]


bp = ApiBlueprint(NAME, __name__, url_prefix=URL_PREFIX,
                  description="Procurements with employment requirements")
problems.register(bp)


@bp.before_request
def guard() -> Response | None:
    request.max_content_length = current_app.config.get(MAX_BODY_CONFIG, DEFAULT_MAX_BODY)
    caller = current_actor()  # raises SignInRequired → 401
    if request.view_args:
        for name, value in request.view_args.items():
            request.view_args[name] = validation.uuid(value, name)
    writes = request.method in _WRITES
    if writes:
        _check_body()
    scopes = ExitStack()
    setattr(g, _SCOPES, scopes)
    conditional.begin(service(), scopes,
                      writes_a_case=writes and "procurement_id" in (request.view_args or {}))
    if writes:
        return idempotency.begin(caller.user_id)
    return consistency.wait_for_requested()


@bp.after_request
def answered(response: Response) -> Response:
    conditional.finish(response)  # first: a kept answer has its ETag...
    if request.method in _WRITES:
        consistency.finish(response)  # ...and its Log-Position
        idempotency.finish(response, wrote=conditional.wrote())
    return response


@bp.teardown_request
def end(_: BaseException | None) -> None:
    idempotency.abandon(wrote=conditional.wrote())
    scopes: ExitStack | None = g.pop(_SCOPES, None)
    if scopes is not None:
        scopes.close()


def _check_body() -> None:
    has_body = bool(request.content_length) or "Content-Type" in request.headers
    if has_body and not is_json(request.mimetype):
        raise UnsupportedMediaType(
            f"Send JSON (Content-Type: application/json), not '{request.mimetype}'")
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"The body may be at most {limit} bytes")
    request.get_data(cache=True)  # a body without Content-Length is cut at the limit too


# -- what routes share --------------------------------------------------------------------

def actor() -> Actor:
    return current_actor()


def service() -> ProcurementService:
    return current_service()


LOCATION = {"Location": {"description": "The new resource's path",
                        "schema": {"type": "string"}}}
Created = tuple[dict[str, UUID], int, dict[str, str]]


def created(endpoint: str, new_id: UUID, **path: UUID) -> Created:
    """201 with the new id in the body and the new resource's path in `Location`."""
    values: dict[str, Any] = dict(path)
    return {"id": new_id}, HTTPStatus.CREATED, {"Location": url_for(f"{NAME}.{endpoint}",
                                                                    **values)}


def done() -> Response:
    """204: the command was recorded; read the case for what it changed."""
    return Response(status=HTTPStatus.NO_CONTENT)


F = TypeVar("F", bound=Callable[..., Any])

READ = (404,)  # a case that does not exist or that the caller may not see
# Plus 400, documented with the body's schema; 412 marks a write to an existing case, which
# takes If-Match (web/api/conditional.py).
WRITE = (403, 404, 409, 412, 413, 415)


def operation(operation_id: str, *statuses: int, about_a_case: bool = True
              ) -> Callable[[F], F]:
    """Names the operation after its service method and documents the problem answers it
    may give: 401 always, and the statuses given. An operation not `about_a_case` (the
    participant register) has no case version, so no ETag (web/api/conditional.py)."""
    def decorate(view: F) -> F:
        for status in sorted({401, *statuses}, reverse=True):
            view = bp.alt_response(status, response=HTTPStatus(status).name)(view)
        if not about_a_case:
            vars(view).setdefault("_apidoc", {})[conditional.ABOUT_A_CASE] = False
        documented: F = bp.doc(operationId=operation_id)(view)
        return documented
    return decorate
