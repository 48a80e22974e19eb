"""A supplier never learns which target group a person it employs belongs to: by no page,
API answer, export, report, search or error message.

Looking for the group's name in the answers proves little (the requirement names the
groups a case takes, so the names are on the supplier's pages by right). The test asks a
stronger question instead: does anything the supplier can get depend on the person's
group? Two worlds are built the same way, on the same fixed clock, except that the placed
person belongs to one target group in the first and to another in the second. Then every
route of the application (read from its URL map, so a route added later is crawled
without a word here) is asked as the employing supplier, in the portal and in the API,
plain and with search parameters naming the group, and every write route is sent input it
must refuse. After the things that differ between any two worlds are replaced (ids,
references, CSRF tokens), the supplier's two crawls must be identical. The same crawl as
the matcher, who may see the group, must differ: that shows the comparison would see a
leak.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from domain.examples import place_person
from domain.participants.sealing import PersonalDetails
from domain.procurement.followup_plan import add_months
from domain.procurement.reports import SupplierReport
from domain.values import TargetGroup
from tests.e2e.api_helpers import PASSWORD, ApiWorld, open_world, parties, settle
from tests.e2e.conftest import Browser
from web import labels
from web.portals.actions import ACTIONS

# Both are groups of the example requirement (domain/examples.py), as a candidate's must be.
GROUPS = (TargetGroup.YOUNG, TargetGroup.LONG_TERM_UNEMPLOYED)
NAME = "Zlatan Qwertyson"
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REFERENCE = re.compile(r"P-[A-Z0-9]{8}")
CSRF = re.compile(r'(name="csrf_token" value=")[^"]+"')
SEARCHES = ("q", "search", "target_group", "group", "filter", "query")
# Static files, signing out (it would end the crawl's session), the language switch, and
# the operations endpoints: the process's own counters and lag, the same for both worlds'
# apps in this one process, and no case content (tests/e2e of web/ops cover them).
SKIPPED = ("static", "signin.sign_out", "language.switch", "metrics", "readyz", "healthz")


@dataclass
class World:
    api: ApiWorld
    ids: dict[str, str]  # path parameter values by name
    group: TargetGroup


def _build(env: dict[str, str], group: TargetGroup, stack: ExitStack) -> World:
    world = stack.enter_context(open_world(env))
    service, cast = world.service, parties(world)
    participant_id, reference = service.register_participant(
        cast.matcher, PersonalDetails(NAME, group, eligibility_attested=True,
                                      personal_number="19811218-9876",
                                      email="zq@example.se", phone="070-123 45 67"))
    start = add_months(service.clock.today(), -7)
    placed = place_person(service, cast, reference, group, start)
    pid, placement_id = placed.procurement_id, placed.placement_ids[0]
    for checkpoint, months in (("start", 0), ("during_3", 3), ("during_6", 6)):
        service.record_checkpoint(cast.matcher, pid, placement_id, checkpoint,
                                  add_months(start, months),
                                  {"employment_status": "same_employer"})
    report = SupplierReport(uuid4(), start, service.clock.today(), "Halvårsrapport")
    service.submit_report(cast.supplier, pid, report)
    settle(world.app)
    ids = {"procurement_id": str(pid), "participant_id": str(participant_id),
           "supplier_id": str(world["supplier"].organisation_id),
           "position_id": str(placed.position_ids[0]),
           "candidate_id": str(placed.candidate_ids[0]), "placement_id": str(placement_id),
           "report_id": str(report.report_id),
           "organisation_id": str(world["supplier"].organisation_id)}
    # Not the supplier's own user and token ids: the crawl posts to every write route, and
    # would deactivate its user or revoke its token half-way.
    return World(world, ids, group)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, World]]:
    with ExitStack() as stack:
        built = []
        for group in GROUPS:
            folder = tmp_path_factory.mktemp(group.value)
            env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                   "SQLITE_DBNAME": str(folder / "events.db")}
            built.append(_build(env, group, stack))
        yield built[0], built[1]


# -- the crawl ---------------------------------------------------------------------------

def _readable(response: TestResponse) -> str:
    """The answer's text as a reader gets it, whatever its format."""
    data = response.get_data()
    mimetype = response.mimetype or ""
    if mimetype == "application/pdf":
        return _pdf_text(data)
    if data[:2] == b"PK":  # XLSX and other zipped office formats: the XML inside
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in sorted(archive.namelist())
                             if not name.startswith("docProps/"))  # holds the file's time
    return data.decode("utf-8", "replace")


