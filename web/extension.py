"""The application service and its read models as a Flask extension: built on first use,
once per process.

Built lazily, never at import and never in the process that forks WSGI workers, so every
worker opens its own database connections (STACK_NOTES.md, "Web"). Each request starts
with no write of its own; a portal request that stored events waits (bounded) for the read
models to apply them before its answer goes out (web/read_models.py). An API write has
taken its positions by then, for its `Log-Position` (web/api/consistency.py), and waits for
nothing.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from eventsourcing.persistence import PersistenceError
from flask import Flask, Response, current_app

from domain.clock import Clock
from domain.errors import ConfigurationError
from domain.service import ProcurementService
from web.bootstrap import build_service
from web.read_models import DEFAULT_WAIT_SECONDS, MODES, ReadModels

log = logging.getLogger("web.extension")
EXTENSION_KEY = "procurement"
MODE_SETTING = "PROCUREMENT_PROJECTIONS"
WAIT_SETTING = "PROCUREMENT_OWN_WRITE_WAIT"


class ServiceHolder:
    def __init__(self, env: Mapping[str, str] | None, clock: Clock | None,
                 service: ProcurementService | None, read_settings: dict[str, Any]) -> None:
        self._env = env
        self._clock = clock
        self._service = service
        self._owns_service = service is None
        self._read_settings = read_settings
        self._read_models: ReadModels | None = None
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._read_models is not None

    def get(self) -> ProcurementService:
        return self.read_models().service

    def read_models(self) -> ReadModels:
        if self._read_models is None:
            with self._lock:
                if self._read_models is None:
                    if self._service is None:
                        self._service = build_service(self._env, self._clock)
                    self._read_models = ReadModels(self._service, **self._read_settings)
        return self._read_models

    def close(self) -> None:
        """Stop following the log, then close the service if this holder built it."""
        if self._read_models is not None:
            self._read_models.close()
        if self._service is not None and self._owns_service:
            self._service.close()


def read_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """How this process keeps and waits for the read models (Flask config or environment)."""
    mode = str(config.get(MODE_SETTING) or os.environ.get(MODE_SETTING) or MODES[0])
    if mode not in MODES:
        raise ConfigurationError(f"{MODE_SETTING} must be one of {', '.join(MODES)}; "
                                 f"got {mode!r}")
    raw = config.get(WAIT_SETTING) or os.environ.get(WAIT_SETTING) or DEFAULT_WAIT_SECONDS
    try:
        wait = float(raw)
    except ValueError:
        wait = -1.0
    if not 0 <= wait <= 60:
        raise ConfigurationError(f"{WAIT_SETTING} must be a number of seconds from 0 to 60; "
                                 f"got {raw!r}")
    settings: dict[str, Any] = {"mode": mode, "wait_seconds": wait}
    if config.get("PROCUREMENT_PROJECTIONS_POLL") is not None:
        settings["poll_interval"] = float(config["PROCUREMENT_PROJECTIONS_POLL"])
    return settings


def init_app(app: Flask, service: ProcurementService | None) -> None:
    app.extensions[EXTENSION_KEY] = ServiceHolder(
        app.config.get("PROCUREMENT_ENV"), app.config.get("PROCUREMENT_CLOCK"), service,
        read_settings(app.config))
    app.before_request(_forget_writes)
    app.after_request(_wait_for_own_write)


def _holder() -> ServiceHolder:
    holder: ServiceHolder = current_app.extensions[EXTENSION_KEY]
    return holder


def _forget_writes() -> None:
    holder = _holder()
    if holder.built:
        holder.read_models().forget_writes()


def _wait_for_own_write(response: Response) -> Response:
    holder = _holder()
    if holder.built:
        try:
            holder.read_models().wait_for_own_write()
        except PersistenceError as error:
            # The write is stored; failing its answer now would invite a second one.
            log.warning("could not wait for the read models (%s); answering anyway", error)
    return response


def current_service() -> ProcurementService:
    return _holder().get()


def current_read_models() -> ReadModels:
    return _holder().read_models()
