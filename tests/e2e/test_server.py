"""The real thing: the installed `procurement` command loads the demo and serves it over HTTP,
with nothing configured but a data directory (the default SQLite store)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTUP_SECONDS = 30


def procurement_command() -> list[str]:
    """The console script beside this interpreter, or the module when it is not installed."""
    script = Path(sys.executable).with_name("procurement")
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own http URL
        return response.status, response.read().decode()


def test_serve_answers_over_http_with_the_demo_loaded(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_", "PROCUREMENT_"))}
    env.update(PROCUREMENT_DATA_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    seeded = subprocess.run([*procurement_command(), "demo"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert seeded.returncode == 0, seeded.stderr
    assert (tmp_path / "var" / "events.sqlite3").exists()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*procurement_command(), "serve", "--port", str(port)],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, "the server exited early"
            try:
                status, body = fetch(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, f"no answer within {STARTUP_SECONDS}s"
                time.sleep(0.2)
        assert status == 200
        assert '"status":"ok"' in body.replace(" ", "")

        status, page = fetch(f"{base}/")
        assert status == 200
        assert "Upphandlingar" in page
        assert "Städtjänster för kommunens lokaler" in page
        assert "Demoläge" in page
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert f"Serving on {base}/" in output
