"""flask-smorest's Api, adapted: problem documents instead of its own error format, errors
handled on the API blueprint only, and path ids documented as UUIDs."""

from __future__ import annotations

import http
from typing import Any

from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import fields
from werkzeug.routing import BaseConverter

from web.api.fields import DecimalString, PlanValue, StrictBoolean
from web.api.problems import ProblemSchema
from web.errors import PROBLEM_JSON

DESCRIPTION = """\
The whole case of a procurement with an employment requirement (sysselsättningskrav), for
every party: one endpoint per command and query of the service.

* Sign in with a personal API token: `Authorization: Bearer <token>`.
* Requests are JSON (`Content-Type: application/json`), at most 256 KiB.
* Dates are ISO 8601 (`2026-04-01`, years 1900 to 2999); decimals are strings in answers
  (`"24.00"`) and may be strings or numbers in requests (at most 15 digits before and 6
  after the point); codes (states, target groups, …) are their values.
* Ids of new positions, candidates, placements, reports and deviations may be chosen by the
  client (a UUID) or left out; the server then makes one. A 201 answer returns the id in
  its body and the new resource's path in `Location`.
* Every error is an RFC 9457 problem document (`application/problem+json`): 400 names the
  failing `field` and `rule`; 401 without a valid token; 403 when your part in the case
  does not allow the command; 404 for a procurement that does not exist *or that you may
  not see* (the two answer alike); 409 when the case's state or rules refuse the command;
  412 when `If-Match` names a version the case is no longer at; 413 for a body over the
  limit; 415 for a body that is not JSON.
* Every answer about one procurement carries its version as `ETag: "7"`. A write to a
  procurement may send it back as `If-Match: "7"` (or `*`): if the case has moved on,
  the answer is 412 and nothing is recorded. A successful write answers with the new ETag.
* Every write may send an `Idempotency-Key` (1 to 255 printable ASCII characters, kept
  per user for 24 hours): the same key with the same method, path and body is not
  recorded again, and the first answer comes back (status, body, `Location`, `ETag`),
  marked `Idempotent-Replayed: true`. The same key with another request is 422; while
  the first request still runs, 409. Answers that may differ on a retry (5xx, 412, 409
  when others kept changing the case, input refused before the command) are not kept.
"""


class UuidConverter(BaseConverter):
    """Matches any path segment: the API itself answers a malformed id with 400 naming the
    parameter (web/api/blueprint.py), where Flask's `uuid` converter would answer 404."""


class ProblemApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """None for the whole app: the API blueprint has its own (web/api/problems.py) and
        the portals keep the app's (web/errors.py)."""

    def _register_responses(self) -> None:
        """One component response per status, typed `application/problem+json`."""
        for status in http.HTTPStatus:
            if status < 400:
                continue
            response: dict[str, Any] = {"description": status.phrase,
                                        "schema": self.ERROR_SCHEMA}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem document", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def spec_options() -> dict[str, Any]:
    return {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A personal API token"}}},
        "security": [{"bearer": []}],
    }


def document_types(api: ProblemApi) -> None:
    api.register_converter(UuidConverter, lambda _: {"type": "string", "format": "uuid"})
    api.register_field(DecimalString, "string", "decimal")
    api.register_field(StrictBoolean, fields.Boolean)
    api.register_field(PlanValue, None, None)
