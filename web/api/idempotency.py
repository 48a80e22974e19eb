"""`Idempotency-Key`: a write sent again with the same key is recorded once and answered as
the first time (after the IETF draft "The Idempotency-Key HTTP Header Field").

- A key is the client's: 1 to 255 printable ASCII characters, not starting or ending with a
  space (400 naming the header otherwise). Keys are kept per user, for 24 hours, in a
  table of their own in the database of the events.
- The same key with the same method, path and body (byte for byte): nothing runs; the first
  answer comes back (status, body, Location, ETag, Log-Position), marked
  `Idempotent-Replayed: true`.
- The same key with another request: 422. The same key while its first request still
  runs: 409; ask again once it has answered.

Kept are the answers the command decided: success (2xx), and the domain's refusals (400,
403, 404, 409 for the case's state or rules). Not kept are answers that may differ on a
retry without anything being recorded: input refused before the command ran, 409 when
others kept changing the case, 412, and failures (5xx). Their key is released, so a retry
runs again. A request that recorded events but could not keep its answer (the database
failed in between) holds its key until the key expires, so a retry cannot record twice.

The events and the answer are stored in two transactions: the library saves the events,
this module the answer right after.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from apispec import APISpec
from eventsourcing.persistence import PersistenceError
from flask import Response, current_app, g, request

from domain.clock import Clock
from domain.errors import ConcurrencyConflict, ValidationError, VersionMismatch
from projections.db import Database
from projections.tables import Table
from web.api import problems
from web.errors import TYPE_PREFIX
from web.extension import current_service

logger = logging.getLogger(__name__)

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
_KEY = re.compile(r"[!-~](?:[ -~]{0,253}[!-~])?")
KEY_RULE = ("must be 1 to 255 printable ASCII characters, not starting or ending with a "
            "space")
# With the status and body, the answer:
_REPLAYED = ("Content-Type", "Location", "ETag", "Log-Position")
_PENDING = "api_idempotency_claim"
_EXTENSION = "api_idempotency"
_BUILDING = threading.Lock()

IN_FLIGHT_TYPE = TYPE_PREFIX + "idempotency-key-in-flight"
REUSED_TYPE = TYPE_PREFIX + "idempotency-key-reused"

KEYS = Table("api_idempotency_keys", (
    ("user_id", "TEXT NOT NULL"),
    ("idempotency_key", "TEXT NOT NULL"),
    ("fingerprint", "TEXT NOT NULL"),
    ("expires_at", "BIGINT NOT NULL"),  # POSIX seconds
    ("status", "INTEGER"),  # NULL while the first request runs
    ("headers", "TEXT"),  # JSON: the replayed headers
    ("body", "{blob}"),
), key=("user_id", "idempotency_key"), indexes=(("expires_at",),))

_FORGET_EXPIRED = "DELETE FROM {api_idempotency_keys} WHERE expires_at <= %s"
_CLAIM = ("INSERT INTO {api_idempotency_keys} (user_id, idempotency_key, fingerprint, "
          "expires_at) VALUES (%s, %s, %s, %s) "
          "ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING user_id")
_READ = ("SELECT fingerprint, status, headers, body FROM {api_idempotency_keys} "
         "WHERE user_id = %s AND idempotency_key = %s")
_KEEP = ("UPDATE {api_idempotency_keys} SET status = %s, headers = %s, body = %s "
         "WHERE user_id = %s AND idempotency_key = %s")
_RELEASE = ("DELETE FROM {api_idempotency_keys} "
            "WHERE user_id = %s AND idempotency_key = %s AND status IS NULL")


@dataclass(frozen=True)
class Claim:
    user_id: str
    key: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def response(self) -> Response:
        return Response(self.body, status=self.status,
                        headers={**self.headers, REPLAYED_HEADER: "true"})


class KeyStore:
    """The keys of one application's users, in the database of its events."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.db = database
        self.clock = clock
        # `procurement db init` made it; two workers making it at once must not fail.
        self.db.create_tables(KEYS.ddl())

    def claim(self, claim: Claim, fingerprint: str) -> Answer | str | None:
        """Takes the key for this request (None); or the answer kept for it, or, when it
        cannot be taken, the problem type saying why (in flight, or another request's)."""
        now = int(self.clock.now().timestamp())
        with self.db.transaction() as cursor:
            # Every expired key goes, not just this one: the table holds one day at most.
            cursor.execute(_FORGET_EXPIRED, (now,))
            taken = cursor.fetch_one(_CLAIM, (claim.user_id, claim.key, fingerprint,
                                              now + int(LIFETIME.total_seconds())))
            if taken is not None:
                return None
            row = cursor.fetch_one(_READ, (claim.user_id, claim.key))
        if row is None or row["fingerprint"] != fingerprint:
            return REUSED_TYPE
        if row["status"] is None:
            return IN_FLIGHT_TYPE
        return Answer(int(row["status"]), json.loads(row["headers"]), bytes(row["body"]))

    def keep(self, claim: Claim, answer: Answer) -> None:
        with self.db.transaction() as cursor:
            cursor.execute(_KEEP, (answer.status, json.dumps(answer.headers), answer.body,
                                   claim.user_id, claim.key))

    def release(self, claim: Claim) -> None:
        with self.db.transaction() as cursor:
            cursor.execute(_RELEASE, (claim.user_id, claim.key))


