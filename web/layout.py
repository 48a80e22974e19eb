"""What every page's header shows: who is signed in, for which organisation, and the menu
entries the access policy would let them use."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, session

from domain.access import Command
from web.auth import SESSION_USER, is_api_request, optional_actor
from web.extension import current_service
from web.reports.service import Reports

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedIn:
    user_name: str
    organisation_name: str
    may_manage_users: bool
    may_view_statistics: bool = False


def init_app(app: Flask) -> None:
    app.context_processor(_layout)


def _layout() -> dict[str, Any]:
    return {"signed_in": signed_in()}


def signed_in() -> SignedIn | None:
    """None for a visitor, without touching the store (an error page must render even
    when the store is down)."""
    if is_api_request() or SESSION_USER not in session:
        return None
    try:
        actor = optional_actor()
        if actor is None:
            return None
        service = current_service()
        return SignedIn(service.user(actor.user_id).name,
                        service.organisation(actor.organisation_id).name,
                        service.directory_allows(actor, Command.INVITE_USER,
                                                 actor.organisation_id),
                        bool(Reports(service).authorities(actor)))
    except Exception:
        # The page (often an error page) still answers, without the header's names.
        logger.exception("cannot show who is signed in")
        return None
