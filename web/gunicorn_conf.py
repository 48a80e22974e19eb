"""gunicorn's settings for `procurement web` (or `gunicorn -c python:web.gunicorn_conf
'web.app:create_app()'`), from the same environment as every other process.

- No `preload_app`: the master never imports the application, so every worker builds its
  own service, connection pool and read-model access after the fork (web/extension.py);
  nothing with a socket is shared across workers.
- Web workers neither follow the read models nor run the scheduler by default: those are
  `procurement projections run` and `procurement scheduler run` (PROCUREMENT_PROJECTIONS
  =external, PROCUREMENT_SCHEDULER=off), and they never create tables (CREATE_TABLE=n:
  `procurement db init` did).
- Metrics: prometheus_client's multiprocess mode, in PROCUREMENT_METRICS_DIR (emptied at
  start) or a fresh temporary directory; set before any worker imports prometheus_client.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from domain.config import operations_settings
from domain.errors import ConfigurationError

for _name, _default in (("PROCUREMENT_PROJECTIONS", "external"),
                        ("PROCUREMENT_SCHEDULER", "off"), ("CREATE_TABLE", "n")):
    os.environ.setdefault(_name, _default)


def _metrics_dir() -> str:
    chosen = os.environ.get("PROCUREMENT_METRICS_DIR", "").strip()
    if not chosen:
        return tempfile.mkdtemp(prefix="procurement-metrics-")
    folder = Path(chosen)
    if folder.exists():
        shutil.rmtree(folder)  # a previous run's files would be counted again
    folder.mkdir(parents=True)
    return str(folder)


try:
    _settings = operations_settings(PROCUREMENT_LOG_FORMAT="json")
except ConfigurationError as _error:
    for _line in str(_error).splitlines():
        print(f"Configuration error: {_line}", file=sys.stderr)
    raise SystemExit(2) from None

os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir()

wsgi_app = "web.app:create_app()"
bind = [_settings.bind]
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread"
timeout = _settings.timeout
graceful_timeout = 30
preload_app = False
# Each worker listens on a socket of its own, and the kernel spreads new connections over
# them. With one shared socket, a gthread worker accepts every connection it can hold: a
# few keep-alive clients (nginx's upstream pool, an integration) all land on one worker
# and the others idle (measured: 76 % and 1 % CPU). A Unix socket cannot be shared so.
reuse_port = not _settings.bind.startswith("unix:")
accesslog = None  # web/logs.py writes one structured line per request instead
loglevel = _settings.log_level.lower()
logger_class = "web.logs.GunicornLogger"  # gunicorn's own lines in the same format
# The control socket (gunicorn 27) has one default path per user: a second instance on the
# host would take it over, and operators manage the processes with systemd anyway.
control_socket_disable = True


def on_starting(server: Any) -> None:
    from web import logs

    logs.configure(_settings)


def post_worker_init(worker: Any) -> None:
    from web import logs

    logs.configure(_settings)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
