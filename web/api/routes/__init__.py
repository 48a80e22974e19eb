"""The API's routes, one module per stage of a case; importing them registers them on the
blueprint (web/api/blueprint.py)."""

from web.api.routes import (
    delivery,
    follow_up,
    history,
    open_data,
    participants,
    queries,
    setup,
    statistics,
    tendering,
)

__all__ = ["delivery", "follow_up", "history", "open_data", "participants", "queries", "setup",
           "statistics", "tendering"]
