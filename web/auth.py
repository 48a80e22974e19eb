"""Who is asking: the acting user of a request, from a personal API token or a session.

The JSON API is signed in to with `Authorization: Bearer <token>` only, never with the
session cookie, so a page on another site cannot make a browser call the API (that is why
the API needs no CSRF token). The portals use the session cookie, and every form of theirs
carries a CSRF token.
"""

from __future__ import annotations

from uuid import UUID

from flask import g, request, session

from domain.values import Actor
from web.extension import current_service

SESSION_USER = "user_id"


class SignInRequired(Exception):
    """The request has no valid session or token; the answer is 401 (API) or the sign-in
    page (portals), and it says nothing about what was asked for."""


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def optional_actor() -> Actor | None:
    """The acting user, looked up once per request; None when nobody is signed in."""
    if "actor" not in g:
        g.actor = _resolve()
    actor: Actor | None = g.actor
    return actor


def current_actor() -> Actor:
    actor = optional_actor()
    if actor is None:
        raise SignInRequired
    return actor


def _resolve() -> Actor | None:
    service = current_service()
    if request.blueprint == "api":
        token = bearer_token()
        return service.authenticate_token(token) if token else None
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, str):
        return None
    try:
        return service.actor_for(UUID(user_id))
    except ValueError:
        return None


def start_session(actor: Actor) -> None:
    """A new session for a user who just signed in (a fresh cookie, so a session id planted
    before sign-in is worth nothing)."""
    session.clear()
    session[SESSION_USER] = str(actor.user_id)
    session.permanent = True
    g.actor = actor


def end_session() -> None:
    session.clear()
    g.actor = None
