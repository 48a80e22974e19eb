"""Who is asking: the acting user of a request, from a personal API token or a session.

The JSON API is signed in to with `Authorization: Bearer <token>` only, never with the
session cookie, so a page on another site cannot make a browser call the API (that is why
the API needs no CSRF token). The portals use the session cookie, and every form of theirs
carries a CSRF token.

Every route needs a signed-in user unless it is marked public (`@public`, or listed in
PUBLIC_ENDPOINTS): `init_app` checks that before any view runs, so a route that forgets to
ask for the actor is still closed. Without one, a browser is sent to the sign-in page and
any other client gets 401.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers.response import Response

from domain.values import Actor
from web import errors
from web.extension import current_service

SESSION_USER = "user_id"
SESSION_SINCE = "signed_in_at"  # when the person signed in (POSIX seconds, the service's clock)
API_BLUEPRINT = "api"
# Answer without a session: the static files, the health check, and the API's description
# (web/api: it describes the API, not any case). Views mark themselves with @public.
PUBLIC_ENDPOINTS = frozenset({"static", "healthz", "api-docs.openapi_json"})
_PUBLIC_MARK = "public_without_sign_in"

View = TypeVar("View", bound=Callable[..., object])


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


def is_api_request() -> bool:
    """A request to the JSON API (its blueprint, or one nested in it)."""
    return API_BLUEPRINT in request.blueprints


def public(view: View) -> View:
    """Marks a view that answers without a signed-in user."""
    setattr(view, _PUBLIC_MARK, True)
    return view


def _resolve() -> Actor | None:
    service = current_service()
    if is_api_request():
        token = bearer_token()
        return service.authenticate_token(token) if token else None
    user_id = session.get(SESSION_USER)
    since = session.get(SESSION_SINCE)
    if not isinstance(user_id, str) or not isinstance(since, int | float):
        return None
    # The lifetime counts from sign-in, however busy the session has been since.
    age = service.clock.now().timestamp() - since
    if not 0 <= age < current_app.permanent_session_lifetime.total_seconds():
        return None
    try:
        user = UUID(user_id)
    except ValueError:
        return None
    return service.actor_for_session(user, datetime.fromtimestamp(since, UTC))


def start_session(actor: Actor) -> None:
    """A new session for a user who just signed in (a fresh cookie, so a session id planted
    before sign-in is worth nothing)."""
    session.clear()
    session[SESSION_USER] = str(actor.user_id)
    session[SESSION_SINCE] = current_service().clock.now().timestamp()
    session.permanent = True
    g.actor = actor


def end_session() -> None:
    session.clear()
    g.actor = None


def init_app(app: Flask) -> None:
    """Closes every route that is not public to requests without a signed-in user. Call it
    before CSRF protection is set up, so that a stranger's post is sent to sign in first."""
    app.before_request(_require_sign_in)
    app.register_error_handler(SignInRequired, _sign_in_required)


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # no route matched: routing answers 404 or 405, which reveal nothing
    view = current_app.view_functions.get(endpoint)
    return endpoint in PUBLIC_ENDPOINTS or bool(getattr(view, _PUBLIC_MARK, False))


def _require_sign_in() -> None:
    if not is_public_endpoint(request.endpoint):
        current_actor()


def _sign_in_required(_: SignInRequired) -> Response:
    """The API's own handler (web/api) answers its requests; this one answers the portals:
    a browser goes to the sign-in page and comes back afterwards, others get 401."""
    session.pop(SESSION_USER, None)
    session.pop(SESSION_SINCE, None)
    if errors.wants_html():
        back = request.full_path.rstrip("?") if request.method in ("GET", "HEAD") else None
        return redirect(url_for("signin.sign_in", next=back))
    response = errors.respond({"type": errors.TYPE_PREFIX + "unauthorized",
                               "title": "Sign-in required", "status": 401,
                               "detail": "Sign in at /sign-in first."})
    if is_api_request():
        response.headers["WWW-Authenticate"] = "Bearer"
    return response
