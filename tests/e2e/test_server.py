"""The real thing: the installed `procurement` command loads the demo and serves it over HTTP,
with nothing configured but a data directory (the default SQLite store), and a demo user
signs in with the password `procurement demo` printed."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

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


def sign_in(base: str, email: str, password: str) -> urllib.request.OpenerDirector:
    """A browser's round trip: the form, its CSRF token, the post, the cookie kept."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(f"{base}/sign-in", timeout=5) as response:
        form = response.read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, form
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email,
                                   "password": password}).encode()
    with browser.open(f"{base}/sign-in", data=data, timeout=10) as response:
        assert response.url == f"{base}/"  # followed the redirect to the start page
    return browser


def assert_read_models_catch_up(env: dict[str, str], folder: Path) -> None:
    """`serve` keeps the read models current in a thread of its own: every projection
    reaches the head of the log without a projection process being started."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        shown = subprocess.run([*procurement_command(), "projections", "status"], env=env,
                               cwd=folder, capture_output=True, text=True, timeout=60,
                               check=True).stdout
        rows = [line.split() for line in shown.splitlines()[1:]]
        if rows and all(int(row[3]) == 0 and int(row[2]) > 0 for row in rows):
            return
        assert time.monotonic() < deadline, shown
        time.sleep(0.5)


def test_serve_answers_over_http_with_the_demo_loaded(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PERSISTENCE_MODULE", "SQLITE_", "POSTGRES_", "PROCUREMENT_"))}
    env.update(PROCUREMENT_DATA_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    seeded = subprocess.run([*procurement_command(), "demo"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert seeded.returncode == 0, seeded.stderr
    assert (tmp_path / "var" / "events.sqlite3").exists()
    assert "demo-losenord-1" in seeded.stdout

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

        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(f"{base}/")  # no session, not a browser: 401
        assert refused.value.code == 401
        refused.value.close()
        html = urllib.request.Request(f"{base}/", headers={"Accept": "text/html"})  # noqa: S310
        with urllib.request.urlopen(html, timeout=5) as response:  # noqa: S310
            assert response.url == f"{base}/sign-in?next=/"  # a browser is sent to sign in
            assert "Logga in" in response.read().decode()

        browser = sign_in(base, "anna.lindqvist@norrvik.example", "demo-losenord-1")
        with browser.open(f"{base}/", timeout=5) as response:
            page = response.read().decode()
        assert "Städtjänster för kommunens lokaler" in page
        assert "Anna Lindqvist" in page
        key_file = tmp_path / "var" / "secret_key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        assert_read_models_catch_up(env, tmp_path)
    finally:
        server.terminate()
        try:
            output, _ = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            output, _ = server.communicate()
    assert f"Serving on {base}/" in output
