"""The participant register: the matcher registers, reads and erases people; the employing
supplier reads the name and contact of a person it placed, through the case; the owning
authority's auditor reads who read the people of a case.

Every answer that shows a person's data is written to the read log by the service, with
the route as the place. A person the caller may not read answers 404 exactly like one that
does not exist; an erased person answers 410 to those who could read them before.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, request
from marshmallow import RAISE

from domain.participants.commands import ParticipantView, RegisteredReference
from domain.participants.read_log import ReadLogEntry
from domain.participants.sealing import PersonalDetails
from web.api.blueprint import LOCATION, READ, actor, bp, created, done, operation, service
from web.api.routes.setup import CASE
from web.api.schemas import requests as rq
from web.api.schemas import views

TAGS = ["participant register"]
PERSON = "/participants/<api_id:participant_id>"


def _place() -> str:
    """Where the read log says the data was shown: this API route."""
    return f"API {request.method} {request.url_rule.rule if request.url_rule else request.path}"


@bp.route("/participants", methods=["GET"], tags=TAGS)
@bp.response(200, views.RegisteredReferenceView(many=True))
@operation("registered_references", 403, about_a_case=False)
def list_participants() -> list[RegisteredReference]:
    """The people your organisation (a matcher) registered and has not erased, by reference"""
    return service().registered_references(actor())


@bp.route("/participants", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ParticipantBody)
@bp.response(201, views.ParticipantCreatedView, headers=LOCATION)
@operation("register_participant", 403, 413, 415, about_a_case=False)
def register_participant(details: PersonalDetails) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Register a person (a matcher); the answer holds the reference a case will use"""
    participant_id, reference = service().register_participant(actor(), details)
    body, status, headers = created("get_participant", participant_id,
                                    participant_id=participant_id)
    return {**body, "reference": reference}, status, headers


@bp.route(PERSON, methods=["GET"], tags=TAGS)
@bp.arguments(rq.ParticipantReadArgs, location="query", unknown=RAISE)
@bp.response(200, views.ParticipantView)
@operation("read_participant", 410, *READ, about_a_case=False)
def get_participant(args: dict[str, Any], participant_id: UUID) -> ParticipantView:
    """One person as your part may see them (a logged read)"""
    return service().read_participant(actor(), participant_id, args["case_id"],
                                      where=_place())


@bp.route(f"{PERSON}/erasure", methods=["POST"], tags=TAGS)
@bp.arguments(rq.ErasureBody)
@bp.response(204)
@operation("erase_participant", 404, 409, 413, 415, about_a_case=False)
def erase_participant(args: dict[str, Any], participant_id: UUID) -> Response:
    """Erase the person (the matcher that registered them): their key is deleted, so their
    data can never be read again; the cases keep the reference and their counts"""
    service().erase_participant(actor(), participant_id, args["reason"])
    return done()


@bp.route(f"{CASE}/read-log", methods=["GET"], tags=TAGS)
@bp.response(200, views.ReadLogEntryView(many=True))
@operation("read_log_of_case", 403, *READ)
def read_log(procurement_id: UUID) -> list[ReadLogEntry]:
    """Who read the personal data of the people proposed or placed in the case (the owning
    authority's auditors)"""
    return service().read_log_of_case(actor(), procurement_id)
