"""Signing in and out through the pages: one answer for every failure, throttling shared by
web processes, invitations that expire, sessions that cannot be forged or outlive 8 hours,
and forms that need their CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie

import pytest
from flask import Flask

from domain.clock import FixedClock
from domain.directory.user import INVITATION_VALIDITY, MAX_FAILED_SIGN_INS
from domain.service import ProcurementService
from tests.e2e.conftest import CSRF_FIELD, Browser, EnvDict
from web import demo
from web.extension import current_service

NOW = datetime(2028, 6, 15, 9, 30, tzinfo=UTC)
ANNA = demo.NORRVIK
WRONG = "not the password 42"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def web(sqlite_env: EnvDict, make_app: Callable[..., Flask], clock: FixedClock) -> Flask:
    """The app on SQLite with a clock the test moves, and the demo directory in it."""
    app = make_app(sqlite_env, PROCUREMENT_CLOCK=clock)
    demo.seed_directory(service_of(app))
    return app


def service_of(app: Flask) -> ProcurementService:
    with app.app_context():
        return current_service()


def failure_page(browser: Browser, email: str, password: str) -> str:
    """The answer to a failed sign-in, without what differs by design: the CSRF token and
    the address typed, which the form keeps."""
    response = browser.sign_in(email, password)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    page = CSRF_FIELD.sub('name="csrf_token" value="…"', page)
    return page.replace(f'value="{email}"', 'value="…"')


def test_a_demo_user_signs_in_and_lands_on_the_start_page(web: Flask) -> None:
    browser = Browser(web.test_client())
    response = browser.sign_in(ANNA.email, ANNA.password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = browser.page("/")
    assert ANNA.user_name in page
    assert ANNA.name in page


def test_sign_in_returns_to_the_page_asked_for(web: Flask) -> None:
    browser = Browser(web.test_client())
    asked = browser.get("/account/tokens")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/sign-in?next=/account/tokens"
    form = browser.page("/sign-in?next=/account/tokens")
    assert 'name="next" value="/account/tokens"' in form
    response = browser.sign_in(ANNA.email, ANNA.password, next="/account/tokens")
    assert response.headers["Location"] == "/account/tokens"


@pytest.mark.parametrize("elsewhere", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "evil.example", "/\t/evil.example", "",
])
def test_sign_in_never_sends_anyone_to_another_site(web: Flask, elsewhere: str) -> None:
    browser = Browser(web.test_client())
    response = browser.sign_in(ANNA.email, ANNA.password, next=elsewhere)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_every_failed_sign_in_answers_alike(web: Flask) -> None:
    """Unknown address, wrong password, throttled account, deactivated account: one page,
    one status, so nobody learns which addresses exist or what state an account is in."""
    service = service_of(web)
    wrong_password = failure_page(Browser(web.test_client()), ANNA.email, WRONG)
    unknown = failure_page(Browser(web.test_client()), "nobody@norrvik.example", WRONG)
    assert "Fel e-post eller lösenord" in wrong_password
    english = Browser(web.test_client())
    english.client.set_cookie("lang", "en")
    assert "Wrong e-mail or password" in failure_page(english, ANNA.email, WRONG)

    throttled_party = demo.SME_SUPPLIER
    browser = Browser(web.test_client())
    for _ in range(MAX_FAILED_SIGN_INS):
        browser.sign_in(throttled_party.email, WRONG)
    throttled = failure_page(browser, throttled_party.email, throttled_party.password)

    deactivated_party = demo.MATCHER
    service.deactivate_user(None, deactivated_party.actor(service).user_id, "Slutat")
    deactivated = failure_page(Browser(web.test_client()), deactivated_party.email,
                               deactivated_party.password)

    assert wrong_password == unknown == throttled == deactivated


def test_throttling_holds_across_two_web_processes_on_one_store(
        sqlite_env: EnvDict, make_app: Callable[..., Flask]) -> None:
    first, second = make_app(sqlite_env), make_app(sqlite_env)
    demo.seed_directory(service_of(first))
    party = demo.FACILITY_SUPPLIER
    for attempt in range(MAX_FAILED_SIGN_INS):
        app = first if attempt % 2 else second
        assert Browser(app.test_client()).sign_in(party.email, WRONG).status_code == 401
    for app in (first, second):
        response = Browser(app.test_client()).sign_in(party.email, party.password)
        assert response.status_code == 401


def test_throttling_ends_after_the_window(web: Flask, clock: FixedClock) -> None:
    browser = Browser(web.test_client())
    for _ in range(MAX_FAILED_SIGN_INS):
        browser.sign_in(ANNA.email, WRONG)
    assert browser.sign_in(ANNA.email, ANNA.password).status_code == 401
    clock.advance(timedelta(minutes=15))
    assert browser.sign_in(ANNA.email, ANNA.password).status_code == 302


def _invite(web: Flask, email: str = "sara.lind@norrvik.example") -> str:
    service = service_of(web)
    authority = demo.NORRVIK.actor(service)
    user_id, secret = service.invite_user(authority, authority.organisation_id, "Sara Lind",
                                          email)
    return f"/invitations/{user_id}/{secret}"


def test_an_invited_user_chooses_a_password_and_signs_in(web: Flask) -> None:
    link = _invite(web)
    browser = Browser(web.test_client())
    page = browser.page(link)
    assert "Välkommen, Sara Lind" in page
    assert 'value="sara.lind@norrvik.example"' in page
    response = browser.post(link, {"new_password": "mitt nya lösenord", "confirm_password":
                                   "mitt nya lösenord"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert "Ditt lösenord är sparat" in browser.page("/sign-in")
    assert browser.sign_in("sara.lind@norrvik.example", "mitt nya lösenord").status_code == 302
    used = Browser(web.test_client()).get(link)
    assert used.status_code == 400
    assert "Inbjudan är redan använd" in used.get_data(as_text=True)
    english = Browser(web.test_client())
    english.client.set_cookie("lang", "en")
    assert "already been used" in english.get(link).get_data(as_text=True)


@pytest.mark.parametrize(("language", "new", "confirm", "field", "rule"), [
    ("sv", "kort", "kort", "new_password", "minst 12 tecken"),
    ("en", "kort", "kort", "new_password", "at least 12 characters"),
    ("sv", "ett långt lösenord", "ett annat lösenord", "confirm_password",
     "Lösenorden är inte lika"),
    ("en", "ett långt lösenord", "ett annat lösenord", "confirm_password",
     "The passwords differ"),
])
def test_a_bad_new_password_is_refused_beside_its_field(web: Flask, language: str, new: str,
                                                       confirm: str, field: str,
                                                       rule: str) -> None:
    link = _invite(web)
    browser = Browser(web.test_client())
    browser.client.set_cookie("lang", language)
    response = browser.post(link, {"new_password": new, "confirm_password": confirm})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert error and rule in error.group(1)
    assert browser.page(link)  # still a good link


def test_an_expired_invitation_is_refused_with_a_clear_message(web: Flask,
                                                               clock: FixedClock) -> None:
    link = _invite(web)
    clock.advance(INVITATION_VALIDITY + timedelta(days=1))
    browser = Browser(web.test_client())
    for language, heading, reason in (
            ("sv", "Inbjudan kan inte användas", "Inbjudan har gått ut; be om en ny"),
            ("en", "The invitation cannot be used",
             "The invitation has expired; ask for a new one")):
        browser.client.set_cookie("lang", language)
        for response in (browser.get(link),
                         browser.post(link, {"new_password": "ett långt lösenord",
                                             "confirm_password": "ett långt lösenord"})):
            assert response.status_code == 400
            page = response.get_data(as_text=True)
            assert heading in page
            assert reason in page
            assert 'name="new_password"' not in page
    assert browser.sign_in("sara.lind@norrvik.example", "ett långt lösenord").status_code == 401


@pytest.mark.parametrize("link", [
    "/invitations/00000000-0000-0000-0000-000000000000/whatever",
    "WRONG_SECRET",
])
def test_a_wrong_invitation_link_is_refused(web: Flask, link: str) -> None:
    if link == "WRONG_SECRET":
        link = _invite(web).rsplit("/", 1)[0] + "/guessed"
    response = Browser(web.test_client()).get(link)
    assert response.status_code == 400
    assert "Inbjudan kan inte användas" in response.get_data(as_text=True)


def _session_cookie(browser: Browser) -> str:
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


@pytest.mark.parametrize("tamper", [
    lambda value: value[:-2] + ("AA" if not value.endswith("AA") else "BB"),  # the signature
    lambda value: "x" + value,  # the payload
    lambda value: value.split(".", 1)[0],  # no signature at all
])
def test_a_tampered_session_cookie_counts_as_signed_out(web: Flask,
                                                       tamper: Callable[[str], str]) -> None:
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    assert browser.get("/").status_code == 200
    browser.client.set_cookie("session", tamper(_session_cookie(browser)))
    response = browser.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_session_signed_with_another_key_counts_as_signed_out(
        web: Flask, sqlite_env: EnvDict, make_app: Callable[..., Flask]) -> None:
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    other = Browser(make_app(sqlite_env, SECRET_KEY="another key for another site").test_client())
    other.client.set_cookie("session", _session_cookie(browser))
    assert other.get("/").status_code == 302


def test_a_session_ends_eight_hours_after_sign_in_however_busy(web: Flask,
                                                              clock: FixedClock) -> None:
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    for _ in range(4):
        clock.advance(timedelta(hours=2) - timedelta(minutes=1))
        assert browser.get("/").status_code == 200
    clock.advance(timedelta(minutes=5))
    assert browser.get("/").status_code == 302


def test_sign_out_clears_the_session(web: Flask) -> None:
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    response = browser.post("/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert "Du är utloggad" in browser.page("/sign-in")
    with browser.client.session_transaction() as session:
        assert "user_id" not in session
    assert browser.get("/").status_code == 302
    assert browser.client.get("/sign-out").status_code == 405  # a link cannot sign anyone out


def test_a_copy_of_the_cookie_is_worth_nothing_after_sign_out(web: Flask,
                                                             clock: FixedClock) -> None:
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    copied = _session_cookie(browser)
    elsewhere = Browser(web.test_client()).sign_in_as(ANNA)  # the same person, another device
    clock.advance(timedelta(minutes=1))
    browser.post("/sign-out")
    thief = Browser(web.test_client())
    thief.client.set_cookie("session", copied)
    assert thief.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 302  # signing out ends every session
    clock.advance(timedelta(minutes=1))
    assert Browser(web.test_client()).sign_in_as(ANNA).get("/").status_code == 200


def test_a_new_password_ends_every_other_session(web: Flask, clock: FixedClock) -> None:
    other_device = Browser(web.test_client()).sign_in_as(ANNA)
    clock.advance(timedelta(minutes=1))
    browser = Browser(web.test_client()).sign_in_as(ANNA)
    changed = browser.post("/account/password", {"current_password": ANNA.password,
                                                 "new_password": "ett helt nytt lösenord",
                                                 "confirm_password": "ett helt nytt lösenord"})
    assert changed.status_code == 302
    assert browser.get("/").status_code == 200  # the one that changed it stays signed in
    assert other_device.get("/").status_code == 302


def test_a_deactivated_users_session_ends_at_once(web: Flask) -> None:
    browser = Browser(web.test_client()).sign_in_as(demo.AUDITOR)
    service = service_of(web)
    service.deactivate_user(None, demo.AUDITOR.actor(service).user_id, "Uppdraget slut")
    assert browser.get("/").status_code == 302


def test_a_form_posted_without_its_csrf_token_is_refused(sqlite_env: EnvDict,
                                                         make_app: Callable[..., Flask]) -> None:
    app = make_app(sqlite_env, WTF_CSRF_ENABLED=True)
    demo.seed_directory(service_of(app))
    browser = Browser(app.test_client())
    response = browser.post("/sign-in", {"email": ANNA.email, "password": ANNA.password},
                            csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    browser.sign_in_as(ANNA)
    for path, form in (("/account/tokens", {"name": "x", "days": "30"}),
                       ("/sign-out", {}),
                       ("/account/password", {"current_password": ANNA.password,
                                              "new_password": "ett nytt lösenord",
                                              "confirm_password": "ett nytt lösenord"})):
        refused = browser.post(path, form, csrf=False)
        assert refused.status_code == 400, path
        forged = browser.client.post(path, data={**form, "csrf_token": "forged"})
        assert forged.status_code == 400, path
        assert forged.mimetype == "application/problem+json"
    assert browser.get("/").status_code == 200  # still signed in: the sign-out was refused


def test_the_session_cookie_is_httponly_and_samesite_lax(web: Flask) -> None:
    browser = Browser(web.test_client())
    response = browser.sign_in(ANNA.email, ANNA.password)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    cookie = SimpleCookie(header)["session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # plain http: a Secure cookie would never come back
    assert cookie["path"] == "/"