def _pdf_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:
        pdftotext = shutil.which("pdftotext")
        assert pdftotext, "install pypdf or poppler-utils to read PDF answers"
        return subprocess.run([pdftotext, "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode()
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


class Normaliser:
    """Replaces what differs between any two worlds by names given in order of first
    appearance, so that the same thing in the same place reads the same in both."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        text = CSRF.sub(r'\1<csrf>"', text)
        text = UUID_PATTERN.sub(lambda m: self._name(m.group(0), "id"), text)
        return REFERENCE.sub(lambda m: self._name(m.group(0), "ref"), text)

    def _name(self, value: str, kind: str) -> str:
        if value not in self.names:
            self.names[value] = f"<{kind}{len(self.names)}>"
        return self.names[value]


def _path(rule: Rule, ids: dict[str, str], slug: str | None = None) -> str:
    values = {name: ids.get(name, "00000000-0000-4000-8000-000000000000")
              for name in rule.arguments}
    if "slug" in rule.arguments:
        values["slug"] = slug or ""
    if "code" in rule.arguments:
        values["code"] = "en"
    if "secret" in rule.arguments:
        values["secret"] = "not-a-secret"
    if "filename" in rule.arguments:
        values["filename"] = "portals.css"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", value, path)
    return path


def _requests(app: Flask, world: World) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, options) for every route: each GET plain, with the case, and with
    every search parameter naming each group (the same probes in both worlds); each write
    with input it must refuse."""
    probes: list[dict[str, str]] = [{}, {"case_id": world.ids["procurement_id"]}]
    for group in GROUPS:
        label = labels.TARGET_GROUPS[group]
        probes.append({key: value for key, value in zip(
            SEARCHES, (group.value, label.sv, label.en) * 2, strict=True)})
    writes: list[dict[str, str]] = [{}, {"target_group": GROUPS[0].value,
                                         "participant_ref": "P-00000000"}]
    slugs = [action.slug for action in ACTIONS]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIPPED:
            continue
        paths = ([_path(rule, world.ids, slug) for slug in slugs] if "slug" in rule.arguments
                 else [_path(rule, world.ids)])
        for path in paths:
            if "GET" in (rule.methods or ()):
                for query in probes:
                    yield "GET", path, {"query_string": query}
            for method in sorted((rule.methods or set()) & {"POST", "PUT"}):
                for body in writes:
                    yield method, path, {"json" if path.startswith("/api/") else "data": body}


def crawl(world: World, party: str) -> list[tuple[str, str, int, str]]:
    """Every answer the party gets, normalised: (method, path, status, text)."""
    app = world.api.app
    browser = Browser(app.test_client())
    signed_in = browser.sign_in(f"{party}@{party.replace('_', '-')}.example.se", PASSWORD)
    assert signed_in.status_code == 302
    token = world.api[party].headers
    normalise = Normaliser()
    answers = []
    for method, path, options in _requests(app, world):
        if path.startswith("/api/"):
            response = world.api.client.open(path, method=method, headers=token, **options)
        elif method == "GET":
            response = browser.get(path, **options)
        else:
            response = browser.post(path, options.get("data"))
        answers.append((method, normalise(path), response.status_code,
                        normalise(_readable(response))))
    return answers


def test_nothing_the_supplier_gets_depends_on_the_persons_target_group(
        worlds: tuple[World, World]) -> None:
    first, second = (crawl(world, "supplier") for world in worlds)
    assert len(first) == len(second)
    differing = [(a[:3], _first_difference(a[3], b[3]))
                 for a, b in zip(first, second, strict=True) if a != b]
    assert differing == []
    # The crawl reached the person and the case: the supplier reads both by right.
    read = {path for method, path, status, text in first if status == 200 and NAME in text}
    assert any(p.startswith("/procurements/") for p in read), read
    assert any(p.startswith("/api/v1/participants/") for p in read), read
    assert sum(1 for *_, status, _ in first if status == 200) >= 40


def test_the_same_crawl_sees_the_difference_where_the_group_may_be_seen(
        worlds: tuple[World, World]) -> None:
    first, second = (crawl(world, "matcher") for world in worlds)
    differing = {path for a, b in zip(first, second, strict=True) if a != b
                 for path in (a[1],)}
    assert any(path.startswith("/participants/") for path in differing), differing
    assert any(path.startswith("/api/v1/participants/") for path in differing), differing


def _first_difference(a: str, b: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
              min(len(a), len(b)))
    return f"…{a[max(0, at - 80):at + 80]!r} vs …{b[max(0, at - 80):at + 80]!r}"
