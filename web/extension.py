"""The application service as a Flask extension: built on first use, once per process.

Built lazily, never at import and never in the process that forks WSGI workers, so every
worker opens its own database connections (STACK_NOTES.md, "Web").
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from flask import Flask, current_app

from domain.clock import Clock
from domain.service import ProcurementService
from web.bootstrap import build_service

EXTENSION_KEY = "procurement"


class ServiceHolder:
    def __init__(self, env: Mapping[str, str] | None, clock: Clock | None,
                 service: ProcurementService | None = None) -> None:
        self._env = env
        self._clock = clock
        self._service = service
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        return self._service is not None

    def get(self) -> ProcurementService:
        if self._service is None:
            with self._lock:
                if self._service is None:
                    self._service = build_service(self._env, self._clock)
        return self._service


def init_app(app: Flask, service: ProcurementService | None) -> None:
    app.extensions[EXTENSION_KEY] = ServiceHolder(
        app.config.get("PROCUREMENT_ENV"), app.config.get("PROCUREMENT_CLOCK"), service)


def current_service() -> ProcurementService:
    holder: ServiceHolder = current_app.extensions[EXTENSION_KEY]
    return holder.get()
