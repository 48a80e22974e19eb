"""Security headers on every kind of answer, cookies marked Secure over HTTPS, the secret
key kept in the data directory, and templates with no inline script or style and a CSRF
token in every form."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.e2e.conftest import Browser, EnvDict
from web import demo, sessions
from web.app import create_app
from web.extension import current_service
from web.security import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture
def web(sqlite_env: EnvDict, make_app: Callable[..., Flask]) -> Flask:
    app = make_app(sqlite_env)
    with app.app_context():
        demo.seed_directory(current_service())
    return app


def _answers(web: Flask) -> dict[str, TestResponse]:
    """One answer of every kind the app gives."""
    anonymous = Browser(web.test_client())
    signed_in = Browser(web.test_client()).sign_in_as(demo.NORRVIK)
    return {
        "sign-in page": anonymous.get("/sign-in"),
        "signed-in page": signed_in.get("/account"),
        "redirect to sign in": anonymous.get("/"),
        "401 problem": anonymous.client.get("/"),
        "404 page": signed_in.get("/procurements/00000000-0000-0000-0000-000000000000"),
        "404 problem": anonymous.client.get("/no/such/page"),
        "405 problem": anonymous.client.get("/sign-out"),
        "400 CSRF problem": anonymous.client.post("/sign-in", data={"email": "a@b.se"}),
        "failed sign-in": anonymous.sign_in("nobody@norrvik.example", "fel lösenord 42"),
        "health": anonymous.client.get("/healthz"),
        "static file": anonymous.client.get("/static/style.css"),
        "API 401": anonymous.client.get("/api/v1/procurements"),
    }


def test_every_kind_of_answer_carries_the_security_headers(web: Flask) -> None:
    for kind, response in _answers(web).items():
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (kind, name)
        assert "Strict-Transport-Security" not in response.headers, kind  # plain http
        response.close()


def test_pages_are_not_cached_but_static_files_may_be(web: Flask) -> None:
    answers = _answers(web)
    for kind, response in answers.items():
        if kind != "static file":
            assert response.headers.get("Cache-Control") == "no-store", kind
        response.close()
    assert answers["static file"].headers.get("Cache-Control") != "no-store"


def test_over_https_every_answer_asks_for_https_from_now_on(web: Flask) -> None:
    client = web.test_client()
    for path in ("/healthz", "/sign-in", "/static/style.css", "/nowhere"):
        response = client.get(path, base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"].startswith("max-age="), path
        response.close()


def _session_cookie_header(response: TestResponse) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_the_session_cookie_is_secure_when_the_request_came_over_https(web: Flask) -> None:
    response = web.test_client().get("/sign-in", base_url="https://localhost")
    assert "; Secure" in _session_cookie_header(response)


@pytest.mark.parametrize("settings", [{"PREFERRED_URL_SCHEME": "https"},
                                      {"SESSION_COOKIE_SECURE": True}])
def test_the_session_cookie_is_secure_when_configured_for_https(
        sqlite_env: EnvDict, make_app: Callable[..., Flask], settings: dict[str, Any]) -> None:
    app = make_app(sqlite_env, **settings)
    response = app.test_client().get("/sign-in")  # plain http behind a TLS proxy
    assert "; Secure" in _session_cookie_header(response)


@pytest.mark.parametrize(("value", "secure"), [("yes", True), ("no", False), ("", False)])
def test_the_environment_decides_secure_cookies(monkeypatch: pytest.MonkeyPatch,
                                               sqlite_env: EnvDict,
                                               make_app: Callable[..., Flask], value: str,
                                               secure: bool) -> None:
    monkeypatch.setenv(sessions.COOKIE_SECURE_ENV, value)
    app = make_app(sqlite_env)
    assert app.config["SESSION_COOKIE_SECURE"] is secure


def test_the_secret_key_is_made_once_private_and_shared_by_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sessions.SECRET_KEY_ENV, raising=False)
    env = {"PROCUREMENT_DATA_DIR": str(tmp_path / "var"),
           "SQLITE_DBNAME": str(tmp_path / "var" / "events.sqlite3"),
           "PERSISTENCE_MODULE": "eventsourcing.sqlite"}
    first = create_app({"PROCUREMENT_ENV": env})
    second = create_app({"PROCUREMENT_ENV": env})
    key_file = tmp_path / "var" / sessions.SECRET_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 64
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left behind


def test_the_secret_key_from_the_environment_wins(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sessions.SECRET_KEY_ENV, "k" * 40)
    monkeypatch.setenv("PROCUREMENT_DATA_DIR", str(tmp_path / "var"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "k" * 40
    assert not (tmp_path / "var").exists()


def test_a_session_from_one_process_is_good_in_another_on_the_same_data_dir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sessions.SECRET_KEY_ENV, raising=False)
    env = {"PROCUREMENT_DATA_DIR": str(tmp_path / "var"),
           "SQLITE_DBNAME": str(tmp_path / "var" / "events.sqlite3"),
           "PERSISTENCE_MODULE": "eventsourcing.sqlite"}
    first, second = create_app({"PROCUREMENT_ENV": env}), create_app({"PROCUREMENT_ENV": env})
    try:
        with first.app_context():
            demo.seed_directory(current_service())
        browser = Browser(first.test_client()).sign_in_as(demo.NORRVIK)
        cookie = browser.client.get_cookie("session")
        assert cookie is not None
        other = Browser(second.test_client())
        other.client.set_cookie("session", cookie.value)
        assert other.get("/").status_code == 200
    finally:
        for app in (first, second):
            app.extensions["procurement"].close()


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.glob("**/*.html"))
    assert len(found) >= 10
    return found


@pytest.mark.parametrize("template", _templates(), ids=lambda p: p.name)
def test_no_template_has_inline_script_or_style(template: Path) -> None:
    text = template.read_text()
    assert "<script" not in text
    assert "<style" not in text
    assert not re.search(r"\sstyle\s*=", text)
    assert not re.search(r"\son[a-z]+\s*=", text)  # onclick=, onsubmit=, …
    assert "javascript:" not in text


@pytest.mark.parametrize("template", _templates(), ids=lambda p: p.name)
def test_every_form_in_every_template_posts_with_a_csrf_token(template: Path) -> None:
    for form in re.findall(r"<form\b.*?</form>", template.read_text(), flags=re.DOTALL):
        if 'method="get"' in form.split(">", 1)[0]:
            # A search form only reads (the timeline's filters); it must not carry a token,
            # which would then show in addresses and logs.
            assert "csrf" not in form, form[:80]
            continue
        assert 'method="post"' in form
        assert "{{ csrf() }}" in form or "{{ csrf_token() }}" in form, form[:80]


def test_every_rendered_form_carries_the_token(web: Flask) -> None:
    signed_in = Browser(web.test_client()).sign_in_as(demo.NORRVIK)
    for path in ("/", "/account", "/account/password", "/account/tokens",
                 "/organisation/users"):
        page = signed_in.page(path)
        forms = re.findall(r"<form\b.*?</form>", page, flags=re.DOTALL)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token" value="' in form, (path, form[:80])