def begin(user_id: object) -> Response | None:
    """Before a write runs: None to run it (its key, if it sent one, now taken), or the
    answer instead: the first one again, or a problem (409, 422)."""
    key = _key()
    if key is None:
        return None
    claim = Claim(str(user_id), key)
    found = _store().claim(claim, _fingerprint())
    if found is None:
        setattr(g, _PENDING, claim)
        return None
    if isinstance(found, Answer):
        return found.response()
    if found == IN_FLIGHT_TYPE:
        return problems.respond({
            "type": IN_FLIGHT_TYPE, "title": "Request in progress", "status": 409,
            "detail": f"A request with this {KEY_HEADER} is still running; ask again once "
                      "it has answered"})
    return problems.respond({
        "type": REUSED_TYPE, "title": "Idempotency key reused", "status": 422,
        "detail": f"This {KEY_HEADER} was used for another request (another method, path "
                  "or body); send a new key for a new request"})


def finish(response: Response, *, wrote: bool) -> None:
    """After a write answered: keep the answer for its key, or release the key."""
    claim: Claim | None = g.get(_PENDING)
    if claim is None:
        return
    try:
        if _decided(response):
            headers = {name: response.headers[name] for name in _REPLAYED
                       if name in response.headers}
            _store().keep(claim, Answer(response.status_code, headers, response.get_data()))
        elif not wrote:
            _store().release(claim)
    except PersistenceError as error:
        # The command's own answer stands (it may have recorded events): failing it now
        # would invite a second try. `abandon` deals with the key at the end.
        logger.warning("could not keep the answer of idempotency key %r: %s", claim.key, error)
        return
    g.pop(_PENDING)


def abandon(*, wrote: bool) -> None:
    """At the end of a request whose answer was not dealt with (`finish` failed or never
    ran): its key is released if nothing was recorded, else it stays taken until it
    expires, so that a retry cannot record twice."""
    claim: Claim | None = g.pop(_PENDING, None)
    if claim is None or wrote:
        return
    try:
        _store().release(claim)
    except Exception:
        # Teardown must not fail the answer already sent; the key then expires in a day.
        logger.exception("could not release idempotency key of user %s", claim.user_id)


def _key() -> str | None:
    raw = request.headers.get(KEY_HEADER)
    if raw is None:
        return None
    if not _KEY.fullmatch(raw):
        raise ValidationError(KEY_HEADER, KEY_RULE)
    return raw


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string):
        digest.update(part)
        digest.update(b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _decided(response: Response) -> bool:
    if 200 <= response.status_code < 300:
        return True
    refusal = problems.refusal()
    return (response.status_code < 500 and refusal is not None
            and not isinstance(refusal, ConcurrencyConflict | VersionMismatch))


def _store() -> KeyStore:
    """The app's key store, built on first use (it creates its table)."""
    app = current_app
    store: KeyStore | None = app.extensions.get(_EXTENSION)
    if store is None:
        with _BUILDING:
            store = app.extensions.get(_EXTENSION)
            if store is None:
                service = current_service()
                store = KeyStore(Database.of(service), service.clock)
                app.extensions[_EXTENSION] = store
    return store


# -- the OpenAPI document ----------------------------------------------------------------

KEY_COMPONENT = "IDEMPOTENCY_KEY"
KEY_PARAMETER = {
    "name": KEY_HEADER, "required": False,
    "description": "Any text of yours (1 to 255 printable ASCII characters) naming this "
                   "request: sent again with the same method, path and body within 24 "
                   "hours, the write is not made again and the first answer comes back. "
                   "The same key with another request is 422; while the first still runs, "
                   "409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255,
               "pattern": "^[!-~]([ -~]{0,253}[!-~])?$", "example": "7d0c6e1a-order-1"},
}
REPLAYED_COMPONENT = "IDEMPOTENT_REPLAYED"
REPLAYED = {"description": "`true` when this is the kept answer to an earlier request with "
                           "the same Idempotency-Key", "schema": {"type": "string",
                                                                  "enum": ["true"]}}


def register_components(spec: APISpec) -> None:
    spec.components.parameter(KEY_COMPONENT, "header", KEY_PARAMETER)
    spec.components.header(REPLAYED_COMPONENT, REPLAYED)


def document(doc: dict[str, Any], doc_info: dict[str, Any], *, method: str,
             **_: Any) -> dict[str, Any]:
    """flask-smorest doc callback: every write takes an Idempotency-Key and may answer 409
    (still in flight) or 422 (used for another request)."""
    if method == "get":
        return doc
    doc.setdefault("parameters", []).append(KEY_COMPONENT)
    responses = doc.setdefault("responses", {})
    for status in (HTTPStatus.CONFLICT, HTTPStatus.UNPROCESSABLE_ENTITY):
        if status.value not in responses and str(status.value) not in responses:
            responses[status.value] = status.name  # the component of that name
    for status in doc_info.get("success_status_codes", []):
        response = responses.get(status, responses.get(str(status)))
        if isinstance(response, dict):
            response.setdefault("headers", {})[REPLAYED_HEADER] = REPLAYED_COMPONENT
    return doc

