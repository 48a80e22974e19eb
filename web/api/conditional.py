"""The procurement's version as an `ETag`, and writes made on the condition of `If-Match`.

Every answer about one procurement (a read of it or of something in it, a successful write
to it) carries `ETag: "<version>"`, the version of the case it read or the version its own
write made. A write to an existing procurement may send that tag back as `If-Match`
(or `*`, any version): the service then checks it on the very version the command runs on
(domain/service.py, `versioned`), so a case that moved on in between is refused with 412
and nothing is recorded, even when the other write lands a moment before ours does.

One strong tag only: the version is a number, so a list of tags or a weak one (`W/"7"`)
is a malformed header here (400), not a condition that might hold.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import Any

from apispec import APISpec
from flask import Response, g, request

from domain.errors import ValidationError
from domain.service import CaseVersion, ProcurementService

IF_MATCH = "If-Match"
# At most 18 digits: every version fits a 64-bit integer, as the event stores keep it.
_VERSION = re.compile(r'"(\d{1,18})"')
IF_MATCH_RULE = 'must be * or one version in quotes, as the ETag gave it (e.g. "7")'
_SEEN = "api_case_version"

IF_MATCH_PARAMETER = {
    "name": IF_MATCH, "required": False,
    "description": "Make the write only if the procurement is still at this version (the "
                   "ETag of your last read); otherwise 412 and nothing is recorded. `*`: "
                   "whatever version it is at.",
    "schema": {"type": "string", "pattern": r'^(\*|"[0-9]{1,18}")$', "example": '"7"'},
}
IF_MATCH_COMPONENT = "IF_MATCH_VERSION"
ETAG_COMPONENT = "CASE_VERSION"
ETAG_HEADER = {"description": "The procurement's version, in quotes: read, or made by this "
                              "write", "schema": {"type": "string", "example": '"7"'}}


def expected_version() -> int | None:
    """The version `If-Match` asks for; None when it is absent or `*`."""
    raw = request.headers.get(IF_MATCH)
    if raw is None or raw.strip() == "*":
        return None
    match = _VERSION.fullmatch(raw.strip())
    if match is None:
        raise ValidationError(IF_MATCH, IF_MATCH_RULE)
    return int(match.group(1))


def begin(service: ProcurementService, scopes: ExitStack, *, writes_a_case: bool) -> None:
    """Notes the version of the case this request reads or writes; a write to a case runs
    on the condition of its `If-Match`, if it sent one (a malformed one is 400)."""
    expected = expected_version() if writes_a_case else None
    setattr(g, _SEEN, scopes.enter_context(service.versioned(expected)))


def finish(response: Response) -> None:
    """A successful answer about one case carries its version."""
    seen: CaseVersion | None = g.get(_SEEN)
    if seen is not None and seen.version is not None and 200 <= response.status_code < 300:
        response.set_etag(str(seen.version))


def wrote() -> bool:
    """Whether a command of this request stored events."""
    seen: CaseVersion | None = g.get(_SEEN)
    return bool(seen and seen.saved)


def register_components(spec: APISpec) -> None:
    spec.components.parameter(IF_MATCH_COMPONENT, "header", IF_MATCH_PARAMETER)
    spec.components.header(ETAG_COMPONENT, ETAG_HEADER)


# Set to False in an operation's doc info by web/api/blueprint.py's `operation`.
ABOUT_A_CASE = "about_a_case"


def document(doc: dict[str, Any], doc_info: dict[str, Any], *, method: str,
             **_: Any) -> dict[str, Any]:
    """flask-smorest doc callback: a write that may answer 412 (one to an existing case)
    takes `If-Match`; the success of every write, and of every read of one case (a read
    that may answer 404, unless it is a list filtered by query arguments, which spans many
    cases and so has no one version), carries the ETag."""
    responses = doc.get("responses", {})
    if not doc_info.get(ABOUT_A_CASE, True):
        return doc
    if _has(responses, 412):
        doc.setdefault("parameters", []).append(IF_MATCH_COMPONENT)
    for status in doc_info.get("success_status_codes", []):
        response = responses.get(status, responses.get(str(status)))
        if not isinstance(response, dict):
            continue
        spans_cases = bool(doc_info.get("arguments")) and _is_list(response)
        if method != "get" or (_has(responses, 404) and not spans_cases):
            response.setdefault("headers", {})["ETag"] = ETAG_COMPONENT
    return doc


def _is_list(response: dict[str, Any]) -> bool:
    """Whether the answer is a list (its schema an array, or a schema of many)."""
    for content in response.get("content", {}).values():
        schema = content.get("schema") if isinstance(content, dict) else None
        if getattr(schema, "many", False) or (isinstance(schema, dict)
                                              and schema.get("type") == "array"):
            return True
    return False


def _has(responses: dict[Any, Any], status: int) -> bool:
    return status in responses or str(status) in responses
