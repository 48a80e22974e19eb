"""Reading your own writes through the API, without every write waiting for the lists.

A write answers as soon as its events are stored. The case itself, read by its id, shows
the change at once: it is rebuilt from the store. Lists, the task inbox, notices, the audit
trail and the statistics come from the read models (projections/), which apply the log a
moment later, and a write that waited for all of them would be paced by the slowest
(docs/benchmarks.md: a third of the write rate, at best). So:

- every write that stored something answers with `Log-Position`: where in the log its
  events landed, one `store=position` pair per store written (`home=1042`; with authorities
  spread over stores, domain/routing.py, possibly `home=1042, north=77`);
- a read that sends a `Log-Position` back waits (at most PROCUREMENT_OWN_WRITE_WAIT
  seconds) until the read models have applied the log that far, and if they have not by
  then answers 503 `read-models-behind` with `Retry-After`, never a list without the
  client's own change.

The portals keep waiting inside the write itself (web/extension.py): a browser cannot be
asked to carry a header to the page it is sent to next.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import APISpec, BasePlugin
from flask import Response, request

from domain.errors import ValidationError
from web.api.problems import respond
from web.errors import TYPE_PREFIX
from web.extension import current_read_models

HEADER = "Log-Position"
_PAIR = r"[a-z0-9_-]{1,64}=[0-9]{1,18}"
PATTERN = rf"^ *{_PAIR} *(, *{_PAIR} *)*$"
RULE = ("must be store=position pairs, separated by commas, as a write's Log-Position "
        "gave them")
UNKNOWN_STORE_RULE = "names a store this service does not keep"
PAST_THE_END_RULE = "names a position past the end of the log: no write gave it"
BEHIND = "read-models-behind"
RETRY_AFTER_SECONDS = 1

PARAMETER = {
    "name": HEADER, "required": False,
    "description": "The `Log-Position` of your last write: the answer waits until the lists "
                   "show that write (or is 503 `read-models-behind`, to retry).",
    "schema": {"type": "string", "pattern": PATTERN, "example": "home=1"},
}
PARAMETER_COMPONENT = "LOG_POSITION"
ANSWER_COMPONENT = "LOG_POSITION_WRITTEN"
ANSWER = {"description": "Where this write's events landed in the log; send it back on a "
                         "later read to see the write in lists", "schema": {
                             "type": "string", "example": "home=1042"}}


def requested() -> dict[str, int]:
    """The positions a read asks to see, by store; a malformed header, or one no write
    could have given, is 400."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return {}
    if re.fullmatch(PATTERN, raw) is None:
        raise ValidationError(HEADER, RULE)
    read_models = current_read_models()
    positions: dict[str, int] = {}
    for part in raw.split(","):
        store, _, position = part.strip().partition("=")
        if store not in read_models.store_names():
            raise ValidationError(HEADER, UNKNOWN_STORE_RULE)
        positions[store] = max(int(position), positions.get(store, 0))
    heads = read_models.heads()
    if any(position > heads[store] for store, position in positions.items()):
        raise ValidationError(HEADER, PAST_THE_END_RULE)
    return positions


def wait_for_requested() -> Response | None:
    """Before a read: wait for the positions it sent; the 503 problem if they are not
    reached in time."""
    positions = requested()
    if not positions or current_read_models().wait_for_positions(positions):
        return None
    problem = {"type": TYPE_PREFIX + BEHIND, "title": "Service Unavailable", "status": 503,
               "detail": "The lists have not caught up with the log position sent yet; "
                         "try again shortly."}
    return respond(problem, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def finish(response: Response) -> None:
    """After a write: where its events landed, if it stored any."""
    written = current_read_models().take_written()
    if written and response.status_code < 400:
        response.headers[HEADER] = ", ".join(f"{store}={position}"
                                             for store, position in written.items())


def register_components(spec: APISpec) -> None:
    spec.components.parameter(PARAMETER_COMPONENT, "header", PARAMETER)
    spec.components.header(ANSWER_COMPONENT, ANSWER)


class LogPositionDoc(BasePlugin):
    """Documents the header on every operation: a read takes `Log-Position` and may answer
    400 or 503; the success of a write carries it. An apispec plugin rather than a
    flask-smorest doc callback, because a route's own `@bp.doc(parameters=...)` is merged
    after the callbacks and would replace the parameter."""

    def operation_helper(self, path: str | None = None,
                         operations: dict[str, Any] | None = None, **_: Any) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            if method == "get":
                operation.setdefault("parameters", []).append(PARAMETER_COMPONENT)
                for status in (HTTPStatus.BAD_REQUEST, HTTPStatus.SERVICE_UNAVAILABLE):
                    if status.value not in responses and str(status.value) not in responses:
                        responses[str(status.value)] = status.name  # the component
                continue
            for status, response in responses.items():
                if str(status).startswith("2") and isinstance(response, dict):
                    response.setdefault("headers", {})[HEADER] = ANSWER_COMPONENT
