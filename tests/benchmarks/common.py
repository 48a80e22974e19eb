"""What every benchmark module shares: the result row the runner prints, the sizes, and the
processes a production set-up runs (`procurement web` under gunicorn, `procurement
projections run`) on a throw-away PostgreSQL database.

A module `bench_NAME.py` takes part in `python -m tests.benchmarks.run` by defining

    def results(size: Size) -> list[Result]: ...

and nothing else is asked of it (tests/benchmarks/run.py).
"""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Size:
    """How big each benchmark runs: `full` for the numbers in docs/benchmarks.md, `quick`
    for a look in a minute or two, `smoke` for the test that the runner works."""

    name: str
    seconds: float  # each timed load run
    case_events: int  # events of the one long case loaded with and without snapshots
    log_events: int  # events in the log the projections rebuild from
    small_store: int  # procurements, before...
    large_store: int  # ...and after the store grew
    due_dates: int  # rows in the reminders read model the scheduler scans
    users: int  # concurrent portal users


SIZES = {
    "smoke": Size("smoke", 0.5, 120, 1_000, 20, 200, 2_000, 10),
    "quick": Size("quick", 5.0, 2_000, 20_000, 1_000, 10_000, 100_000, 100),
    "full": Size("full", 20.0, 10_000, 100_000, 1_000, 100_000, 1_000_000, 100),
}


@dataclass(frozen=True)
class Result:
    """One line of the runner's table: what was measured, the number, and the target it
    is held to (if any), with `met` None where there is none."""

    area: str
    measure: str
    value: str
    target: str = ""
    met: bool | None = None
    note: str = ""


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (the benchmark's only user)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far (Linux VmHWM), in MiB; 0: this one."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- PostgreSQL --------------------------------------------------------------------------------

# The same server the tests use (tests/conftest.py), by the same variables.
PG = {"host": os.environ.get("PROCUREMENT_TEST_PGHOST", "127.0.0.1"),
      "port": os.environ.get("PROCUREMENT_TEST_PGPORT", "5432"),
      "user": os.environ.get("PROCUREMENT_TEST_PGUSER", "postgres"),
      "password": os.environ.get("PROCUREMENT_TEST_PGPASSWORD",
                                 os.environ.get("PGPASSWORD", ""))}


def admin_connect(dbname: str = "postgres") -> Any:
    import psycopg
    return psycopg.connect(host=PG["host"], port=int(PG["port"]), user=PG["user"],
                           password=PG["password"], dbname=dbname, autocommit=True)


@contextmanager
def postgres_database(schemas: Sequence[str] = ()) -> Iterator[dict[str, str]]:
    """A throw-away database (and schemas in it); the settings of its first schema."""
    name = f"bench_{secrets.token_hex(4)}"
    with admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with admin_connect(name) as conn:
            for schema in schemas:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": name,
               "POSTGRES_HOST": PG["host"], "POSTGRES_PORT": PG["port"],
               "POSTGRES_USER": PG["user"], "POSTGRES_PASSWORD": PG["password"],
               "POSTGRES_ENABLE_DB_FUNCTIONS": "y"}
        if schemas:
            env["POSTGRES_SCHEMA"] = schemas[0]
        yield env
    finally:
        with admin_connect() as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def postgres_version() -> str:
    with admin_connect() as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


# -- production processes ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def process_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    """What a production process gets: the store, tables made already, no background work."""
    return {**os.environ, **env, "CREATE_TABLE": "n", "PYTHONPATH": str(ROOT),
            "PROCUREMENT_PROJECTIONS": "external", "PROCUREMENT_SCHEDULER": "off", **extra}


@dataclass
class Processes:
    base_url: str
    host: str
    port: int
    web: subprocess.Popen[bytes]
    follower: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def peak_memory(self) -> dict[str, float]:
        """Peak resident memory of each kind of process, the largest where there are
        several (MiB)."""
        workers = [peak_rss_mib(pid) for pid in self.worker_pids()]
        return {"web worker (gunicorn)": max(workers) if workers else float("nan"),
                "projection follower": peak_rss_mib(self.follower.pid)}


@contextmanager
def production(env: dict[str, str], *, workers: int = 2, threads: int = 4,
               **settings: str) -> Iterator[Processes]:
    """The production set-up on one machine, by its documented commands: `procurement db
    init`, then `procurement web` (gunicorn; each worker builds its app after the fork)
    and `procurement projections run` in processes of their own."""
    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        environment = process_env(
            env, PROCUREMENT_DATA_DIR=data_dir, PROCUREMENT_SECRET_KEY=secrets.token_hex(32),
            PROCUREMENT_BIND=f"127.0.0.1:{port}", PROCUREMENT_WEB_WORKERS=str(workers),
            PROCUREMENT_WEB_THREADS=str(threads), PROCUREMENT_LOG_LEVEL="WARNING",
            PROCUREMENT_METRICS_DIR=str(Path(data_dir) / "metrics"), **settings)
        procurement = str(VENV_BIN / "procurement")
        subprocess.run([procurement, "db", "init"], cwd=ROOT, env=environment, check=True,
                       capture_output=True)
        follower = subprocess.Popen([procurement, "projections", "run"], cwd=ROOT,
                                    env=environment, stderr=subprocess.DEVNULL)
        web = subprocess.Popen([procurement, "web"], cwd=ROOT, env=environment,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_until_up(port, web)
            yield Processes(f"http://127.0.0.1:{port}", "127.0.0.1", port, web, follower)
        finally:
            for process in (web, follower):
                process.terminate()
            for process in (web, follower):
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait_until_up(port: int, web: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError("procurement web exited at start")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")
