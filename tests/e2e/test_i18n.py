"""One language per page: Swedish by default, English by the switch in the header.

The English catalog is complete and compiled; every page a demo user reaches reads in one
language only; the switch keeps the visitor on this site; figures and dates follow the
page's locale.
"""

from __future__ import annotations

import ast
import html
import importlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

from domain.procurement.compliance import ComplianceOutcome
from projections import labels as event_labels
from tests.e2e.conftest import Browser
from web import demo, formatting, labels
from web.app import create_app
from web.domain_rules import known_rule
from web.extension import current_service

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
POT = TRANSLATIONS / "messages.pot"

# What a reader of the other language would notice first; the general check below covers
# every string of the catalog and every label.
SWEDISH_MARKERS = ("Upphandlingar", "Logga ut", "Att göra", "Mitt konto", "Hoppa till",
                   "Förlopp", "Lösenord", "Inbjudan", "Händelser", "Sidan finns inte")
ENGLISH_MARKERS = ("Procurements", "Sign out", "Your tasks", "My account", "Skip to",
                   "Lifecycle", "Password", "Invitation", "History", "Page not found")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _extracted(tmp_path: Path) -> Catalog:
    """The messages the sources mark now, extracted as the README says."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                                "-o", str(pot), str(ROOT)])
    return _catalog(pot)


def _key(message: object) -> object:
    context, msgid = getattr(message, "context", None), getattr(message, "id", None)
    return (context, msgid if isinstance(msgid, str) else tuple(msgid or ()))


# (a) The catalog -------------------------------------------------------------------------

def test_every_marked_message_has_an_english_translation(tmp_path: Path) -> None:
    english = _catalog(PO)
    extracted = [m for m in _extracted(tmp_path) if m.id]
    assert len(extracted) > 150
    untranslated = []
    for message in extracted:
        found = english.get(message.id, message.context)
        strings = (found.string if isinstance(found.string, tuple) else (found.string,)
                   if found is not None else ())
        if found is None or found.fuzzy or not all(s.strip() for s in strings):
            untranslated.append(message.id)
    assert untranslated == [], "run the commands in web/i18n.py's docstring and translate"


def test_the_translations_keep_their_placeholders() -> None:
    problems = [(message.id, [str(e) for e in errors])
                for message, errors in _catalog(PO).check() if errors]
    assert problems == []


def test_the_committed_template_lists_what_the_sources_mark(tmp_path: Path) -> None:
    def ids(catalog: Catalog) -> set[object]:
        return {_key(m) for m in catalog if m.id}

    assert ids(_catalog(POT)) == ids(_extracted(tmp_path))


def test_the_compiled_catalog_is_the_po_file_compiled(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.mo"
    with fresh.open("wb") as file:
        write_mo(file, _catalog(PO))

    def contents(path: Path) -> dict[object, object]:
        with path.open("rb") as file:
            return {_key(m): m.string for m in read_mo(file) if m.id}

    assert contents(MO) == contents(fresh)
    assert len(contents(MO)) > 150


# (b) Every page in one language --------------------------------------------------------

@pytest.fixture
def app(sqlite_env: dict[str, str], make_app: Callable[..., Flask]) -> Flask:
    """On SQLite only: what a page says does not depend on the store."""
    return make_app(sqlite_env)


def _phrases(text: str) -> Iterator[str]:
    """The fixed parts of a message long enough to tell the language by (placeholders and
    markup cut out)."""
    for part in re.split(r"%\(\w+\)s|\{\w+\}|<[^>]+>|&\w+;", text):
        part = " ".join(part.split()).strip(" .,:;()–←")
        if len(part) >= 8 or " " in part:
            yield part


def _vocabulary() -> dict[str, set[str]]:
    """Every Swedish phrase of the catalog and the labels, and every English one that is
    not also written the same in Swedish."""
    swedish: set[str] = set()
    english: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for message in _catalog(PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        pairs += list(zip(ids, strings, strict=False))
    tables = (labels.STATES, labels.ROLES, labels.TARGET_GROUPS, labels.REQUIREMENT_LEVELS,
              labels.POSITION_TYPES, labels.DEADLINE_STATUSES, labels.OUTCOMES,
              event_labels.EVENTS, event_labels.TASKS)
    pairs += [(label.sv, label.en) for table in tables for label in table.values()]
    for sv, en in pairs:
        sv_parts, en_parts = set(_phrases(sv)), set(_phrases(en))
        swedish |= sv_parts - en_parts
        english |= en_parts - sv_parts
    return {"sv": swedish, "en": english}


VOCABULARY = _vocabulary()


def _text(page: str) -> str:
    """What a person reads or hears: the text, the title and the accessible names, without
    the language switch (whose name is, rightly, in the other language)."""
    page = re.sub(r'<p class="language">.*?</p>', "", page, flags=re.DOTALL)
    attributes = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *attributes]).replace("\u00a0", " "))


def _assert_one_language(page: str, language: str, where: str) -> None:
    other = "en" if language == "sv" else "sv"
    assert f'<html lang="{language}">' in page, where
    assert 'class="en"' not in page, where
    # The switch's link is the one part in the other language, and says so.
    assert re.findall(r'\slang="(\w+)"', page) == [language, other], where
    text = " ".join(_text(page).split())
    markers = ENGLISH_MARKERS if language == "sv" else SWEDISH_MARKERS
    found = {w for w in (*markers, *VOCABULARY[other])
             if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)}
    assert found == set(), (where, found)


def _pages(app: Flask, seeded: dict[str, demo.Created],
           browser: Callable[[], Browser]) -> Iterator[tuple[str, Browser, str, int]]:
    """(what, browser, path, status) for every page a demo user reaches."""
    with app.app_context():
        service = current_service()
        authority = demo.NORRVIK.actor(service)
        user_id, secret = service.invite_user(authority, authority.organisation_id,
                                              "Sara Lind", "sara.lind@norrvik.example")
    anonymous = browser()
    yield "sign-in", anonymous, "/sign-in?next=/account", 200
    yield "invitation", anonymous, f"/invitations/{user_id}/{secret}", 200
    yield "refused invitation", anonymous, f"/invitations/{user_id}/guessed", 400
    yield "no such page", anonymous, "/no/such/page", 404
    signed_in = browser().sign_in_as(demo.NORRVIK)
    yield "start", signed_in, "/", 200
    for state, created in seeded.items():
        yield f"case {state}", signed_in, f"/procurements/{created.procurement_id}", 200
    for path in ("/account", "/account/password", "/account/tokens", "/organisation/users"):
        yield path, signed_in, path, 200
    yield "error", signed_in, "/procurements/00000000-0000-0000-0000-000000000000", 404
    yield "matcher's start", browser().sign_in_as(demo.MATCHER), "/", 200


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_page_reads_in_one_language(app: Flask, seeded: dict[str, demo.Created],
                                          browser: Callable[[], Browser],
                                          language: str) -> None:
    seen = 0
    for what, reader, path, status in _pages(app, seeded, browser):
        reader.client.set_cookie("lang", language)
        response = reader.get(path)
        assert response.status_code == status, (what, response.status_code)
        _assert_one_language(response.get_data(as_text=True), language, what)
        seen += 1
    assert seen >= 17


def test_the_english_pages_say_the_same_in_english(authority: Browser,
                                                    seeded: dict[str, demo.Created]) -> None:
    authority.client.set_cookie("lang", "en")
    start = authority.page("/")
    assert '<h1 id="inbox-heading">Your tasks</h1>' in start
    assert '<h2 class="cases-heading">Procurements</h2>' in start
    for created in seeded.values():
        assert labels.STATES[created.state].en in start
    closed = authority.page(f"/procurements/{seeded['closed'].procurement_id}")
    assert "<strong>12</strong> of 24 full-time months" in closed
    assert labels.OUTCOMES[ComplianceOutcome.PARTLY_MET].en in closed
    assert labels.EVENTS["ContractSigned"].en in closed
    assert "Skip to content" in closed


def test_a_flash_message_is_in_the_language_of_the_page_that_shows_it(
        directory: object, browser: Callable[[], Browser]) -> None:
    reader = browser().sign_in_as(demo.NORRVIK)
    reader.client.set_cookie("lang", "en")
    assert reader.post("/sign-out").status_code == 302
    page = reader.page("/sign-in")
    assert "You are signed out." in page
    assert "Du är utloggad" not in page


def test_form_errors_are_in_the_language_of_the_page(directory: object,
                                                     browser: Callable[[], Browser]) -> None:
    reader = browser().sign_in_as(demo.NORRVIK)
    for language, expected in (("sv", "Skriv ett heltal från 1 till 366."),
                               ("en", "Enter a whole number from 1 to 366.")):
        reader.client.set_cookie("lang", language)
        response = reader.post("/account/tokens", {"name": "Export", "days": "0"})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert f'<p class="field-error" id="days-error">{expected}</p>' in page
        _assert_one_language(page, language, f"token form in {language}")
        # The answer to a post switches back to the page a GET shows at that address.
        other = "en" if language == "sv" else "sv"
        assert f'href="/language/{other}?next=/account/tokens"' in html.unescape(page)


# (c) The switch ------------------------------------------------------------------------

def test_the_switch_sets_the_language_before_sign_in_and_returns_to_the_page(
        browser: Callable[[], Browser], directory: object) -> None:
    visitor = browser()
    swedish = visitor.page("/sign-in?next=/account")
    link = re.search(r'<p class="language"><a href="([^"]+)" hreflang="en" lang="en">English</a>',
                     swedish)
    assert link, "a Swedish page offers English, named in English"
    href = html.unescape(link.group(1))
    assert href == "/language/en?next=/sign-in?next%3D/account"
    response = visitor.get(href)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/account"
    cookie = visitor.client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    english = visitor.page("/sign-in?next=/account")
    assert '<html lang="en">' in english
    assert '<h1>Sign in</h1>' in english
    assert 'hreflang="sv" lang="sv">Svenska</a>' in english
    assert visitor.get("/language/sv?next=/sign-in").status_code == 302
    assert '<html lang="sv">' in visitor.page("/sign-in")


def test_the_switch_is_a_link_in_the_header_on_every_page(authority: Browser) -> None:
    page = authority.page("/account/tokens")
    header = page.split("</header>", 1)[0]
    assert 'href="/language/en?next=/account/tokens"' in html.unescape(header)


def test_the_switch_on_the_answer_to_a_post_only_address_leads_to_the_start(
        authority: Browser) -> None:
    user_id = "00000000-0000-0000-0000-000000000001"
    response = authority.post(f"/organisation/users/{user_id}/deactivate", {"reason": ""})
    assert response.status_code == 400
    assert 'href="/language/en?next=/"' in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("elsewhere", [
    "https://evil.example/", "//evil.example", "//evil.example/path", "/\\evil.example",
    "javascript:alert(1)", "evil.example", "",
])
def test_the_switch_never_sends_anyone_to_another_site(browser: Callable[[], Browser],
                                                       elsewhere: str) -> None:
    response = browser().get("/language/en", query_string={"next": elsewhere})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(browser: Callable[[], Browser]) -> None:
    visitor = browser()
    response = visitor.get("/language/de?next=/sign-in")
    assert response.status_code == 302
    assert visitor.client.get_cookie("lang") is None
    visitor.client.set_cookie("lang", "de")
    assert '<html lang="sv">' in visitor.page("/sign-in")


def test_the_language_outlives_the_session(directory: object,
                                          browser: Callable[[], Browser]) -> None:
    reader = browser()
    reader.get("/language/en?next=/sign-in")
    reader.sign_in_as(demo.NORRVIK)
    assert '<html lang="en">' in reader.page("/")
    reader.post("/sign-out")
    assert '<html lang="en">' in reader.page("/sign-in")


# (d) Figures and dates -----------------------------------------------------------------

AT = datetime(2026, 11, 26, 13, 5, tzinfo=UTC)  # 14:05 in Stockholm


@pytest.mark.parametrize(("language", "expected"), [
    ("sv", {"number": "12\u00a0345,5", "places": "12\u00a0345,56", "whole": "12\u00a0346",
            "money": "12\u00a0345\u00a0678\u00a0kr", "percent": "76\u00a0%",
            "day": "2026-11-26", "time": "2026-11-26 14:05"}),
    ("en", {"number": "12,345.5", "places": "12,345.56", "whole": "12,346",
            "money": "SEK\u00a012,345,678", "percent": "76%",
            "day": "26 Nov 2026", "time": "26 Nov 2026 14:05"}),
])
def test_figures_and_dates_follow_the_page_locale(app: Flask, language: str,
                                                  expected: dict[str, str]) -> None:
    with app.test_request_context("/", headers={"Cookie": f"lang={language}"}):
        assert formatting.number(Decimal("12345.50"), 2) == expected["number"]
        assert formatting.number(12345.555, 2) == expected["places"]
        assert formatting.number(Decimal("12345.5")) == expected["whole"]
        assert formatting.money(12345678) == expected["money"]
        assert formatting.percent(Decimal("0.755")) == expected["percent"]
        assert formatting.day(date(2026, 11, 26)) == expected["day"]
        assert formatting.local_time(AT) == expected["time"]
        assert formatting.money(None) == formatting.day(None) == "–"


def test_figures_are_swedish_outside_a_request() -> None:
    """As the CLI prints them."""
    assert formatting.number(Decimal("24"), 2) == "24"
    assert formatting.number(Decimal("1234.5"), 2) == "1\u00a0234,5"
    assert formatting.percent(Decimal("0.5")) == "50\u00a0%"
    assert formatting.day(date(2026, 1, 2)) == "2026-01-02"
    assert formatting.local_time(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "2026-07-01 12:00"


def _rules_the_domain_states() -> list[str]:
    """Every rule text the domain's refusals carry (RuleViolation, ValidationError and the
    lifecycle's require_state), read from its source; values in f-strings become "7"."""
    positions = {"RuleViolation": 0, "ValidationError": 1, "require_state": 2}
    found = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            at = positions.get(name)
            if at is None or len(node.args) <= at:
                continue
            text = _rendered(node.args[at], module)
            if text is not None:
                found.append(text)
    return sorted(set(found))


def _rendered(node: object, module: object) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "7"
                       for part in node.values)
    if isinstance(node, ast.Name):
        value = getattr(module, node.id, None)
        return value if isinstance(value, str) else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _rendered(node.func.value, module)  # f"…".replace(…)
    return None


def test_every_rule_the_domain_states_reads_in_the_page_s_language() -> None:
    """A refusal shown on a portal page is in the page's language: every rule the domain
    states is in web/domain_rules.py and in the English catalog."""
    # The app itself (its catalog), on a store it never opens.
    app = create_app({"TESTING": True, "PROCUREMENT_ENV": {
        "PERSISTENCE_MODULE": "eventsourcing.nosuch"}})
    rules = _rules_the_domain_states()
    assert len(rules) > 100
    with app.test_request_context():
        missing = [rule for rule in rules if not known_rule(rule)]
        swedish = {rule: known_rule(rule) for rule in rules}
    assert missing == []
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        english = {rule: known_rule(rule) for rule in rules}
    untranslated = [rule for rule in rules if english[rule] == swedish[rule]]
    assert untranslated == []
    assert swedish["This report is already verified"] == "Rapporten är redan verifierad."
    assert english["This report is already verified"] == "This report is already verified."
