"""Fixtures for the fault tests: a PostgreSQL server of the test's own (to restart and to
make read-only without touching the shared one on 5432), real gunicorn processes serving
the app (`procurement web`), and a small HTTP client for the JSON API.

The server is Debian's build (`/usr/lib/postgresql/<version>/bin`), initialised into a
temporary directory on a free loopback port. PostgreSQL refuses to run as root, so as root
(CI) its commands run as the `postgres` user through `runuser`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.e2e.test_server import free_port, procurement_command

STARTUP_SECONDS = 60
STORE_PREFIXES = ("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_", "PROCUREMENT_", "CREATE_TABLE",
                  "PROMETHEUS_")


def _postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                      key=lambda p: int(p.parent.parent.name))
    if not versions and os.environ.get("PROCUREMENT_TEST_POSTGRES", "1").lower() in (
            "0", "no", "n", "false", "off"):
        pytest.skip("PROCUREMENT_TEST_POSTGRES=0 and no PostgreSQL server binaries")
    if not versions:
        pytest.fail("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin;"
                    " .ci/run installs the postgresql package)", pytrace=False)
    return versions[-1].parent


class OwnPostgres:
    """A PostgreSQL cluster in a temporary directory, trust authentication on 127.0.0.1."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="procurement-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr}\n{log[-3000:]}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
                   "-c max_connections=100")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                               dbname=dbname, autocommit=True, connect_timeout=5)

    def create_database(self, name: str, tablespace: str | None = None) -> dict[str, str]:
        with self.connect() as admin:
            where = (sql.SQL(" TABLESPACE {}").format(sql.Identifier(tablespace))
                     if tablespace else sql.SQL(""))
            admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), where))
        return {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": name,
                "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(self.port),
                "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
                "POSTGRES_ENABLE_DB_FUNCTIONS": "y", "POSTGRES_PRE_PING": "y",
                "POSTGRES_CONNECT_TIMEOUT": "5"}

    def read_only(self, on: bool) -> None:
        """What an operator (or a failover to a standby) does: every transaction from now
        on, in every session, is read-only; reading goes on."""
        with self.connect() as admin:
            value = "on" if on else "off"
            admin.execute(f"ALTER SYSTEM SET default_transaction_read_only = {value}")
            admin.execute("SELECT pg_reload_conf()")

    @contextlib.contextmanager
    def small_disk(self, name: str, megabytes: int) -> Iterator[SmallDisk]:
        """A tablespace on a file system of its own, `megabytes` in size (a tmpfs: mounting
        needs root, as CI runs). Databases made in it are dropped before it goes."""
        if not self._as_root:
            pytest.skip("a small file system of its own needs root to mount")
        disk = SmallDisk(name, self.root / name)
        disk.mount.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700",
                        "tmpfs", str(disk.mount)], check=True, capture_output=True)
        try:
            shutil.chown(disk.mount, "postgres", "postgres")
            with self.connect() as admin:
                admin.execute(sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(
                    sql.Identifier(name), sql.Literal(str(disk.mount))))
            yield disk
        finally:
            disk.free()
            with self.connect() as admin:
                for database in disk.databases(admin):
                    admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(
                        sql.Identifier(database)))
                admin.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(
                    sql.Identifier(name)))
            subprocess.run(["umount", str(disk.mount)], check=True, capture_output=True)

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class SmallDisk:
    tablespace: str
    mount: Path

    @property
    def _filler(self) -> Path:
        return self.mount / "filler"

    def fill(self) -> int:
        """Take every byte left, as another program's files would; the bytes taken."""
        taken = 0
        try:
            with self._filler.open("ab", buffering=0) as filler:
                while True:
                    taken += filler.write(b"\0" * 65536) or 0
        except OSError:  # no space left: what was asked for
            pass
        return taken

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    def databases(self, admin: psycopg.Connection[Any]) -> list[str]:
        rows = admin.execute(
            "SELECT d.datname FROM pg_database d JOIN pg_tablespace t "
            "ON t.oid = d.dattablespace WHERE t.spcname = %s", [self.tablespace]).fetchall()
        return [row[0] for row in rows]


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


# -- gunicorn ---------------------------------------------------------------------------------

@dataclass
class WebServer:
    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def workers(self) -> set[int]:
        """The pids of gunicorn's worker processes now."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}


def process_environment(env: dict[str, str], **more: str) -> dict[str, str]:
    """The store's settings for a process of its own, and nothing of the test's shell."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(STORE_PREFIXES)}
    return {**clean, **env, **more}


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[Callable[..., WebServer]]:
    """Starts `procurement web` (gunicorn) on a free port against a store whose tables
    `procurement db init` made; every server started is stopped (SIGTERM) afterwards."""
    started: list[WebServer] = []

    def start(env: dict[str, str], *, workers: int = 2, threads: int = 4) -> WebServer:
        port = free_port()
        log = tmp_path / f"web-{len(started)}.log"
        environment = process_environment(
            env, PROCUREMENT_BIND=f"127.0.0.1:{port}", PROCUREMENT_WEB_WORKERS=str(workers),
            PROCUREMENT_WEB_THREADS=str(threads), PROCUREMENT_DATA_DIR=str(tmp_path / "var"),
            PROCUREMENT_SECRET_KEY="k" * 64, PROCUREMENT_OWN_WRITE_WAIT="0",
            PROCUREMENT_METRICS_DIR=str(tmp_path / f"metrics-{len(started)}"))
        with log.open("wb") as out:
            process = subprocess.Popen([*procurement_command(), "web"], env=environment,
                                       stdout=out, stderr=out)
        server = WebServer(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if call(server.base, "GET", "/healthz").status == 200:
                    return server
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


# -- the JSON API over HTTP -------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def problem_type(self) -> str:
        return str(self.body.get("type", "")) if isinstance(self.body, dict) else ""


def call(base: str, method: str, path: str, *, token: str | None = None,
         body: object = None, headers: dict[str, str] | None = None,
         timeout: float = 30) -> Answer:
    sent = {"Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - our own http URL
        base + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - ours
            status, answer_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, dict(error.headers), error.read()
    text = raw.decode() if raw else ""
    try:
        parsed: Any = json.loads(text) if text else None
    except ValueError:
        parsed = text
    return Answer(status, answer_headers, parsed)


def run_for(seconds: float, clients: int, work: Callable[[int, int], None]) -> None:
    """`work(client, n)` in `clients` threads, each calling it with n = 0, 1, ... until
    `seconds` have passed (the call in hand finishes)."""
    import threading

    deadline = time.monotonic() + seconds
    errors: list[BaseException] = []

    def loop(client: int) -> None:
        n = 0
        try:
            while time.monotonic() < deadline:
                work(client, n)
                n += 1
        except BaseException as error:  # reported by the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=loop, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]

