"""A portal page under 100 concurrent users: the authority's start page (task inbox and
case list, from the read models) through gunicorn on PostgreSQL (target: p99 under
200 ms).

Each simulated user holds a signed-in session (one sign-in, shared) and a keep-alive
connection, and loads the page again after thinking 0 to 2 seconds (1 s on average), so
100 users ask for about 100 pages a second. The users run as threads of this process, on
the same two cores as the server and the database.

    .venv/bin/python -m tests.benchmarks.run --only portal
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from urllib.parse import urlencode

from domain.examples import Parties, walk_to
from domain.procurement.lifecycle import State
from domain.values import Role
from tests.benchmarks.common import (
    Processes,
    Result,
    Size,
    ms,
    percentile,
    postgres_database,
    production,
)
from tests.e2e.api_helpers import PASSWORD, register_party
from web.bootstrap import build_service

THINK_SECONDS = (0.0, 2.0)
STATES = (State.DRAFT, State.TENDERING, State.EVALUATION, State.STANDSTILL, State.DELIVERY,
          State.FOLLOW_UP, State.CLOSED, State.CANCELLED)


def results(size: Size) -> list[Result]:
    with postgres_database() as env:
        service = build_service(env)
        party = register_party(service, "authority", "Norrviks kommun", Role.AUTHORITY)
        parties = Parties(authority=party.actor)
        for number in range(16):
            walk_to(service, parties, STATES[number % len(STATES)])
        service.close()
        with production(env) as processes:
            cookie = _sign_in(processes, "authority@authority.example.se")
            latencies, errors, achieved = _users(processes, cookie, size.users,
                                                 size.seconds)
            memory = processes.peak_memory()["web worker (gunicorn)"]
    area = f"Portal, {size.users} concurrent users"
    p99 = percentile(latencies, 0.99)
    return [
        Result(area, "start page (inbox + case list, 16 cases) p50 / p99",
               f"{ms(percentile(latencies, 0.5))} / {ms(p99)}", "p99 < 200 ms", p99 < 0.2,
               f"{achieved:,.0f} pages/s, think time 0-2 s"
               + (f"; {errors} errors" if errors else "")),
        Result("Peak memory", "web worker (gunicorn), portal load", f"{memory:,.0f} MiB"),
    ]


def _sign_in(processes: Processes, email: str) -> str:
    """The session cookie of a real sign-in (form with its CSRF token)."""
    conn = http.client.HTTPConnection(processes.host, processes.port, timeout=30)
    conn.request("GET", "/sign-in")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = _session_cookie(response)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    body = urlencode({"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    conn.request("POST", "/sign-in", body, {"Cookie": cookie, "Content-Type":
                                            "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status not in (302, 303):
        raise RuntimeError(f"sign-in answered {response.status}")
    return _session_cookie(response)


def _session_cookie(response: http.client.HTTPResponse) -> str:
    for header in response.headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";", 1)[0]
    raise RuntimeError("no session cookie")


def _users(processes: Processes, cookie: str, users: int, seconds: float
           ) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = threading.Event()
    start = threading.Barrier(users + 1)

    def user(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection(processes.host, processes.port, timeout=60)
        _get(conn, cookie)  # warm: the connection, and each worker's service
        start.wait()
        time.sleep(rng.uniform(*THINK_SECONDS))
        while not stop.is_set():
            started = time.perf_counter()
            status = _get(conn, cookie)
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)
                errors[0] += status != 200
            stop.wait(rng.uniform(*THINK_SECONDS))
        conn.close()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, errors[0], len(latencies) / (time.perf_counter() - began)


def _get(conn: http.client.HTTPConnection, cookie: str) -> int:
    """The start page's status. gunicorn closes a connection idle for longer than its
    keep-alive (2 s, about a think time): like a browser, open a new one and ask again."""
    for attempt in range(2):
        try:
            conn.request("GET", "/", headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            return response.status
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            conn.close()
            if attempt:
                raise
    raise AssertionError("unreachable")
